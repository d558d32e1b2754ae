package cli

// (c) of the performance section: the full worker path, from a queued run to
// its results committed in Postgres, at 1, 10, 100 and 1000 runs in flight;
// and the one-shot `catena run` of the 10-step chain. (a) and (b) are in
// collectionrunner/bench_test.go; `make bench` runs both and prints ratios.

import (
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

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/demoapi"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

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
		pool := dbtest.NewDB(b)
		box, err := secret.New(make([]byte, 32))
		if err != nil {
			b.Fatal(err)
		}
		st := store.New(pool, box)
		log := slog.New(slog.DiscardHandler)
		q, err := queue.New(pool, log, queue.Config{})
		if err != nil {
			b.Fatal(err)
		}
		c, err := collection.Parse(demoapi.ChainCollection, "chain.yaml")
		if err != nil {
			b.Fatal(err)
		}
		c.Variables["base"] = base
		c.Secrets = map[string]string{"password": demoapi.Password}
		saved, err := st.CreateCollection(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		d := &deps{cfg: &config.Config{}, log: log, pool: pool, box: box, store: st}
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
				defer func() {
					cancel()
					if err := <-done; err != nil {
						b.Errorf("runner: %v", err)
					}
				}()
				benchWorker(b, conc, func(tx pgx.Tx) error {
					for range b.N {
						_, _, err := q.EnqueueRun(ctx, tx, queue.EnqueueRunParams{
							CollectionID: &saved.ID, Location: location, Trigger: collection.TriggerAPI,
							IdempotencyKey: fmt.Sprintf("bench:%d", seq.Add(1)), Snapshot: *saved,
						})
						if err != nil {
							return err
						}
					}
					return nil
				}, func() (open, bad int, err error) {
					err = pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status IN ('queued', 'running')),
						count(*) FILTER (WHERE status NOT IN ('queued', 'running', 'passed'))
						FROM runs WHERE location = $1`, location).Scan(&open, &bad)
					return open, bad, err
				}, pool.Begin)
			})
		}
	})
}

// benchWorker enqueues b.N runs in one transaction (untimed), then times from
// its commit until the last run is final, sampling the heap meanwhile.
func benchWorker(b *testing.B, concurrency int, enqueue func(pgx.Tx) error, count func() (open, bad int, err error),
	begin func(context.Context) (pgx.Tx, error)) {
	ctx := context.Background()
	tx, err := begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := enqueue(tx); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseline, peak := ms.HeapInuse, ms.HeapInuse
	cpuBefore := processCPU()
	b.ResetTimer()
	start := time.Now()
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	deadline := start.Add(10 * time.Minute)
	for i := 0; ; i++ {
		open, bad, err := count()
		if err != nil {
			b.Fatal(err)
		}
		if bad > 0 {
			b.Fatalf("%d runs did not pass", bad)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d runs still open after 10 minutes", open)
		}
		if i%5 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		time.Sleep(5 * time.Millisecond) // polling the database for completion
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := processCPU() - cpuBefore
	steps := float64(b.N * 10)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "runs/s")
	b.ReportMetric(steps/elapsed.Seconds(), "steps/s")
	b.ReportMetric(float64(cpu.Microseconds())/steps, "cpu-µs/step")
	if peak > baseline {
		b.ReportMetric(float64(peak-baseline)/float64(min(concurrency, b.N))/1024, "KB/inflight-run")
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-heap-peak")
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
