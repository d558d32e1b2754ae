package secret

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := NewRedactor(map[string]string{"a": `p@ss w/rd&"<`, "short": "pass", "empty": ""})
	R := collection.Redacted
	tests := map[string]string{
		`pw=p@ss w/rd&"<`:                  "pw=" + R,
		`{"pw":"p@ss w/rd&\"<"}`:           `{"pw":"` + R + `"}`,
		`{"pw":"p@ss w/rd\u0026\"\u003c"}`: `{"pw":"` + R + `"}`,
		"/x/p@ss%20w%2Frd&%22%3C":          "/x/" + R,
		"?q=p%40ss+w%2Frd%26%22%3C":        "?q=" + R,
		"password":                         R + "word", // the shorter secret too
		"nothing here":                     "nothing here",
		"":                                 "",
	}
	for in, want := range tests {
		if got := r.Redact(in); got != want {
			t.Errorf("redact(%q) = %q; want %q", in, got, want)
		}
	}
	var none *Redactor
	if none.Redact("x") != "x" || NewRedactor(nil).Redact("x") != "x" {
		t.Error("a redactor without secrets changed text")
	}
	h := r.RequestHeaders(http.Header{"Authorization": {"Basic abc"}, "Proxy-Authorization": {"token"}, "Cookie": {"a=b"}, "X-Key": {"pass"}})
	if h["Authorization"] != "Basic "+R || h["Proxy-Authorization"] != R || h["Cookie"] != R || h["X-Key"] != R {
		t.Errorf("request headers %v", h)
	}
	rh := r.ResponseHeaders(http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-Echo": {"pass"}})
	if rh["Set-Cookie"][0] != R || rh["Set-Cookie"][1] != R || rh["X-Echo"][0] != R {
		t.Errorf("response headers %v", rh)
	}
}

// Each form a target's encoder may give a secret is replaced.
func TestRedactorEncodedForms(t *testing.T) {
	t.Parallel()
	const secret = `Tok&<en>/v l"ü+9'😀`
	r := NewRedactor(map[string]string{"k": secret, "h": "HeaderSecret42"})
	R := collection.Redacted
	goJSON, err := json.Marshal(secret) // encoding/json: \u0026 \u003c \u003e
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, in, want string }{
		{"raw", "x " + secret + " y", "x " + R + " y"},
		{"encoding/json", `{"k":` + string(goJSON) + `}`, `{"k":"` + R + `"}`},
		{"upper-case hex", `"Tok\u0026\u003Cen\u003E/v l\"ü+9'😀"`, `"` + R + `"`},
		{"python ascii", `"Tok&<en>/v l\"\u00fc+9'\ud83d\ude00"`, `"` + R + `"`},
		{"php", `"Tok&<en>\/v l\"\u00fc+9'\ud83d\ude00"`, `"` + R + `"`},
		{".NET", `"Tok\u0026\u003Cen\u003E/v l\"\u00FC\u002B9\u0027\uD83D\uDE00"`, `"` + R + `"`},
		{"html", "<p>Tok&amp;&lt;en&gt;/v l&#34;ü+9&#39;😀</p>", "<p>" + R + "</p>"},
		{"query", "?q=" + url.QueryEscape(secret), "?q=" + R},
		{"query, %20", "?q=" + strings.ReplaceAll(url.QueryEscape(secret), "+", "%20"), "?q=" + R},
		{"query, lower hex", "?q=Tok%26%3cen%3e%2fv+l%22%c3%bc%2b9%27%f0%9f%98%80", "?q=" + R},
		{"path", "/" + url.PathEscape(secret), "/" + R},
		{"quoted encoding/json", strconv.Quote(`{"k":` + string(goJSON) + `}`), strconv.Quote(`{"k":"` + R + `"}`)},
		{"quoted, ends in a quote", strconv.Quote(`x` + `Tok&<en>/v l"ü+9'😀`), strconv.Quote("x" + R)},
		{"header name", "x-headersecret42, X-Headersecret42", "x-" + R + ", X-" + R},
		{"cut inside a secret", "abc Tok&<e…", "abc " + R + "…"},
		{"cut inside an escaped secret", `"abc Tok\u0026\u00…"`, `"abc ` + R + `…"`},
		{"cut inside a percent-encoded secret", "q=Tok%26%3Ce…", "q=" + R + "…"},
		{"cut after a short start", "abc Tok…", "abc Tok…"},
		{"cut elsewhere", "a Tok&<en>/v l\"ü+9'😀 b Head…", "a " + R + " b " + R + "…"},
		{"no cut", "abc Tok&<e", "abc Tok&<e"},
	}
	for _, tt := range tests {
		if got := r.Redact(tt.in); got != tt.want {
			t.Errorf("%s: redact(%q) = %q; want %q", tt.name, tt.in, got, tt.want)
		}
	}
	if got := r.MaskCut("body ends Tok&<en>/"); got != "body ends "+R {
		t.Errorf("maskCut = %q", got)
	}
	if h := r.ResponseHeaders(http.Header{"X-Headersecret42": {"1"}}); len(h["X-"+R]) != 1 {
		t.Errorf("a header named after a secret is stored as %v", h)
	}
}

// headersClean is true only when redacting the headers would change nothing.
func TestHeadersCleanMatchesResponseHeaders(t *testing.T) {
	t.Parallel()
	for _, secrets := range []map[string]string{nil, {"p": "hunter22"}} {
		r := NewRedactor(secrets)
		for _, h := range []http.Header{
			{"Content-Type": {"application/json"}, "X-A": {"1", "2"}},
			{"Set-Cookie": {"a=b"}},
			{"X-Echo": {"pw hunter22"}},
			{"X-Hunter22": {"1"}},
			{"X-Cut": {"hunt" + TruncMark}},
			{},
		} {
			want := r.redactHeaders(h)
			if r.headersClean(h) && !maps.EqualFunc(want, map[string][]string(h), slices.Equal) {
				t.Errorf("secrets %v: %v called clean, redacted it is %v", secrets, h, want)
			}
		}
	}
}
