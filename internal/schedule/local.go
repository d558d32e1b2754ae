package schedule

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/store"
)

// LocalConfig configures the in-database scheduler. Zero values take the defaults.
type LocalConfig struct {
	Pool        *pgxpool.Pool
	Store       *store.Store
	Queue       Enqueuer
	Collections Collections // defaults to Store
	Log         *slog.Logger
	// Now is the wall clock slots are read on; tests inject one they control.
	Now func() time.Time
	// Elapsed is a monotonic clock: time since any fixed point, never
	// jumping (default: the process's monotonic clock). Between two ticks,
	// Now moving much further than Elapsed is a wall-clock jump, treated as
	// an outage; both moving together is the scheduler being slow, whose
	// late slots are lag, never scheduler_down. Tests move both to play a
	// slow scheduler.
	Elapsed func() time.Duration
	// PollInterval is how often the leader looks for due monitors (250ms;
	// one indexed query when nothing is due).
	PollInterval time.Duration
	// StandbyInterval is how often a standby tries to become leader (2s).
	StandbyInterval time.Duration
	// Grace is how late a slot may still start (1m). A slot found later than
	// that (the scheduler was down or stopped) is recorded missed, not run.
	Grace time.Duration
	// JitterMax is the window of the per-monitor start delay that spreads
	// monitors sharing a slot: zero for the default (a quarter of the
	// monitor's interval, at most 30s), negative for none; never more than
	// half the interval (schedulespec.JitterWindow).
	JitterMax time.Duration
	// Batch is how many monitors one transaction claims (500: their runs and
	// jobs are two statements whatever the count, so fewer, larger batches
	// spend fewer round trips, each a wait for CPU on a loaded host).
	Batch int
	// Workers is how many transactions claim in parallel (3: one commits
	// while the others build and insert; the pool needs one more connection
	// for the snapshot reads). Both measured in docs/performance.md.
	Workers int
	// Metrics, when set, is told about missed slots.
	Metrics SlotObserver
	// Backlog, when set, is told when a tick finds due monitors (true, before
	// it enqueues them) and when that tick is done (false). catena serve
	// uses it to hold new runs back while slots are being enqueued, so the
	// runner in the same process does not take the CPU and the database the
	// enqueueing needs.
	Backlog func(active bool)
}

// Local is the scheduler that runs inside Catena (catena serve or catena
// scheduler): a loop over monitors.next_run_at. Any number may run against one
// database; one is leader at a time (a session advisory lock on a dedicated
// connection) and the others wait as standbys. Each slot is claimed with FOR
// UPDATE SKIP LOCKED, enqueued with its idempotency key, and next_run_at moves
// on in the same transaction, so even two leaders could not double a slot.
type Local struct {
	cfg LocalConfig

	mu sync.Mutex
	// liveSince is when this scheduler last started ticking without a gap
	// (leadership taken, a failed tick, a clock jump); slots due since are
	// its own to be late on. Zero before the first tick.
	liveSince   time.Time
	lastWall    time.Time     // Now at the previous tick
	lastElapsed time.Duration // Elapsed at the previous tick
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
	if cfg.Elapsed == nil {
		start := time.Now()
		cfg.Elapsed = func() time.Duration { return time.Since(start) }
	}
	cfg.PollInterval = cmp.Or(cfg.PollInterval, 250*time.Millisecond)
	cfg.StandbyInterval = cmp.Or(cfg.StandbyInterval, 2*time.Second)
	cfg.Grace = cmp.Or(cfg.Grace, time.Minute)
	cfg.Batch = cmp.Or(cfg.Batch, 500)
	cfg.Workers = cmp.Or(cfg.Workers, 3)
	return &Local{cfg: cfg}, nil
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
	l.resetLiveness() // slots due while standing by were no scheduler's
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
	// MaxLag is how late the latest fired slot was, from its jittered due
	// time to the tick that enqueued it: the scheduler's own lag.
	MaxLag time.Duration
}

// liveness returns since when this scheduler has been ticking without a
// gap, as of a tick at now, and notes the tick.
func (l *Local) liveness(now time.Time) time.Time {
	el := l.cfg.Elapsed()
	l.mu.Lock()
	defer l.mu.Unlock()
	wall := now.Round(0).Sub(l.lastWall.Round(0)) // wall time, not the monotonic reading
	switch {
	case l.lastWall.IsZero(), l.liveSince.IsZero():
		l.liveSince = now // first tick: nothing before it was ours
	case wall < 0 || wall-(el-l.lastElapsed) > l.cfg.Grace:
		l.liveSince = now // the wall clock jumped: as an outage
	}
	l.lastWall, l.lastElapsed = now, el
	return l.liveSince
}

// resetLiveness makes the next tick start a new live period: after taking
// leadership, and after a failed tick (slots due while the database was out
// of reach were not run by a working scheduler).
func (l *Local) resetLiveness() {
	l.mu.Lock()
	l.liveSince, l.lastWall = time.Time{}, time.Time{}
	l.mu.Unlock()
}

// Tick fires every monitor due at Now(), in batches and Workers transactions
// at a time, until none is due. Run calls it; tests call it directly with a
// controlled clock.
func (l *Local) Tick(ctx context.Context) (TickStats, error) {
	live := l.liveness(l.cfg.Now())
	snaps := newSnapshotCache(l.cfg.Collections)
	var backlog sync.Once
	if l.cfg.Backlog != nil {
		defer func() {
			backlog.Do(func() {}) // a batch starting now no longer signals
			l.cfg.Backlog(false)
		}()
	}
	stats := make([]TickStats, l.cfg.Workers)
	g, gctx := errgroup.WithContext(ctx)
	for w := range l.cfg.Workers {
		g.Go(func() error {
			for {
				st, err := l.tickBatch(gctx, snaps, live, &backlog)
				stats[w].Monitors += st.Monitors
				stats[w].Enqueued += st.Enqueued
				stats[w].Missed += st.Missed
				stats[w].MaxLag = max(stats[w].MaxLag, st.MaxLag)
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
		total.MaxLag = max(total.MaxLag, s.MaxLag)
	}
	if err != nil {
		l.resetLiveness()
	}
	return total, err
}

// tickBatch claims up to Batch due monitors and, in the same transaction,
// records or enqueues their slots and moves their next_run_at.
func (l *Local) tickBatch(ctx context.Context, snaps *snapshotCache, live time.Time, backlog *sync.Once) (TickStats, error) {
	var st TickStats
	now := l.cfg.Now()
	// Load snapshots before taking row locks, so the transaction never waits
	// for a second pool connection.
	ids, err := l.cfg.Store.DueCollectionIDs(ctx, l.cfg.Pool, now, l.cfg.Batch*l.cfg.Workers)
	if err != nil {
		return st, err
	}
	if len(ids) > 0 && l.cfg.Backlog != nil {
		backlog.Do(func() { l.cfg.Backlog(true) })
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
		windows, err := l.cfg.Store.WindowsForMonitors(ctx, tx, mids)
		if err != nil {
			return err
		}
		busy := map[collection.MonitorID][]store.ActiveRun{}
		for _, a := range active {
			busy[a.MonitorID] = append(busy[a.MonitorID], a)
		}
		var (
			runs   []queue.ScheduledRun
			missed []store.MissedRunParams
		)
		next := make(map[collection.MonitorID]*time.Time, len(monitors))
		for i := range monitors {
			m := &monitors[i]
			res, nextAt, err := l.fireMonitor(ctx, tx, m, now, live, busy[m.ID], windows[m.ID], snaps)
			if err != nil {
				return err
			}
			runs = append(runs, res.runs...)
			missed = append(missed, res.missed...)
			next[m.ID] = nextAt
			st.MaxLag = max(st.MaxLag, res.lag)
		}
		if _, err := l.cfg.Queue.EnqueueScheduled(ctx, tx, runs); err != nil {
			return fmt.Errorf("enqueueing %d scheduled runs: %w", len(runs), err)
		}
		st.Enqueued = len(runs)
		if st.Missed, err = l.cfg.Store.InsertMissedRuns(ctx, tx, missed); err != nil {
			return err
		}
		l.observeMissed(monitors, missed)
		return l.cfg.Store.SetNextRunAt(ctx, tx, next)
	})
	return st, err
}

// maxSummarized bounds the slots counted in one scheduler_down summary.
const maxSummarized = 100_000

// monitorResult is what fireMonitor made of one monitor's due slots.
type monitorResult struct {
	fireResult
	lag time.Duration // how late the fired slot was, from its jittered due time
}

// fireMonitor handles one claimed monitor: every slot from its stored
// next_run_at up to now ends as one of
//   - a run: the latest slot, when it is at most Grace late or came due while
//     this scheduler was ticking (live: its lateness is the scheduler's lag);
//   - one summary `missed` row per collection × location for the slots passed
//     while no scheduler ran (scheduler_down, count and range in the error);
//   - one summary `missed` row per collection × location for the older slots
//     passed while this scheduler ran but lagged behind (scheduler_lag): only
//     the latest slot runs, never back-to-back;
//   - a `missed` dst_gap row for a wall time that did not exist,
//
// and returns the monitor's next next_run_at.
func (l *Local) fireMonitor(ctx context.Context, tx pgx.Tx, m *collection.Monitor, now, live time.Time, busy []store.ActiveRun, windows []collection.MaintenanceWindow, snaps *snapshotCache) (monitorResult, *time.Time, error) {
	var res monitorResult
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
	// Slots at or before cut are more than Grace late: they are not run,
	// unless they came due while this scheduler was live.
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
	isLive := func(sl schedulespec.Slot) bool { return !live.IsZero() && !sl.At.Add(j).Before(live) }

	var down, lagged []schedulespec.Slot // slots not run: no scheduler / this one behind
	var latest *schedulespec.Slot
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
		if i < len(late) && !isLive(sl) {
			down = append(down, sl)
			continue
		}
		if latest != nil { // only the latest slot runs: never back-to-back
			if isLive(*latest) {
				lagged = append(lagged, *latest)
			} else {
				down = append(down, *latest)
			}
		}
		latest = &sl
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
	if len(lagged) > 0 {
		first, last := lagged[0].At, lagged[len(lagged)-1].At
		behind := now.Sub(first.Add(j)).Round(time.Millisecond)
		reason := fmt.Sprintf("%s: %d slot(s) from %s to %s were not run because the scheduler was %s behind; the latest slot ran instead",
			collection.MissedSchedulerLag, len(lagged), first.Format(time.RFC3339), last.Format(time.RFC3339), behind)
		rows, err := missAll(ctx, tx, m, first, now, func(c collection.CollectionID, loc string) string { return SlotKey(m.ID, c, loc, first) }, reason, snaps)
		if err != nil {
			return res, nil, err
		}
		res.missed = append(res.missed, rows...)
		l.cfg.Log.WarnContext(ctx, "the scheduler fell behind a monitor's slots", "monitor_id", m.ID, "slots", len(lagged), "behind", behind)
	}
	if latest != nil {
		fr, err := fire(ctx, tx, m, latest.At, now, busy, windows, snaps)
		if err != nil {
			return res, nil, err
		}
		for i := range fr.runs {
			fr.runs[i].Due = latest.At.Add(j)
		}
		res.runs = fr.runs
		res.missed = append(res.missed, fr.missed...)
		res.lag = max(0, now.Sub(latest.At.Add(j)))
	}
	nextSlot, ok := s.NextSlot(until)
	if !ok {
		return res, nil, nil
	}
	nextAt := nextSlot.At.Add(j)
	return res, &nextAt, nil
}
