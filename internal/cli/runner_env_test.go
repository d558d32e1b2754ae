package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/alerting"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
	"github.com/catena-monitor/catena/internal/store"
)

// A run in an environment sends that environment's variables and secrets,
// records the environment, and keeps the environment secret out of every row
// it stores (the target echoes it back in every encoding).
func TestRunnerRunsInEnvironment(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	srv := httptest.NewServer(secrettest.EchoHandler())
	t.Cleanup(srv.Close)
	doc := echoCollection("http://127.0.0.1:1") + fmt.Sprintf("environments:\n  staging:\n    variables: {base: %q}\n    secrets: [k]\n", srv.URL)
	c, err := collection.Parse([]byte(doc), "echo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	saved := e.saveCollection(c)
	ctx := context.Background()
	if _, err := e.store.SetEnvironment(ctx, store.SetEnvironmentParams{CollectionID: &saved.ID, Name: "staging", SetSecrets: map[string]string{"k": secrettest.Value}}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var hookSecrets map[string]string
	e.startRunner(runnerOptions{OnFinish: func(_ context.Context, _ pgx.Tx, run *collection.Run) error {
		mu.Lock()
		defer mu.Unlock()
		hookSecrets = run.Snapshot.Secrets
		return nil
	}})
	var run collection.Run
	if err := store.WithTx(ctx, e.pool, func(tx pgx.Tx) error {
		run, _, err = e.queue.EnqueueRun(ctx, tx, store.InsertRunParams{
			CollectionID: &saved.ID, Trigger: collection.TriggerManual, Snapshot: *saved, Environment: "staging",
		})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got := e.waitRun(run.ID, "final", final)
	if got.Environment != "staging" {
		t.Errorf("the run records environment %q, want staging", got.Environment)
	}
	// Every step reached the staging target (the collection's own base is a closed port).
	for _, s := range got.Steps {
		if s.Response == nil {
			t.Fatalf("step %s got no response (%s: %s): the run did not use staging's base", s.Name, s.ErrorCode, s.Error)
		}
	}
	mu.Lock()
	if hookSecrets["k"] != secrettest.Value {
		t.Errorf("the runner opened secrets %v; want staging's k", hookSecrets)
	}
	mu.Unlock()
	b, _ := json.Marshal(got)
	if secrettest.Leaks(string(b)) {
		t.Errorf("the stored run shows the environment secret:\n%.2000s", b)
	}
	var rows string
	if err := e.pool.QueryRow(ctx, `
SELECT (SELECT row_to_json(r)::text FROM runs r WHERE r.id = $1)
    || coalesce((SELECT string_agg(row_to_json(s)::text, ' ') FROM step_results s WHERE s.run_id = $1), '')
    || coalesce((SELECT string_agg(row_to_json(x)::text, ' ') FROM environment_secrets x), '')
    || coalesce((SELECT string_agg(row_to_json(v)::text, ' ') FROM environments v), '')`, run.ID).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if secrettest.Leaks(rows) || len(rows) < 1000 {
		t.Errorf("the rows show the environment secret (or are missing, %d bytes):\n%.2000s", len(rows), rows)
	}
}

// Retry before alerting, end to end: scheduled runs that fail are retried by
// the dispatcher in the finishing transaction; a chain that passes opens no
// incident, one that keeps failing opens exactly one, and replaying a finish
// enqueues no second retry.
func TestRunnerRetriesBeforeAlerting(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	var failFirst atomic.Int64 // requests still to fail
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if failFirst.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	c, err := collection.Parse([]byte(oneStep("retried", srv.URL+"/x", statusIs200)), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	saved := e.saveCollection(c)
	ctx := context.Background()
	policy := collection.DefaultAlertPolicy()
	policy.FailureThreshold = 1
	m, err := e.store.CreateMonitor(ctx, &collection.Monitor{
		Name: "retrying", Schedule: "every 5m", Enabled: true, CollectionIDs: []collection.CollectionID{saved.ID},
		Policy: policy, Retry: collection.MonitorRetry{Retries: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	disp, err := alerting.NewDispatcher(alerting.Config{
		Store: e.store, Channels: e.store, River: e.queue.River(), Retries: e.queue,
		Providers: alerting.ProviderDeps{HTTPClient: &http.Client{Timeout: 5 * time.Second}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.startRunner(runnerOptions{OnFinish: disp.RunFinished})

	slot := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fire := func() collection.Run {
		t.Helper()
		var runs []collection.Run
		if err := store.WithTx(ctx, e.pool, func(tx pgx.Tx) error {
			runs, err = e.queue.EnqueueMonitor(ctx, tx, m, slot, map[collection.CollectionID]collection.Collection{saved.ID: *saved})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		slot = slot.Add(5 * time.Minute)
		return runs[0]
	}
	chain := func(first collection.Run, n int) []collection.Run {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			runs, err := e.store.RetryChain(ctx, first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) == n && runs[n-1].Status.Final() {
				return runs
			}
			time.Sleep(20 * time.Millisecond) // polling interval
		}
		runs, _ := e.store.RetryChain(ctx, first.ID)
		t.Fatalf("the chain of run %d never reached %d final runs: %+v", first.ID, n, runs)
		return nil
	}
	incidents := func() int {
		var n int
		if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM incidents WHERE monitor_id = $1`, m.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Fails once, then the retry passes: no incident.
	failFirst.Store(1)
	first := fire()
	runs := chain(first, 2)
	if runs[0].Status != collection.RunFailed || !runs[0].Chain.Retried || runs[1].Status != collection.RunPassed {
		t.Fatalf("chain %s/%v then %s, want failed+retried then passed", runs[0].Status, runs[0].Chain.Retried, runs[1].Status)
	}
	if r := runs[1]; r.Trigger != collection.TriggerRetry || r.Chain.Of == nil || *r.Chain.Of != first.ID || r.Chain.Attempt != 1 {
		t.Errorf("the retry is trigger %s, of %v, attempt %d; want retry of run %d, attempt 1", r.Trigger, r.Chain.Of, r.Chain.Attempt, first.ID)
	}
	if n := incidents(); n != 0 {
		t.Errorf("%d incidents after a retry that passed, want 0", n)
	}

	// Replaying the first run's finish (a runner lost after its commit) adds nothing.
	replay, err := e.store.GetRun(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	replay.Chain.Retried = false
	if err := store.WithTx(ctx, e.pool, func(tx pgx.Tx) error { return disp.RunFinished(ctx, tx, replay) }); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.store.RetryChain(ctx, first.ID); len(again) != 2 {
		t.Errorf("a replayed finish made the chain %d runs long, want 2", len(again))
	}

	// Keeps failing: three runs, one incident; the next failing chain adds none.
	failFirst.Store(100)
	runs = chain(fire(), 3)
	for i, r := range runs {
		if r.Status != collection.RunFailed || r.Chain.Attempt != i || r.Chain.Retried != (i < 2) {
			t.Errorf("run %d of the chain: %s attempt %d retried %v", i, r.Status, r.Chain.Attempt, r.Chain.Retried)
		}
	}
	if n := incidents(); n != 1 {
		t.Errorf("%d incidents after a chain that kept failing, want 1", n)
	}
	chain(fire(), 3)
	if n := incidents(); n != 1 {
		t.Errorf("%d incidents after a second failing chain, want still 1", n)
	}
	violations, err := store.Audit(ctx, e.pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Errorf("auditor: %s", v)
	}
}
