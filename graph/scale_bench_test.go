package graph_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// BenchmarkDashboardScale is the read side of `make bench-scale`: BENCH_MONITORS
// monitors (1,000) with BENCH_RUNS finished runs (1,000,000) spread densely
// over the 7-day stats window, loaded in SQL into a database of its own
// (dropped at the end), then the GUI's queries timed through the API server:
// the dashboard (a page of 100 monitor cards with state and stats, open
// incidents, locations), one monitor's card, its run history (a page of 50
// newest first, with monitor and collection), and one run with its 10 step
// results. It reports p50 and p95 per query in milliseconds.
//
//	go test -run '^$' -bench DashboardScale -benchtime 1x -timeout 30m ./graph/
//
// With CATENA_BENCH_SCALE_DB=NAME the loaded database is kept as NAME and
// reused by the next run (migrated up and rolled up to now, not loaded again),
// so a query change is measured in a minute instead of the load's ten; its
// runs age meanwhile (the oldest fall out of the 7-day window, none are added
// at the newest end). Drop it with `dropdb NAME` when done.
func BenchmarkDashboardScale(b *testing.B) {
	monitors, runs := envInt("BENCH_MONITORS", 1000), envInt("BENCH_RUNS", 1_000_000)
	samples := envInt("BENCH_SAMPLES", 40)
	pool, loaded := keptDB(b, "CATENA_BENCH_SCALE_DB", runs)
	box, err := secret.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	st := store.New(pool, box)
	ctx := context.Background()
	start := time.Now()
	if !loaded {
		loadDense(b, pool, monitors, runs)
	}
	// What the retention job keeps rolled up (hours older than 48 h and
	// their days), so the database looks like one that has run for a week.
	rollStart := time.Now()
	if _, err := st.RollUp(ctx, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.Logf("rolled up in %s", time.Since(rollStart).Round(time.Millisecond))
	var nRuns, nWeek int
	var mid, rid int64
	_ = pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE queued_at >= now() - interval '7 days') FROM runs`).Scan(&nRuns, &nWeek)
	_ = pool.QueryRow(ctx, `SELECT id FROM monitors ORDER BY id LIMIT 1`).Scan(&mid)
	_ = pool.QueryRow(ctx, `SELECT run_id FROM step_results ORDER BY run_id DESC LIMIT 1`).Scan(&rid)
	b.Logf("%d runs (%d in the last 7 days) ready in %s", nRuns, nWeek, time.Since(start).Round(time.Second))

	api := newBenchAPI(b, pool, st)
	queries := []struct {
		name, query string
		vars        map[string]any
	}{
		{"dashboard", `query { monitors(first: 100) { edges { cursor node { ` + monitorCard + ` } } pageInfo { hasNextPage endCursor } }
			incidents(status: [OPEN, ACKNOWLEDGED], first: 20) { id status kind summary openedAt monitor { id name } collection { id name } lastRun { id } }
			locations { name queuedRuns oldestQueuedAt oldestQueuedSeconds monitors } }`, nil},
		{"monitor", `query($id: ID!) { monitor(id: $id) { ` + monitorCard + ` } }`, map[string]any{"id": strconv.FormatInt(mid, 10)}},
		{"history", `query($m: ID) { runs(monitorId: $m, first: 50) { edges { cursor node { id collectionName collection { id } monitor { id name }
			location trigger status error queuedAt finishedAt durationMs } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"m": strconv.FormatInt(mid, 10)}},
		{"run", `query($id: ID!) { run(id: $id) { id status durationMs collection { id name } monitor { id name }
			steps { name status response { status } assertions { source passed } } } }`, map[string]any{"id": strconv.FormatInt(rid, 10)}},
	}
	b.ResetTimer()
	for b.Loop() {
		for _, q := range queries {
			api.b = b
			api.query(q.query, q.vars) // warm the plan and query caches
			ds := make([]time.Duration, samples)
			for i := range ds {
				ds[i] = api.query(q.query, q.vars)
			}
			slices.Sort(ds)
			ms := func(p float64) float64 {
				return float64(ds[int(p*float64(len(ds)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.5), q.name+"-p50-ms")
			b.ReportMetric(ms(0.95), q.name+"-p95-ms")
		}
	}
}

// loadDense generates the dense week of BenchmarkDashboardScale in SQL.
func loadDense(b *testing.B, pool *pgxpool.Pool, monitors, runs int) {
	b.Helper()
	ctx := context.Background()
	perMonitor := max(1, runs/monitors)
	spacing := (7*24*time.Hour - time.Hour) / time.Duration(perMonitor)
	for _, q := range []string{
		`INSERT INTO collections (name) SELECT 'c' || g FROM generate_series(1, 10) g`,
		fmt.Sprintf(`INSERT INTO monitors (name, schedule, time_zone, enabled, locations)
			SELECT 'm' || lpad(g::text, 5, '0'), 'every 10m', 'UTC', true, ARRAY['local'] FROM generate_series(1, %d) g`, monitors),
		`INSERT INTO monitor_collections (monitor_id, collection_id)
			SELECT m.id, (SELECT min(id) FROM collections) + m.id % 10 FROM monitors m`,
		// Run i of a monitor was queued i spacings ago; about 2% fail, 1% error.
		fmt.Sprintf(`INSERT INTO runs (monitor_id, collection_id, collection_name, location, trigger, status, snapshot,
				idempotency_key, scheduled_for, queued_at, started_at, finished_at, duration_ms, attempt)
			SELECT mc.monitor_id, mc.collection_id, 'c', 'local', 'schedule',
				CASE WHEN h < 0.02 THEN 'failed' WHEN h < 0.03 THEN 'errored' ELSE 'passed' END, '{}',
				'bench:' || mc.monitor_id || ':' || i, t, t, t, t + d * interval '1 millisecond', d, 1
			FROM monitor_collections mc, generate_series(0, %d) i,
				LATERAL (SELECT now() - i * interval '%d microseconds' - (mc.monitor_id %% 60) * interval '1 second' AS t,
					abs(hashint8(mc.monitor_id * 100003 + i)) / 9223372036854775807.0 AS h,
					50 + abs(hashint8(mc.monitor_id * 7 + i)) %% 450 AS d) x`, perMonitor-1, spacing.Microseconds()),
		// The newest run of every monitor has its 10 step results with 3 assertions each.
		`INSERT INTO step_results (run_id, attempt, position, name, status, request, response_status, response_headers,
				response_body, response_size, dns_us, connect_us, tls_us, first_byte_us, total_us, tries, started_at, assertions)
			SELECT r.id, 1, p, 'step' || p, 'passed', '{"method":"GET","url":"http://127.0.0.1:9/x"}', 200,
				'{"Content-Type":["application/json"]}', '{"ok":true}', 11, 100, 200, 0, 5000, 6000, 1, r.started_at,
				(SELECT jsonb_agg('["status","","equals","200","200","200",true,""]'::jsonb)
					FROM generate_series(0, 2))
			FROM (SELECT DISTINCT ON (monitor_id) id, started_at FROM runs ORDER BY monitor_id, queued_at DESC) r, generate_series(0, 9) p`,
		`VACUUM ANALYZE`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatalf("loading: %v\n%s", err, q)
		}
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
