package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// Stored results: a run against a target that echoes the secret in every
// encoding keeps none of them, neither in what the store returns nor anywhere
// in the run's rows; the finishing hook (alerting) gets the secret values to
// redact with, in memory only.
func TestStoredResultsMaskEveryEncoding(t *testing.T) {
	t.Parallel()
	e := newRunnerEnv(t)
	srv := httptest.NewServer(secrettest.EchoHandler())
	t.Cleanup(srv.Close)
	c, err := collection.Parse([]byte(echoCollection(srv.URL)), "echo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.Secrets = map[string]string{"k": secrettest.Value}
	saved := e.saveCollection(c)

	var mu sync.Mutex
	var hookSecrets map[string]string
	e.startRunner(runnerOptions{OnFinish: func(_ context.Context, _ pgx.Tx, run *collection.Run) error {
		mu.Lock()
		defer mu.Unlock()
		hookSecrets = run.Snapshot.Secrets
		return nil
	}})
	run := e.enqueue(saved)
	got := e.waitRun(run.ID, "final", final)
	if got.Status != collection.RunFailed || len(got.Steps) != len(secrettest.Names()) {
		t.Fatalf("run ended %s with %d steps; want failed with %d", got.Status, len(got.Steps), len(secrettest.Names()))
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if secrettest.Leaks(string(b)) {
		t.Errorf("the stored run shows the secret:\n%s", b)
	}
	var rows string
	if err := e.pool.QueryRow(context.Background(), `
SELECT (SELECT row_to_json(r)::text FROM runs r WHERE r.id = $1)
    || coalesce((SELECT string_agg(row_to_json(s)::text, ' ') FROM step_results s WHERE s.run_id = $1), '')`, run.ID).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if secrettest.Leaks(rows) || len(rows) < 1000 {
		t.Errorf("the run's rows show the secret (or are missing, %d bytes):\n%.2000s", len(rows), rows)
	}
	mu.Lock()
	defer mu.Unlock()
	if hookSecrets["k"] != secrettest.Value {
		t.Errorf("the finish hook got secrets %v; alerting redacts with them", hookSecrets)
	}
}
