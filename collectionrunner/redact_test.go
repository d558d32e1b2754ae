package collectionrunner

import (
	"net/http"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := newRedactor(map[string]string{"a": `p@ss w/rd&"<`, "short": "pass", "empty": ""})
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
		if got := r.str(in); got != want {
			t.Errorf("redact(%q) = %q; want %q", in, got, want)
		}
	}
	var none *redactor
	if none.str("x") != "x" || newRedactor(nil).str("x") != "x" {
		t.Error("a redactor without secrets changed text")
	}
	h := r.requestHeaders(http.Header{"Authorization": {"Basic abc"}, "Proxy-Authorization": {"token"}, "Cookie": {"a=b"}, "X-Key": {"pass"}})
	if h["Authorization"] != "Basic "+R || h["Proxy-Authorization"] != R || h["Cookie"] != R || h["X-Key"] != R {
		t.Errorf("request headers %v", h)
	}
	rh := r.responseHeaders(http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-Echo": {"pass"}})
	if rh["Set-Cookie"][0] != R || rh["Set-Cookie"][1] != R || rh["X-Echo"][0] != R {
		t.Errorf("response headers %v", rh)
	}
}
