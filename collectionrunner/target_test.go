package collectionrunner

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/andybalholm/brotli"
)

// target is a fake API for the runner's tests, on loopback only.
type target struct {
	*httptest.Server
	hits  atomic.Int32 // requests seen
	polls atomic.Int32
	mu    sync.Mutex
	seen  []http.Header // headers of /echo requests, in order
}

func newTarget(t *testing.T) *target {
	t.Helper()
	tg := &target{}
	tg.Server = httptest.NewServer(tg.mux())
	t.Cleanup(tg.Close)
	return tg
}

// newTargetOn starts a target on a given loopback address such as 127.0.0.2:0.
func newTargetOn(t *testing.T, addr string) *target {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s: %v", addr, err)
	}
	tg := &target{}
	tg.Server = httptest.NewUnstartedServer(tg.mux())
	_ = tg.Listener.Close()
	tg.Listener = l
	tg.Start()
	t.Cleanup(tg.Close)
	return tg
}

// newTLSServer is an httptest TLS server whose handshake errors (expected:
// the runner does not trust it) stay out of the test output.
func newTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (tg *target) mux() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ User, Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Password == "" {
			writeJSON(w, 400, map[string]string{"error": "bad login"})
			return
		}
		w.Header().Set("X-Request-Id", "req-42")
		w.Header().Set("Set-Cookie", "session=s3cr3t-cookie; HttpOnly")
		writeJSON(w, 200, map[string]any{"token": "tok-" + in.User, "id": 7, "user": map[string]any{"name": in.User, "roles": []string{"admin", "dev"}}})
	})
	m.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-ann" {
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		writeJSON(w, 200, map[string]any{"name": "ann", "roles": []string{"admin"}, "last_order": "o-1"})
	})
	m.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.seen = append(tg.seen, r.Header.Clone())
		tg.mu.Unlock()
		h := map[string]string{}
		for k := range r.Header {
			h[k] = r.Header.Get(k)
		}
		writeJSON(w, 200, map[string]any{"method": r.Method, "path": r.URL.EscapedPath(), "query": r.URL.RawQuery, "headers": h, "body": string(b)})
	})
	m.HandleFunc("GET /html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Service Unavailable</body></html>")
	})
	m.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
	})
	m.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	m.HandleFunc("GET /drip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte("{"))
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	m.HandleFunc("GET /deep", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bytes.Repeat([]byte("["), 8<<20)) // would overflow gjson's recursive validator
	})
	m.HandleFunc("GET /huge-headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Huge", strings.Repeat("h", 2<<20))
	})
	m.HandleFunc("GET /big/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		_, _ = w.Write(bytes.Repeat([]byte("x"), n))
	})
	m.HandleFunc("GET /gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gzipBomb())
	})
	m.HandleFunc("GET /enc/{enc}", func(w http.ResponseWriter, r *http.Request) {
		enc := r.PathValue("enc")
		body := []byte(`{"enc":"` + enc + `","ok":true}`)
		var buf bytes.Buffer
		switch enc {
		case "gzip":
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(body)
			_ = zw.Close()
		case "deflate":
			zw := zlib.NewWriter(&buf)
			_, _ = zw.Write(body)
			_ = zw.Close()
		case "br":
			bw := brotli.NewWriter(&buf)
			_, _ = bw.Write(body)
			_ = bw.Close()
		}
		w.Header().Set("Content-Encoding", enc)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(buf.Bytes())
	})
	m.HandleFunc("GET /corrupt/{enc}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", r.PathValue("enc"))
		_, _ = w.Write([]byte("\xff\xfe this is not compressed at all \x00\x01\x02"))
	})
	m.HandleFunc("GET /loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	m.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusTemporaryRedirect)
	})
	m.HandleFunc("GET /cut", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n%s", bytes.Repeat([]byte("a"), 500))
		_ = buf.Flush()
	})
	m.HandleFunc("GET /poll/{ready}", func(w http.ResponseWriter, r *http.Request) {
		ready, _ := strconv.Atoi(r.PathValue("ready"))
		n := tg.polls.Add(1)
		state := "pending"
		if int(n) >= ready {
			state = "ready"
		}
		writeJSON(w, 200, map[string]any{"state": state, "try": n})
	})
	return countHits(&tg.hits, m)
}

func countHits(n *atomic.Int32, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}

var (
	bombOnce sync.Once
	bomb     []byte
)

// gzipBomb is 20 MiB of zeros, gzip-compressed to about 20 KB.
func gzipBomb() []byte {
	bombOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zeros := make([]byte, 1<<20)
		for range 20 {
			_, _ = zw.Write(zeros)
		}
		_ = zw.Close()
		bomb = buf.Bytes()
	})
	return bomb
}
