package schedule

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/store"
)

// LocalConfig configures the in-database scheduler. Zero values take the defaults.
type LocalConfig struct {
	Pool        *pgxpool.Pool
	Store       *store.Store
	Queue       Enqueuer
	Collections Collections // defaults to Store
	Log         *slog.Logger
	// Now is the clock; tests inject one they control.
	Now func() time.Time
	// PollInterval is how often the leader looks for due monitors (250ms;
	// one indexed query when nothing is due).
	PollInterval time.Duration
	// StandbyInterval is how often a standby tries to become leader (2s).
	StandbyInterval time.Duration
	// Grace is how late a slot may still start (1m). A slot found later than
	// that (the scheduler was down or stopped) is recorded missed, not run.
	Grace time.Duration
	// JitterMax caps the per-monitor start delay that spreads monitors
	// sharing a slot (2s; never more than 10% of the interval; negative: none).
	JitterMax time.Duration
	// Batch is how many monitors one transaction claims (50: small batches
	// commit, and so start, their runs sooner).
	Batch int
	// Workers is how many transactions claim in parallel (2).
	Workers int
}

// Local is the scheduler that runs inside Catena (catena serve or catena
// scheduler): a loop over monitors.next_run_at. Any number may run against one
// database; one is leader at a time (a session advisory lock on a dedicated
// connection) and the others wait as standbys. Each slot is claimed with FOR
// UPDATE SKIP LOCKED, enqueued with its idempotency key, and next_run_at moves
// on in the same transaction, so even two leaders could not double a slot.
type Local struct {
	cfg   LocalConfig
	firer firer
}

var _ Scheduler = (*Local)(nil)

// NewLocal returns a local scheduler; call Run to start it.
func NewLocal(cfg LocalConfig) (*Local, error) {
	if cfg.Pool == nil || cfg.Store == nil || cfg.Queue == nil {
		return nil, errors.New("schedule: NewLocal needs Pool, Store and Queue")
	}
	if cfg.Collections == nil {
		cfg.Collections = cfg.Store
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.Log = cfg.Log.With("component", "scheduler")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.PollInterval = cmp.Or(cfg.PollInterval, 250*time.Millisecond)
	cfg.StandbyInterval = cmp.Or(cfg.StandbyInterval, 2*time.Second)
	cfg.Grace = cmp.Or(cfg.Grace, time.Minute)
	cfg.JitterMax = cmp.Or(cfg.JitterMax, 2*time.Second) // negative: no jitter
	cfg.Batch = cmp.Or(cfg.Batch, 50)
	cfg.Workers = cmp.Or(cfg.Workers, 2)
	return &Local{cfg: cfg, firer: firer{store: cfg.Store, queue: cfg.Queue, log: cfg.Log}}, nil
}

// Upsert recomputes the monitor's next_run_at from what is stored: NULL when
// paused, else its next slot (plus its jitter). A slot already due and not yet
// claimed is kept, so editing a monitor's name does not skip a run. It sets
// m.NextRunAt for the caller's response.
func (l *Local) Upsert(ctx context.Context, m *collection.Monitor) error {
	var next *time.Time
	err := store.WithTx(ctx, l.cfg.Pool, func(tx pgx.Tx) error {
		cur, err := l.cfg.Store.LockScheduledMonitor(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		next, err = l.nextRunAt(cur)
		if err != nil {
			return err
		}
		return l.cfg.Store.SetNextRunAt(ctx, tx, map[collection.MonitorID]*time.Time{m.ID: next})
	})
	if err != nil {
		return fmt.Errorf("scheduling monitor %d: %w", m.ID, err)
	}
	m.NextRunAt = next
	return nil
}

func (l *Local) nextRunAt(m *collection.Monitor) (*time.Time, error) {
	if !m.Enabled {
		return nil, nil
	}
	s, err := schedulespec.Parse(m.Schedule, m.TimeZone)
	if err != nil {
		return nil, err
	}
	now := l.cfg.Now()
	j := schedulespec.Jitter(m.ID, s, l.cfg.JitterMax)
	if cur := m.NextRunAt; cur != nil && !cur.After(now) {
		if due := s.Slots(cur.Add(-j-time.Nanosecond), cur.Add(-j), 1); len(due) == 1 {
			return cur, nil
		}
	}
	slot, ok := s.NextSlot(now.Add(-j))
	if !ok {
		return nil, nil
	}
	t := slot.At.Add(j)
	return &t, nil
}

// Delete forgets a monitor. The monitor row (and its next_run_at) is gone
// with the monitor itself, so there is nothing left to undo locally.
func (l *Local) Delete(context.Context, collection.MonitorID) error { return nil }

// Run competes for leadership and, while leader, fires due monitors every
// PollInterval until ctx ends. It returns nil on cancellation; database errors
// are logged and retried, never fatal.
func (l *Local) Run(ctx context.Context) error {
	log := l.cfg.Log
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, l.cfg.Pool.Config().ConnConfig.Copy())
		if err != nil {
			if ctx.Err() == nil {
				log.WarnContext(ctx, "scheduler cannot reach the database; retrying", "error", err)
			}
			wait(ctx, l.cfg.StandbyInterval)
			continue
		}
		l.lead(ctx, conn)
		_ = conn.Close(context.WithoutCancel(ctx))
	}
	return nil
}

// lead waits on conn for the leader lock, then ticks while holding it. It
// returns when ctx ends or conn fails; closing conn releases the lock.
func (l *Local) lead(ctx context.Context, conn *pgx.Conn) {
	log := l.cfg.Log
	standby := false
	for {
		ok, err := store.TryLeaderLock(ctx, conn)
		if err != nil {
			if ctx.Err() == nil {
				log.WarnContext(ctx, "scheduler lost its database connection", "error", err)
			}
			return
		}
		if ok {
			break
		}
		if !standby {
			log.InfoContext(ctx, "another scheduler is active; waiting as standby")
			standby = true
		}
		if !wait(ctx, l.cfg.StandbyInterval) {
			return
		}
	}
	log.InfoContext(ctx, "scheduler is active")
	ticker := time.NewTicker(l.cfg.PollInterval)
	defer ticker.Stop()
	lastCheck := time.Now()
	for {
		if _, err := l.Tick(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "scheduler tick failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		// Make sure the lock's session is still alive (a cut connection loses
		// the lock to a standby); checked every few seconds, not every tick.
		if time.Since(lastCheck) >= l.cfg.StandbyInterval {
			lastCheck = time.Now()
			held, err := store.HoldsLeaderLock(ctx, conn)
			if err != nil || !held {
				if ctx.Err() == nil {
					log.WarnContext(ctx, "scheduler lost the leader lock; standing by", "error", err)
				}
				return
			}
		}
	}
}

func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// TickStats counts what one tick did.
type TickStats struct {
	Monitors int // monitors claimed
	Enqueued int // runs enqueued
	Missed   int // missed rows recorded
}

// Tick fires every monitor due at Now(), in batches and Workers transactions
// at a time, until none is due. Run calls it; tests call it directly with a
// controlled clock.
func (l *Local) Tick(ctx context.Context) (TickStats, error) {
	snaps := newSnapshotCache(l.cfg.Collections)
	stats := make([]TickStats, l.cfg.Workers)
	g, gctx := errgroup.WithContext(ctx)
	for w := range l.cfg.Workers {
		g.Go(func() error {
			for {
				st, err := l.tickBatch(gctx, snaps)
				stats[w].Monitors += st.Monitors
				stats[w].Enqueued += st.Enqueued
				stats[w].Missed += st.Missed
				if err != nil || st.Monitors < l.cfg.Batch {
					return err
				}
			}
		})
	}
	err := g.Wait()
	var total TickStats
	for _, s := range stats {
		total.Monitors += s.Monitors
		total.Enqueued += s.Enqueued
		total.Missed += s.Missed
	}
	return total, err
}

// tickBatch claims up to Batch due monitors and, in the same transaction,
// records or enqueues their slots and moves their next_run_at.
func (l *Local) tickBatch(ctx context.Context, snaps *snapshotCache) (TickStats, error) {
	var st TickStats
	now := l.cfg.Now()
	// Load snapshots before taking row locks, so the transaction never waits
	// for a second pool connection.
	ids, err := l.cfg.Store.DueCollectionIDs(ctx, l.cfg.Pool, now, l.cfg.Batch*l.cfg.Workers)
	if err != nil {
		return st, err
	}
	if err := snaps.load(ctx, l.cfg.Pool, ids); err != nil {
		return st, err
	}
	err = store.WithTx(ctx, l.cfg.Pool, func(tx pgx.Tx) error {
		st = TickStats{}
		monitors, err := l.cfg.Store.ClaimDueMonitors(ctx, tx, now, l.cfg.Batch)
		if err != nil || len(monitors) == 0 {
			return err
		}
		st.Monitors = len(monitors)
		mids := make([]collection.MonitorID, len(monitors))
		for i, m := range monitors {
			mids[i] = m.ID
		}
		active, err := l.cfg.Store.ActiveRuns(ctx, tx, mids)
		if err != nil {
			return err
		}
		busy := map[collection.MonitorID][]store.ActiveRun{}
		for _, a := range active {
			busy[a.MonitorID] = append(busy[a.MonitorID], a)
		}
		var missed []store.MissedRunParams
		next := make(map[collection.MonitorID]*time.Time, len(monitors))
		for i := range monitors {
			m := &monitors[i]
			res, nextAt, err := l.fireMonitor(ctx, tx, m, now, busy[m.ID], snaps)
			if err != nil {
				return err
			}
			st.Enqueued += res.enqueued
			missed = append(missed, res.missed...)
			next[m.ID] = nextAt
		}
		if st.Missed, err = l.cfg.Store.InsertMissedRuns(ctx, tx, missed); err != nil {
			return err
		}
		return l.cfg.Store.SetNextRunAt(ctx, tx, next)
	})
	return st, err
}

// maxSummarized bounds the slots counted in one scheduler_down summary.
const maxSummarized = 100_000

// fireMonitor handles one claimed monitor: every slot from its stored
// next_run_at up to now ends as one of
//   - a run (the latest slot, when it is at most Grace late),
//   - one summary `missed` row per collection × location for the slots passed
//     while no scheduler ran (scheduler_down, count and range in the error),
//   - a `missed` dst_gap row for a wall time that did not exist,
//
// and returns the monitor's next next_run_at.
func (l *Local) fireMonitor(ctx context.Context, tx pgx.Tx, m *collection.Monitor, now time.Time, busy []store.ActiveRun, snaps *snapshotCache) (fireResult, *time.Time, error) {
	var res fireResult
	s, err := schedulespec.Parse(m.Schedule, m.TimeZone)
	if err != nil {
		// Saved schedules are validated; one that no longer parses (a zone
		// removed from the database) parks the monitor rather than looping.
		l.cfg.Log.ErrorContext(ctx, "monitor has an invalid schedule; pausing its schedule", "monitor_id", m.ID, "error", err)
		return res, nil, nil
	}
	j := schedulespec.Jitter(m.ID, s, l.cfg.JitterMax)
	from := m.NextRunAt.Add(-j - time.Nanosecond)
	until := now.Add(-j)
	// Slots at or before cut are more than Grace late: they are not run.
	cut := until.Add(-l.cfg.Grace)
	if cut.Before(from) {
		cut = from
	}
	late := s.Slots(from, cut, maxSummarized)
	if s.Every() > 0 && len(late) == maxSummarized {
		// A long outage: keep the true last late slot so the count is exact.
		late = append(late[:len(late)-1], s.Slots(cut.Add(-s.Every()), cut, 0)...)
	}
	recent := s.Slots(cut, until, 0)

	var down []schedulespec.Slot // slots passed without a scheduler
	var fire *schedulespec.Slot
	for i, sl := range append(late, recent...) {
		if sl.Gap {
			gap := sl
			rows, err := missAll(ctx, tx, m, gap.At, now, func(c collection.CollectionID, loc string) string { return gapKey(m.ID, c, loc, gap.At) }, collection.MissedDSTGap, snaps)
			if err != nil {
				return res, nil, err
			}
			res.missed = append(res.missed, rows...)
			continue
		}
		if i >= len(late) {
			if fire != nil {
				down = append(down, *fire) // only the latest slot runs: never back-to-back
			}
			fire = &sl
			continue
		}
		down = append(down, sl)
	}
	if len(down) > 0 {
		first, last := down[0].At, down[len(down)-1].At
		count := len(down)
		if s.Every() > 0 {
			count = s.CountSlots(from, last, 0)
		} else if len(late) == maxSummarized {
			count = maxSummarized // at least
		}
		reason := fmt.Sprintf("%s: %d slot(s) from %s to %s were not run because no scheduler was running",
			collection.MissedSchedulerDown, count, first.Format(time.RFC3339), last.Format(time.RFC3339))
		rows, err := missAll(ctx, tx, m, first, now, func(c collection.CollectionID, loc string) string { return SlotKey(m.ID, c, loc, first) }, reason, snaps)
		if err != nil {
			return res, nil, err
		}
		res.missed = append(res.missed, rows...)
		l.cfg.Log.WarnContext(ctx, "monitor missed slots while no scheduler ran", "monitor_id", m.ID, "slots", count, "first", first, "last", last)
	}
	if fire != nil {
		fr, err := l.firer.fire(ctx, tx, m, fire.At, now, busy, snaps)
		if err != nil {
			return res, nil, err
		}
		res.enqueued = fr.enqueued
		res.missed = append(res.missed, fr.missed...)
	}
	nextSlot, ok := s.NextSlot(until)
	if !ok {
		return res, nil, nil
	}
	nextAt := nextSlot.At.Add(j)
	return res, &nextAt, nil
}
