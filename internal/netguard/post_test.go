package netguard

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPostThroughTheGuard(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Header.Get("X-Test"))
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("got  " + string(b) + "\n" + strings.Repeat("x", 8<<10)))
	}))
	t.Cleanup(srv.Close)

	resp, err := Post(t.Context(), NewClient(Config{}), srv.URL, []byte("hello"), http.Header{"X-Test": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusAccepted || resp.Header.Get("X-Seen") != "1" || len(resp.Body) != maxAnswer {
		t.Errorf("answer: %d %q, %d body bytes; want 202, header echoed, body capped at %d", resp.Status, resp.Header.Get("X-Seen"), len(resp.Body), maxAnswer)
	}
	if a := resp.Answer(); !strings.HasPrefix(a, "HTTP 202: got hello x") || len(a) > 320 {
		t.Errorf("Answer() = %.60q…; want one short line", a)
	}

	denied := NewClient(Config{Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	_, err = Post(t.Context(), denied, srv.URL, nil, nil)
	var be *BlockedError
	if !errors.As(err, &be) || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("denied loopback: err = %v; want a BlockedError that does not name the URL", err)
	}
	if hits.Load() != 1 {
		t.Errorf("the server saw %d requests; want 1 (the denied one never connects)", hits.Load())
	}

	if _, err := Post(t.Context(), NewClient(Config{}), "http://[::1", nil, nil); !errors.Is(err, ErrInvalidURL) {
		t.Errorf("unparsable URL: err = %v; want ErrInvalidURL", err)
	}
}

// A redirect that leaves the origin loses the credentials; one that stays keeps them.
func TestRedirectDropsCredentialsOffOrigin(t *testing.T) {
	t.Parallel()
	seen := make(chan http.Header, 4)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen <- r.Header.Clone() }))
	t.Cleanup(other.Close)
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/same" {
			seen <- r.Header.Clone()
			return
		}
		target := other.URL
		if r.URL.Query().Get("to") == "same" {
			target = "/same"
		}
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(first.Close)
	client := NewClient(Config{})
	for _, tc := range []struct {
		to   string
		kept bool
	}{{"other", false}, {"same", true}} {
		h := http.Header{"Authorization": {"Bearer t0ken"}, "Cookie": {"s=1"}}
		if _, err := Post(t.Context(), client, first.URL+"/?to="+tc.to, nil, h); err != nil {
			t.Fatal(err)
		}
		got := <-seen
		if (got.Get("Authorization") != "") != tc.kept || (got.Get("Cookie") != "") != tc.kept {
			t.Errorf("redirect to %s: Authorization %q, Cookie %q; want kept=%v", tc.to, got.Get("Authorization"), got.Get("Cookie"), tc.kept)
		}
	}
}

// The default redirect rule stops after MaxRedirects hops.
func TestRedirectHopCap(t *testing.T) {
	t.Parallel()
	var hops atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops.Add(1)
		http.Redirect(w, r, "/again", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	_, err := Post(t.Context(), NewClient(Config{}), srv.URL, nil, nil)
	if !errors.Is(err, ErrTooManyRedirects) || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("err = %v; want ErrTooManyRedirects without the URL", err)
	}
	if n := hops.Load(); n != MaxRedirects {
		t.Errorf("the server saw %d requests; want %d", n, MaxRedirects)
	}
}
