package statuspage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a database, a store and the public handler on an httptest
// server that no request signs in to.
type fixture struct {
	t     testing.TB
	pool  *pgxpool.Pool
	store *store.Store
	clock *clock
	srv   *httptest.Server
}

type maintenanceFunc func(ids []collection.MonitorID) map[collection.MonitorID]bool

func (f maintenanceFunc) InMaintenance(_ context.Context, ids []collection.MonitorID, _ time.Time) (map[collection.MonitorID]bool, error) {
	return f(ids), nil
}

func newFixture(t testing.TB, maint Maintenance) *fixture {
	t.Helper()
	pool := dbtest.NewDB(t)
	box, err := secret.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, pool: pool, store: store.New(pool, box), clock: &clock{t: time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)}}
	h := New(Config{Store: f.store, Maintenance: maint, Now: f.clock.now})
	mux := http.NewServeMux()
	h.Mount(mux)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "the GUI") }))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// get fetches path signed out; it returns the response (body read) and body.
func (f *fixture) get(path string, header ...string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return res, string(b)
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// monitor creates a collection with one plain step and a monitor on it.
func (f *fixture) monitor(name string) (collection.MonitorID, collection.CollectionID) {
	f.t.Helper()
	ctx := context.Background()
	c, err := f.store.CreateCollection(ctx, &collection.Collection{Name: name + " flow",
		Steps: []collection.Step{{Name: "ping", Method: "GET", URL: "http://127.0.0.1:9/ping"}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.monitorOn(name, c.ID), c.ID
}

func (f *fixture) monitorOn(name string, c collection.CollectionID) collection.MonitorID {
	f.t.Helper()
	m, err := f.store.CreateMonitor(context.Background(), &collection.Monitor{Name: name, Schedule: "every 1h", TimeZone: "UTC", Enabled: true,
		Locations: []string{"local"}, CollectionIDs: []collection.CollectionID{c}, Policy: collection.DefaultAlertPolicy()})
	if err != nil {
		f.t.Fatal(err)
	}
	return m.ID
}

func (f *fixture) page(p *collection.StatusPage) *collection.StatusPage {
	f.t.Helper()
	p.Normalize()
	if err := p.Validate(); err != nil {
		f.t.Fatal(err)
	}
	out, err := f.store.CreateStatusPage(context.Background(), p)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// Signed out, /status/SLUG is a small HTML page with the chosen names, their
// state and 90 bars, escaped, cached and revalidated by ETag; anything else
// under /status/ is the same 404 page.
func TestStatusPageSignedOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	api, apiColl := f.monitor("api-internal-name")
	web, _ := f.monitor("web")
	f.exec(`INSERT INTO alert_states (monitor_id, collection_id, last_status) VALUES ($1, $2, 'passed')`, api, apiColl)
	f.page(&collection.StatusPage{Slug: "acme", Title: `<script>alert("t")</script> Acme`, Description: `Our <b>services</b> & more`,
		Groups: []collection.StatusGroup{
			{Name: "Core <img src=x onerror=alert(1)>", Monitors: []collection.StatusMonitor{{MonitorID: api, DisplayName: "Public API"}}},
			{Name: "Web", Monitors: []collection.StatusMonitor{{MonitorID: web}}},
		}})

	res, body := f.get("/status/acme")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	for h, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "public, max-age=30",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q: want no script and no inline style beyond the hashed sheet", csp)
	}
	// The one stylesheet is allowed by its hash, so the browser applies it.
	style, _, _ := strings.Cut(strings.SplitN(body, "<style>", 2)[1], "</style>")
	sum := sha256.Sum256([]byte(style))
	if !strings.Contains(csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("CSP %q does not allow the page's stylesheet", csp)
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "<img") || strings.Contains(body, "<b>") {
		t.Fatalf("markup from the title, group or description reached the page:\n%s", body)
	}
	for _, want := range []string{
		`&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Acme`,
		`Our &lt;b&gt;services&lt;/b&gt; &amp; more`,
		`Core &lt;img src=x onerror=alert(1)&gt;`,
		`Public API`, `>Web<`, `All systems operational`, `>Operational<`, `>No data<`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "api-internal-name") {
		t.Error("the display name must replace the monitor's own name")
	}
	if n := strings.Count(body, "<rect "); n != 2*Days {
		t.Errorf("%d bars, want %d per monitor", n, Days)
	}

	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if res, _ := f.get("/status/acme", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
	}

	for _, path := range []string{"/status/nope", "/status/Acme", "/status/a", "/status/acme/extra", "/status/", "/status/%3Cscript%3E"} {
		res, body := f.get(path)
		if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "Status page not found") {
			t.Errorf("%s: status %d, body %.80q; want the 404 page", path, res.StatusCode, body)
		}
		if strings.Contains(body, "script") {
			t.Errorf("%s: the 404 page echoes the path", path)
		}
	}
}

// A computed page is served for the TTL, then computed again; however many
// requests arrive at once, each page is computed once.
func TestPageIsCachedForTheTTL(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	m, _ := f.monitor("api")
	p := f.page(&collection.StatusPage{Slug: "cached", Title: "Before", Groups: []collection.StatusGroup{{Name: "g", Monitors: []collection.StatusMonitor{{MonitorID: m}}}}})
	if _, body := f.get("/status/cached"); !strings.Contains(body, "Before") {
		t.Fatal("page missing its title")
	}
	p.Title = "After"
	if _, err := f.store.UpdateStatusPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if _, body := f.get("/status/cached"); !strings.Contains(body, "Before") {
		t.Error("within the TTL the page was computed again")
	}
	f.clock.add(31 * time.Second)
	if _, body := f.get("/status/cached"); !strings.Contains(body, "After") {
		t.Error("after the TTL the page still shows the old title")
	}
	if err := f.store.DeleteStatusPage(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.add(31 * time.Second)
	if res, _ := f.get("/status/cached"); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted page: status %d", res.StatusCode)
	}
}

func TestCacheComputesEachKeyOnceAndBoundsConcurrency(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c := newCache(time.Minute, 10, 1, func() time.Time { return now })
	var calls, running, most atomic.Int32
	release := make(chan struct{})
	compute := func(context.Context) (*response, error) {
		calls.Add(1)
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		return newResponse(200, "text/plain", []byte("x")), nil
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if _, err := c.get(context.Background(), []string{"a", "b"}[i%2], 5*time.Second, compute); err != nil {
				t.Error(err)
			}
		})
	}
	time.AfterFunc(50*time.Millisecond, func() { close(release) })
	wg.Wait()
	if calls.Load() != 2 {
		t.Errorf("computed %d times for 2 keys", calls.Load())
	}
	if most.Load() != 1 {
		t.Errorf("%d computations at once, want at most 1", most.Load())
	}

	// A computation that cannot get a slot in time is refused, not queued forever.
	c2 := newCache(time.Minute, 10, 1, func() time.Time { return now })
	block := make(chan struct{})
	defer close(block)
	go func() {
		_, _ = c2.get(context.Background(), "slow", time.Minute, func(context.Context) (*response, error) {
			<-block
			return newResponse(200, "text/plain", nil), nil
		})
	}()
	for len(c2.slots) == 0 {
		time.Sleep(time.Millisecond)
	}
	if _, err := c2.get(context.Background(), "other", 20*time.Millisecond, compute); !errors.Is(err, errBusy) {
		t.Errorf("err = %v, want errBusy", err)
	}
}

// Badges are off by default (404 for any key), on with a random key, and a
// disabled key is a 404 again.
func TestBadgesSignedOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	m, c := f.monitor("api")
	f.exec(`INSERT INTO alert_states (monitor_id, collection_id, last_status) VALUES ($1, $2, 'passed')`, m, c)
	// 9 passed and 1 failed run of 120 ms in the last hour.
	for i := range 10 {
		st := "passed"
		if i == 0 {
			st = "failed"
		}
		at := f.clock.now().Add(-time.Duration(i+1) * time.Minute)
		f.exec(`INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, snapshot, idempotency_key,
			queued_at, started_at, finished_at, duration_ms, attempt) VALUES ($1, $2, 'x', 'local', 'schedule', $3, '{}', $4, $5, $5, $5, 120, 1)`,
			c, m, st, "b"+string(rune('a'+i)), at)
	}

	if res, _ := f.get("/badge/aaaaaaaaaaaaaaaaaaaaaaaaaa.svg"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("a badge that was never enabled: status %d", res.StatusCode)
	}
	if res, _ := f.get("/badge/" + strings.Repeat("1", 3) + ".svg"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("a malformed key: status %d", res.StatusCode)
	}
	if res, _ := f.get("/badge/" + idString(m) + ".svg"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("the monitor's id opened a badge: status %d", res.StatusCode)
	}

	key, err := f.store.SetMonitorBadge(context.Background(), m, true)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := f.store.SetMonitorBadge(context.Background(), m, true); again != key {
		t.Fatalf("enabling twice changed the key %q → %q", key, again)
	}
	if strings.Contains(key, idString(m)) || len(key) != 26 {
		t.Fatalf("key %q", key)
	}
	for _, tc := range []struct{ query, want string }{
		{"", "status: operational"},
		{"?kind=status", "status: operational"},
		{"?kind=uptime", "uptime 30d: 90.00%"},
		{"?kind=uptime&window=24h", "uptime 24h: 90.00%"},
		{"?kind=latency", "latency 24h: 12"}, // the 120 ms bucket's middle, within 5%
	} {
		res, body := f.get("/badge/" + key + ".svg" + tc.query)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d: %s", tc.query, res.StatusCode, body)
			continue
		}
		if ct := res.Header.Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("%s: Content-Type %q", tc.query, ct)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=30" {
			t.Errorf("%s: Cache-Control %q", tc.query, cc)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", tc.query, csp)
		}
		if !strings.Contains(body, `aria-label="`+tc.want) {
			t.Errorf("%s: badge %s, want %q", tc.query, body, tc.want)
		}
		checkXML(t, body)
	}
	for _, q := range []string{"?kind=nope", "?kind=uptime&window=1y", "?kind=status&window=7d"} {
		if res, _ := f.get("/badge/" + key + ".svg" + q); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, res.StatusCode)
		}
	}

	if _, err := f.store.SetMonitorBadge(context.Background(), m, false); err != nil {
		t.Fatal(err)
	}
	f.clock.add(31 * time.Second)
	if res, body := f.get("/badge/" + key + ".svg"); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "not found") {
		t.Errorf("disabled badge: status %d %s", res.StatusCode, body)
	}
	next, err := f.store.SetMonitorBadge(context.Background(), m, true)
	if err != nil || next == key {
		t.Errorf("re-enabling gave %q (%v); want a new key", next, err)
	}
}

func idString(id collection.MonitorID) string { return strconv.FormatInt(int64(id), 10) }

// checkXML fails unless s is well-formed XML (an SVG document).
func checkXML(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
	}
}

// A maintenance window (the hook) shows as maintenance on the page and the
// status badge, over whatever the runs say.
func TestMaintenanceHook(t *testing.T) {
	t.Parallel()
	var inMaint atomic.Bool
	f := newFixture(t, maintenanceFunc(func(ids []collection.MonitorID) map[collection.MonitorID]bool {
		out := map[collection.MonitorID]bool{}
		for _, id := range ids {
			out[id] = inMaint.Load()
		}
		return out
	}))
	m, c := f.monitor("api")
	f.exec(`INSERT INTO alert_states (monitor_id, collection_id, last_status) VALUES ($1, $2, 'failed')`, m, c)
	f.page(&collection.StatusPage{Slug: "maint", Title: "M", Groups: []collection.StatusGroup{{Name: "g", Monitors: []collection.StatusMonitor{{MonitorID: m}}}}})
	key, err := f.store.SetMonitorBadge(context.Background(), m, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, body := f.get("/status/maint"); !strings.Contains(body, ">Degraded<") || !strings.Contains(body, "Some systems are degraded") {
		t.Errorf("a failed last run short of an incident should read degraded:\n%s", body)
	}
	inMaint.Store(true)
	f.clock.add(31 * time.Second)
	if _, body := f.get("/status/maint"); !strings.Contains(body, ">Maintenance<") || !strings.Contains(body, "Maintenance in progress") {
		t.Errorf("in maintenance:\n%s", body)
	}
	if _, body := f.get("/badge/" + key + ".svg"); !strings.Contains(body, "status: maintenance") {
		t.Errorf("badge %s", body)
	}
}

func TestBadgeLayoutAndEscaping(t *testing.T) {
	t.Parallel()
	// Verdana at 11 px, as the well-known "build | passing" badge measures it
	// (27 and 41 px of text in its 37 and 51 px halves).
	for _, tc := range []struct {
		s        string
		min, max float64
	}{{"build", 26, 28}, {"passing", 40.5, 42.5}, {"operational", 60, 64}, {"99.95%", 38, 45}, {"", 0, 0}, {"日本", 21, 23}} {
		if w := textWidth(tc.s); w < tc.min || w > tc.max {
			t.Errorf("textWidth(%q) = %.1f, want %.0f–%.0f", tc.s, w, tc.min, tc.max)
		}
	}
	if textWidth("mmmm") <= textWidth("iiii") {
		t.Error("wide letters must measure wider than narrow ones")
	}
	short, long := layout(badge{Label: "status", Message: "up"}), layout(badge{Label: "status", Message: "operational"})
	if long.Width <= short.Width || long.LabelWidth != short.LabelWidth {
		t.Errorf("layouts %+v %+v", short, long)
	}
	svg, err := renderBadge(badge{Label: `<script>"&'`, Message: "</text><script>alert(1)</script>", Color: colorBad})
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if strings.Contains(s, "<script") {
		t.Fatalf("unescaped text in the badge: %s", s)
	}
	checkXML(t, s)
	if strings.Contains(s, " id=") {
		t.Errorf("a badge with ids clashes with the next one inlined in the same page: %s", s)
	}
	if !strings.Contains(s, "&lt;script&gt;&#34;&amp;&#39;") {
		t.Errorf("badge text not escaped as expected: %s", s)
	}
}

func TestPercentNeverRoundsUpToWhole(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{1: "100%", 0.99999: "99.99%", 0.9: "90.00%", 0: "0.00%", 0.123456: "12.34%"} {
		if got := percent(in); got != want {
			t.Errorf("percent(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestPageShowsAnOpenWindow uses the store's own InMaintenance, as serve wires
// it: a monitor reads "Maintenance" only while a window covering it is open.
func TestPageShowsAnOpenWindow(t *testing.T) {
	t.Parallel()
	var f *fixture
	f = newFixture(t, maintenanceFunc(func(ids []collection.MonitorID) map[collection.MonitorID]bool {
		in, err := f.store.InMaintenance(context.Background(), ids, f.clock.now())
		if err != nil {
			t.Error(err)
		}
		return in
	}))
	covered, _ := f.monitor("checkout")
	other, _ := f.monitor("search")
	f.page(&collection.StatusPage{Slug: "windows", Title: "W", Groups: []collection.StatusGroup{{Name: "g",
		Monitors: []collection.StatusMonitor{{MonitorID: covered}, {MonitorID: other}}}}})
	start, end := f.clock.now().Add(-10*time.Minute), f.clock.now().Add(50*time.Minute)
	if _, err := f.store.CreateWindow(context.Background(), &collection.MaintenanceWindow{Name: "db upgrade",
		Mode: collection.WindowQuiet, StartsAt: &start, EndsAt: &end, TimeZone: "UTC", MonitorIDs: []collection.MonitorID{covered}}); err != nil {
		t.Fatal(err)
	}
	_, body := f.get("/status/windows")
	if strings.Count(body, ">Maintenance<") != 1 || !strings.Contains(body, "Maintenance in progress") {
		t.Errorf("one of two monitors in an open window should read Maintenance once:\n%s", body)
	}
	f.clock.add(2 * time.Hour)
	if _, body := f.get("/status/windows"); strings.Contains(body, ">Maintenance<") {
		t.Errorf("the window closed an hour ago, the page still shows maintenance:\n%s", body)
	}
}
