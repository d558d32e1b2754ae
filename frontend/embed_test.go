package frontend

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	res := rec.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestHandlerServesBuild(t *testing.T) {
	t.Parallel()
	h := handler(fstest.MapFS{
		"index.html":      {Data: []byte("<html>app</html>")},
		"assets/app-1.js": {Data: []byte("console.log(1)")},
		"favicon.svg":     {Data: []byte("<svg/>")},
	})
	tests := []struct {
		name, method, path string
		code               int
		body, cache        string
	}{
		{"root is the app", "GET", "/", 200, "<html>app</html>", "no-cache"},
		{"client route falls back to the app", "GET", "/collections/3/edit", 200, "<html>app</html>", "no-cache"},
		{"hashed asset is cached", "GET", "/assets/app-1.js", 200, "console.log(1)", "public, max-age=31536000, immutable"},
		{"plain file", "GET", "/favicon.svg", 200, "<svg/>", ""},
		{"missing asset is a 404, not the app", "GET", "/assets/gone.js", 404, "404 page not found\n", ""},
		{"post is refused", "POST", "/", 405, "method not allowed\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, h, tt.method, tt.path)
			if res.StatusCode != tt.code || body != tt.body {
				t.Fatalf("%s %s = %d %q, want %d %q", tt.method, tt.path, res.StatusCode, body, tt.code, tt.body)
			}
			if got := res.Header.Get("Cache-Control"); tt.cache != "" && got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
		})
	}
}

func TestHandlerWithoutBuildExplains(t *testing.T) {
	t.Parallel()
	h := handler(fstest.MapFS{".gitkeep": {Data: nil}})
	for _, p := range []string{"/", "/monitors"} {
		res, body := get(t, h, "GET", p)
		if res.StatusCode != 200 || !strings.Contains(body, "built without the web interface") || !strings.Contains(body, "make frontend") {
			t.Fatalf("GET %s = %d %q, want the not-built page", p, res.StatusCode, body)
		}
	}
}

func TestEmbeddedHandlerAnswers(t *testing.T) {
	t.Parallel()
	// Whether or not the GUI was built, "/" answers with HTML.
	res, body := get(t, Handler(), "GET", "/")
	if res.StatusCode != 200 || !strings.Contains(strings.ToLower(body), "<html") {
		t.Fatalf("GET / = %d %q", res.StatusCode, body)
	}
}
