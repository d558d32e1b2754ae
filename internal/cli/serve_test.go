package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/demoapi"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// lockedBuffer is an io.Writer safe to read while a command writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestServeAllInOne starts `catena serve` on a fresh database without an
// admin configured: it prints the setup link, the link creates the admin, and a
// collection run through the API is executed by the in-process runner.
func TestServeAllInOne(t *testing.T) {
	t.Parallel()
	_, dbURL := dbtest.NewDBURL(t)
	getenv := map[string]string{"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": secret.NewKey(), "CATENA_LOG_LEVEL": "error",
		"CATENA_PAGERDUTY_WEBHOOK_SECRET": "whsec-serve-test"}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	t.Cleanup(target.Close)

	base, stdout := startServe(t, getenv)
	link := regexp.MustCompile(`/setup\?token=([A-Za-z0-9_-]+)`)
	poll(t, "the setup link", func() bool { return link.MatchString(stdout.String()) })
	token := link.FindStringSubmatch(stdout.String())[1]
	for _, path := range []string{"/readyz", "/"} {
		if code, _ := get(t, base+path); code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
	}

	// The PagerDuty webhook is mounted because its secret is set; unsigned posts are refused.
	resp, err := http.Post(base+"/webhooks/pagerduty", "application/json", strings.NewReader(`{"event":{"event_type":"incident.acknowledged"}}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned PagerDuty webhook: %d; want 401", resp.StatusCode)
	}

	gql, _ := browser(t, base)
	gql(`mutation($t: String!) { setup(token: $t, email: "root@example.com", name: "Root", password: "a long password") { id } }`, map[string]any{"t": token})
	c := gql(`mutation($u: String!) { createCollection(input: {name: "smoke", steps: [{name: "ok", method: "GET", url: $u,
		assertions: [{source: BODY, property: "ok", comparison: EQUALS, target: "true"}]}]}) { id } }`, map[string]any{"u": target.URL})
	cid := c["createCollection"].(map[string]any)["id"]
	r := gql(`mutation($id: ID!) { runCollection(id: $id) { id status } }`, map[string]any{"id": cid})
	rid := r["runCollection"].(map[string]any)["id"]
	poll(t, "the in-process runner to pass the run", func() bool {
		d := gql(`query($id: ID!) { run(id: $id) { status } }`, map[string]any{"id": rid})
		return d["run"].(map[string]any)["status"] == "PASSED"
	})
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, `catena_graphql_operations_total{result="ok",type="mutation"}`) {
		t.Fatalf("/metrics lacks the API counters:\n%s", body)
	}
}

// TestTokenCreate prints a working API token for the admin named in the
// environment, creating that admin when missing.
func TestTokenCreate(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewDBURL(t)
	key := secret.NewKey()
	getenv := envOf(map[string]string{
		"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": key, "CATENA_LOG_LEVEL": "error",
		"CATENA_ADMIN_EMAIL": "ops@example.com", "CATENA_ADMIN_PASSWORD": "a long password",
	})
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"token", "create", "ci", "--expires-in-days", "7"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	if !auth.IsAPIToken(tok) || strings.Contains(tok, "\n") {
		t.Fatalf("stdout %q is not one token", out.String())
	}
	k, _ := secret.ParseKey(key)
	box, _ := secret.New(k)
	u, _, err := store.New(pool, box).TokenUser(context.Background(), auth.HashToken(tok))
	if err != nil || u.Email != "ops@example.com" || u.Role != "admin" {
		t.Fatalf("token user %+v, %v", u, err)
	}
	// Both the admin's creation and the token are in the audit log, and
	// catena audit export prints them, without the token.
	var export bytes.Buffer
	if err := Run(context.Background(), []string{"audit", "export", "--since", "1h"}, getenv, &export); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(export.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"action":"createUser"`) || !strings.Contains(lines[1], `"action":"createApiToken"`) ||
		!strings.Contains(lines[1], `"actor":"cli"`) || strings.Contains(export.String(), tok) {
		t.Errorf("audit export:\n%s", export.String())
	}
	if err := Run(context.Background(), []string{"audit", "export", "--since", "soon"}, getenv, &export); err == nil {
		t.Error("audit export accepted --since soon")
	}

	// Without any admin the command says how to make one.
	_, emptyURL := dbtest.NewDBURL(t)
	err = Run(context.Background(), []string{"token", "create", "ci"}, envOf(map[string]string{"DATABASE_URL": emptyURL, "CATENA_SECRET_KEY": key, "CATENA_LOG_LEVEL": "error"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CATENA_ADMIN_EMAIL") {
		t.Fatalf("no admin: %v", err)
	}
	if err := Run(context.Background(), []string{"token"}, getenv, io.Discard); err == nil {
		t.Fatal("`catena token` without create succeeded")
	}
}

// startServe runs `catena serve` until the test ends and waits for /healthz.
func startServe(t *testing.T, env map[string]string) (string, *lockedBuffer) {
	t.Helper()
	addr := freeAddr(t)
	base := "http://" + addr
	env["CATENA_ADDR"], env["CATENA_PUBLIC_URL"] = addr, base
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"serve"}, envOf(env), stdout) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30s of cancellation")
		}
	})
	poll(t, "/healthz", func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return base, stdout
}

// browser returns a GraphQL caller that keeps cookies and sends the page's
// Origin, as the GUI does, and its cookie jar.
func browser(t *testing.T, base string) (func(string, map[string]any) map[string]any, http.CookieJar) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	return func(query string, vars map[string]any) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", base)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Data   map[string]any
			Errors []map[string]any
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("%s: %v %v", query, err, out.Errors)
		}
		return out.Data
	}, jar
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeSeedsTheDemo: with --demo, a new instance gets the demo collection
// and a first run of it that passes against the demo API; a restart does not
// add another.
func TestServeSeedsTheDemo(t *testing.T) {
	t.Parallel()
	demo := httptest.NewServer(demoapi.New(demoapi.Config{}))
	t.Cleanup(demo.Close)
	pool, dbURL := dbtest.NewDBURL(t)
	key := secret.NewKey()
	env := map[string]string{"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": key, "CATENA_LOG_LEVEL": "error",
		"CATENA_ADMIN_EMAIL": "ops@example.com", "CATENA_ADMIN_PASSWORD": "a long password"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &lockedBuffer{}
	done := make(chan error, 1)
	getenv := envOf(withAddr(t, env))
	go func() { done <- Run(ctx, []string{"serve", "--demo", demo.URL}, getenv, stdout) }()
	k, _ := secret.ParseKey(key)
	box, _ := secret.New(k)
	st := store.New(pool, box)
	poll(t, "the demo run to pass", func() bool {
		runs, err := st.ListRuns(context.Background(), store.ListRunsParams{})
		return err == nil && len(runs) == 1 && runs[0].Status == "passed"
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A second start finds a collection and seeds nothing.
	ctx2, cancel2 := context.WithCancel(context.Background())
	getenv = envOf(withAddr(t, env))
	addr := env["CATENA_ADDR"]
	go func() { done <- Run(ctx2, []string{"serve", "--demo", demo.URL}, getenv, stdout) }()
	poll(t, "the second start to listen", func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	cancel2()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	cs, err := st.ListCollections(context.Background(), store.ListCollectionsParams{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("collections after two starts: %d, %v", len(cs), err)
	}
}

// withAddr returns a copy of env listening on a free loopback port, and
// records the address in env.
func withAddr(t *testing.T, env map[string]string) map[string]string {
	addr := freeAddr(t)
	env["CATENA_ADDR"], env["CATENA_PUBLIC_URL"] = addr, "http://"+addr
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	return out
}
