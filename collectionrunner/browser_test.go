package collectionrunner

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
)

// These tests drive Debian's chromium (`make go-test` installs it). They fail,
// not skip, when it is missing: a browser step that cannot run is not covered.

// deniedCIDR is a loopback range the tests deny, so the refusal path is
// exercised without any traffic leaving the machine.
var deniedCIDR = netip.MustParsePrefix("127.0.0.2/32")

func newTestBrowser(t *testing.T) *Browser {
	t.Helper()
	b := NewBrowser(BrowserConfig{Guard: netguard.Config{Deny: []netip.Prefix{deniedCIDR}}, MaxConcurrent: 4})
	if _, err := b.execPath(); err != nil {
		t.Fatalf("browser tests need chromium: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// sharedBrowser is one chromium for the tests of this file that do not test
// the browser's life cycle (starting one costs about a second).
var sharedBrowser struct {
	once sync.Once
	b    *Browser
}

func testBrowser(t *testing.T) *Browser {
	t.Helper()
	sharedBrowser.once.Do(func() {
		sharedBrowser.b = NewBrowser(BrowserConfig{Guard: netguard.Config{Deny: []netip.Prefix{deniedCIDR}}, MaxConcurrent: 4})
	})
	if _, err := sharedBrowser.b.execPath(); err != nil {
		t.Fatalf("browser tests need chromium: %v", err)
	}
	return sharedBrowser.b
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedBrowser.b != nil {
		sharedBrowser.b.Close()
	}
	os.Exit(code)
}

// site is a small web application: a login form that sets a session cookie,
// an orders page behind it, a page that renders late, one with a console
// error, one that fetches a denied address, one that never finishes loading.
func site(t testing.TB, deniedURL string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html><head><title>shop</title></head><body>"+body+"</body></html>")
	}
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if r.FormValue("email") == "demo@example.com" && r.FormValue("password") == "s3cret-pw" {
				http.SetCookie(w, &http.Cookie{Name: "session", Value: "ok", Path: "/"})
				http.Redirect(w, r, "/orders", http.StatusSeeOther)
				return
			}
			page(w, `<p class="banner">error: wrong password</p>`)
			return
		}
		page(w, `<form method="post" action="/login">
			<input id="email" name="email"><input id="password" name="password" type="password">
			<select id="plan" name="plan"><option value="free">Free</option><option value="pro">Pro</option></select>
			<button type="submit">Sign in</button></form>`)
	})
	mux.HandleFunc("/orders", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		token, _ := r.Cookie("token")
		if (err != nil || c.Value != "ok") && (token == nil || token.Value != "tok-123") {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		page(w, `<p class="banner">Welcome back</p><ul class="order-list"><li class="order" data-id="4711">Order 4711</li><li class="order" data-id="4712">Order 4712</li></ul>`)
	})
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<div id="root">loading…</div><script>setTimeout(() => { document.getElementById('root').innerHTML = '<p class="ready">Rendered late</p>' }, 300)</script>`)
	})
	mux.HandleFunc("/console", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<p>hello</p><script>console.error("boom: widget failed"); null.x;</script>`)
	})
	mux.HandleFunc("/denied", func(w http.ResponseWriter, r *http.Request) {
		page(w, `<p>tries a denied address</p><img src="`+deniedURL+`/pixel.png">`)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><html><body><p>half a page")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // never finishes until the browser gives up
	})
	mux.HandleFunc("/missing.js", http.NotFound)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

// deniedServer listens on 127.0.0.2 (denied by the tests' guard): if the
// guard let a request through, it would be counted here.
func deniedServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	hits := new(atomic.Int64)
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listening on 127.0.0.2: %v", err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }), ReadHeaderTimeout: time.Second}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

func browserExecutor(t *testing.T) *Executor {
	return NewExecutor(Config{Browser: testBrowser(t), Client: NewHTTPClient(netguard.Config{Deny: []netip.Prefix{deniedCIDR}})})
}

func runBrowser(t *testing.T, e *Executor, c *collection.Collection) Outcome {
	t.Helper()
	c.Normalize()
	if err := c.Validate(); err != nil {
		t.Fatalf("the test collection is invalid: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return e.Run(ctx, c, nil)
}

func loginSteps(base string) []collection.Action {
	return []collection.Action{
		{Type: collection.ActionFill, Selector: "#email", Value: "demo@example.com"},
		{Type: collection.ActionFill, Selector: "#password", Value: "@<<secrets.password>>"},
		{Type: collection.ActionSelect, Selector: "#plan", Value: "Pro"},
		{Type: collection.ActionClick, Selector: "button[type=submit]"},
		{Type: collection.ActionWaitFor, Selector: ".order-list", Timeout: collection.Duration(5 * time.Second)},
		{Type: collection.ActionExtract, Name: "order_id", Selector: ".order:first-child", Attribute: "data-id"},
		{Type: collection.ActionExtract, Name: "banner", Selector: ".banner"},
		{Type: collection.ActionScreenshot, Name: "after-login"},
	}
}

func TestBrowserLoginPasses(t *testing.T) {
	t.Parallel()
	srv := site(t, "")
	c := &collection.Collection{
		Name:    "login",
		Secrets: map[string]string{"password": "s3cret-pw"},
		Steps: []collection.Step{{
			Name: "checkout_page", Kind: collection.KindBrowser, URL: srv.URL + "/login",
			Actions: loginSteps(srv.URL),
			Assertions: []collection.Assertion{
				{Source: collection.SourceURL, Comparison: collection.Contains, Target: "/orders"},
				{Source: collection.SourceText, Property: ".banner", Comparison: collection.NotContains, Target: "error"},
				{Source: collection.SourceText, Property: ".order-list", Comparison: collection.Exists},
				{Source: collection.SourceExtracted, Property: "order_id", Comparison: collection.Matches, Target: "^[0-9]+$"},
			},
		}},
	}
	out := runBrowser(t, browserExecutor(t), c)
	st := out.Steps[0]
	if out.Status != collection.RunPassed {
		t.Fatalf("run %s: %s %s; actions %+v; assertions %+v", out.Status, st.ErrorCode, st.Error, st.Browser.Actions, st.Assertions)
	}
	br := st.Browser
	if !strings.HasSuffix(br.FinalURL, "/orders") {
		t.Errorf("final URL = %q", br.FinalURL)
	}
	if br.Extracted["order_id"] != "4711" || br.Extracted["banner"] != "Welcome back" {
		t.Errorf("extracted = %v", br.Extracted)
	}
	if len(br.Actions) != 9 || br.Actions[0].Index != -1 {
		t.Fatalf("action log = %+v, want the url opened and 8 actions", br.Actions)
	}
	for _, a := range br.Actions {
		if a.Status != collection.ActionOK || a.Duration <= 0 {
			t.Errorf("action %+v did not pass with a duration", a)
		}
		if strings.Contains(a.Action, "s3cret-pw") {
			t.Errorf("the action log shows the secret: %q", a.Action)
		}
	}
	if !strings.Contains(br.Actions[2].Action, collection.Redacted) {
		t.Errorf("fill of a secret is logged as %q, want it masked", br.Actions[2].Action)
	}
	if len(br.Screenshots) != 1 || br.Screenshots[0].Name != "after-login" || br.Screenshots[0].Auto {
		t.Fatalf("screenshots = %+v", br.Screenshots)
	}
	if _, err := jpeg.Decode(bytes.NewReader(br.Screenshots[0].Data)); err != nil {
		t.Errorf("the screenshot is not a JPEG: %v", err)
	}
	if br.Timings.DOMContentLoaded <= 0 || br.Timings.Load < br.Timings.DOMContentLoaded {
		t.Errorf("timings = %+v, want DOMContentLoaded > 0 and load after it", br.Timings)
	}
	if len(br.ConsoleErrors) != 0 {
		t.Errorf("console errors on a clean page: %v", br.ConsoleErrors)
	}
}

func TestBrowserLateRenderWaitsForText(t *testing.T) {
	t.Parallel()
	srv := site(t, "")
	c := &collection.Collection{Name: "late", Steps: []collection.Step{{
		Name: "late", Kind: collection.KindBrowser, URL: srv.URL + "/late",
		Actions: []collection.Action{
			{Type: collection.ActionWaitFor, Text: "Rendered late", Timeout: collection.Duration(5 * time.Second)},
			{Type: collection.ActionWaitFor, NetworkIdle: true},
		},
		Assertions: []collection.Assertion{{Source: collection.SourceText, Property: ".ready", Comparison: collection.Equals, Target: "Rendered late"}},
	}}}
	out := runBrowser(t, browserExecutor(t), c)
	if out.Status != collection.RunPassed {
		t.Fatalf("run %s: %s; %+v", out.Status, out.Steps[0].Error, out.Steps[0].Browser.Actions)
	}
}

// A failed assertion fails the step with the reason, and a screenshot of the
// page is kept automatically.
func TestBrowserFailedAssertionKeepsScreenshot(t *testing.T) {
	t.Parallel()
	srv := site(t, "")
	c := &collection.Collection{Name: "wrong", Secrets: map[string]string{"password": "wrong-pw"}, Steps: []collection.Step{{
		Name: "login", Kind: collection.KindBrowser, URL: srv.URL + "/login",
		Actions: []collection.Action{
			{Type: collection.ActionFill, Selector: "#email", Value: "demo@example.com"},
			{Type: collection.ActionFill, Selector: "#password", Value: "@<<secrets.password>>"},
			{Type: collection.ActionClick, Selector: "button[type=submit]"},
			{Type: collection.ActionWaitFor, Selector: ".banner"},
		},
		Assertions: []collection.Assertion{{Source: collection.SourceText, Property: ".banner", Comparison: collection.NotContains, Target: "error"}},
	}}}
	out := runBrowser(t, browserExecutor(t), c)
	st := out.Steps[0]
	if out.Status != collection.RunFailed || st.Status != collection.StepFailed || st.ErrorCode != CodeAssertion {
		t.Fatalf("run %s step %s %s: %s", out.Status, st.Status, st.ErrorCode, st.Error)
	}
	if !strings.Contains(st.Error, "text .banner not_contains") || st.Assertions[0].Actual != "error: wrong password" {
		t.Errorf("error %q, actual %q", st.Error, st.Assertions[0].Actual)
	}
	shots := st.Browser.Screenshots
	if len(shots) != 1 || !shots[0].Auto || shots[0].Size == 0 || len(shots[0].Data) != shots[0].Size {
		t.Fatalf("screenshots = %+v, want one automatic", shots)
	}
}

// An action that cannot be done errors the step with a reason naming the
// action and its selector; later actions are logged as skipped.
func TestBrowserMissingElementErrorsNamingActionAndSelector(t *testing.T) {
	t.Parallel()
	srv := site(t, "")
	c := &collection.Collection{Name: "missing", Steps: []collection.Step{{
		Name: "pay", Kind: collection.KindBrowser, URL: srv.URL + "/login",
		Actions: []collection.Action{
			{Type: collection.ActionFill, Selector: "#email", Value: "x"},
			{Type: collection.ActionClick, Selector: "button.pay", Timeout: collection.Duration(700 * time.Millisecond)},
			{Type: collection.ActionScreenshot, Name: "never"},
		},
	}}}
	out := runBrowser(t, browserExecutor(t), c)
	st := out.Steps[0]
	if st.Status != collection.StepErrored || st.ErrorCode != CodeTimeout {
		t.Fatalf("step %s %s: %s", st.Status, st.ErrorCode, st.Error)
	}
	want := `step 'pay': action 1 (click "button.pay"): no visible element matched "button.pay" after`
	if !strings.Contains(st.Error, want) {
		t.Errorf("error = %q, want it to contain %q", st.Error, want)
	}
	acts := st.Browser.Actions
	if n := len(acts); n != 4 || acts[2].Status != collection.ActionFailed || acts[3].Status != collection.ActionSkipped {
		t.Errorf("action log = %+v", acts)
	}
	if len(st.Browser.Screenshots) != 1 || !st.Browser.Screenshots[0].Auto || st.Browser.Screenshots[0].Action != 1 {
		t.Errorf("screenshots = %+v, want the automatic one of action 1", st.Browser.Screenshots)
	}
}

func TestBrowserConsoleErrorsAndFailedRequests(t *testing.T) {
	t.Parallel()
	srv := site(t, "")
	c := &collection.Collection{Name: "console", Steps: []collection.Step{{
		Name: "page", Kind: collection.KindBrowser, URL: srv.URL + "/console",
		Actions: []collection.Action{
			{Type: collection.ActionNavigate, URL: srv.URL + "/console"},
			{Type: collection.ActionNavigate, URL: srv.URL + "/missing.js"},
		},
	}}}
	out := runBrowser(t, browserExecutor(t), c)
	st := out.Steps[0]
	if st.Status != collection.StepPassed {
		t.Fatalf("step %s: %s", st.Status, st.Error)
	}
	joined := strings.Join(st.Browser.ConsoleErrors, "\n")
	if !strings.Contains(joined, "boom: widget failed") || !strings.Contains(joined, "TypeError") {
		t.Errorf("console errors = %q, want the console.error call and the exception", st.Browser.ConsoleErrors)
	}
	found := false
	for _, f := range st.Browser.FailedRequests {
		if strings.HasSuffix(f.URL, "/missing.js") && f.Status == 404 {
			found = true
		}
	}
	if !found {
		t.Errorf("failed requests = %+v, want the 404", st.Browser.FailedRequests)
	}
}

// A page that reaches a denied address is refused at the network layer and
// the step errors, saying which request and why; nothing reaches the server.
func TestBrowserDeniedAddressIsRefused(t *testing.T) {
	t.Parallel()
	deniedURL, hits := deniedServer(t)
	srv := site(t, deniedURL)
	c := &collection.Collection{Name: "denied", Steps: []collection.Step{{
		Name: "page", Kind: collection.KindBrowser, URL: srv.URL + "/denied",
		Actions: []collection.Action{{Type: collection.ActionWaitFor, NetworkIdle: true}},
	}}}
	out := runBrowser(t, browserExecutor(t), c)
	st := out.Steps[0]
	if st.Status != collection.StepErrored || st.ErrorCode != CodeDestinationBlocked {
		t.Fatalf("step %s %s: %s", st.Status, st.ErrorCode, st.Error)
	}
	if !strings.Contains(st.Error, deniedURL+"/pixel.png") || !strings.Contains(st.Error, "in the denied range 127.0.0.2/32") {
		t.Errorf("error = %q", st.Error)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the denied server got %d requests", n)
	}
	blocked := false
	for _, f := range st.Browser.FailedRequests {
		blocked = blocked || f.Blocked
	}
	if !blocked {
		t.Errorf("failed requests = %+v, want the refused one marked blocked", st.Browser.FailedRequests)
	}

	// Opening a denied address directly fails the same way.
	c.Steps[0].URL = deniedURL + "/"
	out = runBrowser(t, browserExecutor(t), c)
	if st := out.Steps[0]; st.ErrorCode != CodeDestinationBlocked || !strings.Contains(st.Error, "opening the step's url") {
		t.Errorf("opening a denied URL: %s: %s", st.ErrorCode, st.Error)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the denied server got %d requests", n)
	}
}

func TestBrowserPageThatNeverLoadsTimesOut(t *testing.T) {
	t.Parallel()
	srv := site(t, "")
	c := &collection.Collection{Name: "hang", Steps: []collection.Step{{
		Name: "hang", Kind: collection.KindBrowser, URL: srv.URL + "/hang", Timeout: collection.Duration(1500 * time.Millisecond),
		Actions: []collection.Action{{Type: collection.ActionClick, Selector: "p"}},
	}}}
	out := runBrowser(t, browserExecutor(t), c)
	st := out.Steps[0]
	if st.Status != collection.StepErrored || st.ErrorCode != CodeTimeout {
		t.Fatalf("step %s %s: %s", st.Status, st.ErrorCode, st.Error)
	}
	if !strings.Contains(st.Error, "opening the step's url: the page did not finish loading after") {
		t.Errorf("error = %q", st.Error)
	}
}

// Values flow both ways: an HTTP step's token goes into a cookie of the
// browser step, and the browser step's extracted value into a later HTTP step.
func TestBrowserMixedCollection(t *testing.T) {
	t.Parallel()
	srv := site(t, "")
	api := http.NewServeMux()
	api.HandleFunc("/api/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token": "tok-123"}`)
	})
	api.HandleFunc("/api/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": %q, "state": "paid"}`, r.PathValue("id"))
	})
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	c := &collection.Collection{Name: "mixed", Variables: map[string]string{"web": srv.URL, "api": apiSrv.URL}, Steps: []collection.Step{
		{Name: "login", Method: "POST", URL: "@<<vars.api>>/api/login"},
		{Name: "orders", Kind: collection.KindBrowser, URL: "@<<vars.web>>/orders", Actions: []collection.Action{
			{Type: collection.ActionSetCookie, Name: "token", Value: "@<<login.body.token>>"},
			{Type: collection.ActionExtract, Name: "order_id", Selector: ".order", Attribute: "data-id"},
		}},
		{Name: "order", URL: "@<<vars.api>>/api/orders/@<<orders.extracted.order_id>>", Assertions: []collection.Assertion{
			{Source: collection.SourceBody, Property: "id", Comparison: collection.Equals, Target: "4711"},
		}},
	}}
	out := runBrowser(t, browserExecutor(t), c)
	if out.Status != collection.RunPassed {
		for _, st := range out.Steps {
			t.Logf("%s: %s %s", st.Name, st.Status, st.Error)
		}
		t.Fatalf("run %s", out.Status)
	}
	if got := out.Steps[2].Request.URL; got != apiSrv.URL+"/api/orders/4711" {
		t.Errorf("the HTTP step after the browser step sent %s", got)
	}
}

// With browser steps off, a browser step errors with a clear reason and the
// HTTP steps of the run still run.
func TestBrowserOff(t *testing.T) {
	t.Parallel()
	e := NewExecutor(Config{})
	c := &collection.Collection{Name: "off", Steps: []collection.Step{{
		Name: "page", Kind: collection.KindBrowser, URL: "http://127.0.0.1:1/", Actions: []collection.Action{{Type: collection.ActionClick, Selector: "a"}},
	}}}
	out := runBrowser(t, e, c)
	if st := out.Steps[0]; st.ErrorCode != CodeBrowserUnavailable || !strings.Contains(st.Error, "CATENA_BROWSER=off") {
		t.Errorf("step %s: %s", st.ErrorCode, st.Error)
	}
}

// The browser is started by the first browser step only, reused by the
// next, and started again after it died.
func TestBrowserLazyReusedRestarted(t *testing.T) {
	t.Parallel()
	b := newTestBrowser(t)
	if b.browserCtx != nil {
		t.Fatal("NewBrowser started a browser")
	}
	srv := site(t, "")
	e := NewExecutor(Config{Browser: b})
	c := &collection.Collection{Name: "twice", Steps: []collection.Step{{
		Name: "late", Kind: collection.KindBrowser, URL: srv.URL + "/late",
		Actions: []collection.Action{{Type: collection.ActionWaitFor, Selector: ".ready"}},
	}}}
	if out := runBrowser(t, e, c); out.Status != collection.RunPassed {
		t.Fatalf("first run %s: %s", out.Status, out.Steps[0].Error)
	}
	first := b.browserCtx
	if out := runBrowser(t, e, c); out.Status != collection.RunPassed {
		t.Fatalf("second run %s: %s", out.Status, out.Steps[0].Error)
	}
	if b.browserCtx != first {
		t.Error("the second run started another browser")
	}
	b.mu.Lock()
	b.stopLocked() // as if the process had died
	b.mu.Unlock()
	if out := runBrowser(t, e, c); out.Status != collection.RunPassed {
		t.Fatalf("run after the browser died %s: %s", out.Status, out.Steps[0].Error)
	}
}

func TestBrowserMissingBinaryIsClear(t *testing.T) {
	t.Parallel()
	e := NewExecutor(Config{Browser: NewBrowser(BrowserConfig{Path: "/nonexistent/chromium"})})
	c := &collection.Collection{Name: "nobin", Steps: []collection.Step{{
		Name: "page", Kind: collection.KindBrowser, URL: "http://127.0.0.1:1/", Actions: []collection.Action{{Type: collection.ActionClick, Selector: "a"}},
	}}}
	out := runBrowser(t, e, c)
	if st := out.Steps[0]; st.ErrorCode != CodeBrowserUnavailable || !strings.Contains(st.Error, "CATENA_BROWSER=/nonexistent/chromium cannot be run") {
		t.Errorf("step %s: %s", st.ErrorCode, st.Error)
	}
}

// The guard's decision for a page's request, without any traffic: metadata
// and link-local addresses, denied ranges and non-network schemes.
func TestBrowserRequestRefusal(t *testing.T) {
	t.Parallel()
	s := &session{b: NewBrowser(BrowserConfig{Guard: netguard.Config{Deny: []netip.Prefix{deniedCIDR}}}), ctx: context.Background(), verdicts: map[string]string{}}
	for _, tc := range []struct{ url, want string }{
		{"http://169.254.169.254/latest/meta-data/", "a cloud metadata address"},
		{"http://[fe80::1]/", "a link-local address"},
		{"https://127.0.0.2:8443/x", "in the denied range 127.0.0.2/32"},
		{"ws://169.254.170.2/socket", "a cloud metadata address"},
		{"file:///etc/passwd", `scheme "file" is not allowed`},
		{"chrome://settings", `scheme "chrome" is not allowed`},
		{"http://127.0.0.1:8080/ok", ""},
		{"data:text/plain,hello", ""},
	} {
		got := s.refusal(tc.url)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("refusal(%s) = %q, want %q", tc.url, got, tc.want)
		}
	}
}
