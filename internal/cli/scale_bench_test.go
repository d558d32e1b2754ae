package cli

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/demoapi"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// benchJitter is the jitter window the scale figures were measured with
// (the old 2 s default): all 10,000 monitors due within 2 s of their slot.
const benchJitter = 2 * time.Second

// BenchmarkSchedulerServe is the scheduler of `make bench-scale` in
// all-in-one mode: BENCH_SCHED_MONITORS monitors (10,000) `every 1m`, each
// running the demo API's 10-step chain, due in the same minute, fired by the
// local scheduler's Run loop (a 2s jitter window, benchJitter; BENCH_BATCH and
// BENCH_WORKERS override the batch and the parallel transactions;
// BENCH_NO_YIELD=1 keeps the runner from giving way; BENCH_ALERTING=1 adds
// alerting's bookkeeping to each finishing transaction, as serve wires it) in
// the same process as a runner working their runs at concurrency 200, as
// `catena serve` does (the scheduler on a pool of its own, as newScheduler
// wires it). It
// reports the lag from each slot to its run's queued_at (the enqueuing
// transaction's start; p50/p99/max), how many were enqueued within 5 s, the
// same from the slot to the commit (seen by the 50 ms poll: *_commit_*), and
// the missed rows by reason. The runs are left to the runner until the
// database is dropped. (The scheduler alone is
// internal/schedule's BenchmarkLocalSameMinute.)
//
//	go test -run '^$' -bench SchedulerServe -benchtime 1x ./internal/cli/
func BenchmarkSchedulerServe(b *testing.B) {
	monitors := 10_000
	if n, err := strconv.Atoi(os.Getenv("BENCH_SCHED_MONITORS")); err == nil && n > 0 {
		monitors = n
	}
	base := benchTarget(b)
	for range b.N {
		b.StopTimer()
		ctx := context.Background()
		_, dbURL := dbtest.NewDBURL(b)
		// The runner's pool is a plain pgxpool: unlike serve's store.Open it
		// leaves Postgres's JIT on unless TEST_DATABASE_URL sets jit=off.
		pcfg, err := pgxpool.ParseConfig(dbURL)
		if err != nil {
			b.Fatal(err)
		}
		pcfg.MaxConns = benchPoolConns
		pool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			b.Fatal(err)
		}
		box, _ := secret.New(make([]byte, 32))
		st := store.New(pool, box)
		log := slog.New(slog.DiscardHandler)
		q, err := queue.New(st, log, queue.Config{})
		if err != nil {
			b.Fatal(err)
		}
		c, err := collection.Parse(demoapi.ChainCollection, "chain.yaml")
		if err != nil {
			b.Fatal(err)
		}
		c.Variables["base"] = base
		c.Variables["max_latency_ms"] = benchMaxLatency
		c.Secrets = map[string]string{"password": demoapi.Password}
		saved, err := st.CreateCollection(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		const location = "serve-bench"
		if _, err := pool.Exec(ctx, `INSERT INTO monitors (name, schedule, time_zone, enabled, locations)
			SELECT 'bench-' || g, 'every 1m', 'UTC', true, ARRAY[$2] FROM generate_series(1, $1) g`, monitors, location); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) SELECT id, $1 FROM monitors`, saved.ID); err != nil {
			b.Fatal(err)
		}
		// The scheduler's clock reads 2s before a slot now; each monitor is due
		// at the slot plus its jitter, as Upsert would have set.
		slot := time.Now().Truncate(time.Minute).Add(time.Minute)
		offset := time.Until(slot.Add(-2 * time.Second))
		now := func() time.Time { return time.Now().Add(offset) }
		sched, _ := schedulespec.Parse("every 1m", "UTC")
		next := map[collection.MonitorID]*time.Time{}
		rows, err := pool.Query(ctx, `SELECT id FROM monitors`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id collection.MonitorID
			_ = rows.Scan(&id)
			at := slot.Add(schedulespec.Jitter(id, sched, benchJitter))
			next[id] = &at
		}
		rows.Close()
		if err := st.SetNextRunAt(ctx, pool, next); err != nil {
			b.Fatal(err)
		}
		// Wired as newScheduler does, but on the offset clock: its own pool.
		schedPool, err := store.OpenSmall(ctx, dbURL, 4, "catena-scheduler")
		if err != nil {
			b.Fatal(err)
		}
		yield := &schedulerYield{}
		lcfg := schedule.LocalConfig{Pool: schedPool, Store: store.New(schedPool, box), Queue: q, Now: now, Log: log, Backlog: yield.backlog, JitterMax: benchJitter}
		if os.Getenv("BENCH_NO_YIELD") != "" {
			lcfg.Backlog, yield = nil, nil
		}
		if n, err := strconv.Atoi(os.Getenv("BENCH_BATCH")); err == nil && n > 0 {
			lcfg.Batch = n
		}
		if n, err := strconv.Atoi(os.Getenv("BENCH_WORKERS")); err == nil && n > 0 {
			lcfg.Workers = n
		}
		l, err := schedule.NewLocal(lcfg)
		if err != nil {
			b.Fatal(err)
		}
		d := &deps{cfg: &config.Config{}, log: log, pool: pool, box: box, store: st, yield: yield}
		opts := runnerOptions{Location: location, Concurrency: 200}
		if os.Getenv("BENCH_ALERTING") != "" {
			if opts, err = withAlerting(ctx, d, opts); err != nil {
				b.Fatal(err)
			}
		}
		rw, err := newRunWorkers(d, opts)
		if err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 2)
		go func() { done <- rw.Run(runCtx) }()
		go func() { done <- l.Run(runCtx) }()

		b.StartTimer()
		deadline := time.Now().Add(3 * time.Minute)
		// When each run became visible (committed), from the polls: the
		// runs first counted at a poll committed at most one poll earlier.
		type seen struct {
			lag time.Duration
			n   int
		}
		var polls []seen
		for {
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM runs WHERE scheduled_for = $1`, slot).Scan(&n); err != nil {
				b.Fatal(err)
			}
			polls = append(polls, seen{now().Sub(slot), n})
			if n >= monitors {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d slots had a row after 3 minutes", n, monitors)
			}
			time.Sleep(50 * time.Millisecond) // polling the database for the scheduler's work
		}
		b.StopTimer()
		// The slot on the real clock (the database's) is slot - offset.
		var p50, p99, worst float64
		var within, missed int
		if err := pool.QueryRow(ctx, `SELECT
				percentile_disc(0.5) WITHIN GROUP (ORDER BY lag), percentile_disc(0.99) WITHIN GROUP (ORDER BY lag), max(lag),
				count(*) FILTER (WHERE lag <= 5000), (SELECT count(*) FROM runs WHERE status = 'missed')
			FROM (SELECT extract(epoch FROM queued_at - (scheduled_for - $2::interval)) * 1000 AS lag
				FROM runs WHERE scheduled_for = $1 AND status <> 'missed') x`, slot, offset).Scan(&p50, &p99, &worst, &within, &missed); err != nil {
			b.Fatal(err)
		}
		reasons, err := pool.Query(ctx, `SELECT split_part(error, ':', 1), count(*) FROM runs WHERE status = 'missed' GROUP BY 1`)
		if err != nil {
			b.Fatal(err)
		}
		for reasons.Next() {
			var why string
			var n int
			_ = reasons.Scan(&why, &n)
			b.Logf("missed %s: %d", why, n)
		}
		reasons.Close()
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				b.Errorf("stopping: %v", err)
			}
		}
		schedPool.Close()
		pool.Close()
		b.ReportMetric(p50, "p50_slot_lag_ms")
		b.ReportMetric(p99, "p99_slot_lag_ms")
		b.ReportMetric(worst, "max_slot_lag_ms")
		b.ReportMetric(float64(within), "enqueued_within_5s")
		b.ReportMetric(float64(missed), "missed")
		committedBy := func(q float64) float64 {
			for _, p := range polls {
				if float64(p.n) >= q*float64(monitors) {
					return float64(p.lag.Milliseconds())
				}
			}
			return -1
		}
		var committed5s int
		for _, p := range polls {
			if p.lag <= 5*time.Second {
				committed5s = p.n
			}
		}
		b.ReportMetric(committedBy(0.5), "p50_commit_lag_ms")
		b.ReportMetric(committedBy(0.99), "p99_commit_lag_ms")
		b.ReportMetric(committedBy(1), "max_commit_lag_ms")
		b.ReportMetric(float64(committed5s), "committed_within_5s")
	}
}
