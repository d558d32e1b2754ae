package collectionrunner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/catena-monitor/catena/internal/collection"
)

// Defaults for WorkerConfig.
const (
	DefaultLeaseTTL         = 30 * time.Second
	DefaultHeartbeat        = 10 * time.Second
	DefaultProgressInterval = 100 * time.Millisecond
	// jobTimeoutMargin is added to the sum of a collection's step timeouts to
	// cover interpolation, assertions and the final write.
	jobTimeoutMargin = 30 * time.Second
	// finishTimeout bounds the final transaction, which runs even when the job's
	// context was cancelled so a cancelled run is still recorded.
	finishTimeout = 30 * time.Second
)

// Errors that end a run's context; the worker tells them apart with context.Cause.
var (
	errLeaseLost = errors.New("lease lost: a newer attempt owns the run")
	errCancelled = errors.New("cancelled")
)

// RunStore is what the worker needs from storage; *store.Store satisfies it
// (the runner never imports the store; internal/cli passes it in). Every write is
// fenced by attempt and returns an error matching collection.ErrConflict when
// a newer attempt owns the run or the run is already final.
type RunStore interface {
	// StartRun marks the run running for attempt with a lease until leaseUntil
	// and returns it with its snapshot.
	StartRun(ctx context.Context, id collection.RunID, attempt int, leaseUntil time.Time) (collection.Run, error)
	// StartRunCached is StartRun returning the run without its snapshot,
	// for a runner that holds it already.
	StartRunCached(ctx context.Context, id collection.RunID, attempt int, leaseUntil time.Time) (collection.Run, error)
	// RunSecrets opens the secret values a collection holds now, with those of
	// the run's environment env laid over them ("" for none; none when it has
	// none). Only the runner calls it, as it starts a run.
	RunSecrets(ctx context.Context, id collection.CollectionID, env string) (map[string]string, error)
	// HeartbeatRun extends the lease and reports whether a user asked to cancel.
	HeartbeatRun(ctx context.Context, id collection.RunID, attempt int, leaseUntil time.Time) (cancelRequested bool, err error)
	// RecordSteps upserts finished steps of a long run (keyed run, attempt, position).
	RecordSteps(ctx context.Context, id collection.RunID, attempt int, steps []collection.StepResult) error
	// FinishRun writes the final state and the remaining steps in tx.
	FinishRun(ctx context.Context, tx pgx.Tx, p collection.FinishRunParams) error
	// RefundAttempt keeps an attempt cut off by a deliberate stop from counting
	// against the run's retries (fenced like the other writes).
	RefundAttempt(ctx context.Context, id collection.RunID, attempt int, jobID int64) error
}

// FinishHook runs inside a run's finishing transaction, after the result is
// written; alerting uses it to decide and enqueue deliveries atomically with
// the result. An error rolls the whole finish back and the job is retried.
type FinishHook func(ctx context.Context, tx pgx.Tx, run *collection.Run) error

// DB is the part of a pgx pool the worker uses: transactions for the finish,
// and queries for batched progress notifications.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// WorkerConfig is the input of NewWorker.
type WorkerConfig struct {
	Executor *Executor
	Store    RunStore
	Pool     DB
	// OnFinish is called in the finishing transaction; nil for none.
	OnFinish FinishHook
	Log      *slog.Logger
	// LeaseTTL is how long a heartbeat keeps the run leased (default 30s).
	LeaseTTL time.Duration
	// Heartbeat is how often the lease is extended, cancellation is checked and
	// finished steps of a long run are written (default 10s; keep it well
	// under LeaseTTL).
	Heartbeat time.Duration
	// ProgressInterval is how often pending progress notifications are sent, in
	// one query for every run (default 100ms). Worker.Run sends them.
	ProgressInterval time.Duration
	// Admission decides when a job River handed over may start (CPU
	// headroom); the zero value takes its defaults.
	Admission AdmissionConfig
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Worker executes collection runs taken from the queue. It implements
// river.Worker[collection.RunJob]. One Worker serves every run of a process;
// its Run method must run alongside the queue client to send progress.
type Worker struct {
	river.WorkerDefaults[collection.RunJob]
	cfg       WorkerConfig
	log       *slog.Logger
	progress  *progressHub
	admission *admission
	snapshots snapshotCache
}

var _ river.Worker[collection.RunJob] = (*Worker)(nil)

// NewWorker returns a worker; cfg.Executor, cfg.Store and cfg.Pool are required.
func NewWorker(cfg WorkerConfig) *Worker {
	cfg.LeaseTTL = cmp.Or(cfg.LeaseTTL, DefaultLeaseTTL)
	cfg.Heartbeat = cmp.Or(cfg.Heartbeat, DefaultHeartbeat)
	cfg.ProgressInterval = cmp.Or(cfg.ProgressInterval, DefaultProgressInterval)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "runner")
	return &Worker{cfg: cfg, log: log, progress: newProgressHub(cfg.Pool, log, cfg.ProgressInterval),
		admission: newAdmission(cfg.Admission)}
}

// Run sends batched progress notifications until ctx ends. Start it next to
// the queue client (errgroup) for as long as the worker takes jobs.
func (w *Worker) Run(ctx context.Context) error { return w.progress.run(ctx) }

// InFlight is how many runs this worker has started and not yet ended (runs
// River handed over that wait for CPU headroom are not counted).
func (w *Worker) InFlight() int { return w.admission.running() }

// Timeout returns -1: River's timeout is chosen before the run's snapshot is
// loaded, so Work applies the real bound itself (jobTimeout of the snapshot).
// That keeps River's client-wide default (one minute) from cutting a long,
// legitimate run short.
func (w *Worker) Timeout(*river.Job[collection.RunJob]) time.Duration { return -1 }

// jobTimeout bounds one run of c: collection.CollectionTimeout (every step's
// timeout times its tries, and the retry intervals) plus jobTimeoutMargin.
func jobTimeout(c *collection.Collection) time.Duration {
	return collection.CollectionTimeout(c) + jobTimeoutMargin
}

// Work executes one attempt of a run: start it fenced by attempt, execute the
// snapshot while a heartbeat keeps the lease, publish progress as steps end,
// and write the result in one transaction with the alerting hook.
func (w *Worker) Work(ctx context.Context, job *river.Job[collection.RunJob]) error {
	id, attempt := job.Args.RunID, job.Attempt
	log := w.log.With("run_id", int64(id), "attempt", attempt)
	// Start only with CPU headroom: a run started while the process is short
	// of CPU would wait for it inside its steps, and count that as the
	// target's latency. The run stays queued (not started) meanwhile.
	release, err := w.admission.admit(ctx)
	if err != nil {
		// Stopping before the run started: hand the job back untouched,
		// without using up an attempt.
		return river.JobSnooze(0)
	}
	defer release()
	run, err := w.startRun(ctx, job)
	switch {
	case errors.Is(err, collection.ErrConflict):
		// Final already (cancelled while queued, swept) or owned by a newer attempt.
		log.InfoContext(ctx, "run not started: already final or owned by a newer attempt")
		return nil
	case errors.Is(err, collection.ErrNotFound):
		return river.JobCancel(fmt.Errorf("run %d does not exist: %w", id, err))
	case err != nil:
		return fmt.Errorf("starting run %d: %w", id, err)
	}
	// Only the runner opens secrets: the stored snapshot never holds them.
	secrets := map[string]string{}
	if run.CollectionID != nil { // nil: the collection was deleted, its secrets with it
		if secrets, err = w.cfg.Store.RunSecrets(ctx, *run.CollectionID, run.Environment); err != nil {
			return fmt.Errorf("loading secrets of run %d: %w", id, err)
		}
	}
	run.Snapshot.Secrets = secrets // in memory only (json:"-"): the finish hook redacts alerts with them
	c := run.Snapshot

	runCtx, cancelTimeout := context.WithTimeout(ctx, jobTimeout(&c))
	defer cancelTimeout()
	runCtx, cancel := context.WithCancelCause(runCtx)
	defer cancel(nil)

	tracker := &stepTracker{run: id, attempt: attempt}
	hb := w.startHeartbeat(runCtx, log, id, attempt, tracker, cancel)

	out := w.cfg.Executor.Run(runCtx, &c, w.stepProgress(id, attempt, tracker))
	hb.stop()

	cause := context.Cause(runCtx)
	switch {
	case errors.Is(cause, errLeaseLost):
		log.WarnContext(ctx, "lease lost: a newer attempt owns the run; abandoning this attempt")
		w.progress.forget(id)
		return nil
	case ctx.Err() != nil && !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, errCancelled):
		// The process is stopping: leave the run to the next attempt, keeping
		// what this one did and marking where it was cut off.
		w.progress.forget(id)
		w.recordInterrupted(ctx, log, id, attempt, tracker)
		w.refundAttempt(ctx, log, id, attempt, job.ID)
		return fmt.Errorf("run %d interrupted: %w", id, context.Cause(ctx))
	}

	status, reason := out.Status, out.Error
	switch {
	case errors.Is(cause, errCancelled):
		status, reason = collection.RunCancelled, "cancelled"
	case errors.Is(cause, context.DeadlineExceeded) && status == collection.RunErrored:
		// The executor reports a cut-off run as cancelled; say what cut it off.
		reason = fmt.Sprintf("timed out: the run took longer than its limit of %s (the sum of its step timeouts and retries, plus a margin)", jobTimeout(&c))
	}
	steps := out.Steps
	for i := range steps {
		steps[i].RunID, steps[i].Attempt = id, attempt
	}
	finished := w.cfg.Now()
	started := cmp.Or(out.StartedAt, finished.Add(-out.Duration))
	final := run
	final.Status, final.Error, final.Attempt = status, reason, attempt
	final.StartedAt, final.FinishedAt, final.Duration = &started, &finished, out.Duration
	final.Steps = steps

	// No progress notification for this run may arrive after the final one.
	w.progress.forget(id)
	err = w.finish(ctx, &final, steps[min(tracker.recorded(), len(steps)):])
	switch {
	case errors.Is(err, collection.ErrConflict):
		log.WarnContext(ctx, "lease lost: the run was finished or taken over meanwhile; result dropped")
		return nil
	case err != nil:
		return fmt.Errorf("finishing run %d: %w", id, err)
	}
	log.InfoContext(ctx, "run finished", "status", string(status), "duration_ms", out.Duration.Milliseconds(), "steps", len(steps))
	return nil
}

// startRun starts the attempt (fenced) and returns the run with its
// snapshot: from the cache when the job names a snapshot this worker decoded
// before, else read with the run (and kept for the next runs of it).
func (w *Worker) startRun(ctx context.Context, job *river.Job[collection.RunJob]) (collection.Run, error) {
	id, attempt, key := job.Args.RunID, job.Attempt, job.Args.Snapshot
	lease := w.cfg.Now().Add(w.cfg.LeaseTTL)
	if snap, ok := w.snapshots.get(key); ok {
		run, err := w.cfg.Store.StartRunCached(ctx, id, attempt, lease)
		if err == nil {
			run.Snapshot = snap
		}
		return run, err
	}
	run, err := w.cfg.Store.StartRun(ctx, id, attempt, lease)
	if err == nil {
		w.snapshots.put(key, run.Snapshot)
	}
	return run, err
}

// maxCachedSnapshots bounds the decoded snapshots a worker keeps (one per
// collection version it ran lately; ≈ 10–50 KB each decoded).
const maxCachedSnapshots = 256

// snapshotCache holds decoded snapshots by collection.SnapshotKey. Runs get
// a copy of the Collection value; its steps, maps and slices are shared and
// never written (the executor only reads a snapshot; the worker sets the
// copy's Secrets, which the cached value never holds).
type snapshotCache struct {
	mu sync.Mutex
	m  map[string]collection.Collection
}

func (c *snapshotCache) get(key string) (collection.Collection, bool) {
	if key == "" {
		return collection.Collection{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	snap, ok := c.m[key]
	return snap, ok
}

func (c *snapshotCache) put(key string, snap collection.Collection) {
	if key == "" {
		return
	}
	snap.Secrets = nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedSnapshots {
		c.m = make(map[string]collection.Collection) // start afresh: cheaper than tracking use
	}
	c.m[key] = snap
}

// StepInterruptedStopping is the error of the step a stopping runner cut off.
const StepInterruptedStopping = "runner stopped during this step"

// recordInterrupted writes, for an attempt cut off by the process stopping,
// the steps it finished that the heartbeat has not written yet, and the step
// it was in as interrupted (the steps after it are left out: they never ran).
// It is fenced like every write; a failure only costs the record.
func (w *Worker) recordInterrupted(ctx context.Context, log *slog.Logger, id collection.RunID, attempt int, tracker *stepTracker) {
	tracker.mu.Lock()
	var steps []collection.StepResult
	for i, s := range tracker.steps {
		if s.ErrorCode == CodeCancelled || s.Status == collection.StepSkipped && strings.Contains(s.Error, "cancelled") {
			s.Status, s.ErrorCode, s.Error, s.Response, s.Assertions = collection.StepInterrupted, CodeCancelled, StepInterruptedStopping, nil, nil
			steps = append(steps, s)
			break
		}
		if i >= tracker.written {
			steps = append(steps, s)
		}
	}
	tracker.mu.Unlock()
	if len(steps) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.cfg.Store.RecordSteps(ctx, id, attempt, steps); err != nil {
		log.WarnContext(ctx, "recording the steps of an interrupted attempt", "err", err)
	}
}

// refundAttempt gives back the attempt a deliberate stop cut off, as River's
// graceful shutdown intends: the run is re-queued with its full retry budget.
func (w *Worker) refundAttempt(ctx context.Context, log *slog.Logger, id collection.RunID, attempt int, jobID int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.cfg.Store.RefundAttempt(ctx, id, attempt, jobID); err != nil {
		log.WarnContext(ctx, "keeping the stopped attempt from counting against the run's retries", "err", err)
	}
}

// finish writes the result and runs the hook in one transaction, so alerting
// sees a run only once it is committed, then queues the final notification.
func (w *Worker) finish(ctx context.Context, run *collection.Run, unrecorded []collection.StepResult) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	tx, err := w.cfg.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	err = w.cfg.Store.FinishRun(ctx, tx, collection.FinishRunParams{
		ID: run.ID, Attempt: run.Attempt, Status: run.Status, Error: run.Error,
		FinishedAt: *run.FinishedAt, Duration: run.Duration, Steps: unrecorded,
	})
	if err != nil {
		return err
	}
	if w.cfg.OnFinish != nil {
		if err := w.cfg.OnFinish(ctx, tx, run); err != nil {
			return fmt.Errorf("alerting: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	// The final state is announced after the commit, with the next batch of
	// progress, not by a NOTIFY in this transaction: Postgres serialises the
	// commits of every notifying transaction of the cluster on one lock held
	// through the WAL flush, which capped the runs finished per second (and
	// delayed the scheduler's commits). A watcher reloads the run when the
	// final state arrives, and every 5 s without news, so a runner lost
	// between the commit and the flush costs a watcher at most that delay.
	w.progress.publish(run.ID, progressPayload(run.ID, run.Attempt, run.Status, run.Steps))
	return nil
}

// heartbeater extends a run's lease every interval from a timer, so a run
// in flight holds no goroutine (and no stack) for its heartbeat between beats:
// at 1,000 runs in flight that is 1,000 goroutines fewer.
type heartbeater struct {
	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
	beating sync.WaitGroup
}

// startHeartbeat beats every w.cfg.Heartbeat until stop, the run's context
// ends, or a beat ends the run (lease lost, cancel requested).
func (w *Worker) startHeartbeat(ctx context.Context, log *slog.Logger, id collection.RunID, attempt int,
	tracker *stepTracker, cancel context.CancelCauseFunc) *heartbeater {
	h := &heartbeater{}
	tick := func() {
		h.mu.Lock()
		if h.stopped || ctx.Err() != nil {
			h.mu.Unlock()
			return
		}
		h.beating.Add(1)
		h.mu.Unlock()
		defer h.beating.Done()
		if !w.beat(ctx, log, id, attempt, tracker, cancel) {
			return
		}
		h.mu.Lock()
		if !h.stopped {
			h.timer.Reset(w.cfg.Heartbeat)
		}
		h.mu.Unlock()
	}
	h.mu.Lock()
	h.timer = time.AfterFunc(w.cfg.Heartbeat, tick)
	h.mu.Unlock()
	return h
}

// stop ends the heartbeat and waits for a beat in progress.
func (h *heartbeater) stop() {
	h.mu.Lock()
	h.stopped = true
	h.timer.Stop()
	h.mu.Unlock()
	h.beating.Wait()
}

// beat extends the lease, stops the run when the lease is lost or a user
// cancels it, and writes the steps finished since the last beat so a long run
// that is interrupted keeps what it did. It reports whether to beat again.
func (w *Worker) beat(ctx context.Context, log *slog.Logger, id collection.RunID, attempt int,
	tracker *stepTracker, cancel context.CancelCauseFunc) bool {
	cancelRequested, err := w.cfg.Store.HeartbeatRun(ctx, id, attempt, w.cfg.Now().Add(w.cfg.LeaseTTL))
	switch {
	case errors.Is(err, collection.ErrConflict):
		cancel(errLeaseLost)
		return false
	case err != nil:
		// A transient database error: the lease has slack; try again next beat.
		log.WarnContext(ctx, "extending the lease", "err", err)
		return true
	case cancelRequested:
		log.InfoContext(ctx, "cancel requested; stopping the run")
		cancel(errCancelled)
		return false
	}
	if pending, from := tracker.unrecorded(); len(pending) > 0 {
		err := w.cfg.Store.RecordSteps(ctx, id, attempt, pending)
		switch {
		case errors.Is(err, collection.ErrConflict):
			cancel(errLeaseLost)
			return false
		case err != nil:
			log.WarnContext(ctx, "recording finished steps", "err", err)
		default:
			tracker.markRecorded(from + len(pending))
		}
	}
	return true
}

// stepTracker holds the steps finished so far in one attempt.
type stepTracker struct {
	run     collection.RunID
	attempt int
	mu      sync.Mutex
	steps   []collection.StepResult
	written int // steps[:written] are in the database
}

func (t *stepTracker) add(s collection.StepResult) []collection.StepResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	s.RunID, s.Attempt = t.run, t.attempt
	t.steps = append(t.steps, s)
	return t.steps[:len(t.steps):len(t.steps)]
}

func (t *stepTracker) unrecorded() ([]collection.StepResult, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.steps[t.written:len(t.steps):len(t.steps)], t.written
}

func (t *stepTracker) markRecorded(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.written = max(t.written, n)
}

func (t *stepTracker) recorded() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.written
}
