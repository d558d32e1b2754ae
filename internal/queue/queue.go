// Package queue is the one way a run starts: EnqueueRun inserts the run row and
// its River job in the caller's transaction, so a run is never queued without a
// job nor a job without its run. Runner processes work the jobs through River
// on the same Postgres (FOR UPDATE SKIP LOCKED underneath).
package queue

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// RunMaxAttempts is how many times River works a run job: a run whose runner
// is lost is retried once from the start (a new, fenced attempt), then ends errored.
const RunMaxAttempts = 2

// DefaultRescueStuckJobsAfter is how long a job may stay running before River's
// rescuer (on the elected leader, every 30s) retries it. River never rescues a job
// before its own Timeout has passed, and never one whose Timeout is -1 (run jobs:
// their lease sweep handles a lost runner), so this is a floor: an alert delivery
// (Timeout = send timeout + 30s, 60s by default) whose runner died mid-send is
// retried about 2 to 2.5 minutes later instead of after an hour.
const DefaultRescueStuckJobsAfter = 2 * time.Minute

// Config configures a Client.
type Config struct {
	// Workers registers the job workers; nil makes an insert-only client
	// (gateway, scheduler, Lambda).
	Workers *river.Workers
	// Queues are the queues this process works, such as
	// {RunQueue("local"): {MaxWorkers: 50}}; required with Workers.
	Queues map[string]river.QueueConfig
	// JobTimeout cancels a job's context after this long (River's default: 1m;
	// -1: never).
	JobTimeout time.Duration
	// RescueStuckJobsAfter retries a job whose worker vanished (a runner killed
	// mid-job) after this long; it must be at least JobTimeout. Zero on a client
	// with Workers means DefaultRescueStuckJobsAfter, not River's 1h.
	RescueStuckJobsAfter time.Duration
	// FetchPollInterval is the fallback poll when LISTEN/NOTIFY misses a job
	// (River's default: 1s).
	FetchPollInterval time.Duration
	// PeriodicJobs are inserted on a schedule by the elected leader among the
	// clients that list them (the EventBridge reconcile, retention).
	PeriodicJobs []*river.PeriodicJob
}

// Client wraps a River client with Catena's enqueue functions.
type Client struct {
	river *river.Client[pgx.Tx]
	store *store.Store
	log   *slog.Logger
}

// New builds a Client on the store's pool. The store is the process's one
// store, passed in: the queue only inserts runs through it and never opens a
// secret.
func New(st *store.Store, log *slog.Logger, cfg Config) (*Client, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "queue")
	if cfg.Workers == nil && len(cfg.Queues) > 0 {
		return nil, errors.New("queue: Queues need Workers")
	}
	if st == nil {
		return nil, errors.New("queue: a store is required")
	}
	rescue := cfg.RescueStuckJobsAfter
	if rescue == 0 && cfg.Workers != nil {
		rescue = max(DefaultRescueStuckJobsAfter, cfg.JobTimeout)
	}
	rc, err := river.NewClient(riverpgxv5.New(st.Pool()), &river.Config{
		Workers:              cfg.Workers,
		Queues:               cfg.Queues,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: rescue,
		FetchPollInterval:    cfg.FetchPollInterval,
		PeriodicJobs:         cfg.PeriodicJobs,
		MaxAttempts:          RunMaxAttempts,
		Logger:               log,
	})
	if err != nil {
		return nil, fmt.Errorf("creating River client: %w", err)
	}
	return &Client{river: rc, store: st, log: log}, nil
}

// Start starts working jobs in the background; only a client built with
// Workers can start (an insert-only client just inserts).
func (c *Client) Start(ctx context.Context) error {
	if err := c.river.Start(ctx); err != nil {
		return fmt.Errorf("starting queue: %w", err)
	}
	return nil
}

// Stop stops fetching and waits for running jobs, until ctx is done.
func (c *Client) Stop(ctx context.Context) error {
	if err := c.river.Stop(ctx); err != nil {
		return fmt.Errorf("stopping queue: %w", err)
	}
	return nil
}

// River exposes the River client (subscriptions, job admin, tests).
func (c *Client) River() *river.Client[pgx.Tx] { return c.river }

// RunQueue is the River queue that runs for a location go to. River queue names
// are lower-case letters and digits separated by _ or -, so other characters
// become "_" ("EU West" and "eu_west" share a queue).
func RunQueue(location string) string {
	name := nonName.ReplaceAllStringFunc(strings.ToLower(location), func(m string) string {
		if m == "-" {
			return "-"
		}
		return "_"
	})
	name = strings.Trim(name, "_-")
	if name == "" {
		name = collection.DefaultLocation
	}
	q := "runs_" + name
	if len(q) > 64 {
		q = strings.TrimRight(q[:64], "_-")
	}
	return q
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// EnqueueRun inserts a queued run and its job (queue RunQueue(location),
// RunMaxAttempts attempts) in tx. p is the store's InsertRunParams; a run
// started here is always queued, so p.Status must be empty or queued (a slot
// that will not run is the store's InsertRun with status missed). An empty
// IdempotencyKey gets a random one (every call is a new run); when the key
// exists it returns the existing run and created=false, and inserts nothing.
// The snapshot's secret values are never stored (the runner reads them with
// store.RunSecrets).
func (c *Client) EnqueueRun(ctx context.Context, tx pgx.Tx, p store.InsertRunParams) (collection.Run, bool, error) {
	if p.Status != "" && p.Status != collection.RunQueued {
		return collection.Run{}, false, collection.Invalid("status", "an enqueued run starts queued, not %q", p.Status)
	}
	if p.Location == "" {
		p.Location = collection.DefaultLocation
	}
	if p.SnapshotJSON == nil {
		snap := &p.Snapshot
		if p.Chain.Of == nil { // a retry re-runs its first run's snapshot, already in its environment
			inEnv, err := p.Snapshot.ForEnvironment(p.Environment)
			if err != nil {
				return collection.Run{}, false, err
			}
			snap = inEnv
		}
		b, err := json.Marshal(snap) // Secrets are json:"-"
		if err != nil {
			return collection.Run{}, false, fmt.Errorf("encoding snapshot of collection %q: %w", p.Snapshot.Name, err)
		}
		p.SnapshotJSON = b
	}
	run, created, err := c.store.InsertRun(ctx, tx, p)
	if err != nil || !created {
		return run, false, err
	}
	job := collection.RunJob{RunID: run.ID, Snapshot: collection.SnapshotKey(p.SnapshotJSON)}
	if _, err := c.river.InsertTx(ctx, tx, job, &river.InsertOpts{
		Queue:       RunQueue(p.Location),
		MaxAttempts: RunMaxAttempts,
	}); err != nil {
		return collection.Run{}, false, fmt.Errorf("enqueueing run %d: %w", run.ID, err)
	}
	c.log.DebugContext(ctx, "run enqueued", "run_id", run.ID, "location", p.Location, "trigger", string(p.Trigger))
	return run, true, nil
}

// EnqueueRetry is EnqueueRun for a monitor's retry before alerting: the run
// row is inserted now (queued, linked by p.Chain) and its job becomes
// available at at, after the retry delay. p.IdempotencyKey should be
// collection.RetryRunKey, so a replayed finish enqueues nothing twice.
func (c *Client) EnqueueRetry(ctx context.Context, tx pgx.Tx, p store.InsertRunParams, at time.Time) (collection.Run, bool, error) {
	if p.Status != "" && p.Status != collection.RunQueued {
		return collection.Run{}, false, collection.Invalid("status", "an enqueued run starts queued, not %q", p.Status)
	}
	if p.Location == "" {
		p.Location = collection.DefaultLocation
	}
	run, created, err := c.store.InsertRun(ctx, tx, p)
	if err != nil || !created {
		return run, false, err
	}
	if _, err := c.river.InsertTx(ctx, tx, collection.RunJob{RunID: run.ID}, &river.InsertOpts{
		Queue:       RunQueue(p.Location),
		MaxAttempts: RunMaxAttempts,
		ScheduledAt: at,
	}); err != nil {
		return collection.Run{}, false, fmt.Errorf("enqueueing retry run %d: %w", run.ID, err)
	}
	c.log.DebugContext(ctx, "retry enqueued", "run_id", run.ID, "location", p.Location, "at", at)
	return run, true, nil
}

// MonitorRunKey is the idempotency key of one scheduled slot of a monitor's
// collection at a location.
func MonitorRunKey(m collection.MonitorID, c collection.CollectionID, location string, slot time.Time) string {
	return fmt.Sprintf("monitor:%d:collection:%d:location:%s:%s", m, c, location, slot.UTC().Format(time.RFC3339))
}

// EnqueueMonitor enqueues one run per collection × location of monitor m for
// the schedule slot, keyed by MonitorRunKey, so calling it twice for a slot
// (two schedulers, a retried Lambda) yields each run once. snapshots holds the
// current collections by id; a collection missing from it is an error and
// nothing should be committed. It returns the runs, created or existing, in
// collection then location order.
func (c *Client) EnqueueMonitor(ctx context.Context, tx pgx.Tx, m *collection.Monitor, slot time.Time, snapshots map[collection.CollectionID]collection.Collection) ([]collection.Run, error) {
	locations := m.Locations
	if len(locations) == 0 {
		locations = []string{collection.DefaultLocation}
	}
	runs := make([]collection.Run, 0, len(m.CollectionIDs)*len(locations))
	slotUTC := slot.UTC()
	mid := m.ID
	for _, cid := range m.CollectionIDs {
		snap, ok := snapshots[cid]
		if !ok {
			return nil, fmt.Errorf("enqueueing monitor %d: no snapshot for collection %d: %w", m.ID, cid, collection.ErrNotFound)
		}
		env := m.Environments[cid]
		_, known := snap.Environments[env]
		for _, loc := range locations {
			p := store.InsertRunParams{
				CollectionID:   &cid,
				MonitorID:      &mid,
				Location:       loc,
				Trigger:        collection.TriggerSchedule,
				ScheduledFor:   &slotUTC,
				IdempotencyKey: MonitorRunKey(m.ID, cid, loc, slotUTC),
				Snapshot:       snap,
				Environment:    env,
			}
			if env != "" && !known {
				// The environment went away since the monitor chose it: the
				// slot is recorded missed with the reason, not retried forever.
				p.Status, p.Error, p.Environment = collection.RunMissed, collection.MissedUnknownEnvironment, ""
				run, _, err := c.store.InsertRun(ctx, tx, p)
				if err != nil {
					return nil, err
				}
				runs = append(runs, run)
				continue
			}
			run, _, err := c.EnqueueRun(ctx, tx, p)
			if err != nil {
				return nil, err
			}
			runs = append(runs, run)
		}
	}
	return runs, nil
}

// ScheduledRun is one slot of a monitor's collection at one location.
type ScheduledRun struct {
	MonitorID    collection.MonitorID
	CollectionID collection.CollectionID
	Location     string
	Slot         time.Time
	// Due is when the run was due: Slot plus the monitor's jitter (zero:
	// Slot). The scheduler's lag is measured from it.
	Due time.Time
	// Snapshot is the collection as it will run; runs sharing a pointer (and
	// environment) share one encoding. Its secret values are never stored.
	Snapshot *collection.Collection
	// Environment is the environment the run uses ("" for none): the snapshot
	// is stored with its variables (collection.ForEnvironment).
	Environment string
}

// EnqueueScheduled is EnqueueMonitor for many slots at once, as the local
// scheduler fires them: two statements in tx whatever their number, one
// INSERT of the run rows keyed by MonitorRunKey and one River insert of the
// jobs of the rows created. A slot already queued is left as it is, so a
// repeated call adds nothing. It returns how many runs were created.
func (c *Client) EnqueueScheduled(ctx context.Context, tx pgx.Tx, runs []ScheduledRun) (int, error) {
	if len(runs) == 0 {
		return 0, nil
	}
	params := make([]store.ScheduledRunParams, len(runs))
	type encoding struct {
		snap *collection.Collection
		env  string
	}
	index := map[encoding]int{}
	var snapshots [][]byte
	var keys []string // collection.SnapshotKey of each of snapshots
	for i, r := range runs {
		if r.Snapshot == nil {
			return 0, fmt.Errorf("enqueueing monitor %d: no snapshot for collection %d: %w", r.MonitorID, r.CollectionID, collection.ErrNotFound)
		}
		n, ok := index[encoding{r.Snapshot, r.Environment}]
		if !ok {
			inEnv, err := r.Snapshot.ForEnvironment(r.Environment)
			if err != nil {
				return 0, fmt.Errorf("enqueueing monitor %d: %w", r.MonitorID, err)
			}
			b, err := json.Marshal(inEnv) // Secrets are json:"-"
			if err != nil {
				return 0, fmt.Errorf("encoding snapshot of collection %d: %w", r.CollectionID, err)
			}
			n = len(snapshots)
			index[encoding{r.Snapshot, r.Environment}] = n
			snapshots = append(snapshots, b)
			keys = append(keys, collection.SnapshotKey(b))
		}
		loc := cmp.Or(r.Location, collection.DefaultLocation)
		slot := r.Slot.UTC()
		params[i] = store.ScheduledRunParams{
			MonitorID: r.MonitorID, CollectionID: r.CollectionID, Location: loc, ScheduledFor: slot,
			IdempotencyKey: MonitorRunKey(r.MonitorID, r.CollectionID, loc, slot), Name: r.Snapshot.Name, Snapshot: n,
			Environment: r.Environment,
		}
	}
	created, err := c.store.InsertScheduledRuns(ctx, tx, params, snapshots)
	if err != nil || len(created) == 0 {
		return 0, err
	}
	snapshotOf := make(map[string]int, len(params))
	for _, p := range params {
		snapshotOf[p.IdempotencyKey] = p.Snapshot
	}
	jobs := make([]river.InsertManyParams, len(created))
	for i, r := range created {
		job := collection.RunJob{RunID: r.ID, Snapshot: keys[snapshotOf[r.IdempotencyKey]]}
		jobs[i] = river.InsertManyParams{Args: job, InsertOpts: &river.InsertOpts{
			Queue: RunQueue(r.Location), MaxAttempts: RunMaxAttempts,
		}}
	}
	if _, err := c.river.InsertManyTx(ctx, tx, jobs); err != nil {
		return 0, fmt.Errorf("enqueueing the jobs of %d scheduled runs: %w", len(created), err)
	}
	c.log.DebugContext(ctx, "scheduled runs enqueued", "runs", len(created))
	return len(created), nil
}
