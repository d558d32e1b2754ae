package secret

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// Every encoding of the hostile secret is masked, whole and cut short.
func TestRedactorMasksEveryEncoding(t *testing.T) {
	t.Parallel()
	r := NewRedactor(map[string]string{"k": secrettest.Value})
	for name, form := range secrettest.Encodings(secrettest.Value) {
		for what, in := range map[string]string{
			"whole": "before " + form + " after",
			"cut":   "before " + form[:len(form)/2] + TruncMark,
		} {
			if got := r.Redact(in); secrettest.Leaks(got) || !strings.Contains(got, collection.Redacted) {
				t.Errorf("%s, %s: Redact(%q) = %q", name, what, in, got)
			}
		}
	}
}

// Logs: a slog handler wrapped by Handler and writing through Writer (as the
// CLI's log is) never prints a secret, in text or JSON, whatever encoding the
// logged value was in, including one the handler escapes once more.
func TestWriterRedactsLogs(t *testing.T) {
	t.Parallel()
	r := NewRedactor(map[string]string{"k": secrettest.Value})
	for _, format := range []string{"text", "json"} {
		var out bytes.Buffer
		w := r.Writer(&out)
		var h slog.Handler = slog.NewTextHandler(w, nil)
		if format == "json" {
			h = slog.NewJSONHandler(w, nil)
		}
		log := slog.New(r.Handler(h)).With("collection", "c "+secrettest.Value)
		for _, name := range secrettest.Names() {
			form := secrettest.Encodings(secrettest.Value)[name]
			log.Warn("target answered "+form, "encoding", name, "body", "v="+form,
				slog.Group("step", "error", errors.New("dial "+form)))
		}
		if secrettest.Leaks(out.String()) || strings.Count(out.String(), "\n") != len(secrettest.Names()) {
			t.Errorf("%s log shows the secret or lost lines:\n%s", format, out.String())
		}
	}
}

// StepResult masks every field a printed or stored step shows.
func TestStepResultMasksEveryField(t *testing.T) {
	t.Parallel()
	r := NewRedactor(map[string]string{"k": secrettest.Value})
	for name, f := range secrettest.Encodings(secrettest.Value) {
		s := collection.StepResult{
			Name: "s " + f, Error: "e " + f,
			Request:    collection.RequestRecord{URL: "http://x/?k=" + f, Body: f, Headers: map[string]string{"X-" + f: f, "Authorization": "Bearer abc"}},
			Response:   &collection.ResponseRecord{Body: f, Headers: map[string][]string{"X-Echo": {f}}},
			Assertions: []collection.AssertionResult{{Assertion: collection.Assertion{Property: f, Target: f}, Expected: f, Actual: f, Reason: f}},
		}
		r.StepResult(&s)
		var all strings.Builder
		all.WriteString(s.Name + s.Error + s.Request.URL + s.Request.Body + s.Response.Body)
		for k, v := range s.Request.Headers {
			all.WriteString(k + v)
		}
		for k, vs := range s.Response.Headers {
			all.WriteString(k + strings.Join(vs, ""))
		}
		a := s.Assertions[0]
		all.WriteString(a.Property + a.Target + a.Expected + a.Actual + a.Reason)
		if secrettest.Leaks(all.String()) || strings.Contains(all.String(), "abc") {
			t.Errorf("%s: a field still shows the secret: %+v", name, s)
		}
	}
}
