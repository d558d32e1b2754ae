package collectionrunner

import (
	"bufio"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
)

// BenchmarkBrowserSteps measures how many browser steps one runner process
// completes per minute with 4 browser contexts at once (the default
// CATENA_BROWSER_CONCURRENCY), each a run of one browser step that signs in
// through a form (open, fill ×2, click, wait_for, extract), and the memory
// of the whole process tree, Chromium included: the peak of the summed RSS
// (which counts pages shared between Chromium's processes once per process)
// and of the summed PSS (shared pages split between their processes).
//
//	go test ./collectionrunner/ -run '^$' -bench BrowserSteps -benchtime 60x
func BenchmarkBrowserSteps(b *testing.B) {
	contexts := 4
	if n, err := strconv.Atoi(os.Getenv("CATENA_BENCH_CONTEXTS")); err == nil && n > 0 {
		contexts = n
	}
	br := NewBrowser(BrowserConfig{Guard: netguard.Config{Deny: []netip.Prefix{deniedCIDR}}, MaxConcurrent: contexts})
	defer br.Close()
	srv := site(b, "")
	e := NewExecutor(Config{Browser: br})
	c := &collection.Collection{Name: "bench", Secrets: map[string]string{"password": "s3cret-pw"}, Steps: []collection.Step{{
		Name: "login", Kind: collection.KindBrowser, URL: srv.URL + "/login",
		Actions: []collection.Action{
			{Type: collection.ActionFill, Selector: "#email", Value: "demo@example.com"},
			{Type: collection.ActionFill, Selector: "#password", Value: "@<<secrets.password>>"},
			{Type: collection.ActionClick, Selector: "button[type=submit]"},
			{Type: collection.ActionWaitFor, Selector: ".order-list"},
			{Type: collection.ActionExtract, Name: "order_id", Selector: ".order", Attribute: "data-id"},
		},
		Assertions: []collection.Assertion{{Source: collection.SourceURL, Comparison: collection.Contains, Target: "/orders"}},
	}}}
	ctx := context.Background()
	if out := e.Run(ctx, c, nil); out.Status != collection.RunPassed { // warm: the browser starts here
		b.Fatalf("warm-up run %s: %s", out.Status, out.Steps[0].Error)
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	var peak, peakPSS atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for range contexts {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if out := e.Run(ctx, c, nil); out.Status != collection.RunPassed {
					failed.Add(1)
				}
				rss, pss := treeMemory(os.Getpid())
				if rss > peak.Load() {
					peak.Store(rss)
				}
				if pss > peakPSS.Load() {
					peakPSS.Store(pss)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d runs did not pass", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Minutes(), "steps/min")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(peakPSS.Load())/(1<<20), "peak-PSS-MiB")
}

// treeMemory sums the resident memory (RSS and PSS) of pid and all its descendants.
func treeMemory(pid int) (rss, pss int64) {
	children := map[int][]int{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		data, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so cut at the last ')'.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		p, _ := strconv.Atoi(strings.Fields(s)[0])
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			children[pp] = append(children[pp], p)
		}
	}
	stack := []int{pid}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		r, s := procMemory(p)
		rss, pss = rss+r, pss+s
		stack = append(stack, children[p]...)
	}
	return rss, pss
}

// procMemory reads one process's Rss and Pss from /proc/PID/smaps_rollup.
func procMemory(pid int) (rss, pss int64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	kb := func(v string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		return n << 10
	}
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Rss:"); ok {
			rss = kb(v)
		} else if v, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			pss = kb(v)
		}
	}
	return rss, pss
}
