package graph

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// maxSnoozeMinutes bounds snoozeIncident: a week.
const maxSnoozeMinutes = 7 * 24 * 60

// runMonitorNow enqueues what one schedule slot of m would (each collection at
// each location, one scheduled_for for all so the alert policy reads them as a
// slot), in one transaction, marked manual and started by user.
func (r *Resolver) runMonitorNow(ctx context.Context, m *collection.Monitor, user collection.UserID) ([]collection.Run, error) {
	if len(m.CollectionIDs) == 0 {
		return nil, collection.Invalid("collectionIds", "monitor %q has no collections to run", m.Name)
	}
	snaps := make(map[collection.CollectionID]collection.Collection, len(m.CollectionIDs))
	for _, cid := range m.CollectionIDs {
		c, err := r.Store.GetCollection(ctx, cid)
		if err != nil {
			return nil, err
		}
		if len(c.Steps) == 0 {
			return nil, collection.Invalid("collectionIds", "collection %q of monitor %q has no steps to run", c.Name, m.Name)
		}
		snaps[cid] = *c
	}
	locations := m.Locations
	if len(locations) == 0 {
		locations = []string{collection.DefaultLocation}
	}
	slot := r.Now().UTC().Truncate(time.Second)
	mid := m.ID
	runs := make([]collection.Run, 0, len(m.CollectionIDs)*len(locations))
	err := store.WithTx(ctx, r.Store.Pool(), func(tx pgx.Tx) error {
		runs = runs[:0]
		for _, cid := range m.CollectionIDs {
			for _, loc := range locations {
				run, _, err := r.Queue.EnqueueRun(ctx, tx, store.InsertRunParams{
					CollectionID: &cid,
					MonitorID:    &mid,
					Location:     loc,
					Trigger:      collection.TriggerManual,
					ScheduledFor: &slot,
					Snapshot:     snaps[cid],
					CreatedBy:    &user,
					Environment:  m.Environments[cid],
				})
				if err != nil {
					return err
				}
				run.Snapshot.Secrets = nil
				runs = append(runs, run)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return runs, nil
}
