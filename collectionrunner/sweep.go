package collectionrunner

import (
	"context"
	"log/slog"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

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
