package cli

import (
	"github.com/riverqueue/river"

	"github.com/catena-monitor/catena/internal/retention"
)

// withRetention adds the retention job (rollups, then pruning) to a runner's
// River client: its worker, its queue and its periodic schedule. River runs a
// periodic job on one leader client at a time, so many runners do not repeat
// it. Without CATENA_RETENTION_INTERVAL (a config built by hand) it adds
// nothing.
func withRetention(d *deps, workers *river.Workers, queues map[string]river.QueueConfig) ([]*river.PeriodicJob, error) {
	if d.cfg.RetentionInterval <= 0 {
		return nil, nil
	}
	w := retention.NewWorker(retention.Config{Store: d.store, Log: d.log.With("component", "retention")})
	if err := retention.Register(workers, queues, w); err != nil {
		return nil, err
	}
	return []*river.PeriodicJob{retention.PeriodicJob(d.cfg.RetentionInterval)}, nil
}
