package model

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/catena-monitor/catena/internal/collection"
)

// Maintenance windows' and mutes' IDs (gqlgen.yml, models.ID).

func MarshalWindowID(id collection.WindowID) graphql.Marshaler { return marshalID(id) }
func UnmarshalWindowID(v any) (collection.WindowID, error) {
	return unmarshalID[collection.WindowID](v)
}
func MarshalMuteID(id collection.MuteID) graphql.Marshaler { return marshalID(id) }
func UnmarshalMuteID(v any) (collection.MuteID, error)     { return unmarshalID[collection.MuteID](v) }
