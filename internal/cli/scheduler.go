package cli

import (
	"context"
	"fmt"

	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/store"
)

// runScheduler is `catena scheduler`: the local scheduler as its own process.
// Several may run against one database; one is active, the others stand by
// and take over within seconds when it stops.
func runScheduler(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "scheduler")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := openDeps(ctx, e, false)
	if err != nil {
		return err
	}
	defer d.close()
	if mode := d.cfg.Scheduler.Mode; mode != "local" {
		return &ExitError{Code: 2, Err: fmt.Errorf("CATENA_SCHEDULER=%s: `catena scheduler` runs the local scheduler only (with eventbridge, AWS invokes scheduler-lambda; with off, nothing is scheduled)", mode)}
	}
	q, err := queue.New(d.store, d.log, queue.Config{})
	if err != nil {
		return fmt.Errorf("creating the queue client: %w", err)
	}
	_, run, err := newScheduler(ctx, d, q)
	if err != nil {
		return err
	}
	watchQueue(d)
	return withMetricsServer(ctx, d, run)
}

// newScheduler builds the Scheduler the gateway calls when a monitor changes
// (Upsert after create/update/pause/resume, Delete after delete) for the
// configured mode, and the in-process loop to run: non-nil only in local mode
// (`catena serve` runs it under its errgroup; `catena scheduler` runs it alone).
// In off mode the local Scheduler still keeps next_run_at current, so turning
// the loop on later finds every monitor scheduled.
//
// In EventBridge mode the Scheduler is the outbox (schedule.Outbox) and the
// loop works its sync jobs and the periodic reconcile; the gateway runs it.
func newScheduler(ctx context.Context, d *deps, q *queue.Client) (schedule.Scheduler, func(context.Context) error, error) {
	switch d.cfg.Scheduler.Mode {
	case "eventbridge":
		o, err := newOutbox(ctx, d, q)
		if err != nil {
			return nil, nil, err
		}
		run, err := newScheduleWorker(d, o)
		return o, run, err
	default:
		jitter := d.cfg.Scheduler.Jitter // zero: the default window; negative: none
		if d.cfg.Scheduler.Mode == "off" {
			l, err := schedule.NewLocal(schedule.LocalConfig{Pool: d.pool, Store: d.store, Queue: q, Log: d.log, JitterMax: jitter})
			return l, nil, err
		}
		// The loop's ticks get connections of their own (its three claiming
		// transactions, snapshot reads and Upsert): in catena serve hundreds of
		// runs in flight share d.pool, and a tick queued behind them for a
		// connection is a late slot.
		pool, err := store.OpenSmall(ctx, d.cfg.DatabaseURL, 4, "catena-scheduler")
		if err != nil {
			return nil, nil, err
		}
		lcfg := schedule.LocalConfig{Pool: pool, Store: store.New(pool, d.box), Queue: observedEnqueuer{q, d.metrics}, Log: d.log, JitterMax: jitter, Metrics: d.metrics}
		if d.yield != nil {
			lcfg.Backlog = d.yield.backlog
		}
		l, err := schedule.NewLocal(lcfg)
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
		return l, func(ctx context.Context) error {
			defer pool.Close()
			return l.Run(ctx)
		}, nil
	}
}
