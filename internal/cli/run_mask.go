package cli

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret"
)

// secretResponseHeaders are response headers whose values are credentials: a
// session cookie a login sets, a token an API hands back in a header.
var secretResponseHeaders = []string{"Set-Cookie", "Authorization", "Proxy-Authorization"}

// minMaskedLen is the shortest value masked: masking "1" or "ok" wherever it
// occurs would hide the report, not a credential.
const minMaskedLen = 4

// maskOptions say what `catena run` hides from what it prints and writes
// (text, --json, --junit) beyond the secrets it was given.
type maskOptions struct {
	// sensitive are references (login.body.token, login.headers.x-session)
	// whose values, in this run's responses, are masked wherever they appear.
	sensitive []collection.Reference
	// allValues masks every value taken from a response: assertions' actual,
	// expected and target values (except for status and latency) and
	// response bodies.
	allValues bool
}

// parseSensitive reads the --sensitive flags: each a step reference written
// as in a collection, with or without @<< >>.
func parseSensitive(raw []string) ([]collection.Reference, error) {
	var out []collection.Reference
	for _, s := range raw {
		inner := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), collection.RefOpen), collection.RefClose)
		r, err := collection.ParseReference(inner)
		if err != nil {
			return nil, fmt.Errorf("--sensitive %q: %w", s, err)
		}
		if r.Kind != collection.RefStep || (r.Part != collection.PartBody && r.Part != collection.PartHeaders) {
			return nil, fmt.Errorf("--sensitive %q: name a response value, STEP.body.PATH or STEP.headers.NAME", s)
		}
		out = append(out, r)
	}
	return out, nil
}

// maskResults hides, in the results of one run, the values of secret-bearing
// response headers and of the sensitive references, wherever they appear (a
// token from a login response echoed in a later step's assertion), and with
// allValues every value read from a response.
func maskResults(r *fileResult, o maskOptions) {
	values := map[string]string{}
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) >= minMaskedLen {
			values[strconv.Itoa(len(values))] = v
		}
	}
	addCredential := func(v string) {
		add(v)
		for _, part := range strings.Split(v, ", ") { // joined repeated headers
			if cookie, _, _ := strings.Cut(part, ";"); strings.Contains(cookie, "=") {
				_, val, _ := strings.Cut(cookie, "=")
				add(val)
			}
			if _, cred, ok := strings.Cut(part, " "); ok {
				add(cred) // "Bearer xyz" → xyz
			}
		}
	}
	for i := range r.steps {
		s := &r.steps[i]
		if s.Response != nil {
			for name, vs := range s.Response.Headers {
				if !isSecretResponseHeader(name) {
					continue
				}
				for j, v := range vs {
					if v != "••••" {
						addCredential(v)
					}
					vs[j] = "••••"
				}
			}
		}
		// The stored headers are masked already, but an assertion on such a
		// header shows its value as actual.
		for k := range s.Assertions {
			a := &s.Assertions[k]
			if a.Source == collection.SourceHeader && isSecretResponseHeader(a.Property) && a.Actual != "" && a.Actual != "(absent)" {
				addCredential(a.Actual)
				a.Actual = "••••"
			}
		}
	}
	for _, ref := range o.sensitive {
		j := stepResultIndex(r.steps, ref.Step)
		if j < 0 || r.steps[j].Response == nil {
			continue
		}
		resp := r.steps[j].Response
		switch ref.Part {
		case collection.PartBody:
			if ref.Name == "" {
				add(resp.Body)
				continue
			}
			res := gjson.Get(resp.Body, ref.Name)
			if res.Exists() {
				add(res.String())
				add(res.Raw)
			}
		case collection.PartHeaders:
			for _, v := range http.Header(resp.Headers).Values(ref.Name) {
				add(v)
			}
		}
	}
	if len(values) > 0 {
		red := secret.NewRedactor(values)
		r.err = red.Redact(r.err)
		for i := range r.steps {
			red.StepResult(&r.steps[i])
		}
	}
	if o.allValues {
		for i := range r.steps {
			s := &r.steps[i]
			if s.Response != nil {
				s.Response.Body = ""
			}
			for k := range s.Assertions {
				a := &s.Assertions[k]
				if a.Source == collection.SourceStatus || a.Source == collection.SourceLatency {
					continue
				}
				// The target is shown interpolated, so it may hold an earlier
				// response's value too.
				for _, v := range []*string{&a.Actual, &a.Expected, &a.Target} {
					if *v != "" {
						*v = "••••"
					}
				}
				a.Reason = "(values hidden by --redact-values)"
			}
		}
	}
}

func isSecretResponseHeader(name string) bool {
	for _, h := range secretResponseHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// stepResultIndex finds a step by name, or by stepN (1-based) when no step
// has that name, as references do.
func stepResultIndex(steps []collection.StepResult, name string) int {
	for i, s := range steps {
		if s.Name == name {
			return i
		}
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(name, "step")); err == nil && strings.HasPrefix(name, "step") && n >= 1 && n <= len(steps) {
		return n - 1
	}
	return -1
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set adds one value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}
