// Package model holds the GraphQL-only types gqlgen generates and the
// marshalers that present the domain's typed int64 identifiers as GraphQL IDs.
package model

import (
	"fmt"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/catena-monitor/catena/internal/collection"
)

// ParseID reads an ID argument as a typed identifier. A malformed ID cannot
// name anything, so it is reported like a missing object by callers.
func ParseID[T ~int64](s string) (T, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("id %q: %w", s, collection.ErrNotFound)
	}
	return T(n), nil
}

func marshalID[T ~int64](id T) graphql.Marshaler {
	return graphql.MarshalID(strconv.FormatInt(int64(id), 10))
}

func unmarshalID[T ~int64](v any) (T, error) {
	s, err := graphql.UnmarshalID(v)
	if err != nil {
		return 0, err
	}
	return ParseID[T](s)
}

// The marshaler pairs below are referenced from gqlgen.yml (models.ID).

func MarshalCollectionID(id collection.CollectionID) graphql.Marshaler { return marshalID(id) }
func UnmarshalCollectionID(v any) (collection.CollectionID, error) {
	return unmarshalID[collection.CollectionID](v)
}
func MarshalStepID(id collection.StepID) graphql.Marshaler { return marshalID(id) }
func UnmarshalStepID(v any) (collection.StepID, error) {
	return unmarshalID[collection.StepID](v)
}
func MarshalRunID(id collection.RunID) graphql.Marshaler         { return marshalID(id) }
func UnmarshalRunID(v any) (collection.RunID, error)             { return unmarshalID[collection.RunID](v) }
func MarshalMonitorID(id collection.MonitorID) graphql.Marshaler { return marshalID(id) }
func UnmarshalMonitorID(v any) (collection.MonitorID, error) {
	return unmarshalID[collection.MonitorID](v)
}
func MarshalChannelID(id collection.ChannelID) graphql.Marshaler { return marshalID(id) }
func UnmarshalChannelID(v any) (collection.ChannelID, error) {
	return unmarshalID[collection.ChannelID](v)
}
func MarshalUserID(id collection.UserID) graphql.Marshaler   { return marshalID(id) }
func UnmarshalUserID(v any) (collection.UserID, error)       { return unmarshalID[collection.UserID](v) }
func MarshalTokenID(id collection.TokenID) graphql.Marshaler { return marshalID(id) }
func UnmarshalTokenID(v any) (collection.TokenID, error) {
	return unmarshalID[collection.TokenID](v)
}
func MarshalIncidentID(id collection.IncidentID) graphql.Marshaler { return marshalID(id) }
func UnmarshalIncidentID(v any) (collection.IncidentID, error) {
	return unmarshalID[collection.IncidentID](v)
}
func MarshalDeliveryID(id collection.DeliveryID) graphql.Marshaler { return marshalID(id) }
func UnmarshalDeliveryID(v any) (collection.DeliveryID, error) {
	return unmarshalID[collection.DeliveryID](v)
}

// FormatID writes an identifier as the API shows it.
func FormatID[T ~int64](id T) string { return strconv.FormatInt(int64(id), 10) }
