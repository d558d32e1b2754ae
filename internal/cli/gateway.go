package cli

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// runGateway serves the API and GUI only (split mode): runs are executed by
// `catena runner` processes and monitors triggered by `catena scheduler` or
// EventBridge. The schema must be current (`catena migrate`).
func runGateway(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "gateway")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := openDeps(ctx, e, false)
	if err != nil {
		return err
	}
	defer d.close()
	gw, err := newGateway(ctx, d, e.stdout)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	if err := publishQueueAge(gctx, d, g); err != nil {
		return err
	}
	gw.start(gctx, g)
	if d.cfg.Scheduler.Mode == "eventbridge" && gw.schedulerLoop != nil {
		// The EventBridge outbox's sync jobs and periodic reconcile (the
		// local loop, by contrast, runs in `catena scheduler`).
		g.Go(func() error { return gw.schedulerLoop(gctx) })
	}
	return stopped(ctx, g.Wait())
}
