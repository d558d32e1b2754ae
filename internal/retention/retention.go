// Package retention keeps history bounded: a periodic River job that rolls
// finished runs up into hourly aggregates (internal/store's RollUp) and then
// prunes what each monitor's retention no longer keeps (Prune), in small
// batches so no lock is held long.
package retention

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/catena-monitor/catena/internal/store"
)

// QueueName is the queue the job runs on; a process that works it must also
// register the worker.
const QueueName = "maintenance"

// Defaults for Config.
const (
	DefaultInterval   = 15 * time.Minute
	DefaultBatch      = 200
	DefaultMaxBatches = 2000
)

// Args is the job; it carries nothing: each run does whatever is due.
type Args struct{}

// Kind names the job for River.
func (Args) Kind() string { return "catena_retention" }

// InsertOpts keeps one job at a time in the maintenance queue.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// Config is the input of NewWorker.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	// Batch is how many runs one pruning transaction takes (200).
	Batch int
	// MaxBatches bounds one job's transactions per kind (2000).
	MaxBatches int
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Worker rolls up and prunes.
type Worker struct {
	river.WorkerDefaults[Args]
	cfg Config
}

// NewWorker fills defaults.
func NewWorker(cfg Config) *Worker {
	cfg.Batch = cmp.Or(cfg.Batch, DefaultBatch)
	cfg.MaxBatches = cmp.Or(cfg.MaxBatches, DefaultMaxBatches)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Worker{cfg: cfg}
}

// Timeout bounds one pass.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return 30 * time.Minute }

// Work rolls up every hour older than store.RawWindow, then prunes.
func (w *Worker) Work(ctx context.Context, _ *river.Job[Args]) error {
	now := w.cfg.Now()
	reached, err := w.cfg.Store.RollUp(ctx, now)
	if err != nil {
		return fmt.Errorf("rolling up: %w", err)
	}
	res, err := w.cfg.Store.Prune(ctx, now, w.cfg.Batch, w.cfg.MaxBatches)
	if err != nil {
		return fmt.Errorf("pruning: %w", err)
	}
	audit, err := w.pruneAuditLog(ctx, now)
	if err != nil {
		return err
	}
	w.cfg.Log.InfoContext(ctx, "retention pass", "rolled_up_until", reached, "bodies_dropped", res.BodiesDropped,
		"steps_deleted", res.StepsDeleted, "runs_deleted", res.RunsDeleted, "rollups_pruned", res.RollupsPruned,
		"audit_entries_deleted", audit)
	return nil
}

// pruneAuditLog deletes audit entries older than store.DefaultAuditRetention,
// a batch per transaction.
func (w *Worker) pruneAuditLog(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for range w.cfg.MaxBatches {
		n, err := w.cfg.Store.PruneAuditLog(ctx, now.Add(-store.DefaultAuditRetention), w.cfg.Batch)
		if err != nil {
			return total, err
		}
		total += n
		if n < w.cfg.Batch {
			break
		}
	}
	return total, nil
}

// PeriodicJob enqueues the job every interval (and once at start).
func PeriodicJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(interval, DefaultInterval)),
		func() (river.JobArgs, *river.InsertOpts) { return Args{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// Register adds the worker to workers and its queue to queues.
func Register(workers *river.Workers, queues map[string]river.QueueConfig, w *Worker) error {
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return fmt.Errorf("registering the retention worker: %w", err)
	}
	queues[QueueName] = river.QueueConfig{MaxWorkers: 1}
	return nil
}
