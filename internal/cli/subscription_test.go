package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/secret"
)

// TestServeStreamsALiveRun runs `catena serve` (API and runner in one
// process) against a target whose steps each wait for the test. A browser
// session subscribes to runUpdated over graphql-transport-ws: every step must
// arrive on its own, in order, before the next is released, then the final
// state, then complete.
func TestServeStreamsALiveRun(t *testing.T) {
	t.Parallel()
	_, dbURL := dbtest.NewDBURL(t)
	base, _ := startServe(t, map[string]string{
		"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": secret.NewKey(), "CATENA_LOG_LEVEL": "error",
		"CATENA_ADMIN_EMAIL": "ops@example.com", "CATENA_ADMIN_PASSWORD": "a long password",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	names := []string{"login", "profile", "logout"}
	gates := make([]chan struct{}, len(names))
	for i := range gates {
		gates[i] = make(chan struct{})
	}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/step/%d", &i); err != nil || i < 0 || i >= len(gates) {
			http.NotFound(w, r)
			return
		}
		select {
		case <-gates[i]:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"step": %d}`, i)
	}))
	t.Cleanup(target.Close)
	t.Cleanup(func() { // never leave the runner blocked on a gate
		for _, g := range gates {
			select {
			case <-g:
			default:
				close(g)
			}
		}
	})

	gql, jar := browser(t, base)
	gql(`mutation { login(email: "ops@example.com", password: "a long password") { id } }`, nil)
	steps := []map[string]any{}
	for i, n := range names {
		steps = append(steps, map[string]any{
			"name": n, "method": "GET", "url": fmt.Sprintf("%s/step/%d", target.URL, i), "timeoutMs": 30000,
			"assertions": []map[string]any{{"source": "BODY", "property": "step", "comparison": "EQUALS", "target": fmt.Sprint(i)}},
		})
	}
	c := gql(`mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": map[string]any{"name": "live", "steps": steps}})
	r := gql(`mutation($id: ID!) { runCollection(id: $id) { id status } }`, map[string]any{"id": c["createCollection"].(map[string]any)["id"]})
	run := r["runCollection"].(map[string]any)
	if run["status"] != "QUEUED" {
		t.Fatalf("runCollection: %v", run)
	}

	// The websocket authenticates with the session cookie from the page's origin.
	u, _ := url.Parse(base)
	h := http.Header{"Origin": {base}}
	for _, ck := range jar.Cookies(u) {
		h.Add("Cookie", ck.String())
	}
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ws.CloseNow() }()
	type msg struct {
		Type    string
		Payload json.RawMessage
	}
	read := func() msg {
		t.Helper()
		for {
			var m msg
			if err := wsjson.Read(ctx, ws, &m); err != nil {
				t.Fatalf("reading the websocket: %v", err)
			}
			if m.Type != "ping" && m.Type != "pong" {
				return m
			}
		}
	}
	type state struct {
		Status string
		Steps  []struct {
			Position     int
			Name, Status string
		}
	}
	readState := func() (state, string) {
		t.Helper()
		m := read()
		if m.Type != "next" {
			return state{}, m.Type
		}
		var p struct {
			Data struct{ RunUpdated state }
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		return p.Data.RunUpdated, m.Type
	}
	if err := wsjson.Write(ctx, ws, map[string]any{"type": "connection_init"}); err != nil {
		t.Fatal(err)
	}
	if m := read(); m.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %+v", m)
	}
	if err := wsjson.Write(ctx, ws, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($id: ID!) { runUpdated(id: $id) { status steps { position name status } } }`, "variables": map[string]any{"id": run["id"]},
	}}); err != nil {
		t.Fatal(err)
	}
	if s, typ := readState(); typ != "next" || len(s.Steps) != 0 {
		t.Fatalf("first message: %s %+v", typ, s)
	}
	var final state
	for i := range names {
		close(gates[i])
		for {
			s, typ := readState()
			if typ != "next" {
				t.Fatalf("stream ended (%s) before step %d arrived", typ, i)
			}
			if len(s.Steps) > i+1 {
				t.Fatalf("step %d arrived before it was released: %+v", i+1, s.Steps)
			}
			for j, st := range s.Steps {
				if st.Position != j || st.Name != names[j] || st.Status != "PASSED" {
					t.Fatalf("steps out of order or failed: %+v", s.Steps)
				}
			}
			if len(s.Steps) == i+1 {
				final = s
				break
			}
		}
	}
	for final.Status != "PASSED" { // the last step and the final state may come apart
		s, typ := readState()
		if typ != "next" {
			t.Fatalf("stream ended (%s) before the final state", typ)
		}
		final = s
	}
	if len(final.Steps) != len(names) {
		t.Fatalf("final state %+v", final)
	}
	if m := read(); m.Type != "complete" {
		t.Fatalf("want complete after the final state, got %+v", m)
	}
}
