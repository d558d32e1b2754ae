package queue_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/store"
)

func TestRunQueue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ location, want string }{
		{"", "runs_local"},
		{"local", "runs_local"},
		{"eu-west-1", "runs_eu-west-1"},
		{"EU West", "runs_eu_west"},
		{"  Paris/DC 2 ", "runs_paris_dc_2"},
		{"--", "runs_local"},
		{strings.Repeat("a", 100), "runs_" + strings.Repeat("a", 59)},
	} {
		if got := queue.RunQueue(tc.location); got != tc.want {
			t.Errorf("RunQueue(%q) = %q; want %q", tc.location, got, tc.want)
		}
	}
}

// newQueue returns an insert-only client on a fresh database and a collection to run.
func newQueue(t *testing.T) (*queue.Client, *pgxpool.Pool, collection.Collection) {
	t.Helper()
	pool := dbtest.NewDB(t)
	q, err := queue.New(store.New(pool, nil), nil, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var id collection.CollectionID
	if err := pool.QueryRow(context.Background(), `INSERT INTO collections (name) VALUES ('checkout') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	c := collection.Collection{ID: id, Name: "checkout", Secrets: map[string]string{"password": "do-not-store"},
		Steps: []collection.Step{{Name: "login", Method: "POST", URL: "http://127.0.0.1:9/login", Body: "@<<secrets.password>>"}}}
	return q, pool, c
}

type jobRow struct {
	Kind        string
	Queue       string
	MaxAttempts int
	RunID       collection.RunID
}

func jobs(t *testing.T, pool *pgxpool.Pool) []jobRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT kind, queue, max_attempts, (args->>'run_id')::bigint FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (jobRow, error) {
		var j jobRow
		return j, r.Scan(&j.Kind, &j.Queue, &j.MaxAttempts, &j.RunID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func enqueue(t *testing.T, q *queue.Client, pool *pgxpool.Pool, p store.InsertRunParams) (collection.Run, bool) {
	t.Helper()
	var run collection.Run
	var created bool
	err := store.WithTx(context.Background(), pool, func(tx pgx.Tx) error {
		var err error
		run, created, err = q.EnqueueRun(context.Background(), tx, p)
		return err
	})
	if err != nil {
		t.Fatalf("EnqueueRun: %v", err)
	}
	return run, created
}

func TestEnqueueRunInsertsRunAndJobOnce(t *testing.T) {
	t.Parallel()
	q, pool, c := newQueue(t)
	p := store.InsertRunParams{CollectionID: &c.ID, Location: "eu-west-1", Trigger: collection.TriggerManual, IdempotencyKey: "manual-1", Snapshot: c}
	run, created := enqueue(t, q, pool, p)
	if !created || run.Status != collection.RunQueued || run.Location != "eu-west-1" || run.Snapshot.Name != "checkout" {
		t.Fatalf("enqueued = %+v, created %v", run, created)
	}
	again, created := enqueue(t, q, pool, p)
	if created || again.ID != run.ID {
		t.Errorf("second enqueue of the key: run %d created %v; want run %d, not created", again.ID, created, run.ID)
	}
	want := []jobRow{{Kind: "catena_run", Queue: "runs_eu-west-1", MaxAttempts: queue.RunMaxAttempts, RunID: run.ID}}
	if got := jobs(t, pool); len(got) != 1 || got[0] != want[0] {
		t.Errorf("jobs = %+v; want %+v", got, want)
	}
	var snap string
	if err := pool.QueryRow(context.Background(), `SELECT snapshot::text FROM runs WHERE id = $1`, run.ID).Scan(&snap); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(snap, "do-not-store") {
		t.Errorf("the run snapshot holds a secret value: %s", snap)
	}
}

func TestEnqueueRunConcurrentSameKey(t *testing.T) {
	t.Parallel()
	q, pool, c := newQueue(t)
	p := store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerAPI, IdempotencyKey: "api-42", Snapshot: c}
	const n = 8
	var wg sync.WaitGroup
	ids := make(chan collection.RunID, n)
	createdCount := make(chan bool, n)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := store.WithTx(context.Background(), pool, func(tx pgx.Tx) error {
				run, created, err := q.EnqueueRun(context.Background(), tx, p)
				ids <- run.ID
				createdCount <- created
				return err
			})
			if err != nil {
				t.Errorf("concurrent enqueue: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(ids)
	close(createdCount)
	var first collection.RunID
	for id := range ids {
		if first == 0 {
			first = id
		}
		if id != first {
			t.Errorf("concurrent enqueues returned runs %d and %d; want one", first, id)
		}
	}
	created := 0
	for c := range createdCount {
		if c {
			created++
		}
	}
	var runs int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM runs`).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	if got := jobs(t, pool); created != 1 || runs != 1 || len(got) != 1 || got[0].RunID != first {
		t.Errorf("created %d, %d runs, jobs %+v; want exactly one of each", created, runs, got)
	}
}

func TestEnqueueRunRolledBackLeavesNothing(t *testing.T) {
	t.Parallel()
	q, pool, c := newQueue(t)
	boom := errors.New("caller failed after enqueue")
	err := store.WithTx(context.Background(), pool, func(tx pgx.Tx) error {
		if _, _, err := q.EnqueueRun(context.Background(), tx, store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerManual, Snapshot: c}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var runs int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM runs`).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	if got := jobs(t, pool); runs != 0 || len(got) != 0 {
		t.Errorf("after rollback: %d runs, %d jobs; want none", runs, len(got))
	}
}

func TestEnqueueMonitor(t *testing.T) {
	t.Parallel()
	q, pool, c := newQueue(t)
	ctx := context.Background()
	var other collection.CollectionID
	if err := pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('other') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	var mid collection.MonitorID
	if err := pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule) VALUES ('m', 'every 5m') RETURNING id`).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	m := &collection.Monitor{ID: mid, Locations: []string{"local", "eu-west-1"}, CollectionIDs: []collection.CollectionID{c.ID, other}}
	snaps := map[collection.CollectionID]collection.Collection{c.ID: c, other: {Name: "other"}}
	slot := time.Date(2026, 7, 1, 10, 5, 0, 0, time.FixedZone("CEST", 2*3600))

	enqueueMonitor := func() []collection.Run {
		var runs []collection.Run
		if err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
			var err error
			runs, err = q.EnqueueMonitor(ctx, tx, m, slot, snaps)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return runs
	}
	first := enqueueMonitor()
	if len(first) != 4 {
		t.Fatalf("%d runs; want 2 collections × 2 locations", len(first))
	}
	for i, r := range first {
		cid := []collection.CollectionID{c.ID, c.ID, other, other}[i]
		key := queue.MonitorRunKey(mid, cid, r.Location, slot)
		if r.IdempotencyKey != key || *r.CollectionID != cid || *r.MonitorID != mid || r.Trigger != collection.TriggerSchedule || !r.ScheduledFor.Equal(slot) {
			t.Errorf("run %d = %+v; want key %s", i, r, key)
		}
	}
	if k := queue.MonitorRunKey(1, 2, "local", slot); k != "monitor:1:collection:2:location:local:2026-07-01T08:05:00Z" {
		t.Errorf("MonitorRunKey = %q", k)
	}
	second := enqueueMonitor() // a second scheduler, a retried Lambda
	for i := range first {
		if second[i].ID != first[i].ID {
			t.Errorf("second enqueue of the slot made run %d; want %d", second[i].ID, first[i].ID)
		}
	}
	got := jobs(t, pool)
	if len(got) != 4 {
		t.Fatalf("%d jobs; want 4", len(got))
	}
	queues := map[string]int{}
	for _, j := range got {
		queues[j.Queue]++
	}
	if queues["runs_local"] != 2 || queues["runs_eu-west-1"] != 2 {
		t.Errorf("jobs by queue = %v", queues)
	}

	delete(snaps, other)
	err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := q.EnqueueMonitor(ctx, tx, m, slot.Add(5*time.Minute), snaps)
		return err
	})
	if !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("missing snapshot: %v; want ErrNotFound", err)
	}
}

// runRecorder is a River worker that reports the runs it is given.
type runRecorder struct {
	river.WorkerDefaults[collection.RunJob]
	got chan collection.RunID
}

func (w *runRecorder) Work(_ context.Context, job *river.Job[collection.RunJob]) error {
	w.got <- job.Args.RunID
	return nil
}

func TestWorkerReceivesEnqueuedRun(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewDB(t)
	workers := river.NewWorkers()
	rec := &runRecorder{got: make(chan collection.RunID, 1)}
	river.AddWorker(workers, rec)
	q, err := queue.New(store.New(pool, nil), nil, queue.Config{Workers: workers, Queues: map[string]river.QueueConfig{queue.RunQueue("local"): {MaxWorkers: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = q.Stop(stopCtx)
	})
	run, _ := enqueue(t, q, pool, store.InsertRunParams{Trigger: collection.TriggerCLI, Snapshot: collection.Collection{Name: "adhoc"}})
	select {
	case id := <-rec.got:
		if id != run.ID {
			t.Errorf("worker got run %d; want %d", id, run.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the worker never received the run")
	}
	if q.River() == nil {
		t.Error("River() is nil")
	}
}

func TestNewRejectsQueuesWithoutWorkers(t *testing.T) {
	t.Parallel()
	if _, err := queue.New(nil, nil, queue.Config{Queues: map[string]river.QueueConfig{"runs_local": {MaxWorkers: 1}}}); err == nil {
		t.Error("New accepted queues without workers")
	}
}

func TestNewNeedsTheStore(t *testing.T) {
	t.Parallel()
	if _, err := queue.New(nil, nil, queue.Config{}); err == nil {
		t.Error("New built a client without the store it inserts runs through")
	}
}

// A run that starts through the queue is queued: a final status (a missed
// slot) is the store's business, and nothing is inserted for it.
func TestEnqueueRunRefusesAFinalStatus(t *testing.T) {
	t.Parallel()
	q, pool, c := newQueue(t)
	err := store.WithTx(context.Background(), pool, func(tx pgx.Tx) error {
		_, _, err := q.EnqueueRun(context.Background(), tx, store.InsertRunParams{
			CollectionID: &c.ID, Trigger: collection.TriggerManual, Status: collection.RunMissed, Snapshot: c,
		})
		return err
	})
	if !errors.Is(err, collection.ErrInvalid) {
		t.Fatalf("EnqueueRun(status missed) = %v; want ErrInvalid", err)
	}
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM runs`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d runs inserted (%v); want none", n, err)
	}
}

// stuckArgs is a job kind for TestStuckJobIsRescuedWithinMinutes.
type stuckArgs struct{}

func (stuckArgs) Kind() string { return "stuck_probe" }

type stuckWorker struct {
	river.WorkerDefaults[stuckArgs]
	got chan int
}

func (w *stuckWorker) Timeout(*river.Job[stuckArgs]) time.Duration { return time.Second }

func (w *stuckWorker) Work(_ context.Context, job *river.Job[stuckArgs]) error {
	w.got <- job.Attempt
	return nil
}

// A job left running by a worker that died (its attempt began five minutes ago)
// is retried by a client built with the default rescue threshold: under River's
// own default (1h) it would stay stuck and this test would time out.
func TestStuckJobIsRescuedWithinMinutes(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewDB(t)
	ctx := context.Background()
	st := store.New(pool, nil)
	inserter, err := queue.New(st, nil, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := inserter.River().Insert(ctx, stuckArgs{}, &river.InsertOpts{Queue: "stuck", MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	// What a SIGKILLed runner leaves behind: the job running, attempt 1, no end.
	if _, err := pool.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1,
		attempted_at = now() - interval '5 minutes', attempted_by = ARRAY['dead-runner']
		WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	w := &stuckWorker{got: make(chan int, 1)}
	river.AddWorker(workers, w)
	q, err := queue.New(st, nil, queue.Config{Workers: workers, Queues: map[string]river.QueueConfig{"stuck": {MaxWorkers: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := q.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = q.Stop(stopCtx)
	})
	select {
	case attempt := <-w.got:
		if attempt != 2 {
			t.Errorf("the rescued job ran as attempt %d; want 2", attempt)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the stuck job was never rescued")
	}
}
