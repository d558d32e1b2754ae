package collectionrunner_test

// Benchmarks of the performance section (see docs/performance.md):
// (a) plain net/http doing the demo API's 10-step chain with the same 33
// checks, and (b) the Executor running the same collection without
// persistence, at 1, 10, 100 and 1000 runs in flight. (c), the full worker
// path with results in Postgres, is BenchmarkChain/c_worker in internal/cli
// (only cli may import the store). `make bench` runs all three against one
// demo API process and prints the ratios.
//
// CATENA_BENCH_TARGET names a running demo API (`catena demo-api`); without it
// an in-process one is started, and its CPU is then counted too.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/demoapi"
	"github.com/catena-monitor/catena/internal/netguard"
)

var benchConcurrency = []int{1, 10, 100, 1000}

const chainSteps = 10

// benchMaxLatency relaxes the chain's latency assertion (1s in chain.yaml): at
// 1000 runs in flight on two shared cores a login can queue for longer, which
// is load, not a fault of the run.
const benchMaxLatency = 10 * time.Second

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
	b.Run("a_plain", func(b *testing.B) {
		client := plainClient()
		for _, c := range benchConcurrency {
			b.Run("c="+strconv.Itoa(c), func(b *testing.B) {
				measure(b, c, func(ctx context.Context) error { return plainChain(ctx, client, base) })
			})
		}
	})
	b.Run("b_executor", func(b *testing.B) {
		coll, err := collection.Parse(demoapi.ChainCollection, "chain.yaml")
		if err != nil {
			b.Fatal(err)
		}
		coll.Variables["base"] = base
		coll.Variables["max_latency_ms"] = strconv.Itoa(int(benchMaxLatency / time.Millisecond))
		coll.Secrets = map[string]string{"password": demoapi.Password}
		exec := collectionrunner.NewExecutor(collectionrunner.Config{Client: collectionrunner.NewHTTPClient(netguard.Config{})})
		for _, c := range benchConcurrency {
			b.Run("c="+strconv.Itoa(c), func(b *testing.B) {
				measure(b, c, func(ctx context.Context) error {
					out := exec.Run(ctx, coll, nil)
					if out.Status != collection.RunPassed {
						return fmt.Errorf("run %s: %s%s", out.Status, out.Error, firstProblem(out.Steps))
					}
					return nil
				})
			})
		}
	})
}

func firstProblem(steps []collection.StepResult) string {
	for _, s := range steps {
		if s.Status == collection.StepPassed {
			continue
		}
		for _, a := range s.Assertions {
			if !a.Passed {
				return fmt.Sprintf("; step %s: %s %s %s: expected %s, actual %s", s.Name, a.Source, a.Property, a.Comparison, a.Expected, a.Actual)
			}
		}
		return fmt.Sprintf("; step %s %s: %s", s.Name, s.Status, s.Error)
	}
	return ""
}

// measure runs run b.N times with concurrency runs in flight and reports
// runs/s, steps/s, process CPU per step and heap per in-flight run.
func measure(b *testing.B, concurrency int, run func(context.Context) error) {
	ctx := context.Background()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapInuse
	var peak atomic.Uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	cpuBefore := cpuTime()
	b.ResetTimer()
	start := time.Now()
	var next, failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range min(concurrency, b.N) {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := run(ctx); err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime() - cpuBefore
	close(stopSampling)
	<-sampled
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d runs did not pass; first: %v", n, b.N, firstErr.Load())
	}
	reportRate(b, concurrency, elapsed, cpu, baseline, peak.Load())
}

func reportRate(b *testing.B, concurrency int, elapsed, cpu time.Duration, baseline, peak uint64) {
	steps := float64(b.N * chainSteps)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "runs/s")
	b.ReportMetric(steps/elapsed.Seconds(), "steps/s")
	b.ReportMetric(float64(cpu.Microseconds())/steps, "cpu-µs/step")
	inflight := min(concurrency, b.N)
	if peak > baseline {
		b.ReportMetric(float64(peak-baseline)/float64(inflight)/1024, "KB/inflight-run")
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-heap-peak")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "MB-rss-peak")
	}
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// plainClient is what a hand-written Go prober would use: one transport with
// the same pool limits as collectionrunner.NewHTTPClient.
func plainClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 1000,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
}

// plainChain is chain.yaml written by hand with net/http and gjson: the same
// ten requests and the same 33 checks.
func plainChain(ctx context.Context, client *http.Client, base string) error {
	var failed []string
	check := func(step string, ok bool, what string) {
		if !ok {
			failed = append(failed, step+": "+what)
		}
	}
	do := func(method, path, token, body string) (*http.Response, []byte, time.Duration, error) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
		if err != nil {
			return nil, nil, 0, err
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
		return resp, b, time.Since(start), err
	}

	resp, body, latency, err := do("POST", "/login", "", `{"user": "demo", "password": "`+demoapi.Password+`"}`)
	if err != nil {
		return err
	}
	check("login", resp.StatusCode == 200, "status")
	check("login", strings.Contains(resp.Header.Get("Content-Type"), "json"), "content-type")
	token := gjson.GetBytes(body, "token").String()
	check("login", token != "", "token")
	check("login", gjson.GetBytes(body, "token_type").String() == "Bearer", "token_type")
	check("login", latency < benchMaxLatency, "latency")

	resp, body, _, err = do("GET", "/me", token, "")
	if err != nil {
		return err
	}
	check("me", resp.StatusCode == 200, "status")
	check("me", gjson.GetBytes(body, "username").String() == "demo", "username")
	check("me", gjson.GetBytes(body, "roles.#").Int() > 0, "roles")
	check("me", gjson.GetBytes(body, "verified").Type == gjson.True || gjson.GetBytes(body, "verified").Type == gjson.False, "verified")

	var uuid [16]byte
	_, _ = rand.Read(uuid[:])
	resp, body, _, err = do("POST", "/orders", token, `{"currency": "EUR", "note": "catena run `+hex.EncodeToString(uuid[:])+
		`", "items": [{"sku": "CHAIN-1", "name": "Bike chain", "quantity": 2, "unit_price": 12.5}, {"sku": "LUBE-7", "name": "Chain lube", "quantity": 1, "unit_price": 6.9}]}`)
	if err != nil {
		return err
	}
	check("create_order", resp.StatusCode == 201, "status")
	check("create_order", strings.Contains(resp.Header.Get("Location"), "/orders/"), "location")
	id := gjson.GetBytes(body, "id").String()
	check("create_order", strings.HasPrefix(id, "ord_"), "id")
	check("create_order", gjson.GetBytes(body, "status").String() == "confirmed", "status field")
	total := gjson.GetBytes(body, "total").Float()
	check("create_order", total > 0, "total")

	resp, body, _, err = do("GET", "/orders/"+id, token, "")
	if err != nil {
		return err
	}
	check("get_order", resp.StatusCode == 200, "status")
	check("get_order", gjson.GetBytes(body, "id").String() == id, "id")
	check("get_order", gjson.GetBytes(body, "items.#").Int() == 2, "items")
	check("get_order", gjson.GetBytes(body, "total").Float() == total, "total")

	resp, body, _, err = do("GET", "/orders/"+id+"/receipt", token, "")
	if err != nil {
		return err
	}
	check("receipt", resp.StatusCode == 200, "status")
	check("receipt", gjson.GetBytes(body, "state").String() == "ready", "state")
	check("receipt", gjson.GetBytes(body, "order_id").String() == id, "order_id")
	check("receipt", gjson.GetBytes(body, "lines").IsArray(), "lines")

	resp, body, _, err = do("GET", "/orders", token, "")
	if err != nil {
		return err
	}
	check("list_orders", resp.StatusCode == 200, "status")
	check("list_orders", gjson.GetBytes(body, "count").Int() == 1, "count")
	check("list_orders", gjson.GetBytes(body, "orders.0.id").String() == id, "first id")

	resp, body, _, err = do("GET", "/me", token, "")
	if err != nil {
		return err
	}
	check("me_again", resp.StatusCode == 200, "status")
	check("me_again", gjson.GetBytes(body, "last_order").String() == id, "last_order")

	resp, body, _, err = do("DELETE", "/orders/"+id, token, "")
	if err != nil {
		return err
	}
	check("delete_order", resp.StatusCode == 200, "status")
	check("delete_order", gjson.GetBytes(body, "deleted").Bool(), "deleted")

	resp, body, _, err = do("GET", "/orders/"+id, token, "")
	if err != nil {
		return err
	}
	check("verify_deleted", resp.StatusCode == 404, "status")
	check("verify_deleted", gjson.GetBytes(body, "error").String() == "order_not_found", "error")

	resp, body, _, err = do("GET", "/orders", token, "")
	if err != nil {
		return err
	}
	check("list_after", resp.StatusCode == 200, "status")
	check("list_after", gjson.GetBytes(body, "count").Int() == 0, "count")

	if len(failed) > 0 {
		return fmt.Errorf("checks failed: %s", strings.Join(failed, ", "))
	}
	return nil
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
