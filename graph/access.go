package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/catena-monitor/catena/graph/loader"
	"github.com/catena-monitor/catena/graph/model"
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

// parseID reads an ID argument; a malformed one names nothing (NOT_FOUND).
func parseID[T ~int64](s string) (T, error) { return model.ParseID[T](s) }

func optID[T ~int64](s *string) (*T, error) {
	if s == nil {
		return nil, nil
	}
	id, err := parseID[T](*s)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// pageFirst bounds a page size argument.
func pageFirst(first *int, def, max int) (int, error) {
	n := def
	if first != nil {
		n = *first
	}
	if n < 0 || n > max {
		return 0, collection.Invalid("first", "first must be between 0 and %d, not %d", max, n)
	}
	return n, nil
}

// Cursors for id-ordered lists (collections, monitors): "c:<id>" in base64.
func encodeIDCursor[T ~int64](kind string, id T) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(int64(id), 10)))
}

func decodeIDCursor[T ~int64](kind string, s *string) (T, error) {
	if s == nil || *s == "" {
		return 0, nil
	}
	bad := collection.Invalid("after", "cursor %q is not valid; use endCursor from a previous page", *s)
	b, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil {
		return 0, bad
	}
	k, v, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(v, 10, 64)
	if !ok || k != kind || err != nil || n < 0 {
		return 0, bad
	}
	return T(n), nil
}

func pageInfo(hasNext bool, start, end string) *model.PageInfo {
	p := &model.PageInfo{HasNextPage: hasNext}
	if start != "" {
		p.StartCursor = &start
		p.EndCursor = &end
	}
	return p
}

func notFound(kind string, id any) error {
	return fmt.Errorf("%s %v: %w", kind, id, collection.ErrNotFound)
}

// getCollection loads a collection for the API: secret values are dropped at
// once, so no resolver can return them.
func (r *Resolver) getCollection(ctx context.Context, id collection.CollectionID) (*collection.Collection, error) {
	c, err := r.Store.GetCollection(ctx, id)
	if err != nil {
		return nil, err
	}
	c.Secrets = nil
	return c, nil
}

// replace overwrites a collection whole. Secrets given in c are set, names in
// deleted are removed, and every other stored secret is kept: the store
// replaces the secret set with c.Secrets, so the kept values are merged in.
func (r *Resolver) replace(ctx context.Context, id collection.CollectionID, c *collection.Collection, deleted []string) (*collection.Collection, error) {
	if c.Secrets != nil || len(deleted) > 0 {
		cur, err := r.Store.GetCollection(ctx, id)
		if err != nil {
			return nil, err
		}
		merged := maps.Clone(cur.Secrets)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, c.Secrets)
		for _, n := range deleted {
			delete(merged, n)
		}
		c.Secrets = merged
	}
	out, err := r.Store.ReplaceCollection(ctx, id, c)
	if err != nil {
		return nil, err
	}
	out.Secrets = nil
	return out, nil
}

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
// trip when the operation selects their state or stats under prefix.
func (r *Resolver) prefetchMonitors(ctx context.Context, list []collection.Monitor, prefix ...string) {
	if len(list) == 0 {
		return
	}
	if !selects(ctx, append(slices.Clone(prefix), "stats")...) && !selects(ctx, append(slices.Clone(prefix), "state")...) {
		return
	}
	ids := make([]collection.MonitorID, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	loader.For(ctx).MonitorStats.Prefetch(ctx, ids)
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
