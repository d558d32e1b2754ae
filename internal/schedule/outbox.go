package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// SyncQueue is the River queue of schedule sync and reconcile jobs; the
// gateway works it in EventBridge mode.
const SyncQueue = "schedules"

// syncMaxAttempts retries a refused sync for about a day (backoff capped at
// syncMaxBackoff); the periodic reconcile picks up anything left after that.
const (
	syncMaxAttempts = 300
	syncMaxBackoff  = 5 * time.Minute
)

// JobInserter inserts River jobs in a transaction (*river.Client[pgx.Tx]).
type JobInserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// OutboxConfig configures an Outbox.
type OutboxConfig struct {
	Pool        *pgxpool.Pool
	Store       *store.Store
	EventBridge *EventBridge
	// Jobs inserts the sync jobs; any client on the pool will do (the gateway's
	// insert-only one), since a client working SyncQueue runs them.
	Jobs JobInserter
	Log  *slog.Logger
}

// Outbox is the EventBridge mode as the gateway sees it: a monitor change is
// recorded in the transaction that writes the monitor (a schedule_sync row
// and a sync job), so the row and its pending schedule commit together or
// not at all; the job then makes AWS match, retrying with backoff, and the
// periodic reconcile repairs drift either way.
type Outbox struct {
	cfg OutboxConfig
}

var (
	_ Scheduler = (*Outbox)(nil)
	_ Checker   = (*Outbox)(nil)
)

// NewOutbox returns an Outbox.
func NewOutbox(cfg OutboxConfig) (*Outbox, error) {
	if cfg.Pool == nil || cfg.Store == nil || cfg.EventBridge == nil || cfg.Jobs == nil {
		return nil, errors.New("schedule: NewOutbox needs Pool, Store, EventBridge and Jobs")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.Log = cfg.Log.With("component", "scheduler")
	return &Outbox{cfg: cfg}, nil
}

// SyncArgs is the job that brings one monitor's schedule in line.
type SyncArgs struct {
	MonitorID collection.MonitorID `json:"monitor_id"`
}

// Kind names the job.
func (SyncArgs) Kind() string { return "schedule_sync" }

// InsertOpts puts the job on SyncQueue with its own retry budget.
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: SyncQueue, MaxAttempts: syncMaxAttempts}
}

// ReconcileArgs is the periodic job that repairs drift.
type ReconcileArgs struct{}

// Kind names the job.
func (ReconcileArgs) Kind() string { return "schedule_reconcile" }

// InsertOpts: one attempt; the next period is the retry.
func (ReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: SyncQueue, MaxAttempts: 1}
}

// Check refuses schedules EventBridge cannot express, before the row is saved.
func (o *Outbox) Check(m *collection.Monitor) error { return o.cfg.EventBridge.Check(m) }

// MonitorChanged records in tx that monitor id changed (created, edited,
// paused, resumed or deleted): a new outbox generation and a sync job.
func (o *Outbox) MonitorChanged(ctx context.Context, tx pgx.Tx, id collection.MonitorID) error {
	if _, err := o.cfg.Store.MarkScheduleChanged(ctx, tx, id); err != nil {
		return err
	}
	if _, err := o.cfg.Jobs.InsertTx(ctx, tx, SyncArgs{MonitorID: id}, nil); err != nil {
		return fmt.Errorf("queueing the schedule sync of monitor %d: %w", id, err)
	}
	return nil
}

// Upsert records a change of m in a transaction of its own, for callers that
// change a monitor outside the store's monitor writes.
func (o *Outbox) Upsert(ctx context.Context, m *collection.Monitor) error {
	return store.WithTx(ctx, o.cfg.Pool, func(tx pgx.Tx) error { return o.MonitorChanged(ctx, tx, m.ID) })
}

// Delete records a deletion the same way.
func (o *Outbox) Delete(ctx context.Context, id collection.MonitorID) error {
	return store.WithTx(ctx, o.cfg.Pool, func(tx pgx.Tx) error { return o.MonitorChanged(ctx, tx, id) })
}

// Sync makes AWS hold monitor id's current schedule (or none, when the
// monitor is gone) and records the outcome. It holds the monitor's sync lock
// meanwhile: store.ErrScheduleBusy when another sync has it. The returned
// error is AWS's refusal, if any, after the outcome was recorded.
func (o *Outbox) Sync(ctx context.Context, id collection.MonitorID) error {
	var apiErr error
	err := store.WithTx(ctx, o.cfg.Pool, func(tx pgx.Tx) error {
		c, err := o.cfg.Store.ClaimScheduleSync(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Monitor == nil {
			apiErr = o.cfg.EventBridge.Delete(ctx, id)
		} else {
			apiErr = o.cfg.EventBridge.Upsert(ctx, c.Monitor)
		}
		return o.cfg.Store.FinishScheduleSync(context.WithoutCancel(ctx), tx, id, c.Generation, c.Monitor == nil, apiErr)
	})
	if err != nil {
		return err
	}
	if apiErr != nil {
		o.cfg.Log.WarnContext(ctx, "EventBridge schedule sync failed; will retry", "monitor_id", id, "error", apiErr)
	}
	return apiErr
}

// ReconcileReport says what a reconcile found and did.
type ReconcileReport struct {
	Monitors  int                    // monitors in the database
	Schedules int                    // catena-monitor-N schedules in AWS
	Orphans   []collection.MonitorID // schedules without a monitor, deleted
	Drifted   []collection.MonitorID // monitors whose schedule was missing or different, rewritten
	Busy      []collection.MonitorID // skipped: a sync was in progress
	Failed    map[collection.MonitorID]error
}

// Reconcile compares every monitor with the schedule AWS holds for it and
// every catena-monitor-N schedule with the monitors, and repairs both ways:
// missing or different schedules are rewritten, schedules of deleted monitors
// deleted, outbox rows left unsynced retried. It creates the group if missing.
func (o *Outbox) Reconcile(ctx context.Context) (ReconcileReport, error) {
	rep := ReconcileReport{Failed: map[collection.MonitorID]error{}}
	remote, err := o.cfg.EventBridge.ListMonitorSchedules(ctx)
	if err != nil {
		return rep, err
	}
	ids, err := o.cfg.Store.MonitorIDs(ctx)
	if err != nil {
		return rep, err
	}
	rep.Monitors, rep.Schedules = len(ids), len(remote)
	unsynced, err := o.cfg.Store.UnsyncedSchedules(ctx, 10_000)
	if err != nil {
		return rep, err
	}
	pending := map[collection.MonitorID]bool{}
	for _, u := range unsynced {
		pending[u.MonitorID] = true
	}
	repair := func(id collection.MonitorID, list *[]collection.MonitorID) {
		switch err := o.Sync(ctx, id); {
		case errors.Is(err, store.ErrScheduleBusy):
			rep.Busy = append(rep.Busy, id)
		case err != nil:
			rep.Failed[id] = err
		default:
			*list = append(*list, id)
		}
	}
	for _, id := range remote {
		if _, found := slices.BinarySearch(ids, id); !found {
			repair(id, &rep.Orphans)
		}
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		m, err := o.cfg.Store.GetMonitor(ctx, id)
		if errors.Is(err, collection.ErrNotFound) {
			continue // deleted meanwhile: its own job deletes the schedule
		}
		if err != nil {
			return rep, err
		}
		same := false
		if !pending[id] {
			if same, err = o.cfg.EventBridge.Matches(ctx, m); err != nil {
				rep.Failed[id] = err
				continue
			}
		}
		if !same {
			repair(id, &rep.Drifted)
		}
	}
	// Rows of deleted monitors whose deletion never went through.
	for _, u := range unsynced {
		if _, found := slices.BinarySearch(ids, u.MonitorID); !found && !slices.Contains(rep.Orphans, u.MonitorID) {
			repair(u.MonitorID, &rep.Orphans)
		}
	}
	if len(rep.Orphans)+len(rep.Drifted)+len(rep.Failed) > 0 {
		o.cfg.Log.InfoContext(ctx, "EventBridge schedules reconciled", "orphans", len(rep.Orphans), "drifted", len(rep.Drifted), "failed", len(rep.Failed), "busy", len(rep.Busy))
	}
	return rep, nil
}

// RegisterWorkers adds the sync and reconcile workers; the client working
// them must serve SyncQueue.
func RegisterWorkers(workers *river.Workers, o *Outbox) error {
	if err := river.AddWorkerSafely(workers, &syncWorker{o: o}); err != nil {
		return fmt.Errorf("registering the schedule sync worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &reconcileWorker{o: o}); err != nil {
		return fmt.Errorf("registering the schedule reconcile worker: %w", err)
	}
	return nil
}

// PeriodicReconcile is the periodic job that runs Reconcile every interval
// (River runs periodic jobs on its elected leader only).
func PeriodicReconcile(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	o *Outbox
}

// Timeout covers an Upsert's up to four calls plus recording the outcome.
func (w *syncWorker) Timeout(*river.Job[SyncArgs]) time.Duration {
	return 4*w.o.cfg.EventBridge.cfg.CallTimeout + 30*time.Second
}

// NextRetry is exponential backoff from 1s, capped at syncMaxBackoff.
func (w *syncWorker) NextRetry(job *river.Job[SyncArgs]) time.Time {
	return time.Now().Add(syncBackoff(job.Attempt))
}

func syncBackoff(attempt int) time.Duration {
	if attempt > 9 {
		return syncMaxBackoff
	}
	return min(time.Duration(1<<max(attempt-1, 0))*time.Second, syncMaxBackoff)
}

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	err := w.o.Sync(ctx, job.Args.MonitorID)
	if errors.Is(err, store.ErrScheduleBusy) {
		return river.JobSnooze(time.Second)
	}
	return err
}

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	o *Outbox
}

func (w *reconcileWorker) Timeout(*river.Job[ReconcileArgs]) time.Duration { return 30 * time.Minute }

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	rep, err := w.o.Reconcile(ctx)
	if err != nil {
		return err
	}
	if n := len(rep.Failed); n > 0 {
		return fmt.Errorf("reconcile: %d schedules could not be repaired", n)
	}
	return nil
}
