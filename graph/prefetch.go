package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/catena-monitor/catena/graph/loader"
	"github.com/catena-monitor/catena/internal/collection"
)

// selects reports whether the operation asks for the field at path below the
// current one (e.g. "edges", "node", "steps"). List resolvers use it to start
// one batch for all their children at once, so the batch never depends on
// how fast the child resolvers are scheduled.
func selects(ctx context.Context, path ...string) bool {
	oc := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
	for i, name := range path {
		var next []graphql.CollectedField
		found := false
		for _, f := range fields {
			if f.Name != name {
				continue
			}
			if i == len(path)-1 {
				return true
			}
			found = true
			next = append(next, graphql.CollectFields(oc, f.Selections, nil)...)
		}
		if !found {
			return false
		}
		fields = next
	}
	return false
}

// prefetchCollections queues one batch per child list the operation selects
// under collections.edges.node, with every listed id.
func (r *Resolver) prefetchCollections(ctx context.Context, list []collection.Collection) {
	if len(list) == 0 {
		return
	}
	ids := make([]collection.CollectionID, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	l := loader.For(ctx)
	if selects(ctx, "edges", "node", "steps") {
		l.Steps.LoadAllThunk(ctx, ids)
	}
	if selects(ctx, "edges", "node", "secrets") {
		l.SecretNames.LoadAllThunk(ctx, ids)
	}
	if selects(ctx, "edges", "node", "lastRun") {
		l.LatestRun.LoadAllThunk(ctx, ids)
	}
	if selects(ctx, "edges", "node", "monitors") {
		l.Monitors.LoadAllThunk(ctx, ids)
	}
}
