package faulttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/secret"
)

// Probe bounds: how long a probe may take before the test calls it hung.
// /readyz pings the database with a 2 s deadline; the rest is slack for a
// loaded machine.
const (
	livenessBound  = 2 * time.Second
	readinessBound = 5 * time.Second
)

// TestGatewayProbesDuringDatabaseOutage is the gateway's half of scenario 9:
// with the database blackholed, and then cut, `catena gateway`'s /healthz
// still answers 200 (liveness never waits on the database), /readyz answers
// 503 naming the database within its own deadline, and once the database is
// back /readyz is 200 again and the API serves a login.
func TestGatewayProbesDuringDatabaseOutage(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.migrate()
	px := newProxy(t, fmt.Sprintf("127.0.0.1:%d", c.port))
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	base := "http://" + addr
	gw := startCatena(t, "gateway", []string{
		"DATABASE_URL=" + c.url(px.addr()),
		"CATENA_ADDR=" + addr,
		"CATENA_PUBLIC_URL=" + base,
		"CATENA_ADMIN_EMAIL=admin@example.com",
		"CATENA_ADMIN_PASSWORD=probe-password-123",
		"CATENA_SECRET_KEY=" + secret.NewKey(),
		"CATENA_LOG_FORMAT=json",
	}, "gateway")
	waitHTTP(t, base+"/readyz", gw)
	login(t, base)

	for _, fault := range []struct {
		name  string
		apply func(on bool)
	}{
		{"blackholed", px.blackhole},
		{"cut", px.cut},
	} {
		fault.apply(true)
		// A readiness probe waits on the database; liveness must answer
		// meanwhile, not queue behind it.
		ready := make(chan probe, 1)
		go func() { ready <- get(base+"/readyz", readinessBound) }()
		for range 3 {
			if p := get(base+"/healthz", livenessBound); p.err != nil || p.status != http.StatusOK {
				t.Errorf("database %s: /healthz = %s; want 200 within %s", fault.name, p, livenessBound)
			}
		}
		if p := <-ready; p.err != nil || p.status != http.StatusServiceUnavailable || !strings.Contains(p.body, "database") {
			t.Errorf("database %s: /readyz = %s; want 503 naming the database within %s", fault.name, p, readinessBound)
		}
		fault.apply(false)
		took := waitFor(t, 30*time.Second, fmt.Sprintf("/readyz to answer 200 once the database is no longer %s", fault.name), func() (bool, string) {
			p := get(base+"/readyz", readinessBound)
			return p.err == nil && p.status == http.StatusOK, p.String()
		})
		login(t, base)
		t.Logf("database %s: /readyz answered 503 and, %s after the database was back, 200", fault.name, took.Round(time.Millisecond))
	}
	if _, err := gw.exitCode(); !errors.Is(err, errNotExited) {
		t.Fatalf("gateway exited during the outage (%v):\n%s", gw.err, gw.out.String())
	}
	if strings.Contains(gw.out.String(), "panic") {
		t.Errorf("gateway logged a panic:\n%s", gw.out.String())
	}
}

// probeClient opens a connection per request, so no idle connection's
// goroutines outlive a test (TestMain checks for leaks).
var probeClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// probe is one GET's outcome.
type probe struct {
	status int
	body   string
	took   time.Duration
	err    error
}

func (p probe) String() string {
	if p.err != nil {
		return fmt.Sprintf("error after %s: %v", p.took.Round(time.Millisecond), p.err)
	}
	return fmt.Sprintf("%d %q after %s", p.status, strings.TrimSpace(p.body), p.took.Round(time.Millisecond))
}

// get requests url with a whole-request deadline of within.
func get(url string, within time.Duration) probe {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return probe{err: err}
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return probe{err: err, took: time.Since(start)}
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	return probe{status: resp.StatusCode, body: string(body), took: time.Since(start), err: err}
}

// login logs the admin in through the API: the gateway serves and reads
// the database.
func login(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q := `{"query": "mutation { login(email: \"admin@example.com\", password: \"probe-password-123\") { email } }"}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", strings.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := probeClient.Do(req)
	if err != nil {
		t.Fatalf("logging in through the API: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		Data struct {
			Login struct{ Email string }
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("login answered %d and no JSON: %v", resp.StatusCode, err)
	}
	if out.Data.Login.Email != "admin@example.com" {
		t.Fatalf("login answered %d: %+v", resp.StatusCode, out)
	}
}
