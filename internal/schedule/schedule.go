// Package schedule triggers monitors on their schedules. Two implementations
// of Scheduler exist: Local, a loop over the database that one process per
// database runs (leader by advisory lock), and EventBridge, which keeps one AWS
// EventBridge Scheduler schedule per monitor whose deliveries reach
// scheduler-lambda and Deliverer. Both end every slot as exactly one run row:
// enqueued through the queue with the slot's idempotency key, or `missed` with
// a reason (overlap, stale, scheduler_down, scheduler_lag, dst_gap, or
// maintenance for a slot inside a maintenance window in skip mode).
package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/store"
)

// Scheduler keeps a monitor's trigger in step with the monitor. The gateway
// calls Upsert after creating, editing, pausing or resuming a monitor, and
// Delete after deleting one, in the same request.
type Scheduler interface {
	Upsert(ctx context.Context, m *collection.Monitor) error
	Delete(ctx context.Context, id collection.MonitorID) error
}

// Checker is implemented by schedulers that can refuse a monitor before it is
// saved (EventBridge cannot run sub-minute rates).
type Checker interface {
	Check(m *collection.Monitor) error
}

// Check validates m's schedule for s: the schedule's own rules and, when s is
// a Checker, what s can express. The gateway calls it before saving.
func Check(s Scheduler, m *collection.Monitor) error {
	if _, err := schedulespec.Parse(m.Schedule, m.TimeZone); err != nil {
		return err
	}
	if c, ok := s.(Checker); ok {
		return c.Check(m)
	}
	return nil
}

// Enqueuer starts the runs of due slots; *queue.Client implements it, with
// two statements per call however many runs, each keyed by its slot so a
// slot enqueued twice still has one run.
type Enqueuer interface {
	EnqueueScheduled(ctx context.Context, tx pgx.Tx, runs []queue.ScheduledRun) (int, error)
}

// Collections loads a collection for a run's snapshot; *store.Store implements
// it without opening secrets (the snapshot never holds their values).
type Collections interface {
	CollectionSnapshot(ctx context.Context, db store.DB, id collection.CollectionID) (*collection.Collection, error)
}

// SlotKey is the idempotency key of one slot of one monitor's collection at
// one location: the key queue.EnqueueMonitor gives the run, so a missed row
// and a run can never both exist for a slot.
func SlotKey(m collection.MonitorID, c collection.CollectionID, location string, slot time.Time) string {
	return queue.MonitorRunKey(m, c, location, slot)
}

// gapKey keys a slot whose wall time did not exist. A gap slot can read as
// the same instant as a real slot (02:30 EST is 03:30 EDT), so it has its own key.
func gapKey(m collection.MonitorID, c collection.CollectionID, location string, slot time.Time) string {
	return SlotKey(m, c, location, slot) + ":" + collection.MissedDSTGap
}

// target is one collection at one location of a monitor.
type target struct {
	collection collection.CollectionID
	location   string
}

func targets(m *collection.Monitor) []target {
	out := make([]target, 0, len(m.CollectionIDs)*len(m.Locations))
	for _, c := range m.CollectionIDs {
		for _, l := range m.Locations {
			out = append(out, target{c, l})
		}
	}
	return out
}

// snapshotCache loads each collection once per tick or delivery. Snapshots
// are loaded before the claiming transaction where possible; one found
// missing inside it is read through that transaction, so a transaction never
// waits for a second pool connection.
type snapshotCache struct {
	colls Collections
	mu    sync.Mutex
	byID  map[collection.CollectionID]*collection.Collection // nil value: deleted
}

func newSnapshotCache(colls Collections) *snapshotCache {
	return &snapshotCache{colls: colls, byID: map[collection.CollectionID]*collection.Collection{}}
}

// get returns the collection, ok=false when it no longer exists.
func (c *snapshotCache) get(ctx context.Context, db store.DB, id collection.CollectionID) (*collection.Collection, bool, error) {
	c.mu.Lock()
	got, cached := c.byID[id]
	c.mu.Unlock()
	if cached {
		return got, got != nil, nil
	}
	col, err := c.colls.CollectionSnapshot(ctx, db, id)
	switch {
	case errors.Is(err, collection.ErrNotFound):
		col = nil
	case err != nil:
		return nil, false, fmt.Errorf("loading collection %d for its snapshot: %w", id, err)
	}
	c.mu.Lock()
	c.byID[id] = col
	c.mu.Unlock()
	return col, col != nil, nil
}

func (c *snapshotCache) load(ctx context.Context, db store.DB, ids []collection.CollectionID) error {
	for _, id := range ids {
		if _, _, err := c.get(ctx, db, id); err != nil {
			return err
		}
	}
	return nil
}

// fireResult is what one slot became: runs to enqueue and missed rows, both
// written by the caller in one statement per batch.
type fireResult struct {
	runs   []queue.ScheduledRun
	missed []store.MissedRunParams
}

// fire plans slot for m: when a maintenance window in skip mode covers the
// slot, every collection × location gets a `missed` (maintenance) row; else
// each whose previous run is still queued or running gets a `missed`
// (overlap) row instead, so runs never pile up; the rest are runs to
// enqueue. busy holds the in-flight runs of m, windows the maintenance
// windows covering m; tx only reads a snapshot the cache lacks.
func fire(ctx context.Context, tx pgx.Tx, m *collection.Monitor, slot, now time.Time, busy []store.ActiveRun, windows []collection.MaintenanceWindow, snaps *snapshotCache) (fireResult, error) {
	var res fireResult
	if w, _, ok := schedulespec.ActiveWindow(windows, slot); ok && w.Mode == collection.WindowSkip {
		reason := fmt.Sprintf("%s: window %q", collection.MissedMaintenance, w.Name)
		rows, err := missAll(ctx, tx, m, slot, now, func(c collection.CollectionID, loc string) string { return SlotKey(m.ID, c, loc, slot) }, reason, snaps)
		res.missed = rows
		return res, err
	}
	inFlight := map[target]bool{}
	for _, a := range busy {
		if a.ScheduledFor != nil && a.ScheduledFor.Equal(slot) {
			continue // this very slot, delivered twice: the enqueue is idempotent
		}
		inFlight[target{a.CollectionID, a.Location}] = true
	}
	locations := m.Locations
	if len(locations) == 0 {
		locations = []string{collection.DefaultLocation}
	}
	for _, c := range m.CollectionIDs {
		snap, ok, err := snaps.get(ctx, tx, c)
		if err != nil {
			return res, err
		}
		if !ok {
			continue // deleted since the monitor was loaded
		}
		for _, loc := range locations {
			if inFlight[target{c, loc}] {
				res.missed = append(res.missed, store.MissedRunParams{
					MonitorID: m.ID, CollectionID: c, Location: loc, ScheduledFor: slot,
					IdempotencyKey: SlotKey(m.ID, c, loc, slot), Error: collection.MissedOverlap,
					Snapshot: *snap, At: now,
				})
				continue
			}
			env := m.Environments[c]
			if _, known := snap.Environments[env]; env != "" && !known {
				res.missed = append(res.missed, store.MissedRunParams{
					MonitorID: m.ID, CollectionID: c, Location: loc, ScheduledFor: slot,
					IdempotencyKey: SlotKey(m.ID, c, loc, slot), Error: collection.MissedUnknownEnvironment,
					Snapshot: *snap, At: now,
				})
				continue
			}
			res.runs = append(res.runs, queue.ScheduledRun{MonitorID: m.ID, CollectionID: c, Location: loc, Slot: slot, Snapshot: snap, Environment: env})
		}
	}
	return res, nil
}

// missAll records one missed row per collection × location of m for slot.
func missAll(ctx context.Context, tx pgx.Tx, m *collection.Monitor, slot, now time.Time, key func(collection.CollectionID, string) string, reason string, snaps *snapshotCache) ([]store.MissedRunParams, error) {
	var out []store.MissedRunParams
	for _, t := range targets(m) {
		snap, ok, err := snaps.get(ctx, tx, t.collection)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		out = append(out, store.MissedRunParams{
			MonitorID: m.ID, CollectionID: t.collection, Location: t.location, ScheduledFor: slot,
			IdempotencyKey: key(t.collection, t.location), Error: reason, Snapshot: *snap, At: now,
		})
	}
	return out, nil
}
