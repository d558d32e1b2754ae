package collectionrunner

import (
	"cmp"
	"context"
	"encoding/json"
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

// ProgressChannel is the Postgres NOTIFY channel runners publish run progress on;
// the gateway LISTENs to it for the runUpdated subscription.
const ProgressChannel = "catena_run_progress"

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
	// maxProgressPayload keeps a NOTIFY payload under Postgres's 8000-byte limit.
	maxProgressPayload = 7 << 10
)

// Errors that end a run's context; the worker tells them apart with context.Cause.
var (
	errLeaseLost = errors.New("lease lost: a newer attempt owns the run")
	errCancelled = errors.New("cancelled")
)

// FinishParams is the final state of one attempt of a run. The store's
// FinishRun writes it fenced by (ID, Attempt) and only over a non-final run.
type FinishParams struct {
	ID         collection.RunID
	Attempt    int
	Status     collection.RunStatus
	Error      string
	FinishedAt time.Time
	Duration   time.Duration
	// Steps are the step results not yet written by RecordSteps.
	Steps []collection.StepResult
}

// RunStore is what the worker needs from storage. internal/cli adapts
// *store.Store to it (the runner never imports the store). Every write is
// fenced by attempt and returns an error matching collection.ErrConflict when
// a newer attempt owns the run or the run is already final.
type RunStore interface {
	// StartRun marks the run running for attempt with a lease until leaseUntil
	// and returns it with its snapshot.
	StartRun(ctx context.Context, id collection.RunID, attempt int, leaseUntil time.Time) (collection.Run, error)
	// RunSecrets returns the secret values the run's collection holds now.
	RunSecrets(ctx context.Context, run *collection.Run) (map[string]string, error)
	// Heartbeat extends the lease and reports whether a user asked to cancel.
	Heartbeat(ctx context.Context, id collection.RunID, attempt int, leaseUntil time.Time) (cancelRequested bool, err error)
	// RecordSteps upserts finished steps of a long run (keyed run, attempt, position).
	RecordSteps(ctx context.Context, id collection.RunID, attempt int, steps []collection.StepResult) error
	// FinishRun writes the final state and the remaining steps in tx.
	FinishRun(ctx context.Context, tx pgx.Tx, p FinishParams) error
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
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Worker executes collection runs taken from the queue. It implements
// river.Worker[collection.RunJob]. One Worker serves every run of a process;
// its Run method must run alongside the queue client to send progress.
type Worker struct {
	river.WorkerDefaults[collection.RunJob]
	cfg      WorkerConfig
	log      *slog.Logger
	progress *progressHub
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
	return &Worker{cfg: cfg, log: log, progress: newProgressHub(cfg.Pool, log, cfg.ProgressInterval)}
}

// Run sends batched progress notifications until ctx ends. Start it next to
// the queue client (errgroup) for as long as the worker takes jobs.
func (w *Worker) Run(ctx context.Context) error { return w.progress.run(ctx) }

// Timeout returns -1: River's timeout is chosen before the run's snapshot is
// loaded, so Work applies the real bound itself (JobTimeout of the snapshot).
// That keeps River's client-wide default (one minute) from cutting a long,
// legitimate run short.
func (w *Worker) Timeout(*river.Job[collection.RunJob]) time.Duration { return -1 }

// JobTimeout bounds one run of c: every step's timeout times its tries, the
// retry intervals between tries, and a margin.
func JobTimeout(c *collection.Collection) time.Duration {
	total := jobTimeoutMargin
	for _, s := range c.Steps {
		tries := 1
		var wait time.Duration
		if s.Retry != nil && s.Retry.Attempts > 1 {
			tries = s.Retry.Attempts
			wait = time.Duration(tries-1) * s.Retry.Interval.Std()
		}
		total += time.Duration(tries)*s.EffectiveTimeout() + wait
	}
	return total
}

// Work executes one attempt of a run: start it fenced by attempt, execute the
// snapshot while a heartbeat keeps the lease, publish progress as steps end,
// and write the result in one transaction with the alerting hook.
func (w *Worker) Work(ctx context.Context, job *river.Job[collection.RunJob]) error {
	id, attempt := job.Args.RunID, job.Attempt
	log := w.log.With("run_id", int64(id), "attempt", attempt)
	run, err := w.cfg.Store.StartRun(ctx, id, attempt, w.cfg.Now().Add(w.cfg.LeaseTTL))
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
	c := run.Snapshot
	secrets, err := w.cfg.Store.RunSecrets(ctx, &run)
	if err != nil {
		return fmt.Errorf("loading secrets of run %d: %w", id, err)
	}
	c.Secrets = secrets

	runCtx, cancelTimeout := context.WithTimeout(ctx, JobTimeout(&c))
	defer cancelTimeout()
	runCtx, cancel := context.WithCancelCause(runCtx)
	defer cancel(nil)

	tracker := &stepTracker{run: id, attempt: attempt}
	hbDone := make(chan struct{})
	hbStopped := make(chan struct{})
	go func() {
		defer close(hbStopped)
		w.heartbeat(runCtx, log, id, attempt, tracker, cancel, hbDone)
	}()

	out := w.cfg.Executor.Run(runCtx, &c, func(s collection.StepResult) {
		steps := tracker.add(s)
		w.progress.publish(id, progressPayload(id, attempt, collection.RunRunning, steps))
	})
	close(hbDone)
	<-hbStopped

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
		reason = fmt.Sprintf("timed out: the run took longer than its limit of %s (the sum of its step timeouts and retries, plus a margin)", JobTimeout(&c))
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

// finish writes the result, runs the hook and notifies the final state in one
// transaction, so alerting and watchers see a run only once it is committed.
func (w *Worker) finish(ctx context.Context, run *collection.Run, unrecorded []collection.StepResult) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	tx, err := w.cfg.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	err = w.cfg.Store.FinishRun(ctx, tx, FinishParams{
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
	payload := progressPayload(run.ID, run.Attempt, run.Status, run.Steps)
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", ProgressChannel, string(payload)); err != nil {
		return fmt.Errorf("notifying the final state: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// heartbeat extends the lease every interval, stops the run when the lease is
// lost or a user cancels it, and writes the steps finished since the last beat
// so a long run that is interrupted keeps what it did.
func (w *Worker) heartbeat(ctx context.Context, log *slog.Logger, id collection.RunID, attempt int,
	tracker *stepTracker, cancel context.CancelCauseFunc, done <-chan struct{}) {
	t := time.NewTicker(w.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cancelRequested, err := w.cfg.Store.Heartbeat(ctx, id, attempt, w.cfg.Now().Add(w.cfg.LeaseTTL))
		switch {
		case errors.Is(err, collection.ErrConflict):
			cancel(errLeaseLost)
			return
		case err != nil:
			// A transient database error: the lease has slack; try again next beat.
			log.WarnContext(ctx, "extending the lease", "err", err)
			continue
		case cancelRequested:
			log.InfoContext(ctx, "cancel requested; stopping the run")
			cancel(errCancelled)
			return
		}
		if pending, from := tracker.unrecorded(); len(pending) > 0 {
			err := w.cfg.Store.RecordSteps(ctx, id, attempt, pending)
			switch {
			case errors.Is(err, collection.ErrConflict):
				cancel(errLeaseLost)
				return
			case err != nil:
				log.WarnContext(ctx, "recording finished steps", "err", err)
			default:
				tracker.markRecorded(from + len(pending))
			}
		}
	}
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

// Progress is the JSON document published on ProgressChannel.
type Progress struct {
	RunID   collection.RunID     `json:"run_id"`
	Attempt int                  `json:"attempt"`
	Status  collection.RunStatus `json:"status"`
	Steps   []ProgressStep       `json:"steps"`
}

// ProgressStep is one finished step in a Progress document.
type ProgressStep struct {
	Position  int                   `json:"position"`
	Name      string                `json:"name"`
	Status    collection.StepStatus `json:"status"`
	LatencyMS int64                 `json:"latency_ms"`
	Error     string                `json:"error"`
}

// progressPayload encodes the run's progress in at most maxProgressPayload
// bytes, shortening error messages (then dropping them) when needed.
func progressPayload(id collection.RunID, attempt int, status collection.RunStatus, steps []collection.StepResult) []byte {
	p := Progress{RunID: id, Attempt: attempt, Status: status, Steps: make([]ProgressStep, len(steps))}
	for _, limit := range []int{200, 40, 0} {
		for i, s := range steps {
			p.Steps[i] = ProgressStep{
				Position: s.Position, Name: s.Name, Status: s.Status,
				LatencyMS: s.Timings.Total.Milliseconds(), Error: truncateRunes(s.Error, limit),
			}
		}
		b, err := json.Marshal(p)
		if err == nil && len(b) <= maxProgressPayload {
			return b
		}
	}
	// 50 steps with 200-character names can still exceed the limit: keep the
	// last steps, which a watcher has not seen yet.
	for len(p.Steps) > 0 {
		p.Steps = p.Steps[1:]
		if b, err := json.Marshal(p); err == nil && len(b) <= maxProgressPayload {
			return b
		}
	}
	b, _ := json.Marshal(p)
	return b
}

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n == 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// progressHub coalesces progress notifications: each run keeps only its latest
// document (it holds every step so far), and all pending documents go out in
// one query per interval instead of one query per step.
type progressHub struct {
	db       DB
	log      *slog.Logger
	interval time.Duration

	mu      sync.Mutex
	pending map[collection.RunID][]byte
	// flushMu is held while a batch is being sent, so forget can wait until no
	// stale document of a finished run is still in flight.
	flushMu sync.Mutex
}

func newProgressHub(db DB, log *slog.Logger, interval time.Duration) *progressHub {
	return &progressHub{db: db, log: log, interval: interval, pending: map[collection.RunID][]byte{}}
}

func (h *progressHub) publish(id collection.RunID, payload []byte) {
	h.mu.Lock()
	h.pending[id] = payload
	h.mu.Unlock()
}

// forget drops a run's pending document and waits for a batch in flight.
func (h *progressHub) forget(id collection.RunID) {
	h.flushMu.Lock()
	h.mu.Lock()
	delete(h.pending, id)
	h.mu.Unlock()
	h.flushMu.Unlock()
}

func (h *progressHub) run(ctx context.Context) error {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			h.flush(ctx)
		}
	}
}

func (h *progressHub) flush(ctx context.Context) {
	h.flushMu.Lock()
	defer h.flushMu.Unlock()
	h.mu.Lock()
	if len(h.pending) == 0 {
		h.mu.Unlock()
		return
	}
	batch := make([]string, 0, len(h.pending))
	for id, p := range h.pending {
		batch = append(batch, string(p))
		delete(h.pending, id)
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// Progress is best effort: the final state is notified in the finishing
	// transaction, and a watcher that misses an update reads the run.
	if _, err := h.db.Exec(ctx, "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", ProgressChannel, batch); err != nil {
		h.log.WarnContext(ctx, "publishing run progress", "err", err, "runs", len(batch))
	}
}

// LostRunSweeper finds runs whose runner is gone. *store.Store satisfies it.
type LostRunSweeper interface {
	// RequeueExpiredRuns retries (or, on the last attempt, discards) the job of
	// each run whose lease expired.
	RequeueExpiredRuns(ctx context.Context) ([]collection.RunID, error)
	// SweepLostRuns ends runs whose lease expired and whose job will not run
	// again as errored with reason runner_lost.
	SweepLostRuns(ctx context.Context) ([]collection.RunID, error)
}

// Sweep runs the sweeper every interval until ctx ends: a run whose runner was
// killed or froze past its lease is retried as a new attempt, and a run whose
// last attempt was lost ends errored (runner_lost) instead of staying running.
func Sweep(ctx context.Context, s LostRunSweeper, interval time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		sctx, cancel := context.WithTimeout(ctx, max(interval, 10*time.Second))
		requeued, err := s.RequeueExpiredRuns(sctx)
		for _, id := range requeued {
			log.WarnContext(ctx, "lease expired: run handed back to the queue", "component", "sweeper", "run_id", int64(id))
		}
		var ids []collection.RunID
		if err == nil {
			ids, err = s.SweepLostRuns(sctx)
		}
		cancel()
		if err != nil {
			log.WarnContext(ctx, "sweeping lost runs", "component", "sweeper", "err", err)
			continue
		}
		for _, id := range ids {
			log.WarnContext(ctx, "run ended errored: its runner was lost", "component", "sweeper", "run_id", int64(id), "reason", "runner_lost")
		}
	}
}
