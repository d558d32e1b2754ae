package retention_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/retention"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// TestPeriodicJobRollsUpAndPrunes runs the job the way a runner does: a River
// client with the worker, its queue and the periodic job (run at start), over
// a database holding a scheduled run from 500 days ago, a manual one as old,
// and a recent one. The old scheduled run is rolled up and then deleted; the
// others stay.
func TestPeriodicJobRollsUpAndPrunes(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewDB(t)
	ctx := context.Background()
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(pool, box)
	var coll, mon int64
	if err := pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('c') RETURNING id`).Scan(&coll); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule) VALUES ('m', 'every 1m') RETURNING id`).Scan(&mon); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-500 * 24 * time.Hour)
	for _, r := range []struct {
		key, trigger string
		at           time.Time
	}{{"old-scheduled", "schedule", old}, {"old-manual", "manual", old}, {"recent", "schedule", time.Now().Add(-time.Hour)}} {
		if _, err := pool.Exec(ctx, `INSERT INTO runs (collection_id, monitor_id, collection_name, trigger, status, snapshot,
			idempotency_key, queued_at, started_at, finished_at, duration_ms, attempt)
			VALUES ($1, $2, 'c', $3, 'passed', '{}', $4, $5, $5, $5, 10, 1)`, coll, mon, r.trigger, r.key, r.at); err != nil {
			t.Fatal(err)
		}
	}

	workers := river.NewWorkers()
	queues := map[string]river.QueueConfig{}
	if err := retention.Register(workers, queues, retention.NewWorker(retention.Config{Store: st})); err != nil {
		t.Fatal(err)
	}
	client, err := queue.New(st, nil, queue.Config{Workers: workers, Queues: queues, PeriodicJobs: []*river.PeriodicJob{retention.PeriodicJob(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stopCtx)
	})

	keys := func() []string {
		rows, err := pool.Query(ctx, `SELECT idempotency_key FROM runs ORDER BY idempotency_key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var k string
			_ = rows.Scan(&k)
			out = append(out, k)
		}
		return out
	}
	rolled := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT COALESCE(sum(runs), 0) FROM run_rollups WHERE bucket_start < now() - interval '1 day'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The job deletes the old scheduled run, then prunes the old runs' rollup
	// (past retention_runs_days) in a later statement: wait for both. What is
	// left is nothing recent enough to roll up yet.
	deadline := time.Now().Add(30 * time.Second)
	for len(keys()) != 2 || rolled() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the retention job: runs %v (want old-manual and recent), old rollups hold %d runs (want 0)", keys(), rolled())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if k := keys(); k[0] != "old-manual" || k[1] != "recent" {
		t.Fatalf("kept %v", k)
	}
}
