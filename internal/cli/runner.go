package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/alerting"
	"github.com/catena-monitor/catena/internal/alerting/provider/email"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/netguard"
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
	rescue := fs.Duration("rescue-stuck-after", queue.DefaultRescueStuckJobsAfter, "how long a job (an alert delivery) may stay running before it is retried as lost; at least 1m; River rescues no job before its own timeout either")
	sendTimeout := fs.Duration("alert-send-timeout", 30*time.Second, "how long one alert send may take")
	maxBody := fs.Int("max-body-mib", int(collectionrunner.DefaultMaxBodyRead>>20), "the most of a (decoded) response body a step reads, in MiB; more errors the step (body_too_large)")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("runner takes no arguments, got %q", fs.Args())}
	}
	if *concurrency < 0 || *concurrency > 10000 {
		return &ExitError{Code: 2, Err: fmt.Errorf("--concurrency %d must be between 1 and 10000", *concurrency)}
	}
	if *maxBody < 1 || *maxBody > 1024 {
		return &ExitError{Code: 2, Err: fmt.Errorf("--max-body-mib %d must be between 1 and 1024", *maxBody)}
	}
	if *rescue < time.Minute || *sendTimeout <= 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("--rescue-stuck-after (%s) must be at least 1m (River's job timeout) and --alert-send-timeout (%s) positive", *rescue, *sendTimeout)}
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
		MaxBodyRead:      int64(*maxBody) << 20,
		RescueStuckAfter: *rescue, AlertSendTimeout: *sendTimeout,
	})
	if err != nil {
		return err
	}
	rw, err := newRunWorkers(d, opts)
	if err != nil {
		return err
	}
	return withMetricsServer(ctx, d, rw.Run)
}

// alertQueueWorkers is how many alert deliveries one process sends at once.
const alertQueueWorkers = 20

// withAlerting adds alerting to a runner: the dispatcher decides in each run's
// finishing transaction (OnFinish) and the same River client sends the
// deliveries (its worker and queue).
func withAlerting(ctx context.Context, d *deps, opts runnerOptions) (runnerOptions, error) {
	inserter, err := queue.New(d.store, d.log, queue.Config{})
	if err != nil {
		return opts, fmt.Errorf("creating the alert job inserter: %w", err)
	}
	providers, err := alertProviders(ctx, d.cfg)
	if err != nil {
		return opts, err
	}
	disp, err := alerting.NewDispatcher(alerting.Config{
		Store:     d.store,
		Channels:  d.store,
		River:     inserter.River(),
		Providers: providers,
		PublicURL: d.cfg.PublicURL,
		Log:       d.log.With("component", "alerting"),
		Metrics:   d.metrics,
		Retry:     alerting.RetryConfig{SendTimeout: opts.AlertSendTimeout},
		Retries:   inserter,
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

// alertProviders is what alert channels are built with, from the server's
// configuration: the guarded HTTP client and the mail transport. The runner's
// deliveries and the gateway's "send test alert" both use it, so a test alert
// goes exactly where a delivery would (the same SES endpoint, the same guard).
func alertProviders(ctx context.Context, cfg *config.Config) (alerting.ProviderDeps, error) {
	e := cfg.Email
	mail, err := email.NewTransport(ctx, email.Config{
		Provider: e.Provider, From: e.From,
		SMTPHost: e.SMTPHost, SMTPPort: e.SMTPPort, SMTPUser: e.SMTPUser, SMTPPass: e.SMTPPass, SMTPTLS: e.SMTPTLS,
		AWS: email.AWSConfig{Region: e.AWSRegion, EndpointURL: e.AWSEndpointURL},
	})
	if err != nil {
		return alerting.ProviderDeps{}, err
	}
	return alerting.ProviderDeps{
		HTTPClient: netguard.NewClient(netguard.Config{Deny: cfg.DenyCIDRs, Allow: cfg.AllowCIDRs}),
		Email:      mail,
	}, nil
}

// runnerOptions tunes newRunWorkers; zero values take the configuration's.
type runnerOptions struct {
	// Location picks the queue (queue.RunQueue); default cfg.Location.
	Location string
	// Concurrency is how many runs execute at once; default cfg.Concurrency.
	Concurrency int
	// MaxBodyRead caps a step's decoded response body; default the executor's.
	MaxBodyRead int64
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
	// RescueStuckAfter is queue.Config.RescueStuckJobsAfter (0: the queue's default).
	RescueStuckAfter time.Duration
	// AlertSendTimeout bounds one alert send (0: alerting's default, 30s).
	AlertSendTimeout time.Duration
}

// defaultSweepInterval is how often a runner looks for runs whose runner was lost.
const defaultSweepInterval = 15 * time.Second

// How often a runner looks for queued runs: at most every runFetchCooldown
// when jobs are announced or finish, and every runFetchPollInterval anyway.
const (
	runFetchCooldown     = 5 * time.Millisecond
	runFetchPollInterval = 50 * time.Millisecond
)

// The soft memory limit a runner derives from its concurrency when neither
// GOMEMLIMIT nor CATENA_RUNNER_MEMORY_LIMIT sets one: a base for the process
// (binary, pools, River) plus what one run in flight holds (≈ 110 KB of heap
// measured at 1,000 in flight, docs/performance.md) with little slack, so the
// GC collects before the heap doubles (GOGC=100) instead of after.
const (
	memoryLimitBase   = 48 << 20
	memoryLimitPerRun = 64 << 10
)

// setMemoryLimit sets the process's Go soft memory limit for a runner of the
// given concurrency (mib > 0: that many MiB; 0: derived; negative: none). An
// operator's GOMEMLIMIT always wins. The limit is process-wide, as a runner's
// memory is most of the process's; in serve it covers the server too.
func setMemoryLimit(log *slog.Logger, mib, concurrency int) {
	if mib < 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(memoryLimitBase) + int64(concurrency)*memoryLimitPerRun
	if mib > 0 {
		limit = int64(mib) << 20
	}
	debug.SetMemoryLimit(limit)
	log.Debug("runner memory limit set", "mib", limit>>20, "concurrency", concurrency)
}

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
	guard := netguard.Config{Deny: d.cfg.DenyCIDRs, Allow: d.cfg.AllowCIDRs}
	browser := newBrowser(d.cfg.Browser, d.cfg.BrowserConcurrency, guard, d.log)
	exec := collectionrunner.NewExecutor(collectionrunner.Config{
		Client:      collectionrunner.NewHTTPClient(guard),
		Log:         d.log.With("component", "runner"),
		AllowEnv:    d.cfg.AllowEnv,
		MaxBodyRead: opts.MaxBodyRead,
		Browser:     browser,
	})
	setMemoryLimit(d.log, d.cfg.MemoryLimitMiB, concurrency)
	admission := collectionrunner.AdmissionConfig{MaxSchedLatency: d.cfg.MaxSchedLatency}
	if d.yield != nil {
		admission.Hold = d.yield.hold
	}
	worker := collectionrunner.NewWorker(collectionrunner.WorkerConfig{
		Executor:  exec,
		Store:     d.store,
		Pool:      d.pool,
		OnFinish:  observeFinish(d, opts.OnFinish),
		Log:       d.log,
		LeaseTTL:  opts.LeaseTTL,
		Heartbeat: opts.Heartbeat,
		Admission: admission,
	})
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, observeWorker(d, worker, location, concurrency)); err != nil {
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
	periodic, err := withRetention(d, workers, queues)
	if err != nil {
		return nil, err
	}
	client, err := queue.New(d.store, d.log, queue.Config{
		Workers: workers, Queues: queues, PeriodicJobs: periodic, RescueStuckJobsAfter: opts.RescueStuckAfter,
	})
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
	g.Go(func() error {
		return collectionrunner.Sweep(gctx, observedSweeper{r.store, r.d.metrics, log}, r.sweep, log)
	})
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

// The store is the runner's RunStore as it is: nothing to adapt.
var _ collectionrunner.RunStore = (*store.Store)(nil)
