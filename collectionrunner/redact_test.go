package collectionrunner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// A hostile target echoes the secrets back in every way it can; nothing
// stored or shown may contain them, even cut short.
func TestRunRedactsHostileEchoes(t *testing.T) {
	t.Parallel()
	const (
		secret  = `Tok&<en>/v l"ü+9`
		hsecret = "HeaderSecret42" // valid in a header name
		store   = 300
	)
	pad := func(n int) string { return strings.Repeat(".", n) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := r.Header.Get("X-Key")
		switch r.URL.Path {
		case "/raw":
			_, _ = io.WriteString(w, "you sent "+s)
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"k": s, "note": pad(300) + s}) // HTML-escaped
		case "/percent":
			_, _ = io.WriteString(w, "next=/cb?k="+url.QueryEscape(s)+"&p="+url.PathEscape(s))
		case "/html":
			_, _ = io.WriteString(w, "<p>"+html.EscapeString(s)+"</p>")
		case "/headers":
			w.Header().Set("X-Echo", s)
			w.Header().Set("X-"+r.Header.Get("X-Name"), "1")
		case "/cut-store":
			// The store cap falls 5 bytes into the secret.
			_, _ = io.WriteString(w, pad(store-5)+s+pad(100))
		case "/cut-actual":
			// maxActual (200) falls 6 bytes into the secret.
			_, _ = io.WriteString(w, pad(maxActual-6)+s)
		case "/cut-reason":
			// A reason quotes 60 bytes of the actual: 4 of them the secret's.
			_, _ = io.WriteString(w, pad(56)+s)
		case "/cut-json-actual":
			w.Header().Set("Content-Type", "application/json")
			// The actual is the raw JSON, cut 6 bytes into the escaped secret.
			b, _ := json.Marshal(s)
			_, _ = io.WriteString(w, `{"v":"`+pad(maxActual-12)+string(b[1:])+"}")
		}
	}))
	t.Cleanup(srv.Close)

	mk := func(path string, asserts ...collection.Assertion) collection.Step {
		s := step(path, "GET", srv.URL+path+"?q=@<<secrets.k>>", asserts...)
		s.Headers = map[string]string{"X-Key": "@<<secrets.k>>", "X-Name": "@<<secrets.h>>"}
		s.ContinueOnFailure = true
		return s
	}
	tests := []struct {
		name string
		step collection.Step
	}{
		{"body", mk("/raw", as("text", "", "equals", "x"), as("text", "", "contains", "@<<secrets.h>>"))},
		{"HTML-escaped JSON", mk("/json", as("body", "k", "equals", "x"), as("body", "", "equals", "x"), as("text", "", "matches", "^x"))},
		{"percent-encoded", mk("/percent", as("text", "", "equals", "x"), as("text", "", "is_empty", ""))},
		{"HTML", mk("/html", as("text", "", "equals", "x"))},
		{"headers", mk("/headers", as("header", "x-echo", "equals", "x"), as("header", "x-absent", "exists", ""))},
		{"body cut at the store cap", mk("/cut-store")},
		{"actual cut short", mk("/cut-actual", as("text", "", "equals", "x"))},
		{"reason cut short", mk("/cut-reason", as("text", "", "contains", "zzz"), as("text", "", "not_exists", "")) /* "present (…)" */},
		{"not JSON, excerpt cut short", mk("/cut-actual", as("body", "v", "equals", "x"))},
		{"escaped actual cut short", mk("/cut-json-actual", as("body", "", "equals", "x"))},
		{"interpolation error excerpt", collection.Step{Name: "use", Method: "GET", URL: srv.URL + "/raw?x=@<<raw.body.v>>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &collection.Collection{
				Name:    "hostile",
				Secrets: map[string]string{"k": secret, "h": hsecret},
				Steps:   []collection.Step{tt.step},
			}
			if tt.step.Name == "use" {
				c.Steps = []collection.Step{mk("/cut-actual"), tt.step}
				c.Steps[0].Name = "raw"
			}
			var streamed []collection.StepResult
			out := newExec(t, Config{MaxBodyStore: store}).Run(t.Context(), c, func(r collection.StepResult) { streamed = append(streamed, r) })
			for what, v := range map[string]any{"outcome": out, "streamed steps": streamed} {
				raw, err := json.Marshal(v) // as stored: HTML-escaped
				if err != nil {
					t.Fatal(err)
				}
				var plain strings.Builder
				enc := json.NewEncoder(&plain)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(v); err != nil {
					t.Fatal(err)
				}
				for _, text := range []string{string(raw), plain.String()} {
					low := strings.ToLower(text)
					// Every cut leaves at least "Tok" and one more byte of the
					// secret (in some form), which must not survive.
					for _, leak := range []string{"tok", "headersecret"} {
						if strings.Contains(low, leak) {
							t.Errorf("the %s contains %q:\n%s", what, leak, text)
						}
					}
				}
				if !strings.Contains(plain.String(), collection.Redacted) {
					t.Errorf("nothing was redacted in the %s", what)
				}
			}
			last := out.Steps[len(out.Steps)-1]
			if len(last.Assertions) > 0 && last.Assertions[0].Actual == "" {
				t.Errorf("assertion stored without its actual value: %+v", last.Assertions[0])
			}
		})
	}
}

// Logs: a panic whose value quotes a secret is logged with it masked.
func TestPanicLogMasksSecrets(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, nil))
	c := &collection.Collection{Name: "t", Secrets: map[string]string{"k": secrettest.Value},
		Steps: []collection.Step{step("a", "GET", tg.URL+"/status/200")}}
	out := newExec(t, Config{Log: log}).Run(t.Context(), c, func(collection.StepResult) {
		panic(fmt.Sprintf("bad value %q", secrettest.Value))
	})
	if out.Status != collection.RunErrored || !strings.Contains(logged.String(), "run panicked") {
		t.Fatalf("run %s; log:\n%s", out.Status, logged.String())
	}
	if secrettest.Leaks(logged.String()) || !strings.Contains(logged.String(), collection.Redacted) {
		t.Errorf("the panic log shows the secret:\n%s", logged.String())
	}
}
