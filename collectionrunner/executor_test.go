package collectionrunner

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
)

func newExec(t *testing.T, cfg Config) *Executor {
	t.Helper()
	if cfg.Client == nil {
		cfg.Client = NewHTTPClient(netguard.Config{})
	}
	return NewExecutor(cfg)
}

func step(name, method, url string, asserts ...collection.Assertion) collection.Step {
	return collection.Step{Name: name, Method: method, URL: url, Assertions: asserts}
}

func as(src collection.Source, prop string, cmp collection.Comparison, target string) collection.Assertion {
	return collection.Assertion{Source: src, Property: prop, Comparison: cmp, Target: target}
}

// The chain of ARCHITECTURE.md: log in, use the token, check the answer.
func TestRunChain(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	login := step("login", "POST", "@<<vars.base>>/login",
		as("status", "", "equals", "200"),
		as("body", "token", "exists", ""),
		as("latency", "", "less_than", "5000"),
		as("header", "x-request-id", "equals", "req-42"))
	login.Headers = map[string]string{"Content-Type": "application/json"}
	login.Body = `{"user": "ann", "password": "@<<secrets.password>>"}`
	me := step("me", "GET", "@<<vars.base>>/me",
		as("header", "content-type", "contains", "json"),
		as("body", "roles.#", "greater_than", "0"),
		as("body", "name", "equals", "@<<login.body.user.name>>"))
	me.Headers = map[string]string{"Authorization": "Bearer @<<login.body.token>>"}
	c := &collection.Collection{
		Name:      "checkout",
		Variables: map[string]string{"base": tg.URL},
		Secrets:   map[string]string{"password": "hunter2"},
		Steps:     []collection.Step{login, me, step("order", "GET", "@<<vars.base>>/echo/@<<me.body.last_order>>?from=@<<login.headers.X-Request-Id>>&n=@<<step1.status>>")},
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the test collection is invalid: %v", err)
	}
	var seen []string
	out := newExec(t, Config{}).Run(t.Context(), c, func(s collection.StepResult) { seen = append(seen, s.Name+":"+string(s.Status)) })
	if out.Status != collection.RunPassed {
		for _, s := range out.Steps {
			t.Logf("%s %s %s %s", s.Name, s.Status, s.ErrorCode, s.Error)
		}
		t.Fatalf("run %s (%s); want passed", out.Status, out.Error)
	}
	if strings.Join(seen, " ") != "login:passed me:passed order:passed" {
		t.Errorf("onStep saw %v", seen)
	}
	if got := out.Steps[2].Request.URL; got != tg.URL+"/echo/o-1?from=req-42&n=200" {
		t.Errorf("order URL = %s", got)
	}
	if out.Duration <= 0 || out.StartedAt.IsZero() {
		t.Errorf("duration %v, started %v", out.Duration, out.StartedAt)
	}
	for i, s := range out.Steps {
		if s.Position != i || s.Tries != 1 || s.Timings.Total <= 0 || s.StartedAt.IsZero() {
			t.Errorf("step %d: position %d tries %d total %v started %v", i, s.Position, s.Tries, s.Timings.Total, s.StartedAt)
		}
		for _, a := range s.Assertions {
			if !a.Passed {
				t.Errorf("step %s: %+v", s.Name, a)
			}
		}
	}
	if out.Steps[1].Assertions[2].Expected != "ann" {
		t.Errorf("an interpolated target is shown as expected: %q", out.Steps[1].Assertions[2].Expected)
	}
	// The first request opened a connection, so its timings have a connect phase.
	if out.Steps[0].Timings.Connect <= 0 || out.Steps[0].Timings.FirstByte <= 0 {
		t.Errorf("login timings %+v", out.Steps[0].Timings)
	}
}

func TestRunTraceparent(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	own := step("own", "GET", tg.URL+"/echo/")
	own.Headers = map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	c := &collection.Collection{Name: "t", Steps: []collection.Step{step("gen", "GET", tg.URL+"/echo/"), own}}
	out := newExec(t, Config{}).Run(t.Context(), c, nil)
	tp := tg.seen[0].Get("Traceparent")
	if !regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`).MatchString(tp) {
		t.Errorf("traceparent %q is not W3C", tp)
	}
	if out.Steps[0].TraceID != tp[3:35] {
		t.Errorf("stored trace id %q; sent %q", out.Steps[0].TraceID, tp)
	}
	if got := tg.seen[1].Get("Traceparent"); got != own.Headers["traceparent"] || out.Steps[1].TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("the step's own traceparent: sent %q, stored %q", got, out.Steps[1].TraceID)
	}
}

// Each bad input gives the step a clear error and the run the right outcome.
func TestRunBadInputs(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	tlsSrv := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	_ = l.Close()

	html := step("page", "GET", tg.URL+"/html")
	crlf := step("crlf", "GET", tg.URL+"/echo/")
	crlf.Headers = map[string]string{"X-A": "a\r\nX-Injected: 1"}
	slow := step("slow", "GET", tg.URL+"/slow")
	slow.Timeout = collection.Duration(100 * time.Millisecond)
	drip := step("drip", "GET", tg.URL+"/drip")
	drip.Timeout = collection.Duration(100 * time.Millisecond)
	noRedirect := step("noredirect", "GET", tg.URL+"/loop", as("status", "", "equals", "302"))
	noRedirect.FollowRedirects = new(bool)

	tests := []struct {
		name   string
		steps  []collection.Step
		vars   map[string]string
		run    collection.RunStatus
		status collection.StepStatus // of the last step given
		code   string
		msg    string
	}{
		{"unknown step", []collection.Step{step("login", "GET", tg.URL+"/echo/"), step("me", "GET", tg.URL+"/echo/@<<logn.body.token>>")},
			nil, collection.RunErrored, collection.StepErrored, CodeInterpolationUnresolved, "unknown step 'logn' in @<<logn.body.token>>; earlier steps: login"},
		{"reference to a later step", []collection.Step{step("a", "GET", tg.URL+"/echo/@<<b.status>>"), step("b", "GET", tg.URL+"/echo/")},
			nil, collection.RunErrored, collection.StepSkipped, "", "skipped: step 'a' errored"},
		{"path into a non-JSON body", []collection.Step{html, step("use", "GET", tg.URL+"/echo/@<<page.body.token>>")},
			nil, collection.RunErrored, collection.StepErrored, CodeBodyNotJSON, "page's body is not JSON (content-type text/html): <html><body>Service Unavailable</body></html>"},
		{"missing path", []collection.Step{step("a", "GET", tg.URL+"/echo/"), step("b", "GET", tg.URL+"/echo/@<<a.body.tokn>>")},
			nil, collection.RunErrored, collection.StepErrored, CodeInterpolationUnresolved, "path 'tokn' not found in a's body (top-level keys: body, headers, method, path, query)"},
		{"invalid URL after interpolation", []collection.Step{step("a", "GET", "@<<vars.u>>/x")},
			map[string]string{"u": "ftp://files"}, collection.RunErrored, collection.StepErrored, CodeInvalidURL, `uses scheme "ftp"`},
		{"URL without a host after interpolation", []collection.Step{step("a", "GET", "@<<vars.u>>")},
			map[string]string{"u": "just words"}, collection.RunErrored, collection.StepErrored, CodeInvalidURL, "has no scheme"},
		{"CR/LF in a header", []collection.Step{crlf}, nil, collection.RunErrored, collection.StepErrored, CodeInvalidHeader, "line break"},
		{"CR/LF from a value into a header", []collection.Step{func() collection.Step {
			s := step("a", "GET", tg.URL+"/echo/")
			s.Headers = map[string]string{"X-A": "@<<vars.v>>"}
			return s
		}()}, map[string]string{"v": "x\r\nEvil: 1"}, collection.RunErrored, collection.StepErrored, CodeInterpolationType, "line break"},
		{"unknown method", []collection.Step{step("a", "PURGE", tg.URL+"/echo/")}, nil, collection.RunErrored, collection.StepErrored, CodeInvalidMethod, `method "PURGE" is not supported`},
		{"malformed method", []collection.Step{step("a", "GE T", tg.URL+"/echo/")}, nil, collection.RunErrored, collection.StepErrored, CodeInvalidMethod, `"GE T"`},
		{"DNS failure", []collection.Step{step("a", "GET", "http://catena-test.invalid/")}, nil, collection.RunErrored, collection.StepErrored, CodeDNSNotFound, `host "catena-test.invalid" not found`},
		{"connection refused", []collection.Step{step("a", "GET", closed)}, nil, collection.RunErrored, collection.StepErrored, CodeConnectionRefused, "connection refused by " + strings.TrimSuffix(strings.TrimPrefix(closed, "http://"), "/")},
		{"TLS error", []collection.Step{step("a", "GET", tlsSrv.URL)}, nil, collection.RunErrored, collection.StepErrored, CodeTLSUnknownAuthority, "certificate signed by an unknown authority"},
		{"timeout", []collection.Step{slow}, nil, collection.RunErrored, collection.StepErrored, CodeTimeout, "timed out"},
		{"timeout reading the body", []collection.Step{drip}, nil, collection.RunErrored, collection.StepErrored, CodeTimeout, "timed out while reading the response body"},
		{"lower-case method", []collection.Step{step("a", "get", tg.URL+"/status/200")}, nil, collection.RunPassed, collection.StepPassed, "", ""},
		{"body over the cap", []collection.Step{step("a", "GET", tg.URL+"/big/5000")}, nil, collection.RunErrored, collection.StepErrored, CodeBodyTooLarge, "response body exceeds 4 KiB"},
		{"response headers over the cap", []collection.Step{step("a", "GET", tg.URL+"/huge-headers")}, nil, collection.RunErrored, collection.StepErrored, CodeHeadersTooLarge, "the response headers exceed 1 MiB"},
		{"gzip bomb", []collection.Step{step("a", "GET", tg.URL+"/gzip-bomb")}, nil, collection.RunErrored, collection.StepErrored, CodeBodyTooLarge, "(decoded)"},
		{"corrupt gzip", []collection.Step{step("a", "GET", tg.URL+"/corrupt/gzip")}, nil, collection.RunErrored, collection.StepErrored, CodeBodyDecode, "decoding the gzip body"},
		{"corrupt deflate", []collection.Step{step("a", "GET", tg.URL+"/corrupt/deflate")}, nil, collection.RunErrored, collection.StepErrored, CodeBodyDecode, "flate"},
		{"corrupt br", []collection.Step{step("a", "GET", tg.URL+"/corrupt/br")}, nil, collection.RunErrored, collection.StepErrored, CodeBodyDecode, "brotli"},
		{"redirect loop", []collection.Step{step("a", "GET", tg.URL+"/loop")}, nil, collection.RunErrored, collection.StepErrored, CodeTooManyRedirects, "stopped after 10 redirects"},
		{"redirect off", []collection.Step{noRedirect}, nil, collection.RunPassed, collection.StepPassed, "", ""},
		{"redirect to a non-http scheme", []collection.Step{step("a", "GET", tg.URL+"/redirect?to=file:///etc/passwd")}, nil, collection.RunErrored, collection.StepErrored, CodeInvalidURL, "only http and https"},
		{"invalid regex", []collection.Step{step("a", "GET", tg.URL+"/echo/", as("body", "method", "matches", "GE(T"))}, nil, collection.RunFailed, collection.StepFailed, CodeBadPattern, "invalid regular expression"},
		{"invalid JSON Schema", []collection.Step{step("a", "GET", tg.URL+"/echo/", as("body", "", "json_schema", `{"type": 12}`))}, nil, collection.RunFailed, collection.StepFailed, CodeBadSchema, "invalid JSON Schema"},
		{"target closing mid-body", []collection.Step{step("a", "GET", tg.URL+"/cut")}, nil, collection.RunErrored, collection.StepErrored, CodeBodyIncomplete, "unexpected EOF"},
		{"body assertion on 204", []collection.Step{step("a", "GET", tg.URL+"/status/204", as("body", "id", "exists", ""))}, nil, collection.RunFailed, collection.StepFailed, CodeEmptyBody, "no body (status 204)"},
		{"body assertion on HEAD", []collection.Step{step("a", "HEAD", tg.URL+"/echo/", as("body", "method", "exists", ""))}, nil, collection.RunFailed, collection.StepFailed, CodeEmptyBody, "HEAD"},
	}
	e := newExec(t, Config{MaxBodyRead: 4 << 10})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			c := &collection.Collection{Name: tt.name, Variables: tt.vars, Steps: tt.steps}
			out := e.Run(ctx, c, nil)
			last := out.Steps[len(out.Steps)-1]
			if out.Status != tt.run || last.Status != tt.status || last.ErrorCode != tt.code || !strings.Contains(last.Error, tt.msg) {
				t.Errorf("run %s, step %s %s %q\nwant run %s, step %s %s containing %q", out.Status, last.Status, last.ErrorCode, last.Error, tt.run, tt.status, tt.code, tt.msg)
			}
			if len(out.Steps) != len(tt.steps) {
				t.Errorf("%d step results for %d steps", len(out.Steps), len(tt.steps))
			}
		})
	}
}

// A hostile body nested millions deep fails the step; it does not crash the process.
func TestRunDeepBody(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	deep := step("deep", "GET", tg.URL+"/deep", as("body", "x", "exists", ""))
	deep.ContinueOnFailure = true
	c := &collection.Collection{Name: "t", Steps: []collection.Step{deep, step("use", "GET", tg.URL+"/echo/@<<deep.body.0>>")}}
	out := newExec(t, Config{}).Run(t.Context(), c, nil)
	if s := out.Steps[0]; s.Status != collection.StepFailed || s.ErrorCode != CodeBodyTooDeep {
		t.Errorf("deep: %s %s %s", s.Status, s.ErrorCode, s.Error)
	}
	if s := out.Steps[1]; s.Status != collection.StepErrored || s.ErrorCode != CodeBodyTooDeep {
		t.Errorf("use: %s %s %s", s.Status, s.ErrorCode, s.Error)
	}
}

func TestRunInterpolationErrorSendsNothing(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	c := &collection.Collection{Name: "t", Steps: []collection.Step{step("a", "GET", tg.URL+"/echo/@<<nope.body.x>>"), step("b", "GET", tg.URL+"/echo/")}}
	out := newExec(t, Config{}).Run(t.Context(), c, nil)
	if tg.hits.Load() != 0 {
		t.Errorf("the target saw %d requests; an unresolved step sends nothing and later steps are skipped", tg.hits.Load())
	}
	if out.Status != collection.RunErrored || out.Steps[1].Status != collection.StepSkipped {
		t.Errorf("run %s, second step %s", out.Status, out.Steps[1].Status)
	}
}

func TestRunInsecureStep(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]bool{"ok": true}) }))
	s := step("a", "GET", srv.URL, as("body", "ok", "equals", "true"))
	s.Insecure = true
	out := newExec(t, Config{}).Run(t.Context(), &collection.Collection{Name: "t", Steps: []collection.Step{s, step("b", "GET", srv.URL)}}, nil)
	if out.Steps[0].Status != collection.StepPassed || !out.Steps[0].Insecure {
		t.Errorf("insecure step: %s %s insecure=%v", out.Steps[0].Status, out.Steps[0].Error, out.Steps[0].Insecure)
	}
	if out.Steps[0].Timings.TLS <= 0 {
		t.Errorf("TLS phase %v", out.Steps[0].Timings.TLS)
	}
	// Verification stays on for steps that did not opt out.
	if out.Steps[1].ErrorCode != CodeTLSUnknownAuthority {
		t.Errorf("the next step %s %s; verification must stay on", out.Steps[1].Status, out.Steps[1].ErrorCode)
	}
}

func TestRunDecodesBodies(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	var steps []collection.Step
	for _, enc := range []string{"gzip", "deflate", "br"} {
		steps = append(steps, step(enc, "GET", tg.URL+"/enc/"+enc, as("body", "enc", "equals", enc), as("body", "ok", "equals", "true")))
	}
	out := newExec(t, Config{}).Run(t.Context(), &collection.Collection{Name: "t", Steps: steps}, nil)
	for _, s := range out.Steps {
		if s.Status != collection.StepPassed {
			t.Errorf("%s: %s %s %s", s.Name, s.Status, s.ErrorCode, s.Error)
		}
	}
}

func TestRunStoresCappedExcerpt(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	out := newExec(t, Config{MaxBodyStore: 1000}).Run(t.Context(), oneStep(tg.URL+"/big/3000"), nil)
	r := out.Steps[0].Response
	if r == nil || len(r.Body) != 1000 || !r.BodyTruncated || r.Size != 3000 {
		t.Fatalf("response record %+v", r)
	}
}

// Secrets never appear in a result: URL, headers, body, response, errors, assertions.
func TestRunRedactsSecrets(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	// "/" and " " are escaped differently in a path, a query and JSON.
	const secret = "s3cr3t/v l"
	echo := step("echo", "POST", tg.URL+"/echo/@<<secrets.key>>?k=@<<secrets.key>>",
		as("body", "body", "contains", "@<<secrets.key>>"),
		as("body", "headers.X-Api-Key", "equals", "nope @<<secrets.key>>"))
	echo.Headers = map[string]string{"X-Api-Key": "@<<secrets.key>>", "Authorization": "Bearer plain-token", "Cookie": "a=b", "Content-Type": "application/json"}
	echo.Body = `{"key": "@<<secrets.key>>"}`
	login := step("login", "POST", tg.URL+"/login")
	login.Body = `{"user": "ann", "password": "pw"}`
	bad := step("bad", "GET", tg.URL+"/echo/@<<echo.body.nope>>@<<secrets.key>>")
	bad.ContinueOnFailure = true
	c := &collection.Collection{
		Name:    "t",
		Secrets: map[string]string{"key": secret},
		Steps:   []collection.Step{login, echo, bad},
	}
	c.Steps[1].ContinueOnFailure = true
	out := newExec(t, Config{}).Run(t.Context(), c, nil)
	raw, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, form := range []string{"s3cr3t", "s3cr3t-cookie"} {
		if strings.Contains(text, form) {
			t.Errorf("the outcome contains %q:\n%s", form, text)
		}
	}
	if !strings.Contains(text, collection.Redacted) {
		t.Error("nothing was redacted")
	}
	e := out.Steps[1]
	if e.Request.Headers["Authorization"] != "Bearer "+collection.Redacted || e.Request.Headers["Cookie"] != collection.Redacted || e.Request.Headers["X-Api-Key"] != collection.Redacted {
		t.Errorf("request headers %v", e.Request.Headers)
	}
	if got := out.Steps[0].Response.Headers["Set-Cookie"]; len(got) != 1 || got[0] != collection.Redacted {
		t.Errorf("Set-Cookie stored as %v", got)
	}
	// The secret still reached the target (only what is stored is redacted).
	if got := tg.seen[0].Get("X-Api-Key"); got != secret {
		t.Errorf("the target got X-Api-Key %q", got)
	}
}

// Secret-carrying headers never follow a redirect to another origin.
func TestRunRedirectDropsSecretHeaders(t *testing.T) {
	t.Parallel()
	a := newTarget(t)
	b := newTarget(t) // another port: another origin
	mk := func(to string) collection.Step {
		s := step("r", "GET", a.URL+"/redirect?to="+to)
		s.Headers = map[string]string{"X-Api-Key": "@<<secrets.key>>", "Authorization": "Bearer t", "X-Plain": "kept"}
		return s
	}
	c := &collection.Collection{Name: "t", Secrets: map[string]string{"key": "k-1"}, Steps: []collection.Step{mk(b.URL + "/echo/")}}
	if out := newExec(t, Config{}).Run(t.Context(), c, nil); out.Status != collection.RunPassed {
		t.Fatalf("%s %s", out.Status, out.Steps[0].Error)
	}
	h := b.seen[0]
	if h.Get("X-Api-Key") != "" || h.Get("Authorization") != "" || h.Get("X-Plain") != "kept" {
		t.Errorf("another origin got X-Api-Key=%q Authorization=%q X-Plain=%q", h.Get("X-Api-Key"), h.Get("Authorization"), h.Get("X-Plain"))
	}
	c.Steps = []collection.Step{mk("/echo/")}
	if out := newExec(t, Config{}).Run(t.Context(), c, nil); out.Status != collection.RunPassed {
		t.Fatalf("%s %s", out.Status, out.Steps[0].Error)
	}
	if h := a.seen[0]; h.Get("X-Api-Key") != "k-1" || h.Get("Authorization") != "Bearer t" {
		t.Errorf("the same origin lost its headers: %v", h)
	}
}

// The guard applies to every hop: a redirect to a denied loopback address is refused.
func TestRunRedirectToDeniedAddress(t *testing.T) {
	t.Parallel()
	denied := newTargetOn(t, "127.0.0.2:0")
	front := newTarget(t)
	e := newExec(t, Config{Client: NewHTTPClient(netguard.Config{Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})})
	out := e.Run(t.Context(), oneStep(front.URL+"/redirect?to="+denied.URL+"/echo/"), nil)
	if st := out.Steps[0]; st.ErrorCode != CodeDestinationBlocked || !strings.Contains(st.Error, "127.0.0.2 is blocked: in the denied range 127.0.0.2/32") {
		t.Errorf("redirect to a denied address: %s %s %q", st.Status, st.ErrorCode, st.Error)
	}
	if denied.hits.Load() != 0 {
		t.Errorf("the denied target saw %d requests", denied.hits.Load())
	}
}

func TestRunEnv(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	env := func(k string) string { return map[string]string{"TEAM": "blue"}[k] }
	c := oneStep(tg.URL + "/echo/@<<env.TEAM>>")
	out := newExec(t, Config{AllowEnv: true, Getenv: env}).Run(t.Context(), c, nil)
	if out.Steps[0].Request.URL != tg.URL+"/echo/blue" {
		t.Errorf("env allowed: %s %s", out.Steps[0].Request.URL, out.Steps[0].Error)
	}
	out = newExec(t, Config{Getenv: env}).Run(t.Context(), c, nil)
	if out.Steps[0].ErrorCode != CodeInterpolationUnresolved {
		t.Errorf("env not allowed: %s %s", out.Steps[0].ErrorCode, out.Steps[0].Error)
	}
}
