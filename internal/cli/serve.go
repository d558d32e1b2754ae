package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"

	"github.com/catena-monitor/catena/frontend"
	"github.com/catena-monitor/catena/graph"
	"github.com/catena-monitor/catena/internal/alerting"
	"github.com/catena-monitor/catena/internal/alerting/provider/pagerduty"
	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/demoapi"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/statuspage"
	"github.com/catena-monitor/catena/internal/store"
)

// runServe is the all-in-one mode: migrations, the API and GUI, a runner for
// the configured location (with alert delivery) and the local scheduler, in one
// process on one database.
func runServe(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "serve")
	demo := fs.String("demo", "", "URL of a running `catena demo-api` (e.g. http://127.0.0.1:9000): when no collection exists yet, create the demo collection against it and run it once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := openDeps(ctx, e, true)
	if err != nil {
		return err
	}
	defer d.close()
	d.yield = &schedulerYield{}
	gw, err := newGateway(ctx, d, e.stdout)
	if err != nil {
		return err
	}
	if *demo != "" {
		if err := seedDemo(ctx, d, gw.queue, *demo); err != nil {
			return err
		}
	}
	rw, err := newRunWorkers(d, runnerOptions{
		OnFinish: gw.alerts.RunFinished,
		Register: func(w *river.Workers) error { return alerting.RegisterWorkers(w, gw.alerts) },
		Queues:   map[string]river.QueueConfig{alerting.QueueName: {MaxWorkers: 10}},
	})
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	gw.start(gctx, g)
	g.Go(func() error { return rw.Run(gctx) })
	if gw.schedulerLoop != nil {
		g.Go(func() error { return gw.schedulerLoop(gctx) })
	}
	return stopped(ctx, g.Wait())
}

// stopped reports a shutdown asked for by ctx (a signal) as success, even when
// it interrupted a part still starting up.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// gateway is the API process's parts; serve adds the runner to them.
type gateway struct {
	d             *deps
	queue         *queue.Client
	mux           *http.ServeMux
	progress      *graph.Progress
	alerts        *alerting.Dispatcher
	schedulerLoop func(context.Context) error
}

// newGateway builds the HTTP side: /graphql, /api/audit.jsonl, /healthz, /readyz, /metrics,
// /webhooks/pagerduty (when its secret is set), the public /status/SLUG pages
// and /badge/KEY.svg badges, and the GUI at /. It makes sure the first admin exists (or prints the setup link).
func newGateway(ctx context.Context, d *deps, stdout io.Writer) (*gateway, error) {
	setup, err := ensureAdmin(ctx, d, stdout)
	if err != nil {
		return nil, err
	}
	// Insert-only: the API and the dispatcher enqueue runs and deliveries; the
	// runner's own client works them.
	q, err := queue.New(d.store, d.log, queue.Config{})
	if err != nil {
		return nil, fmt.Errorf("creating the queue client: %w", err)
	}
	deps, err := alertProviders(ctx, d.cfg)
	if err != nil {
		return nil, err
	}
	alerts, err := alerting.NewDispatcher(alerting.Config{
		Store: d.store, Channels: d.store, River: q.River(), Providers: deps,
		PublicURL: d.cfg.PublicURL, Log: d.log, Metrics: d.metrics, Retries: q,
	})
	if err != nil {
		return nil, err
	}
	sched, loop, err := newScheduler(ctx, d, q)
	if err != nil {
		return nil, err
	}
	progress := graph.NewProgress(d.pool, d.log.With("component", "progress"))
	watchQueue(d)
	resolver := graph.NewResolver(graph.Config{
		Store: d.store, Queue: q, Progress: progress, Alerts: alerts, Scheduler: sched,
		CheckChannel: func(ch collection.AlertChannel) error { return alerting.ValidateChannel(ch, deps) },
		Log:          d.log.With("component", "api"), SetupToken: setup, SessionTTL: d.cfg.SessionTTL,
		RunCancelled: func(ctx context.Context, run *collection.Run) {
			countEnded(ctx, d.store, d.metrics, d.log, []collection.RunID{run.ID})
		},
	})
	authn := &auth.Authenticator{Users: d.store, Log: d.log, SecureCookies: d.cfg.SecureCookies()}
	api := graph.NewHandler(resolver, graph.HandlerConfig{
		Auth:      authn,
		PublicURL: d.cfg.PublicURL,
		Metrics:   graph.NewMetrics(d.metrics.Registry()),
	})
	mux := http.NewServeMux()
	mountHealth(mux, d.pool)
	mux.Handle("/graphql", api)
	mux.Handle("/api/audit.jsonl", graph.AuditExportHandler(d.store, authn, d.log.With("component", "api"), nil))
	if d.cfg.PagerDutyWebhookSecret != "" {
		pd, err := pagerduty.NewWebhook(pagerduty.WebhookConfig{Secret: d.cfg.PagerDutyWebhookSecret, Store: d.store, Log: d.log})
		if err != nil {
			return nil, err
		}
		mux.Handle(pagerduty.WebhookPath, pd)
	}
	mux.Handle("GET /metrics", d.metrics.Handler())
	statuspage.New(statuspage.Config{Store: d.store, Maintenance: d.store, Log: d.log.With("component", "statuspage")}).Mount(mux)
	mux.Handle("/", frontend.Handler())
	return &gateway{d: d, queue: q, mux: mux, progress: progress, alerts: alerts, schedulerLoop: loop}, nil
}

// start runs the HTTP server and the progress listener under g.
func (gw *gateway) start(ctx context.Context, g *errgroup.Group) {
	g.Go(func() error { return gw.progress.Run(ctx) })
	g.Go(func() error { return serveHTTP(ctx, gw.d.log, gw.d.cfg.Addr, gw.mux) })
}

// seedDemo gives a new instance something to look at: when no collection
// exists, it creates the demo API's checkout collection against base and
// queues one run of it (the runner picks it up as soon as it starts).
func seedDemo(ctx context.Context, d *deps, q *queue.Client, base string) error {
	existing, err := d.store.ListCollections(ctx, store.ListCollectionsParams{First: 1})
	if err != nil || len(existing) > 0 {
		return err
	}
	c, err := collection.Parse(demoapi.ChainCollection, "demo chain")
	if err != nil {
		return fmt.Errorf("reading the demo collection: %w", err)
	}
	if c.Variables == nil {
		c.Variables = map[string]string{}
	}
	c.Variables["base"] = strings.TrimRight(base, "/")
	c.Secrets = map[string]string{"password": demoapi.Password}
	c, err = d.store.CreateCollection(ctx, c)
	if err != nil {
		return fmt.Errorf("creating the demo collection: %w", err)
	}
	err = store.WithTx(ctx, d.pool, func(tx pgx.Tx) error {
		_, _, err := q.EnqueueRun(ctx, tx, store.InsertRunParams{
			CollectionID: &c.ID, Trigger: collection.TriggerManual, Snapshot: *c, IdempotencyKey: "demo-seed",
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("queueing the demo run: %w", err)
	}
	d.log.InfoContext(ctx, "created the demo collection and queued its first run", "collection_id", c.ID, "demo_api", base)
	return nil
}

// ensureAdmin creates the admin named by CATENA_ADMIN_EMAIL/PASSWORD when it
// does not exist. Without them, and with no user at all, it prints a one-time
// setup link and returns its token.
func ensureAdmin(ctx context.Context, d *deps, stdout io.Writer) (*auth.SetupToken, error) {
	if d.cfg.AdminEmail != "" {
		return nil, ensureEnvAdmin(ctx, d)
	}
	n, err := d.store.CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, nil
	}
	setup, token := auth.NewSetupToken()
	fmt.Fprintf(stdout, "No admin exists yet. Open this link once to create one (valid until this process stops):\n\n  %s/setup?token=%s\n\n", d.cfg.PublicURL, token)
	return setup, nil
}

// ensureEnvAdmin creates the CATENA_ADMIN_EMAIL user when it is set and
// missing. An existing user is left as it is (its password may have changed).
func ensureEnvAdmin(ctx context.Context, d *deps) error {
	if d.cfg.AdminEmail == "" {
		return nil
	}
	_, err := d.store.UserByEmail(ctx, d.cfg.AdminEmail)
	if err == nil || !errors.Is(err, collection.ErrNotFound) {
		return err
	}
	hash, err := auth.HashPassword(d.cfg.AdminPassword, 0)
	if err != nil {
		return fmt.Errorf("CATENA_ADMIN_PASSWORD: %w", err)
	}
	u, err := d.store.CreateUser(ctx, &collection.User{Email: d.cfg.AdminEmail, Name: "Admin", Role: collection.RoleAdmin, PasswordHash: hash})
	if err != nil {
		return fmt.Errorf("creating the admin from CATENA_ADMIN_EMAIL: %w", err)
	}
	d.log.InfoContext(ctx, "created admin from CATENA_ADMIN_EMAIL", "user_id", u.ID, "email", u.Email)
	summary, err := json.Marshal(map[string]any{"email": u.Email, "role": u.Role, "from": "CATENA_ADMIN_EMAIL"})
	if err != nil {
		return fmt.Errorf("recording the admin's creation: %w", err)
	}
	return d.store.InsertAuditEntry(ctx, collection.AuditEntry{
		Actor: "system", Action: "createUser", ObjectType: "user", ObjectID: strconv.FormatInt(int64(u.ID), 10),
		Outcome: collection.AuditOK, Summary: summary,
	})
}

// mountHealth adds /healthz (the process answers) and /readyz (the database
// answers; with ?deep=1 also the auditor finds no violation in the last hour).
func mountHealth(mux *http.ServeMux, pool *pgxpool.Pool) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := pool.Ping(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Query().Get("deep") == "1" {
			deepReadiness(w, r, pool)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}

// serveHTTP runs an HTTP server with bounded timeouts until ctx ends, then shuts
// it down gracefully. There is no WriteTimeout: subscriptions are long-lived
// websockets; every other response is bounded by its own query deadlines.
func serveHTTP(ctx context.Context, log *slog.Logger, addr string, h http.Handler) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.InfoContext(ctx, "listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", addr, err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// maxYield bounds how long serve's runner holds new runs back for one
// backlog of its scheduler, so runs never wait behind a scheduler that is
// stuck or always busy. 10,000 slots take seconds to enqueue; a backlog
// longer than this is late already, and the runs share the machine with it.
const maxYield = 15 * time.Second

// yieldQuiet is how long the scheduler must have found nothing due for its
// next backlog to start a new maxYield (ticks come every 250 ms).
const yieldQuiet = time.Second

// schedulerYield lets serve's runner give way to its scheduler: while a tick
// enqueues a slot's runs (10,000 monitors due in the same minute), new runs
// wait, so the enqueueing gets the CPU and the database the runs in flight
// leave; runs already started go on.
type schedulerYield struct {
	mu      sync.Mutex
	start   time.Time        // when the current backlog began
	lastEnd time.Time        // when the last tick with a backlog ended
	until   atomic.Int64     // unix nanoseconds new runs wait until; 0: none
	now     func() time.Time // the clock (nil: time.Now); tests move it
}

func (y *schedulerYield) clock() time.Time {
	if y.now != nil {
		return y.now()
	}
	return time.Now()
}

// backlog is the scheduler's LocalConfig.Backlog.
func (y *schedulerYield) backlog(active bool) {
	y.mu.Lock()
	defer y.mu.Unlock()
	now := y.clock()
	if !active {
		y.lastEnd = now
		y.until.Store(0)
		return
	}
	if y.start.IsZero() || now.Sub(y.lastEnd) > yieldQuiet {
		y.start = now
	}
	y.until.Store(y.start.Add(maxYield).UnixNano())
}

// hold is the runner's AdmissionConfig.Hold.
func (y *schedulerYield) hold() bool {
	u := y.until.Load()
	return u != 0 && y.clock().UnixNano() < u
}
