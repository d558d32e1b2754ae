package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"github.com/catena-monitor/catena/graph"
	"github.com/catena-monitor/catena/internal/alerting"
	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/retention"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
	"github.com/catena-monitor/catena/migrations"
)

// History size of BenchmarkHistory: 1,000 monitors (one collection of 10
// steps each) with a run every 2 h 9.6 min over 90 days: 1,000,000 runs and
// 10,000,000 step results.
const (
	benchMonitors      = 1000
	benchRunsPerMon    = 1000
	benchStepsPerRun   = 10
	benchDays          = 90
	benchQueryRepeats  = 40
	benchQueryWarmups  = 3
	benchInsertPeriod  = 5 * time.Millisecond
	benchHistoryPeriod = benchDays * 24 * time.Hour
)

// loadHistory generates the history in SQL. Runs older than 14 days are
// marked as having had their bodies pruned (the generated steps have none).
func loadHistory(b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO collections (name) SELECT 'collection ' || i FROM generate_series(1, $1) i`,
		`INSERT INTO monitors (name, schedule, locations) SELECT 'monitor ' || i, 'every 2h', ARRAY['eu-west-1'] FROM generate_series(1, $1) i`,
		`INSERT INTO monitor_collections (monitor_id, collection_id) SELECT id, id FROM monitors WHERE id <= $1`,
	} {
		if _, err := pool.Exec(ctx, q, benchMonitors); err != nil {
			b.Fatal(err)
		}
	}
	step := benchHistoryPeriod / benchRunsPerMon
	if _, err := pool.Exec(ctx, `
		INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, snapshot, idempotency_key,
		                  queued_at, started_at, finished_at, duration_ms, attempt, prune_level)
		SELECT m, m, 'collection ' || m, 'eu-west-1', 'schedule',
		       CASE WHEN (m * 7 + j) % 50 = 0 THEN 'failed' WHEN (m * 7 + j) % 211 = 0 THEN 'errored' ELSE 'passed' END,
		       '{}', 'h-' || m || '-' || j, q, q, q + d * interval '1 millisecond', d, 1,
		       CASE WHEN q < now() - interval '14 days' THEN 1 ELSE 0 END
		FROM generate_series(1, $1) m, generate_series(0, $2 - 1) j,
		     LATERAL (SELECT now() - j * $3::interval - (m % 60) * interval '1 minute' AS q,
		                     80 + ((m * 31 + j * 17) % 400) AS d) x`, benchMonitors, benchRunsPerMon, step); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO step_results (run_id, attempt, position, name, status, response_status, total_us, dns_us, connect_us, first_byte_us, started_at)
		SELECT r.id, 1, p, 'step' || p, CASE WHEN r.status = 'failed' AND p = 9 THEN 'failed' WHEN r.status = 'errored' AND p = 9 THEN 'errored' ELSE 'passed' END,
		       200, r.duration_ms * 100, 1000, 2000, r.duration_ms * 60, r.queued_at
		FROM runs r, generate_series(0, $1 - 1) p`, benchStepsPerRun); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d runs and %d step results in %s", benchMonitors*benchRunsPerMon, benchMonitors*benchRunsPerMon*benchStepsPerRun, time.Since(start).Round(time.Second))
}

// historyDB is a fresh database, or the kept one CATENA_BENCH_HISTORY_DB
// names; loaded reports whether it already holds the history.
func historyDB(b *testing.B) (pool *pgxpool.Pool, loaded bool) {
	b.Helper()
	return keptDB(b, "CATENA_BENCH_HISTORY_DB", benchMonitors*benchRunsPerMon)
}

// keptDB is a fresh database, or the one the environment variable env names,
// created if missing and migrated up; loaded reports whether it already holds
// about `runs` runs (a database with far fewer is refused as a broken load).
func keptDB(b *testing.B, env string, runs int) (pool *pgxpool.Pool, loaded bool) {
	b.Helper()
	name := os.Getenv(env)
	if name == "" {
		pool, _ := dbtest.NewDBURL(b)
		return pool, false
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbtest.ServerURL())
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			b.Fatal(err)
		}
	}
	pc, err := pgxpool.ParseConfig(dbtest.URLFor(name))
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("BENCH_TRACE") != "" {
		t := &statementTimes{}
		pc.ConnConfig.Tracer = t
		b.Cleanup(func() { t.report(b) })
	}
	pool, err = pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if err := migrations.Up(ctx, pool); err != nil {
		b.Fatal(err)
	}
	var have int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM runs LIMIT $1) x`, runs/2).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have > 0 && have < runs/2 {
		b.Fatalf("database %s holds %d runs, not a whole history: drop it", name, have)
	}
	// The previous run's inserts and its API user.
	for _, q := range []string{`DELETE FROM runs WHERE idempotency_key LIKE 'bench-insert-%'`, `DELETE FROM users WHERE email = 'bench@example.com'`} {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("database %s kept (%v)", name, map[bool]string{true: "reused", false: "new"}[have > 0])
	return pool, have > 0
}

// statementTimes sums the time of each statement and batch on a kept
// database's pool (BENCH_TRACE=1), to see where a request's time goes.
type statementTimes struct {
	mu    sync.Mutex
	total map[string]time.Duration
	n     map[string]int
}

type traceStart struct{}

func (t *statementTimes) start(ctx context.Context) context.Context {
	return context.WithValue(ctx, traceStart{}, time.Now())
}

func (t *statementTimes) end(ctx context.Context, sql string) {
	began, _ := ctx.Value(traceStart{}).(time.Time)
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 90 {
		sql = sql[:90]
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.total == nil {
		t.total, t.n = map[string]time.Duration{}, map[string]int{}
	}
	t.total[sql] += time.Since(began)
	t.n[sql]++
}

func (t *statementTimes) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(t.start(ctx), traceSQL{}, d.SQL)
}

func (t *statementTimes) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	sql, _ := ctx.Value(traceSQL{}).(string)
	t.end(ctx, sql)
}

func (t *statementTimes) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return context.WithValue(t.start(ctx), traceSQL{}, new(string))
}

func (t *statementTimes) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	if first, _ := ctx.Value(traceSQL{}).(*string); first != nil && *first == "" {
		*first = "batch: " + d.SQL
	}
}

func (t *statementTimes) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	first, _ := ctx.Value(traceSQL{}).(*string)
	t.end(ctx, *first)
}

type traceSQL struct{}

func (t *statementTimes) report(b *testing.B) {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := slices.Collect(maps.Keys(t.total))
	slices.SortFunc(keys, func(x, y string) int { return int(t.total[y] - t.total[x]) })
	for _, k := range keys[:min(len(keys), 25)] {
		b.Logf("%9.2f ms/call %6d calls  %s", float64(t.total[k])/float64(t.n[k])/1e6, t.n[k], k)
	}
}

type benchAPI struct {
	b     *testing.B
	url   string
	token string
}

func newBenchAPI(b *testing.B, pool *pgxpool.Pool, st *store.Store) *benchAPI {
	b.Helper()
	log := slog.New(slog.DiscardHandler)
	q, err := queue.New(st, log, queue.Config{})
	if err != nil {
		b.Fatal(err)
	}
	alerts, err := alerting.NewDispatcher(alerting.Config{Store: st, Channels: st, River: q.River(), Log: log,
		Providers: alerting.ProviderDeps{HTTPClient: &http.Client{Timeout: 10 * time.Second}}})
	if err != nil {
		b.Fatal(err)
	}
	r := graph.NewResolver(graph.Config{Store: st, Queue: q, Progress: graph.NewProgress(pool, log), Log: log, Alerts: alerts,
		CheckChannel: func(collection.AlertChannel) error { return nil }})
	h := graph.NewHandler(r, graph.HandlerConfig{Auth: &auth.Authenticator{Users: st, Log: log}, PublicURL: "https://catena.example.com"})
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	hash, _ := bcrypt.GenerateFromPassword([]byte("benchmark-password"), bcrypt.MinCost)
	u, err := st.CreateUser(context.Background(), &collection.User{Email: "bench@example.com", Name: "bench", Role: collection.RoleViewer, PasswordHash: string(hash)})
	if err != nil {
		b.Fatal(err)
	}
	tok := auth.NewAPIToken()
	if _, err := st.CreateAPIToken(context.Background(), u.ID, "bench", tok.Prefix, tok.Hash, nil); err != nil {
		b.Fatal(err)
	}
	return &benchAPI{b: b, url: srv.URL, token: tok.Token}
}

func (a *benchAPI) query(q string, vars map[string]any) time.Duration {
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		a.b.Fatalf("%s: %s %s", q, resp.Status, out)
	}
	return took
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.5) - 1
	return s[max(0, min(len(s)-1, i))]
}

// BenchmarkHistory loads 1,000,000 runs and 10,000,000 step results (1,000
// monitors over 90 days, generated in SQL), rolls them up, and measures
// through the GraphQL API the p50 and p95 of each query with a warm cache,
// then one retention pass that prunes a day of data while runs are inserted.
// `make bench-history` runs it; docs/performance.md has the figures.
//
// With CATENA_BENCH_HISTORY_DB=NAME the history is kept in database NAME and
// reused by the next run (migrated up to the current schema, rolled up to
// now), so a query change can be measured again without the half hour of
// loading; drop it with `dropdb NAME` when done.
func BenchmarkHistory(b *testing.B) {
	pool, loaded := historyDB(b)
	box, err := secret.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	st := store.New(pool, box)
	ctx := context.Background()
	if !loaded {
		loadHistory(b, pool)
	}
	start := time.Now()
	if _, err := st.RollUp(ctx, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.Logf("rolled up to %s ago in %s", store.RawWindow, time.Since(start).Round(time.Second))
	api := newBenchAPI(b, pool, st)
	var runID int64
	if err := pool.QueryRow(ctx, `SELECT max(id) FROM runs WHERE monitor_id = 500`).Scan(&runID); err != nil {
		b.Fatal(err)
	}
	queries := []struct {
		name, query string
		vars        map[string]any
	}{
		{"dashboard_100_monitors", `{ monitors(first: 100) { edges { node { id name state stats { uptime24h uptime7d p95LatencyMs24h runs24h latency { at durationMs status } } } } } }`, nil},
		{"history_page", `query($c: ID!) { runs(collectionId: $c, first: 50) { edges { node { id status durationMs queuedAt } } } }`, map[string]any{"c": "500"}},
		{"run_whole", `query($id: ID!) { run(id: $id) { id status steps { name status timings { totalMs } response { status } } } }`, map[string]any{"id": fmt.Sprint(runID)}},
		{"stats_30d_monitor", `query($m: ID!) { monitorStats(monitorId: $m, range: {window: MONTH}) { runs uptime apdex errorBudgetLeft p50Ms p95Ms p99Ms } }`, map[string]any{"m": "500"}},
		{"stats_30d_steps", `query($m: ID!) { monitorStats(monitorId: $m, range: {window: MONTH}) { steps { name p50Ms p95Ms p99Ms dnsMs firstByteMs } } }`, map[string]any{"m": "500"}},
		{"apdex_series_90d", `query($m: ID!) { monitorStats(monitorId: $m, range: {window: QUARTER}) { series { stepSeconds points { at apdex uptime } } } }`, map[string]any{"m": "500"}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			api.b = b
			for range benchQueryWarmups {
				api.query(q.query, q.vars)
			}
			var took []time.Duration
			for range b.N * benchQueryRepeats {
				took = append(took, api.query(q.query, q.vars))
			}
			b.ReportMetric(float64(percentile(took, 0.5).Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(percentile(took, 0.95).Microseconds())/1000, "p95_ms")
		})
	}

	b.Run("prune_one_day", func(b *testing.B) {
		// Retention of the oldest run's age in whole days makes the last,
		// partial day of the history due: about one day of data.
		if _, err := pool.Exec(ctx, `UPDATE monitors SET retention_timings_days = d, retention_runs_days = d
			FROM (SELECT floor(extract(epoch FROM now() - min(queued_at)) / 86400)::int AS d FROM runs) x`); err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var inserts []time.Duration
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(benchInsertPeriod):
				}
				t0 := time.Now()
				_, err := pool.Exec(ctx, `INSERT INTO runs (collection_id, monitor_id, collection_name, trigger, status, snapshot, idempotency_key)
					VALUES (1, 1, 'collection 1', 'schedule', 'queued', '{}', 'bench-insert-' || $1::text)`, fmt.Sprint(i))
				if err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				inserts = append(inserts, time.Since(t0))
				mu.Unlock()
			}
		}()
		t0 := time.Now()
		res, err := st.Prune(ctx, time.Now(), retention.DefaultBatch, 100_000)
		took := time.Since(t0)
		close(stop)
		<-done
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("pruned %+v in %s; %d inserts meanwhile", res, took.Round(time.Millisecond), len(inserts))
		b.ReportMetric(took.Seconds(), "prune_s")
		b.ReportMetric(float64(res.RunsDeleted), "runs_deleted")
		b.ReportMetric(float64(percentile(inserts, 0.99).Microseconds())/1000, "insert_p99_ms")
		b.ReportMetric(float64(slices.Max(inserts).Microseconds())/1000, "insert_max_ms")
	})
}
