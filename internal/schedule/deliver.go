package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/store"
)

// DelivererConfig configures Deliverer.
type DelivererConfig struct {
	Pool        *pgxpool.Pool
	Store       *store.Store
	Queue       Enqueuer
	Collections Collections // defaults to Store
	Log         *slog.Logger
	Now         func() time.Time
	// MinStale and MaxStale bound how late a delivery may be and still run:
	// the monitor's interval, kept within [MinStale, MaxStale] (2m, 15m).
	MinStale, MaxStale time.Duration
}

// Deliverer handles one EventBridge Scheduler delivery (scheduler-lambda):
// it starts the monitor's runs for the delivered slot, exactly once however
// often AWS delivers it.
type Deliverer struct {
	cfg DelivererConfig
}

// NewDeliverer returns a Deliverer; build it once per Lambda container.
func NewDeliverer(cfg DelivererConfig) (*Deliverer, error) {
	if cfg.Pool == nil || cfg.Store == nil || cfg.Queue == nil {
		return nil, errors.New("schedule: NewDeliverer needs Pool, Store and Queue")
	}
	if cfg.Collections == nil {
		cfg.Collections = cfg.Store
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MinStale <= 0 {
		cfg.MinStale = 2 * time.Minute
	}
	if cfg.MaxStale <= 0 {
		cfg.MaxStale = 15 * time.Minute
	}
	return &Deliverer{cfg: cfg}, nil
}

// DeliveryOutcome says what a delivery became.
type DeliveryOutcome string

// Delivery outcomes.
const (
	DeliveryEnqueued DeliveryOutcome = "enqueued" // runs enqueued (or already there: a duplicate delivery)
	DeliveryStale    DeliveryOutcome = "stale"    // too late: recorded missed (stale), nothing sent
	DeliveryIgnored  DeliveryOutcome = "ignored"  // monitor deleted or paused since
)

// Deliver starts monitor id's runs for the slot AWS scheduled at scheduled.
// Concurrent and repeated deliveries of one slot wait on the monitor's row
// lock and find the slot's runs already there (idempotency key), so they add
// nothing. A delivery later than the stale bound records one `missed` (stale)
// row per collection × location instead of running. An error means nothing
// was committed and the delivery should be retried.
func (d *Deliverer) Deliver(ctx context.Context, id collection.MonitorID, scheduled time.Time) (DeliveryOutcome, error) {
	slot := scheduled.UTC().Truncate(time.Second)
	log := d.cfg.Log.With("monitor_id", id, "slot", slot)
	snaps := newSnapshotCache(d.cfg.Collections)
	// Load snapshots before locking the monitor, so the transaction never
	// waits for a second connection.
	pre, err := d.cfg.Store.ScheduledMonitor(ctx, d.cfg.Pool, id)
	switch {
	case errors.Is(err, collection.ErrNotFound):
		log.InfoContext(ctx, "delivery for a deleted monitor; ignoring")
		return DeliveryIgnored, nil
	case err != nil:
		return "", err
	}
	if err := snaps.load(ctx, d.cfg.Pool, pre.CollectionIDs); err != nil {
		return "", err
	}

	outcome := DeliveryEnqueued
	err = store.WithTx(ctx, d.cfg.Pool, func(tx pgx.Tx) error {
		m, err := d.cfg.Store.LockScheduledMonitor(ctx, tx, id)
		if err != nil {
			return err
		}
		if !m.Enabled {
			outcome = DeliveryIgnored
			return nil
		}
		now := d.cfg.Now()
		interval := time.Duration(0)
		if s, err := schedulespec.Parse(m.Schedule, m.TimeZone); err == nil {
			interval = s.MinInterval()
		}
		if late := now.Sub(slot); late > min(max(interval, d.cfg.MinStale), d.cfg.MaxStale) {
			outcome = DeliveryStale
			rows, err := missAll(ctx, tx, m, slot, now, func(c collection.CollectionID, loc string) string { return SlotKey(m.ID, c, loc, slot) }, collection.MissedStale, snaps)
			if err != nil {
				return err
			}
			_, err = d.cfg.Store.InsertMissedRuns(ctx, tx, rows)
			return err
		}
		busy, err := d.cfg.Store.ActiveRuns(ctx, tx, []collection.MonitorID{m.ID})
		if err != nil {
			return err
		}
		windows, err := d.cfg.Store.WindowsForMonitors(ctx, tx, []collection.MonitorID{m.ID})
		if err != nil {
			return err
		}
		res, err := fire(ctx, tx, m, slot, now, busy, windows[m.ID], snaps)
		if err != nil {
			return err
		}
		if _, err := d.cfg.Queue.EnqueueScheduled(ctx, tx, res.runs); err != nil {
			return fmt.Errorf("enqueueing monitor %d for %s: %w", m.ID, slot.Format(time.RFC3339), err)
		}
		_, err = d.cfg.Store.InsertMissedRuns(ctx, tx, res.missed)
		return err
	})
	switch {
	case errors.Is(err, collection.ErrNotFound):
		log.InfoContext(ctx, "delivery for a deleted monitor; ignoring")
		return DeliveryIgnored, nil
	case err != nil:
		return "", fmt.Errorf("delivering monitor %d slot %s: %w", id, slot.Format(time.RFC3339), err)
	}
	log.InfoContext(ctx, "delivery handled", "outcome", string(outcome))
	return outcome, nil
}
