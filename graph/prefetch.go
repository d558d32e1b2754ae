package graph

import (
	"context"
	"slices"

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

// prefetchCollections fetches, in one query per child list the operation
// selects under prefix (e.g. "edges", "node" for a connection; none for a
// single collection), the children of every listed collection, so no child
// resolver waits for a batch to fill.
func (r *Resolver) prefetchCollections(ctx context.Context, list []collection.Collection, prefix ...string) {
	if len(list) == 0 {
		return
	}
	ids := make([]collection.CollectionID, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	l := loader.For(ctx)
	at := func(field string) bool { return selects(ctx, append(slices.Clone(prefix), field)...) }
	if at("steps") {
		l.Steps.Prefetch(ctx, ids)
	}
	if at("secrets") {
		l.SecretNames.Prefetch(ctx, ids)
	}
	if at("lastRun") {
		l.LatestRun.Prefetch(ctx, ids)
	}
	if at("monitors") {
		l.Monitors.Prefetch(ctx, ids)
	}
}

// prefetchMonitors fetches the figures of every listed monitor in one round
// trip when the operation selects their state or stats under prefix, and
// their collections in another when it selects those.
func (r *Resolver) prefetchMonitors(ctx context.Context, list []collection.Monitor, prefix ...string) {
	if len(list) == 0 {
		return
	}
	at := func(field string) bool { return selects(ctx, append(slices.Clone(prefix), field)...) }
	l := loader.For(ctx)
	if at("collections") {
		var cids []collection.CollectionID
		for _, m := range list {
			for _, c := range m.CollectionIDs {
				if !slices.Contains(cids, c) {
					cids = append(cids, c)
				}
			}
		}
		// On failure the resolvers load them one by one and report the error.
		if cs, err := r.Store.GetCollections(ctx, cids); err == nil {
			for id, c := range cs {
				l.Collection.Prime(id, c)
			}
		}
	}
	ids := make([]collection.MonitorID, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	if at("stats") || at("state") {
		l.MonitorStats.Prefetch(ctx, ids)
	}
	if at("maintenance") || at("maintenanceWindows") {
		l.Holds.Prefetch(ctx, ids)
	}
	if at("badge") {
		l.BadgeKey.Prefetch(ctx, ids)
	}
}

// prefetchIncidents fetches the public notes of every listed incident in one
// query when the operation selects them.
func (r *Resolver) prefetchIncidents(ctx context.Context, list []collection.Incident) {
	if len(list) == 0 || !selects(ctx, "publicNote") {
		return
	}
	ids := make([]collection.IncidentID, len(list))
	for i, in := range list {
		ids[i] = in.ID
	}
	loader.For(ctx).PublicNote.Prefetch(ctx, ids)
}
