//go:build unix

package collectionrunner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
)

// The overhead benchmarks compare the executor with hand-written net/http
// code doing the same 10-step chain with the same checks, on one shared client.
// Stream C's benchmarks measure the whole system; these isolate the executor.

var chainBody = func() []byte {
	var b strings.Builder
	b.WriteString(`{"token":"tok-1","items":[`)
	for i := range 12 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","price":%d.5,"tags":["a","b","c"],"stock":true}`, i, i, i*3)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}()

func chainServer(tb testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(chainBody)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func chainCollection(base string) *collection.Collection {
	c := &collection.Collection{Name: "chain", Variables: map[string]string{"base": base}}
	login := step("login", "POST", "@<<vars.base>>/login", as("status", "", "equals", "200"), as("body", "token", "exists", ""), as("header", "content-type", "contains", "json"))
	login.Headers = map[string]string{"Content-Type": "application/json"}
	login.Body = `{"user":"bench","password":"pw"}`
	c.Steps = append(c.Steps, login)
	for i := 1; i < 10; i++ {
		s := step(fmt.Sprintf("s%d", i), "GET", fmt.Sprintf("@<<vars.base>>/items/%d", i),
			as("status", "", "equals", "200"), as("body", "items.#", "greater_than", "0"), as("header", "content-type", "contains", "json"))
		s.Headers = map[string]string{"Authorization": "Bearer @<<login.body.token>>"}
		c.Steps = append(c.Steps, s)
	}
	return c
}

// plainChain is the baseline: the same requests and checks with net/http.
func plainChain(ctx context.Context, client *http.Client, base string) error {
	do := func(method, url, token string, body []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
			return nil, fmt.Errorf("status %d", resp.StatusCode)
		}
		return b, nil
	}
	b, err := do("POST", base+"/login", "", []byte(`{"user":"bench","password":"pw"}`))
	if err != nil {
		return err
	}
	token := gjson.GetBytes(b, "token").String()
	for i := 1; i < 10; i++ {
		b, err := do("GET", fmt.Sprintf("%s/items/%d", base, i), token, nil)
		if err != nil {
			return err
		}
		if gjson.GetBytes(b, "items.#").Int() <= 0 {
			return fmt.Errorf("no items")
		}
	}
	return nil
}

// cpuTime is the process's user+system CPU time (target included, the same
// for both sides), which is steadier than wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchChain(b *testing.B, parallel bool, run func() error) {
	b.ReportAllocs()
	start := cpuTime()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := run(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for range b.N {
			if err := run(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

func executorChain(b *testing.B) func() error {
	srv := chainServer(b)
	e := NewExecutor(Config{Client: NewHTTPClient(netguard.Config{})})
	c := chainCollection(srv.URL)
	return func() error {
		if out := e.Run(context.Background(), c, nil); out.Status != collection.RunPassed {
			return fmt.Errorf("%s: %s", out.Status, out.Steps[len(out.Steps)-1].Error)
		}
		return nil
	}
}

func plainChainFunc(b *testing.B) func() error {
	srv := chainServer(b)
	client := NewHTTPClient(netguard.Config{})
	return func() error { return plainChain(context.Background(), client, srv.URL) }
}

func BenchmarkChainPlainNetHTTP(b *testing.B)       { benchChain(b, true, plainChainFunc(b)) }
func BenchmarkChainExecutor(b *testing.B)           { benchChain(b, true, executorChain(b)) }
func BenchmarkChainPlainNetHTTPSerial(b *testing.B) { benchChain(b, false, plainChainFunc(b)) }
func BenchmarkChainExecutorSerial(b *testing.B)     { benchChain(b, false, executorChain(b)) }

func TestChainExecutorPasses(t *testing.T) {
	t.Parallel()
	srv := chainServer(t)
	out := NewExecutor(Config{}).Run(t.Context(), chainCollection(srv.URL), nil)
	if out.Status != collection.RunPassed || len(out.Steps) != 10 {
		t.Fatalf("%s [%s]", out.Status, statuses(out))
	}
	if err := plainChain(t.Context(), NewHTTPClient(netguard.Config{}), srv.URL); err != nil {
		t.Fatal(err)
	}
}
