package graph

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// enqueueRun starts one run through the queue's EnqueueRun in a transaction of
// its own: the one way a run starts, kept out of the generated resolver files so
// their imports stay as gqlgen writes them.
func (r *Resolver) enqueueRun(ctx context.Context, p store.InsertRunParams) (collection.Run, error) {
	var run collection.Run
	err := store.WithTx(ctx, r.Store.Pool(), func(tx pgx.Tx) error {
		var err error
		run, _, err = r.Queue.EnqueueRun(ctx, tx, p)
		return err
	})
	return run, err
}
