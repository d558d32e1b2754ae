package graph_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// syncBuffer is a log destination written by the server's goroutines and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A client that goes away while its query waits on the database is not a
// server error: nothing is logged at ERROR, one debug line says so, and it
// carries the one id of that request.
func TestClientCancelLogsNoError(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	e := newEnv(t, func(c *envConfig) { c.logTo = logs })
	ctx := context.Background()

	// Hold the collections table so the query blocks until it is cancelled.
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	if _, err := tx.Exec(ctx, "LOCK TABLE collections IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	reqCtx, cancel := context.WithCancel(ctx)
	body := strings.NewReader(`{"query":"{ a: collections(first: 5) { edges { cursor } } b: collections(first: 6) { edges { cursor } } }"}`)
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, e.srv.URL+"/graphql", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[collection.RoleViewer])
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		done <- err
	}()

	// Cancel once the query is waiting on the lock.
	waitFor(t, 10*time.Second, "the query to wait on the lock", func() bool {
		var n int
		err := e.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&n)
		return err == nil && n > 0
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v, want context.Canceled", err)
	}
	waitFor(t, 10*time.Second, "the cancellation to be logged", func() bool {
		return strings.Count(logs.String(), "request cancelled by the client") >= 2
	})
	out := logs.String()
	if strings.Contains(out, "level=ERROR") {
		t.Fatalf("a client cancel was logged as an error:\n%s", out)
	}
	// Both fields' lines carry the same request id.
	ids := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "request cancelled by the client") {
			continue
		}
		_, rest, _ := strings.Cut(line, "request_id=")
		id, _, _ := strings.Cut(rest, " ")
		ids[id] = true
	}
	if len(ids) != 1 {
		t.Fatalf("want one request id for one request, got %v:\n%s", ids, out)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
