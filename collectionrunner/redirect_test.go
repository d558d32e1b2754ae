package collectionrunner

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// After redirects the stored request is the last one sent (a POST answered
// 302 became a GET without a body), with the chain before it.
func TestRunRecordsRedirectChain(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+string(b))
		mu.Unlock()
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/middle?token=s3cr3t", http.StatusFound)
		case "/middle":
			http.Redirect(w, r, "/end", http.StatusTemporaryRedirect)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}))
	t.Cleanup(srv.Close)

	s := step("order", "POST", srv.URL+"/start", as("status", "", "equals", "200"))
	s.Body = `{"sku": "A-1"}`
	c := &collection.Collection{Name: "t", Secrets: map[string]string{"tok": "s3cr3t"}, Steps: []collection.Step{s}}
	out := newExec(t, Config{}).Run(t.Context(), c, nil)
	if out.Status != collection.RunPassed {
		t.Fatalf("%s: %s", out.Status, out.Steps[0].Error)
	}
	rec := out.Steps[0].Request
	if rec.Method != "GET" || rec.URL != srv.URL+"/end" || rec.Body != "" {
		t.Errorf("request record %s %s body %q; want the last request: GET %s/end without a body", rec.Method, rec.URL, rec.Body, srv.URL)
	}
	want := []collection.Redirect{
		{Method: "POST", URL: srv.URL + "/start", Status: 302},
		{Method: "GET", URL: srv.URL + "/middle?token=••••", Status: 307},
	}
	if len(rec.Redirects) != len(want) {
		t.Fatalf("redirects %+v; want %+v", rec.Redirects, want)
	}
	for i := range want {
		if rec.Redirects[i] != want[i] {
			t.Errorf("redirect %d: %+v; want %+v (secrets masked)", i, rec.Redirects[i], want[i])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 || got[0] != `POST /start {"sku": "A-1"}` || got[2] != "GET /end " {
		t.Errorf("the target saw %q", got)
	}

	// Without a redirect the record is the request as sent, with no chain.
	plain := newExec(t, Config{}).Run(t.Context(), oneStep(srv.URL+"/end"), nil)
	if r := plain.Steps[0].Request; r.Method != "GET" || r.URL != srv.URL+"/end" || r.Redirects != nil {
		t.Errorf("plain request record %+v", r)
	}
}
