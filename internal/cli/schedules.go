package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
)

// reconcileInterval is how often the gateway's periodic job compares the
// monitors with the EventBridge schedules.
const reconcileInterval = 10 * time.Minute

// newOutbox builds the EventBridge mode's Scheduler: the AWS client from the
// default credential chain (AWS_REGION, CATENA_AWS_ENDPOINT_URL) and
// the outbox whose jobs q inserts.
func newOutbox(ctx context.Context, d *deps, q *queue.Client) (*schedule.Outbox, error) {
	client, err := schedule.NewSchedulerClient(ctx, d.cfg.Scheduler)
	if err != nil {
		return nil, err
	}
	eb, err := schedule.NewEventBridge(schedule.EventBridgeConfig{
		Client: client, Group: d.cfg.Scheduler.Group, LambdaARN: d.cfg.Scheduler.LambdaARN,
		RoleARN: d.cfg.Scheduler.RoleARN, DLQARN: d.cfg.Scheduler.DLQARN, Log: d.log,
	})
	if err != nil {
		return nil, err
	}
	return schedule.NewOutbox(schedule.OutboxConfig{Pool: d.pool, Store: d.store, EventBridge: eb, Jobs: q.River(), Log: d.log})
}

// newScheduleWorker returns the loop that works the outbox's sync jobs and
// inserts the periodic reconcile (on the River leader among gateways).
func newScheduleWorker(d *deps, o *schedule.Outbox) (func(context.Context) error, error) {
	workers := river.NewWorkers()
	if err := schedule.RegisterWorkers(workers, o); err != nil {
		return nil, err
	}
	client, err := queue.New(d.store, d.log, queue.Config{
		Workers:      workers,
		Queues:       map[string]river.QueueConfig{schedule.SyncQueue: {MaxWorkers: 4}},
		PeriodicJobs: []*river.PeriodicJob{schedule.PeriodicReconcile(reconcileInterval)},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the schedule sync queue client: %w", err)
	}
	return func(ctx context.Context) error {
		g, gctx := errgroup.WithContext(ctx)
		if err := client.Start(gctx); err != nil {
			return err
		}
		g.Go(func() error {
			<-gctx.Done()
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := client.Stop(stopCtx); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("stopping the schedule sync queue client: %w", err)
			}
			return nil
		})
		return g.Wait()
	}, nil
}

// runSchedules is `catena schedules reconcile`: compare every monitor with its
// EventBridge schedule and repair drift both ways, now. Exit 1 when some
// schedule could not be repaired.
func runSchedules(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "schedules")
	fs.Usage = func() { fmt.Fprintln(e.stderr, "Usage: catena schedules reconcile") }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "reconcile" {
		fs.Usage()
		return &ExitError{Code: 2, Err: errors.New("schedules needs the subcommand reconcile")}
	}
	d, err := openDeps(ctx, e, false)
	if err != nil {
		return err
	}
	defer d.close()
	if mode := d.cfg.Scheduler.Mode; mode != "eventbridge" {
		return &ExitError{Code: 2, Err: fmt.Errorf("CATENA_SCHEDULER=%s: only EventBridge mode keeps schedules outside the database", cmp.Or(mode, "local"))}
	}
	q, err := queue.New(d.store, d.log, queue.Config{})
	if err != nil {
		return fmt.Errorf("creating the queue client: %w", err)
	}
	o, err := newOutbox(ctx, d, q)
	if err != nil {
		return err
	}
	rep, err := o.Reconcile(ctx)
	if err != nil {
		return fmt.Errorf("reconciling EventBridge schedules: %w", err)
	}
	fmt.Fprintf(e.stdout, "monitors: %d, schedules in %s: %d\n", rep.Monitors, d.cfg.Scheduler.Group, rep.Schedules)
	fmt.Fprintf(e.stdout, "rewritten (missing or different): %s\n", idList(rep.Drifted))
	fmt.Fprintf(e.stdout, "deleted (no monitor): %s\n", idList(rep.Orphans))
	if len(rep.Busy) > 0 {
		fmt.Fprintf(e.stdout, "skipped (a sync was in progress): %s\n", idList(rep.Busy))
	}
	if len(rep.Failed) == 0 {
		return nil
	}
	ids := make([]collection.MonitorID, 0, len(rep.Failed))
	for id := range rep.Failed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(e.stdout, "failed: monitor %d: %v\n", id, rep.Failed[id])
	}
	return &ExitError{Code: 1, Err: fmt.Errorf("%d schedules could not be repaired", len(ids))}
}

func idList(ids []collection.MonitorID) string {
	if len(ids) == 0 {
		return "none"
	}
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprint(int64(id))
	}
	return out
}
