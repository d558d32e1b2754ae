package cli

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/metrics"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/store"
)

// newMetrics builds the process's one registry.
func newMetrics(cfg *config.Config) *metrics.Metrics {
	return metrics.New(metrics.Config{SeriesLimit: cfg.MetricsSeriesLimit, Version: Version, Revision: revision()})
}

// revision is the VCS revision the binary was built from (12 characters), or "".
func revision() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
	}
	return ""
}

// withMetricsServer runs work and, unless CATENA_METRICS_ADDR is off, an HTTP
// server with /metrics, /healthz and /readyz beside it: the worker roles
// (runner, scheduler) have no other port to scrape. A port that cannot be
// bound stops the process, so a misconfiguration is not silent.
func withMetricsServer(ctx context.Context, d *deps, work func(context.Context) error) error {
	if d.cfg.MetricsAddr == "off" {
		return work(ctx)
	}
	mux := http.NewServeMux()
	mountHealth(mux, d.pool)
	mux.Handle("GET /metrics", d.metrics.Handler())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return work(gctx) })
	g.Go(func() error { return serveHTTP(gctx, d.log.With("component", "metrics"), d.cfg.MetricsAddr, mux) })
	return g.Wait()
}

// watchQueue exports the run queues' depth and oldest job age from d's store.
func watchQueue(d *deps) {
	d.metrics.WatchQueue(queueSource(d), d.log.With("component", "metrics"))
}

// queueSource reads the run queues' state from d's store, for /metrics and
// the CloudWatch publisher alike.
func queueSource(d *deps) metrics.QueueSource {
	return func(ctx context.Context) ([]metrics.QueueStat, error) {
		rows, err := d.store.QueueStats(ctx)
		out := make([]metrics.QueueStat, len(rows))
		for i, r := range rows {
			out[i] = metrics.QueueStat{Location: r.Location, State: r.State, Jobs: r.Jobs, OldestAge: r.OldestAge}
		}
		return out, err
	}
}

// publishQueueAge starts, when CATENA_CLOUDWATCH_NAMESPACE is set, the loop
// that publishes each location's oldest queued job age to CloudWatch every
// minute (what AWS runner scaling tracks).
func publishQueueAge(ctx context.Context, d *deps, g *errgroup.Group) error {
	cw := d.cfg.CloudWatch
	if cw.Namespace == "" {
		return nil
	}
	client, err := metrics.NewCloudWatchClient(ctx, cw)
	if err != nil {
		return err
	}
	log := d.log.With("component", "cloudwatch")
	log.InfoContext(ctx, "publishing the queue age to CloudWatch", "namespace", cw.Namespace, "metric", metrics.QueueAgeMetric)
	g.Go(func() error {
		return metrics.PublishQueueAge(ctx, metrics.CloudWatchPublisherConfig{
			Client: client, Namespace: cw.Namespace, Source: queueSource(d), Log: log,
		})
	})
	return nil
}

// observedWorker counts the runs a runner is executing; the rest is the run
// worker's own.
type observedWorker struct {
	*collectionrunner.Worker
	metrics  *metrics.Metrics
	location string
}

func (w *observedWorker) Work(ctx context.Context, job *river.Job[collection.RunJob]) error {
	w.metrics.RunStarted(w.location)
	defer w.metrics.RunDone(w.location)
	return w.Worker.Work(ctx, job)
}

// observeWorker wraps the run worker of a runner serving location with
// concurrency slots, and publishes its capacity.
func observeWorker(d *deps, w *collectionrunner.Worker, location string, concurrency int) river.Worker[collection.RunJob] {
	queueLocation := queueLocationLabel(location)
	d.metrics.RunnerCapacity(queueLocation, concurrency)
	return &observedWorker{Worker: w, metrics: d.metrics, location: queueLocation}
}

// queueLocationLabel is the location as its run queue names it, the label the
// queue and runner metrics share (so rules can join them).
func queueLocationLabel(location string) string {
	return strings.TrimPrefix(queue.RunQueue(location), "runs_")
}

// observeFinish records a finished run in the metrics after next (alerting)
// accepted it, as the last thing in the finishing transaction. A commit that
// fails after it leaves the run counted once more when it is retried; that is
// rare and the counters stay within one run of the truth.
func observeFinish(d *deps, next collectionrunner.FinishHook) collectionrunner.FinishHook {
	if d.metrics == nil {
		return next
	}
	names := &monitorNames{store: d.store, log: d.log, ttl: time.Minute, now: time.Now}
	return func(ctx context.Context, tx pgx.Tx, run *collection.Run) error {
		if next != nil {
			if err := next(ctx, tx, run); err != nil {
				return err
			}
		}
		monitor := ""
		if run.MonitorID != nil {
			monitor = names.get(ctx, tx, *run.MonitorID)
		}
		d.metrics.RunFinished(run, monitor)
		return nil
	}
}

// monitorNames caches monitor names for a minute, so most finished runs need
// no extra query; a renamed monitor's series change name within that minute.
type monitorNames struct {
	store *store.Store
	log   *slog.Logger
	ttl   time.Duration
	now   func() time.Time
	mu    sync.Mutex
	byID  map[collection.MonitorID]cachedName
}

type cachedName struct {
	name string
	at   time.Time
}

// maxCachedNames bounds the cache; past it, it starts over.
const maxCachedNames = 50_000

func (c *monitorNames) get(ctx context.Context, tx pgx.Tx, id collection.MonitorID) string {
	now := c.now()
	c.mu.Lock()
	if e, ok := c.byID[id]; ok && now.Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.name
	}
	c.mu.Unlock()
	name, err := c.store.MonitorName(ctx, tx, id)
	if err != nil {
		if !errors.Is(err, collection.ErrNotFound) {
			// A primary-key read fails only when the database does; the
			// finish's commit then fails too and the job is retried.
			c.log.WarnContext(ctx, "reading the monitor name for metrics", "monitor_id", int64(id), "error", err)
		}
		return ""
	}
	c.mu.Lock()
	if c.byID == nil || len(c.byID) >= maxCachedNames {
		c.byID = map[collection.MonitorID]cachedName{}
	}
	c.byID[id] = cachedName{name: name, at: now}
	c.mu.Unlock()
	return name
}

// observedSweeper counts the runs the sweep ended errored (their runner was
// lost) in catena_runs_total: no runner finished them, so nothing else does.
type observedSweeper struct {
	*store.Store
	metrics *metrics.Metrics
	log     *slog.Logger
}

func (s observedSweeper) SweepLostRuns(ctx context.Context) ([]collection.RunID, error) {
	ids, err := s.Store.SweepLostRuns(ctx)
	if err == nil && len(ids) > 0 {
		countEnded(ctx, s.Store, s.metrics, s.log, ids)
	}
	return ids, err
}

// countEnded counts runs that ended without a runner finishing them. A
// failed read loses only those counts (logged), never the sweep or cancel.
func countEnded(ctx context.Context, st *store.Store, m *metrics.Metrics, log *slog.Logger, ids []collection.RunID) {
	if m == nil {
		return
	}
	ended, err := st.EndedRuns(ctx, ids)
	if err != nil {
		log.WarnContext(ctx, "reading ended runs for metrics", "runs", len(ids), "error", err)
		return
	}
	for _, e := range ended {
		m.RunEnded(e.Monitor, e.Collection, e.Location, e.Trigger, e.Status)
	}
}

// observedEnqueuer reports the runs each scheduler batch created and the lag
// of every slot it enqueued, from the slot's jittered due time: the jitter is
// chosen, not late.
type observedEnqueuer struct {
	schedule.Enqueuer
	metrics *metrics.Metrics
}

func (e observedEnqueuer) EnqueueScheduled(ctx context.Context, tx pgx.Tx, runs []queue.ScheduledRun) (int, error) {
	n, err := e.Enqueuer.EnqueueScheduled(ctx, tx, runs)
	if err == nil && n > 0 {
		lags := make([]time.Duration, len(runs))
		for i, r := range runs {
			due := r.Slot
			if !r.Due.IsZero() {
				due = r.Due
			}
			lags[i] = time.Since(due)
		}
		e.metrics.SlotsEnqueued(n, lags)
	}
	return n, err
}
