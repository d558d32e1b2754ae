package cli

// (c) of the performance section: the full worker path, from a queued run to
// its results committed in Postgres, at 1, 10, 100 and 1000 runs in flight;
// and the one-shot `catena run` of the 10-step chain. (a) and (b) are in
// collectionrunner/bench_test.go; `make bench` runs both and prints ratios.

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/demoapi"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// benchPoolConns sizes the worker benchmark's pool (CATENA_BENCH_POOL overrides).
var benchPoolConns = func() int32 {
	if n, err := strconv.Atoi(os.Getenv("CATENA_BENCH_POOL")); err == nil && n > 0 {
		return int32(n)
	}
	return 32
}()

// benchMaxLatency relaxes the chain's latency assertion: at 1000 runs in
// flight on two shared cores a login can queue for more than a second, which
// is load, not a fault of the run.
const benchMaxLatency = "10000"

func benchTarget(b *testing.B) string {
	if u := os.Getenv("CATENA_BENCH_TARGET"); u != "" {
		return strings.TrimRight(u, "/")
	}
	srv := httptest.NewServer(demoapi.New(demoapi.Config{}))
	b.Cleanup(srv.Close)
	return srv.URL
}

func BenchmarkChain(b *testing.B) {
	base := benchTarget(b)
	b.Run("c_worker", func(b *testing.B) {
		// A pool sized for the runner: pgxpool's default (4 connections on 2
		// cores) makes every in-flight run queue for a connection. In production
		// DATABASE_URL's pool_max_conns sets it.
		_, dbURL := dbtest.NewDBURL(b)
		pcfg, err := pgxpool.ParseConfig(dbURL)
		if err != nil {
			b.Fatal(err)
		}
		pcfg.MaxConns = benchPoolConns
		pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		box, err := secret.New(make([]byte, 32))
		if err != nil {
			b.Fatal(err)
		}
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
		// CATENA_BENCH_MAX_LATENCY_MS=500 measures how many runs fail a tight
		// latency assertion (reported as runs-failed) instead of failing.
		c.Variables["max_latency_ms"] = cmp.Or(os.Getenv("CATENA_BENCH_MAX_LATENCY_MS"), benchMaxLatency)
		c.Secrets = map[string]string{"password": demoapi.Password}
		saved, err := st.CreateCollection(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		d := &deps{cfg: &config.Config{}, log: log, pool: pool, box: box, store: st}
		// CATENA_RUNNER_MAX_SCHED_LATENCY=off (or a duration) measures without
		// admission control (or with another threshold).
		if v := os.Getenv("CATENA_RUNNER_MAX_SCHED_LATENCY"); v == "off" {
			d.cfg.MaxSchedLatency = -1
		} else if dur, err := time.ParseDuration(v); err == nil {
			d.cfg.MaxSchedLatency = dur
		}
		var seq atomic.Int64
		for _, conc := range []int{1, 10, 100, 1000} {
			b.Run("c="+strconv.Itoa(conc), func(b *testing.B) {
				location := fmt.Sprintf("bench-%d", conc)
				rw, err := newRunWorkers(d, runnerOptions{Location: location, Concurrency: conc})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- rw.Run(ctx) }()
				// How many runs really are in flight at once (admission may hold some back).
				var peakInFlight atomic.Int64
				sampled := make(chan struct{})
				go func() {
					defer close(sampled)
					for ctx.Err() == nil {
						peakInFlight.Store(max(peakInFlight.Load(), int64(rw.worker.InFlight())))
						time.Sleep(5 * time.Millisecond) // sampling, not waiting for an event
					}
				}()
				defer func() { cancel(); <-sampled; b.ReportMetric(float64(peakInFlight.Load()), "inflight-peak") }()
				defer func() {
					cancel()
					if err := <-done; err != nil {
						b.Errorf("runner: %v", err)
					}
				}()
				benchWorker(b, pcfg.ConnConfig.Database, conc, func(tx pgx.Tx, n int) error {
					for range n {
						_, _, err := q.EnqueueRun(ctx, tx, store.InsertRunParams{
							CollectionID: &saved.ID, Location: location, Trigger: collection.TriggerAPI,
							IdempotencyKey: fmt.Sprintf("bench:%d", seq.Add(1)), Snapshot: *saved,
						})
						if err != nil {
							return err
						}
					}
					return nil
				}, func(final bool) (n int, err error) {
					// Open runs are few and found through runs_status_time_idx;
					// the check for runs that did not pass is made once, at the end.
					q := `SELECT count(*) FROM runs WHERE status IN ('queued', 'running') AND location = $1`
					if final {
						q = `SELECT count(*) FROM runs WHERE status <> 'passed' AND location = $1`
						// Where a run's time goes: executing, and holding a worker
						// slot (start, secrets, execution, final transaction).
						var exec, hold float64
						if err := pool.QueryRow(ctx, `SELECT avg(duration_ms), avg(extract(epoch FROM finished_at - started_at)) * 1000
							FROM runs WHERE location = $1`, location).Scan(&exec, &hold); err == nil {
							b.ReportMetric(exec, "exec-ms/run")
							b.ReportMetric(hold, "slot-ms/run")
						}
					}
					err = pool.QueryRow(ctx, q, location).Scan(&n)
					return n, err
				}, pool.Begin)
			})
		}
	})
}

// benchWorker enqueues b.N runs (at least twice the concurrency, so that many
// are really in flight, and enough to get past the start) in one transaction, untimed, then times from its
// commit until the last run is final, sampling the heap meanwhile.
func benchWorker(b *testing.B, dbName string, concurrency int, enqueue func(tx pgx.Tx, n int) error, count func(final bool) (int, error),
	begin func(context.Context) (pgx.Tx, error)) {
	ctx := context.Background()
	tx, err := begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	n := max(b.N, 2*concurrency, min(1000, 10*concurrency))
	if err := enqueue(tx, n); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseline, peak := ms.HeapInuse, ms.HeapInuse
	cpuBefore, pgBefore := processCPU(), dbtest.SamplePostgresCPU(dbName)
	b.ResetTimer()
	start := time.Now()
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	deadline := start.Add(10 * time.Minute)
	for i := 0; ; i++ {
		open, err := count(false)
		if err != nil {
			b.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d runs still open after 10 minutes", open)
		}
		if i%2 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		time.Sleep(10 * time.Millisecond) // polling the database for completion
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if bad, err := count(true); err != nil || bad > 0 && os.Getenv("CATENA_BENCH_MAX_LATENCY_MS") == "" {
		b.Fatalf("%d runs did not pass (%v)", bad, err)
	} else if os.Getenv("CATENA_BENCH_MAX_LATENCY_MS") != "" {
		b.ReportMetric(float64(bad), "runs-failed")
	}
	cpu, pgCPU := processCPU()-cpuBefore, dbtest.SamplePostgresCPU(dbName).Since(pgBefore)
	steps := float64(n * 10)
	b.ReportMetric(float64(pgCPU.Microseconds())/steps, "pg-cpu-µs/step")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "runs/s")
	b.ReportMetric(steps/elapsed.Seconds(), "steps/s")
	b.ReportMetric(float64(cpu.Microseconds())/steps, "cpu-µs/step")
	if peak > baseline {
		b.ReportMetric(float64(peak-baseline)/float64(concurrency)/1024, "KB/inflight-run")
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-heap-peak")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "MB-rss-peak")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOneShotRun execs the built binary on the 10-step chain, as a CI job
// would: process start, parsing, ten requests, output and exit. CATENA_BIN
// names the binary (make bench builds bin/catena); without it one is built.
func BenchmarkOneShotRun(b *testing.B) {
	base := benchTarget(b)
	bin := os.Getenv("CATENA_BIN")
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "catena")
		build := exec.Command("go", "build", "-o", bin, "../../cmd/catena")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("building catena: %v\n%s", err, out)
		}
	}
	file := filepath.Join(b.TempDir(), "chain.yaml")
	if err := os.WriteFile(file, demoapi.ChainCollection, 0o600); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(bin, "run", file, "--var", "base="+base, "--secret", "password="+demoapi.Password)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("catena run: %v\n%s", err, out)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
}

// peakRSS is the process's peak resident set (VmHWM): what an operator sees.
// It only grows, so it reflects the largest benchmark run so far.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
