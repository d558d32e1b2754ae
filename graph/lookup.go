package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/catena-monitor/catena/internal/collection"
)

func notFound(kind string, id any) error {
	return fmt.Errorf("%s %v: %w", kind, id, collection.ErrNotFound)
}

// lookup answers a query for one object by id: the caller must be signed in,
// and an id that is malformed or names nothing is null, as a nullable field
// says "not found" in GraphQL.
func lookup[I ~int64, T any](ctx context.Context, id string, get func(context.Context, I) (*T, error)) (*T, error) {
	if _, err := viewer(ctx); err != nil {
		return nil, err
	}
	oid, err := parseID[I](id)
	if err != nil {
		return nil, nil
	}
	v, err := get(ctx, oid)
	if errors.Is(err, collection.ErrNotFound) {
		return nil, nil
	}
	return v, err
}
