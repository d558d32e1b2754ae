package graph

import (
	"context"

	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
)

// Role gates, one per level. Every operation except login, setup and
// setupRequired calls one of them first.
func viewer(ctx context.Context) (*auth.Principal, error) {
	return auth.Require(ctx, collection.RoleViewer)
}

func editor(ctx context.Context) (*auth.Principal, error) {
	return auth.Require(ctx, collection.RoleEditor)
}

func admin(ctx context.Context) (*auth.Principal, error) {
	return auth.Require(ctx, collection.RoleAdmin)
}
