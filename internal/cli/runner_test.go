package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/demoapi"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// runnerEnv is a fresh database with the store, a queue client that only
// inserts, and a runner's parts built the way `catena runner` builds them.
type runnerEnv struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *store.Store
	deps  *deps
	queue *queue.Client
}

func newRunnerEnv(t *testing.T) *runnerEnv {
	t.Helper()
	pool := dbtest.NewDB(t)
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(pool, box)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	q, err := queue.New(st, log, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	d := &deps{cfg: &config.Config{Location: collection.DefaultLocation, Concurrency: 20}, log: log, pool: pool, box: box, store: st}
	return &runnerEnv{t: t, pool: pool, store: st, deps: d, queue: q}
}

// testWriter sends log lines to t.Log, so they show only for failing tests.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// startRunner runs a runner until the test ends, with the compressed test
// timings of docs/reliability.md.
func (e *runnerEnv) startRunner(opts runnerOptions) {
	e.t.Helper()
	opts.LeaseTTL = cmpOr(opts.LeaseTTL, 3*time.Second)
	opts.Heartbeat = cmpOr(opts.Heartbeat, 100*time.Millisecond)
	opts.SweepInterval = cmpOr(opts.SweepInterval, 200*time.Millisecond)
	rw, err := newRunWorkers(e.deps, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rw.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("runner stopped with: %v", err)
		}
	})
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// saveCollection stores c with its secrets and returns the saved copy.
func (e *runnerEnv) saveCollection(c *collection.Collection) *collection.Collection {
	e.t.Helper()
	saved, err := e.store.CreateCollection(context.Background(), c)
	if err != nil {
		e.t.Fatalf("creating collection: %v", err)
	}
	return saved
}

// enqueue queues a manual run of c as the gateway's "Run now" does.
func (e *runnerEnv) enqueue(c *collection.Collection) collection.Run {
	e.t.Helper()
	ctx := context.Background()
	var run collection.Run
	err := store.WithTx(ctx, e.pool, func(tx pgx.Tx) error {
		var err error
		run, _, err = e.queue.EnqueueRun(ctx, tx, store.InsertRunParams{
			CollectionID: &c.ID, Location: collection.DefaultLocation, Trigger: collection.TriggerManual,
			IdempotencyKey: fmt.Sprintf("test:%d:%d", c.ID, time.Now().UnixNano()), Snapshot: *c,
		})
		return err
	})
	if err != nil {
		e.t.Fatalf("enqueueing: %v", err)
	}
	return run
}

// waitRun polls the run until cond holds or 30 s pass.
func (e *runnerEnv) waitRun(id collection.RunID, what string, cond func(*collection.Run) bool) *collection.Run {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last *collection.Run
	for time.Now().Before(deadline) {
		r, err := e.store.GetRun(context.Background(), id)
		if err != nil {
			e.t.Fatalf("reading run %d: %v", id, err)
		}
		if cond(r) {
			return r
		}
		last = r
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an event
	}
	e.t.Fatalf("run %d never became %s; last: status=%s error=%q attempt=%d", id, what, last.Status, last.Error, last.Attempt)
	return nil
}

func final(r *collection.Run) bool { return r.Status.Final() }

func demoCollection(t *testing.T, base string) *collection.Collection {
	t.Helper()
	c, err := collection.Parse(demoapi.ChainCollection, "chain.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.Variables["base"] = base
	c.Secrets = map[string]string{"password": demoapi.Password}
	return c
}

func TestRunnerExecutesAQueuedRun(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	api := httptest.NewServer(demoapi.New(demoapi.Config{}))
	t.Cleanup(api.Close)
	c := e.saveCollection(demoCollection(t, api.URL))

	// Watch progress the way the gateway does.
	listener, err := e.pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Release()
	if _, err := listener.Exec(context.Background(), "LISTEN "+collection.ProgressChannel); err != nil {
		t.Fatal(err)
	}

	var finishedInHook *collection.Run
	var hookMu sync.Mutex
	e.startRunner(runnerOptions{OnFinish: func(ctx context.Context, tx pgx.Tx, run *collection.Run) error {
		hookMu.Lock()
		defer hookMu.Unlock()
		finishedInHook = run
		return nil
	}})
	run := e.enqueue(c)
	got := e.waitRun(run.ID, "final", final)

	if got.Status != collection.RunPassed || got.Error != "" || got.Attempt != 1 {
		t.Fatalf("run ended %s (%q) attempt %d, want passed on attempt 1", got.Status, got.Error, got.Attempt)
	}
	if len(got.Steps) != 10 {
		t.Fatalf("%d step rows, want 10", len(got.Steps))
	}
	assertions := 0
	for i, s := range got.Steps {
		if s.Position != i || s.Status != collection.StepPassed {
			t.Errorf("step %d: position %d status %s (%s)", i, s.Position, s.Status, s.Error)
		}
		assertions += len(s.Assertions)
		if strings.Contains(s.Request.Body, demoapi.Password) {
			t.Errorf("step %s stored the secret in its request body: %s", s.Name, s.Request.Body)
		}
	}
	if assertions != 33 {
		t.Errorf("%d assertion rows, want 33", assertions)
	}
	if got.StartedAt == nil || got.FinishedAt == nil || got.Duration <= 0 {
		t.Errorf("started %v finished %v duration %s", got.StartedAt, got.FinishedAt, got.Duration)
	}
	hookMu.Lock()
	if finishedInHook == nil || finishedInHook.ID != run.ID || finishedInHook.Status != collection.RunPassed {
		t.Errorf("the finish hook saw %+v", finishedInHook)
	}
	hookMu.Unlock()

	// The final state arrives as a notification carrying all 10 steps.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		n, err := listener.Conn().WaitForNotification(ctx)
		if err != nil {
			t.Fatalf("no final progress notification: %v", err)
		}
		var p collection.Progress
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
			t.Fatalf("progress payload is not JSON: %v: %s", err, n.Payload)
		}
		if p.RunID != run.ID {
			continue
		}
		if p.Status == collection.RunPassed {
			if len(p.Steps) != 10 || p.Steps[9].Name != "list_after" || p.Attempt != 1 {
				t.Errorf("final notification = %+v", p)
			}
			break
		}
		if p.Status != collection.RunRunning || len(p.Steps) == 0 {
			t.Errorf("progress notification = %+v", p)
		}
	}
}

// blockingTarget answers /wait only when release is closed (or the request is
// cancelled); hits counts requests.
type blockingTarget struct {
	srv     *httptest.Server
	release chan struct{}
	entered chan struct{}
	once    sync.Once
}

func newBlockingTarget(t *testing.T) *blockingTarget {
	t.Helper()
	b := &blockingTarget{release: make(chan struct{}), entered: make(chan struct{}, 100)}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			b.entered <- struct{}{}
			select {
			case <-b.release:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprint(w, `{"ok": true}`)
	}))
	t.Cleanup(func() {
		b.open()
		b.srv.Close()
	})
	return b
}

func (b *blockingTarget) open() { b.once.Do(func() { close(b.release) }) }

func twoStepCollection(name, base string) *collection.Collection {
	return &collection.Collection{Name: name, Steps: []collection.Step{
		{Name: "first", Method: "GET", URL: base + "/ok", Assertions: []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}}},
		{Name: "slow", Method: "GET", URL: base + "/wait", Timeout: collection.Duration(20 * time.Second)},
	}}
}

func TestRunnerCancelsARunningRun(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	target := newBlockingTarget(t)
	c := e.saveCollection(twoStepCollection("cancel me", target.srv.URL))
	e.startRunner(runnerOptions{})
	run := e.enqueue(c)
	<-target.entered // the run is inside its slow step
	if _, _, err := e.store.CancelRun(context.Background(), run.ID); err != nil {
		t.Fatalf("cancelling: %v", err)
	}
	got := e.waitRun(run.ID, "final", final)
	if got.Status != collection.RunCancelled || got.Error != "cancelled" {
		t.Errorf("run ended %s (%q), want cancelled", got.Status, got.Error)
	}
	if len(got.Steps) == 0 || got.Steps[0].Status != collection.StepPassed {
		t.Errorf("the step finished before the cancel was not kept: %+v", got.Steps)
	}
}

// workerFor builds the worker alone, for tests that drive attempts by hand.
func (e *runnerEnv) workerFor() *collectionrunner.Worker {
	return collectionrunner.NewWorker(collectionrunner.WorkerConfig{
		Executor:  collectionrunner.NewExecutor(collectionrunner.Config{}),
		Store:     e.store,
		Pool:      e.pool,
		Log:       e.deps.log,
		LeaseTTL:  3 * time.Second,
		Heartbeat: 100 * time.Millisecond,
	})
}

func jobFor(id collection.RunID, attempt int) *river.Job[collection.RunJob] {
	return &river.Job[collection.RunJob]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 2}, Args: collection.RunJob{RunID: id}}
}

func TestStaleAttemptIsFencedOut(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	target := newBlockingTarget(t)
	c := e.saveCollection(twoStepCollection("fenced", target.srv.URL))
	run := e.enqueue(c)
	w := e.workerFor()
	ctx := context.Background()

	// Attempt 1 blocks in its slow step while attempt 2 takes the run over (as
	// after River rescued the job from a frozen runner).
	done := make(chan error, 1)
	go func() { done <- w.Work(ctx, jobFor(run.ID, 1)) }()
	<-target.entered
	if _, err := e.store.StartRun(ctx, run.ID, 2, time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("attempt 2 could not start: %v", err)
	}
	target.open()
	if err := <-done; err != nil {
		t.Errorf("the fenced-out attempt returned %v; it should abandon the run without a retry", err)
	}
	got, err := e.store.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != collection.RunRunning || got.Attempt != 2 || len(got.Steps) != 0 {
		t.Errorf("after the stale attempt: status %s attempt %d, %d steps; want running attempt 2 with none", got.Status, got.Attempt, len(got.Steps))
	}

	// A stale FinishRun changes nothing either.
	err = store.WithTx(ctx, e.pool, func(tx pgx.Tx) error {
		return e.store.FinishRun(ctx, tx, collection.FinishRunParams{
			ID: run.ID, Attempt: 1, Status: collection.RunPassed, FinishedAt: time.Now(), Duration: time.Second,
		})
	})
	if !errors.Is(err, collection.ErrConflict) {
		t.Errorf("stale FinishRun returned %v, want a conflict", err)
	}
	// Attempt 1 arriving again (a duplicate delivery) does not start anything.
	if err := w.Work(ctx, jobFor(run.ID, 1)); err != nil {
		t.Errorf("a late attempt 1 returned %v", err)
	}
	if got, _ := e.store.GetRun(ctx, run.ID); got.Status != collection.RunRunning || got.Attempt != 2 {
		t.Errorf("a late attempt changed the run: %s attempt %d", got.Status, got.Attempt)
	}
}

// discardJob marks the run's queue job discarded, as River's rescuer does when
// a runner was lost on the last attempt.
func (e *runnerEnv) discardJob(id collection.RunID) {
	e.t.Helper()
	tag, err := e.pool.Exec(context.Background(),
		`UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE kind = 'catena_run' AND args @> jsonb_build_object('run_id', $1::bigint)`, id)
	if err != nil || tag.RowsAffected() != 1 {
		e.t.Fatalf("discarding the job of run %d: %v (%d rows)", id, err, tag.RowsAffected())
	}
}

func TestRunnerSweepsADiscardedRun(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	c := e.saveCollection(twoStepCollection("discarded", "http://127.0.0.1:1"))
	run := e.enqueue(c)
	if _, err := e.store.StartRun(context.Background(), run.ID, 1, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	e.discardJob(run.ID)
	e.startRunner(runnerOptions{Location: "nowhere"}) // sweeps, takes no job of this run
	got := e.waitRun(run.ID, "swept", final)
	if got.Status != collection.RunErrored || got.Error != "runner_lost" {
		t.Errorf("run ended %s (%q), want errored runner_lost", got.Status, got.Error)
	}
}

// A runner that took a run and vanished (killed or frozen past its lease):
// the sweeper hands the job back to River, and a live runner completes the run
// as attempt 2 (scenarios 1 and 3 of docs/reliability.md).
func TestRunnerRetriesARunWhoseRunnerVanished(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	api := httptest.NewServer(demoapi.New(demoapi.Config{}))
	t.Cleanup(api.Close)
	c := e.saveCollection(demoCollection(t, api.URL))
	run := e.enqueue(c)
	// The vanished runner: attempt 1 started, lease expired, job still running.
	ctx := context.Background()
	if _, err := e.store.StartRun(ctx, run.ID, 1, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now()
		WHERE kind = 'catena_run' AND args @> jsonb_build_object('run_id', $1::bigint)`, run.ID); err != nil {
		t.Fatal(err)
	}
	// Wired as `catena runner` wires it, alerting included.
	opts, err := withAlerting(ctx, e.deps, runnerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.startRunner(opts)
	got := e.waitRun(run.ID, "final", final)
	if got.Status != collection.RunPassed || got.Attempt != 2 || len(got.Steps) != 10 {
		t.Errorf("run ended %s (%q) on attempt %d with %d steps; want passed on attempt 2", got.Status, got.Error, got.Attempt, len(got.Steps))
	}
}

// A long run's finished steps reach the database on the heartbeat, before the
// run ends, so a runner lost mid-run leaves them behind (scenario 1).
func TestRunnerRecordsFinishedStepsOfALongRun(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	target := newBlockingTarget(t)
	c := e.saveCollection(twoStepCollection("long", target.srv.URL))
	e.startRunner(runnerOptions{})
	run := e.enqueue(c)
	<-target.entered
	got := e.waitRun(run.ID, "running with its first step recorded", func(r *collection.Run) bool {
		return r.Status == collection.RunRunning && len(r.Steps) == 1
	})
	if s := got.Steps[0]; s.Name != "first" || s.Status != collection.StepPassed || s.Attempt != 1 {
		t.Errorf("recorded step = %s %s attempt %d", s.Name, s.Status, s.Attempt)
	}
	target.open()
	got = e.waitRun(run.ID, "final", final)
	if got.Status != collection.RunPassed || len(got.Steps) != 2 {
		t.Errorf("run ended %s with %d steps, want passed with 2", got.Status, len(got.Steps))
	}
}

func TestRunnerCommandRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"runner", "extra"}, {"runner", "--concurrency", "-1"}, {"runner", "--concurrency", "x"}, {"runner", "--lease-ttl", "3s", "--heartbeat", "2s"}} {
		if r := runCLI(t, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}

// countingStore counts how runs are started.
type countingStore struct {
	*store.Store
	full, cached atomic.Int64
}

func (s *countingStore) StartRun(ctx context.Context, id collection.RunID, attempt int, lease time.Time) (collection.Run, error) {
	s.full.Add(1)
	return s.Store.StartRun(ctx, id, attempt, lease)
}

func (s *countingStore) StartRunCached(ctx context.Context, id collection.RunID, attempt int, lease time.Time) (collection.Run, error) {
	s.cached.Add(1)
	return s.Store.StartRunCached(ctx, id, attempt, lease)
}

// jobOf reads the run's queue job as River stored it.
func (e *runnerEnv) jobOf(id collection.RunID) *river.Job[collection.RunJob] {
	e.t.Helper()
	var args []byte
	if err := e.pool.QueryRow(context.Background(), `SELECT args FROM river_job WHERE args->>'run_id' = $1`, strconv.FormatInt(int64(id), 10)).Scan(&args); err != nil {
		e.t.Fatalf("job of run %d: %v", id, err)
	}
	job := jobFor(id, 1)
	if err := json.Unmarshal(args, &job.Args); err != nil {
		e.t.Fatal(err)
	}
	return job
}

// A runner decodes a collection version's snapshot once: the next run of the
// same version starts without reading it, and runs the same steps; a new
// version of the collection is read again.
func TestRunnerReusesADecodedSnapshot(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer target.Close()
	c := e.saveCollection(&collection.Collection{Name: "cached", Steps: []collection.Step{
		{Name: "one", Method: "GET", URL: target.URL + "/one"}, {Name: "two", Method: "GET", URL: target.URL + "/two"},
	}})
	first, second := e.enqueue(c), e.enqueue(c)
	j1, j2 := e.jobOf(first.ID), e.jobOf(second.ID)
	if j1.Args.Snapshot == "" || j1.Args.Snapshot != j2.Args.Snapshot {
		t.Fatalf("snapshot keys %q and %q: want one non-empty key for one collection version", j1.Args.Snapshot, j2.Args.Snapshot)
	}
	counted := &countingStore{Store: e.store}
	w := collectionrunner.NewWorker(collectionrunner.WorkerConfig{
		Executor: collectionrunner.NewExecutor(collectionrunner.Config{}), Store: counted, Pool: e.pool, Log: e.deps.log,
	})
	ctx := context.Background()
	for _, j := range []*river.Job[collection.RunJob]{j1, j2} {
		if err := w.Work(ctx, j); err != nil {
			t.Fatal(err)
		}
		got, err := e.store.GetRun(ctx, j.Args.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != collection.RunPassed || len(got.Steps) != 2 || got.Steps[1].Name != "two" {
			t.Fatalf("run %d: %s with %d steps", got.ID, got.Status, len(got.Steps))
		}
	}
	if counted.full.Load() != 1 || counted.cached.Load() != 1 || hits.Load() != 4 {
		t.Errorf("started %d runs with the snapshot and %d from the cache, %d requests; want 1, 1 and 4", counted.full.Load(), counted.cached.Load(), hits.Load())
	}

	c.Steps = c.Steps[:1]
	changed, err := e.store.ReplaceCollection(ctx, c.ID, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	third := e.enqueue(changed)
	j3 := e.jobOf(third.ID)
	if j3.Args.Snapshot == j1.Args.Snapshot {
		t.Fatal("a changed collection kept its snapshot key")
	}
	if err := w.Work(ctx, j3); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.GetRun(ctx, third.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != collection.RunPassed || len(got.Steps) != 1 || counted.full.Load() != 2 {
		t.Errorf("the new version ran %s with %d steps after %d full starts; want passed, 1 step, 2", got.Status, len(got.Steps), counted.full.Load())
	}
}
