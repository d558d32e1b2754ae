package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/alerting"
	"github.com/catena-monitor/catena/internal/alerting/provider/email"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/store"
)

// runRunner takes queued runs for one location and executes them.
func runRunner(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "runner")
	location := fs.String("location", "", "the location whose queue to serve (default CATENA_LOCATION, else local)")
	concurrency := fs.Int("concurrency", 0, "runs executed at once (default CATENA_RUNNER_CONCURRENCY, else 200)")
	leaseTTL := fs.Duration("lease-ttl", collectionrunner.DefaultLeaseTTL, "how long a run stays leased without a heartbeat")
	heartbeat := fs.Duration("heartbeat", collectionrunner.DefaultHeartbeat, "how often a running run's lease is extended (well under --lease-ttl)")
	sweep := fs.Duration("sweep-interval", defaultSweepInterval, "how often runs whose runner was lost are looked for")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("runner takes no arguments, got %q", fs.Args())}
	}
	if *concurrency < 0 || *concurrency > 10000 {
		return &ExitError{Code: 2, Err: fmt.Errorf("--concurrency %d must be between 1 and 10000", *concurrency)}
	}
	if *heartbeat <= 0 || *sweep <= 0 || *leaseTTL < 2*(*heartbeat) {
		return &ExitError{Code: 2, Err: fmt.Errorf("--lease-ttl (%s) must be at least twice --heartbeat (%s), and both and --sweep-interval positive", *leaseTTL, *heartbeat)}
	}
	d, err := openDeps(ctx, e, false)
	if err != nil {
		return err
	}
	defer d.close()
	opts, err := withAlerting(ctx, d, runnerOptions{
		Location: *location, Concurrency: *concurrency,
		LeaseTTL: *leaseTTL, Heartbeat: *heartbeat, SweepInterval: *sweep,
	})
	if err != nil {
		return err
	}
	rw, err := newRunWorkers(d, opts)
	if err != nil {
		return err
	}
	return rw.Run(ctx)
}

// alertQueueWorkers is how many alert deliveries one process sends at once.
const alertQueueWorkers = 20

// withAlerting adds alerting to a runner: the dispatcher decides in each run's
// finishing transaction (OnFinish) and the same River client sends the
// deliveries (its worker and queue).
func withAlerting(ctx context.Context, d *deps, opts runnerOptions) (runnerOptions, error) {
	inserter, err := queue.New(d.pool, d.log, queue.Config{})
	if err != nil {
		return opts, fmt.Errorf("creating the alert job inserter: %w", err)
	}
	var ses email.SES
	if d.cfg.Email.Provider == "ses" {
		client, err := alerting.NewSES(ctx, d.cfg.Scheduler.AWSRegion, d.cfg.Scheduler.AWSBaseURL, nil)
		if err != nil {
			return opts, err
		}
		ses = client
	}
	disp, err := alerting.NewDispatcher(alerting.Config{
		Store:    d.store,
		Channels: d.store,
		River:    inserter.River(),
		Providers: alerting.ProviderDeps{
			HTTPClient: collectionrunner.NewHTTPClient(collectionrunner.GuardConfig{Deny: d.cfg.DenyCIDRs, Allow: d.cfg.AllowCIDRs}),
			Email:      alerting.EmailTransport(d.cfg.Email, ses),
		},
		PublicURL: d.cfg.PublicURL,
		Log:       d.log.With("component", "alerting"),
	})
	if err != nil {
		return opts, fmt.Errorf("creating the alert dispatcher: %w", err)
	}
	opts.OnFinish = disp.RunFinished
	register := opts.Register
	opts.Register = func(w *river.Workers) error {
		if register != nil {
			if err := register(w); err != nil {
				return err
			}
		}
		return alerting.RegisterWorkers(w, disp)
	}
	if opts.Queues == nil {
		opts.Queues = map[string]river.QueueConfig{}
	}
	opts.Queues[alerting.QueueName] = river.QueueConfig{MaxWorkers: alertQueueWorkers}
	return opts, nil
}

// runnerOptions tunes newRunWorkers; zero values take the configuration's.
type runnerOptions struct {
	// Location picks the queue (queue.RunQueue); default cfg.Location.
	Location string
	// Concurrency is how many runs execute at once; default cfg.Concurrency.
	Concurrency int
	// OnFinish runs in each run's finishing transaction (alerting's RunFinished).
	OnFinish collectionrunner.FinishHook
	// Register adds other job kinds to the same River client (alert delivery).
	Register func(*river.Workers) error
	// Queues adds queues the client works besides the location's run queue.
	Queues map[string]river.QueueConfig
	// FetchCooldown and FetchPollInterval tune how often the run queue is
	// fetched (defaults runFetchCooldown and runFetchPollInterval).
	FetchCooldown, FetchPollInterval time.Duration
	// LeaseTTL, Heartbeat and SweepInterval default to 30s, 10s and 15s.
	LeaseTTL, Heartbeat, SweepInterval time.Duration
}

// defaultSweepInterval is how often a runner looks for runs whose runner was lost.
const defaultSweepInterval = 15 * time.Second

// How often a runner looks for queued runs: at most every runFetchCooldown
// when jobs are announced or finish, and every runFetchPollInterval anyway.
const (
	runFetchCooldown     = 5 * time.Millisecond
	runFetchPollInterval = 50 * time.Millisecond
)

// runWorkers is a runner: a River client working the run queue, the worker's
// progress publisher and the sweeper of lost runs.
type runWorkers struct {
	worker   *collectionrunner.Worker
	client   *queue.Client
	store    *store.Store
	location string
	sweep    time.Duration
	d        *deps
	browser  *collectionrunner.Browser // nil when browser steps are off
}

// newRunWorkers builds everything a runner needs on d; serve.go calls it for
// the all-in-one mode and runs the result's Run under its errgroup.
func newRunWorkers(d *deps, opts runnerOptions) (*runWorkers, error) {
	location := cmp.Or(opts.Location, d.cfg.Location, collection.DefaultLocation)
	concurrency := cmp.Or(opts.Concurrency, d.cfg.Concurrency, 200)
	guard := collectionrunner.GuardConfig{Deny: d.cfg.DenyCIDRs, Allow: d.cfg.AllowCIDRs}
	browser := newBrowser(d.cfg.Browser, d.cfg.BrowserConcurrency, guard, d.log)
	exec := collectionrunner.NewExecutor(collectionrunner.Config{
		Client:   collectionrunner.NewHTTPClient(guard),
		Log:      d.log.With("component", "runner"),
		AllowEnv: d.cfg.AllowEnv,
		Browser:  browser,
	})
	worker := collectionrunner.NewWorker(collectionrunner.WorkerConfig{
		Executor:  exec,
		Store:     runStore{d.store},
		Pool:      d.pool,
		OnFinish:  opts.OnFinish,
		Log:       d.log,
		LeaseTTL:  opts.LeaseTTL,
		Heartbeat: opts.Heartbeat,
	})
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, worker); err != nil {
		return nil, fmt.Errorf("registering the run worker: %w", err)
	}
	if opts.Register != nil {
		if err := opts.Register(workers); err != nil {
			return nil, err
		}
	}
	queues := map[string]river.QueueConfig{queue.RunQueue(location): {
		MaxWorkers: concurrency,
		// River's defaults (fetch at most every 100ms, poll every second) leave
		// most run slots idle between fetches when runs take milliseconds:
		// measured, 10 slots did ~100 runs/s and 100 slots ~210 runs/s with
		// each run holding its slot 20-110ms (docs/performance.md).
		FetchCooldown:     cmp.Or(opts.FetchCooldown, runFetchCooldown),
		FetchPollInterval: cmp.Or(opts.FetchPollInterval, runFetchPollInterval),
	}}
	for name, q := range opts.Queues {
		queues[name] = q
	}
	client, err := queue.New(d.pool, d.log, queue.Config{Workers: workers, Queues: queues})
	if err != nil {
		return nil, fmt.Errorf("creating the queue client: %w", err)
	}
	return &runWorkers{
		worker: worker, client: client, store: d.store, location: location,
		sweep: cmp.Or(opts.SweepInterval, defaultSweepInterval), d: d, browser: browser,
	}, nil
}

// Run works the queue until ctx ends, then stops taking jobs and lets running
// ones finish (or be cancelled and retried) before returning.
func (r *runWorkers) Run(ctx context.Context) error {
	log := r.d.log.With("component", "runner", "location", r.location)
	g, gctx := errgroup.WithContext(ctx)
	if err := r.client.Start(gctx); err != nil {
		return fmt.Errorf("starting the queue client: %w", err)
	}
	log.InfoContext(ctx, "runner started", "queue", queue.RunQueue(r.location))
	if r.browser != nil {
		defer r.browser.Close() // after the queue client stopped: no browser step is left
	}
	g.Go(func() error { return r.worker.Run(gctx) })
	g.Go(func() error { return collectionrunner.Sweep(gctx, r.store, r.sweep, log) })
	g.Go(func() error {
		<-gctx.Done()
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := r.client.Stop(stopCtx); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("stopping the queue client: %w", err)
		}
		return nil
	})
	return g.Wait()
}

// runStore adapts *store.Store to the worker's RunStore.
type runStore struct{ s *store.Store }

func (a runStore) StartRun(ctx context.Context, id collection.RunID, attempt int, until time.Time) (collection.Run, error) {
	return a.s.StartRun(ctx, id, attempt, until)
}

func (a runStore) RunSecrets(ctx context.Context, run *collection.Run) (map[string]string, error) {
	if run.CollectionID == nil {
		return map[string]string{}, nil // the collection was deleted; its secrets with it
	}
	secrets, err := a.s.RunSecrets(ctx, *run.CollectionID)
	if errors.Is(err, collection.ErrNotFound) {
		return map[string]string{}, nil
	}
	return secrets, err
}

func (a runStore) Heartbeat(ctx context.Context, id collection.RunID, attempt int, until time.Time) (bool, error) {
	return a.s.HeartbeatRun(ctx, id, attempt, until)
}

func (a runStore) RecordSteps(ctx context.Context, id collection.RunID, attempt int, steps []collection.StepResult) error {
	return a.s.RecordSteps(ctx, id, attempt, steps)
}

func (a runStore) RefundAttempt(ctx context.Context, id collection.RunID, attempt int, jobID int64) error {
	return a.s.RefundAttempt(ctx, id, attempt, jobID)
}

func (a runStore) FinishRun(ctx context.Context, tx pgx.Tx, p collectionrunner.FinishParams) error {
	return a.s.FinishRun(ctx, tx, store.FinishRunParams{
		ID: p.ID, Attempt: p.Attempt, Status: p.Status, Error: p.Error,
		FinishedAt: p.FinishedAt, Duration: p.Duration, Steps: p.Steps,
	})
}
