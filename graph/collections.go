package graph

import (
	"context"

	"github.com/catena-monitor/catena/internal/collection"
)

// getCollection loads a collection for the API. The store opens no secret;
// the names are dropped too, since the API lists them through the loader.
func (r *Resolver) getCollection(ctx context.Context, id collection.CollectionID) (*collection.Collection, error) {
	c, err := r.Store.GetCollection(ctx, id)
	if err != nil {
		return nil, err
	}
	c.Secrets = nil
	return c, nil
}

// replace overwrites a collection whole. Secrets given in c are set, names in
// deleted are removed, and every other stored secret is kept, by the store and
// without decrypting any.
func (r *Resolver) replace(ctx context.Context, id collection.CollectionID, c *collection.Collection, deleted []string) (*collection.Collection, error) {
	out, err := r.Store.ReplaceCollection(ctx, id, c, deleted)
	if err != nil {
		return nil, err
	}
	out.Secrets = nil
	return out, nil
}
