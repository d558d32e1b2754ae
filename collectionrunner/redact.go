package collectionrunner

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/catena-monitor/catena/internal/collection"
)

// maskedHeaders carry credentials whatever their value; their values are never stored.
var maskedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// redactor replaces every secret value, in the forms the runner itself may
// have written it (as is, JSON-escaped, percent-escaped), with collection.Redacted.
type redactor struct {
	r *strings.Replacer // nil: no secrets
}

func newRedactor(secrets map[string]string) *redactor {
	var forms []string
	for _, v := range secrets {
		if v == "" {
			continue
		}
		var js strings.Builder
		writeJSONEscaped(&js, v)
		// encoding/json (what many targets echo with) also escapes <, > and &.
		htmlJS := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(js.String())
		for _, f := range []string{v, js.String(), htmlJS, url.PathEscape(v), url.QueryEscape(v)} {
			if !slices.Contains(forms, f) {
				forms = append(forms, f)
			}
		}
	}
	if len(forms) == 0 {
		return &redactor{}
	}
	// Longest first, so a secret that contains another is replaced whole.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, collection.Redacted)
	}
	return &redactor{r: strings.NewReplacer(pairs...)}
}

// str redacts one string.
func (r *redactor) str(s string) string {
	if r == nil || r.r == nil || s == "" {
		return s
	}
	return r.r.Replace(s)
}

// maskValue hides a credential header's value, keeping an auth scheme word
// ("Bearer ••••") so a reader can still tell what kind of credential it was.
func maskValue(name, v string) string {
	if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") {
		if scheme, _, ok := strings.Cut(v, " "); ok && scheme != "" && len(scheme) <= 20 {
			return scheme + " " + collection.Redacted
		}
	}
	return collection.Redacted
}

func isMasked(name string) bool {
	for _, m := range maskedHeaders {
		if strings.EqualFold(m, name) {
			return true
		}
	}
	return false
}

// requestHeaders flattens and redacts the headers as sent.
func (r *redactor) requestHeaders(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		v := strings.Join(vs, ", ")
		if isMasked(k) {
			v = maskValue(k, v)
		} else {
			v = r.str(v)
		}
		out[k] = v
	}
	return out
}

// responseHeaders redacts response headers, copying them only when
// something needs hiding (the response itself is not kept elsewhere).
func (r *redactor) responseHeaders(h http.Header) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	if r == nil || r.r == nil {
		clean := true
		for _, m := range maskedHeaders {
			if _, ok := h[m]; ok {
				clean = false
			}
		}
		if clean {
			return h
		}
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			if isMasked(k) {
				c[i] = maskValue(k, v)
			} else {
				c[i] = r.str(v)
			}
		}
		out[k] = c
	}
	return out
}
