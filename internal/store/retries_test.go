package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// The dashboard counts a retry chain once, by its last run: a failed run a
// retry superseded is left out of uptime, the run count, the sparkline and
// the state; RetryChain lists the whole chain in order from any of its runs.
func TestDashboardCountsTheLastRunOfAChain(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	now := time.Now()
	var c collection.CollectionID
	var m collection.MonitorID
	if err := pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('c') RETURNING id`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule, retries) VALUES ('m', 'every 5m', 1) RETURNING id`).Scan(&m); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) VALUES ($1, $2)`, m, c); err != nil {
		t.Fatal(err)
	}
	insert := func(key, status, trigger string, retryOf *collection.RunID, attempt int, at time.Time) collection.RunID {
		t.Helper()
		var id collection.RunID
		if err := pool.QueryRow(ctx, `INSERT INTO runs (monitor_id, collection_id, collection_name, trigger, status, snapshot, idempotency_key,
				queued_at, started_at, finished_at, duration_ms, retry_of, retry_attempt)
			VALUES ($1, $2, 'c', $3, $4, '{}', $5, $6, $6, $6, 10, $7, $8) RETURNING id`, m, c, trigger, status, key, at, retryOf, attempt).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := insert("first", "failed", "schedule", nil, 0, now.Add(-2*time.Minute))
	if err := s.MarkRetried(ctx, pool, first); err != nil {
		t.Fatal(err)
	}
	retry := insert(collection.RetryRunKey(first, 1), "passed", "retry", &first, 1, now.Add(-time.Minute))

	stats, err := s.MonitorStats(ctx, []collection.MonitorID{m}, now, 7*24*time.Hour, 50)
	if err != nil {
		t.Fatal(err)
	}
	st := stats[m]
	if st.Runs24h != 1 || st.Uptime24h == nil || *st.Uptime24h != 1 {
		t.Errorf("runs %d, uptime %v; want 1 run at 100%% (the retried failure does not count)", st.Runs24h, st.Uptime24h)
	}
	if len(st.Recent) != 1 || st.Recent[0].Status != collection.RunPassed {
		t.Errorf("sparkline %+v; want only the passing retry", st.Recent)
	}
	for _, from := range []collection.RunID{first, retry} {
		chain, err := s.RetryChain(ctx, from)
		if err != nil {
			t.Fatal(err)
		}
		if len(chain) != 2 || chain[0].ID != first || chain[1].ID != retry || !chain[0].Chain.Retried || chain[1].Chain.Attempt != 1 || *chain[1].Chain.Of != first {
			t.Errorf("RetryChain(%d) = %+v", from, chain)
		}
	}
	r, err := s.MonitorRetry(ctx, pool, m)
	if err != nil || r.Retries != 1 {
		t.Errorf("MonitorRetry = %+v, %v", r, err)
	}
}
