package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/catena-monitor/catena/internal/collection"
)

// wsMessage is one graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dialWS opens a graphql-transport-ws connection and sends connection_init.
func (e *env) dialWS(ctx context.Context, origin string, init map[string]any) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h,
	})
	if err != nil {
		return nil, resp, err
	}
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": init}); err != nil {
		return nil, resp, err
	}
	return c, resp, nil
}

// next reads until a message other than a keepalive arrives.
func next(ctx context.Context, t *testing.T, c *websocket.Conn) wsMessage {
	t.Helper()
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, c, &m); err != nil {
			t.Fatalf("reading the websocket: %v", err)
		}
		if m.Type != "ping" && m.Type != "pong" && m.Type != "ka" {
			return m
		}
	}
}

// TestRunUpdatedFollowsProgressNotifications plays the runner's part by hand:
// it starts the run, records each step and publishes the progress payload on
// catena_run_progress the way runners do, then finishes the run. The
// subscriber must see the current state, each step as it is published, in
// order, the final state whole, then complete. (internal/cli's serve test runs
// the same flow with the real runner in process.)
func TestRunUpdatedFollowsProgressNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	names := []string{"login", "profile", "logout"}
	in := map[string]any{"name": "live", "steps": []map[string]any{}}
	for _, n := range names {
		in["steps"] = append(in["steps"].([]map[string]any), map[string]any{"name": n, "method": "GET", "url": "http://127.0.0.1:9/" + n})
	}
	editor := e.tokens[collection.RoleEditor]
	var created struct{ CreateCollection struct{ ID string } }
	e.mustPost(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": in}, &created)
	var queued struct{ RunCollection struct{ ID, Status string } }
	e.mustPost(editor, `mutation($id: ID!) { runCollection(id: $id) { id status } }`, map[string]any{"id": created.CreateCollection.ID}, &queued)
	runID := mustID[collection.RunID](t, queued.RunCollection.ID)

	c, _, err := e.dialWS(ctx, "", map[string]any{"Authorization": "Bearer " + e.tokens[collection.RoleViewer]})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.CloseNow() }()
	if m := next(ctx, t, c); m.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %+v", m)
	}
	read := subscribeRun(ctx, t, c, "1", queued.RunCollection.ID)

	if u, typ := read(); typ != "next" || u.Status != "QUEUED" || len(u.Steps) != 0 {
		t.Fatalf("first message %s %+v", typ, u)
	}
	notify := func(db interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}, status string, n int, extra ...map[string]any) {
		steps := make([]map[string]any, n)
		for i := range n {
			steps[i] = map[string]any{"position": i, "name": names[i], "status": "passed", "latency_ms": 10 * (i + 1), "error": "",
				"method": "GET", "url": "http://127.0.0.1:9/" + names[i], "http_status": 200, "tries": 1}
		}
		steps = append(steps, extra...)
		payload, _ := json.Marshal(map[string]any{"run_id": runID, "attempt": 1, "status": status, "steps": steps})
		if _, err := db.Exec(ctx, "SELECT pg_notify('catena_run_progress', $1)", string(payload)); err != nil {
			t.Fatal(err)
		}
	}
	result := func(i int) collection.StepResult {
		return collection.StepResult{
			RunID: runID, Attempt: 1, Position: i, Name: names[i], Status: collection.StepPassed,
			Request:   collection.RequestRecord{Method: "GET", URL: "http://127.0.0.1:9/" + names[i]},
			Response:  &collection.ResponseRecord{Status: 200, Body: "{}"},
			Timings:   collection.Timings{Total: time.Duration(10*(i+1)) * time.Millisecond},
			StartedAt: time.Now(),
			Assertions: []collection.AssertionResult{{Assertion: collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"},
				Expected: "200", Actual: "200", Passed: true, Reason: "status 200 equals 200"}},
		}
	}

	if _, err := e.store.StartRun(ctx, runID, 1, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	notify(e.pool, "running", 0)
	if u, typ := read(); typ != "next" || u.Status != "RUNNING" || len(u.Steps) != 0 {
		t.Fatalf("running: %s %+v", typ, u)
	}
	for i := range names {
		if i == 2 {
			// A polling step between tries streams its attempt, request and status.
			notify(e.pool, "running", i, map[string]any{"position": i, "name": names[i], "status": "running", "latency_ms": 4.5,
				"error": "attempt 2 of 5 did not hold", "method": "GET", "url": "http://127.0.0.1:9/logout", "http_status": 503, "tries": 2})
			u, typ := read()
			if typ != "next" || len(u.Steps) != 3 {
				t.Fatalf("running step: %s %+v", typ, u)
			}
			if s := u.Steps[2]; s.Status != "RUNNING" || s.Tries != 2 || s.Request.Method != "GET" || s.Request.URL != "http://127.0.0.1:9/logout" ||
				s.Response == nil || s.Response.Status != 503 || s.Timings.TotalMs != 4.5 || s.Error != "attempt 2 of 5 did not hold" {
				t.Fatalf("running step: %+v", s)
			}
		}
		if err := e.store.RecordSteps(ctx, runID, 1, []collection.StepResult{result(i)}); err != nil {
			t.Fatal(err)
		}
		notify(e.pool, "running", i+1)
		u, typ := read()
		if typ != "next" || u.Status != "RUNNING" || len(u.Steps) != i+1 {
			t.Fatalf("after step %d: %s %+v", i, typ, u)
		}
		for j, s := range u.Steps {
			if s.Position != j || s.Name != names[j] || s.Status != "PASSED" || s.Timings.TotalMs != float64(10*(j+1)) ||
				s.Tries != 1 || s.Request.Method != "GET" || s.Request.URL != "http://127.0.0.1:9/"+names[j] || s.Response == nil || s.Response.Status != 200 {
				t.Fatalf("steps out of order: %+v", u.Steps)
			}
		}
	}
	// The final state is written and announced in one transaction.
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.FinishRun(ctx, tx, collection.FinishRunParams{ID: runID, Attempt: 1, Status: collection.RunPassed, FinishedAt: time.Now(), Duration: 60 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	notify(tx, "passed", len(names))
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	final, typ := read()
	if typ != "next" || final.Status != "PASSED" || len(final.Steps) != len(names) || final.DurationMs != 60 {
		t.Fatalf("final: %s %+v", typ, final)
	}
	if a := final.Steps[2].Assertions; len(a) != 1 || a[0].Actual != "200" || !a[0].Passed {
		t.Fatalf("the final state is not whole: %+v", final.Steps[2])
	}
	if m := next(ctx, t, c); m.Type != "complete" {
		t.Fatalf("want complete after the final state, got %+v", m)
	}
	// Subscribing to a finished run sends its state and completes.
	read = subscribeRun(ctx, t, c, "2", queued.RunCollection.ID)
	if u, typ := read(); typ != "next" || u.Status != "PASSED" {
		t.Fatalf("finished run: %s %+v", typ, u)
	}
	if m := next(ctx, t, c); m.Type != "complete" {
		t.Fatalf("want complete, got %+v", m)
	}
}

type liveRun struct {
	ID         string
	Status     string
	DurationMs int
	Steps      []struct {
		Position   int
		Name       string
		Status     string
		Error      string
		Tries      int
		Request    struct{ Method, URL string }
		Response   *struct{ Status int }
		Timings    struct{ TotalMs float64 }
		Assertions []struct {
			Actual string
			Passed bool
		}
	}
}

// subscribeRun starts runUpdated(id) as operation opID and returns a reader of
// its events.
func subscribeRun(ctx context.Context, t *testing.T, c *websocket.Conn, opID, id string) func() (liveRun, string) {
	t.Helper()
	if err := wsjson.Write(ctx, c, map[string]any{"id": opID, "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($id: ID!) { runUpdated(id: $id) { id status durationMs steps { position name status error tries request { method url } response { status } timings { totalMs } assertions { actual passed } } } }`,
		"variables": map[string]any{"id": id},
	}}); err != nil {
		t.Fatal(err)
	}
	return func() (liveRun, string) {
		t.Helper()
		m := next(ctx, t, c)
		if m.Type != "next" {
			return liveRun{}, m.Type
		}
		var p struct {
			Data   struct{ RunUpdated liveRun }
			Errors []gqlError
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
			t.Fatalf("payload %s: %v %+v", m.Payload, err, p.Errors)
		}
		return p.Data.RunUpdated, m.Type
	}
}

func TestWebsocketRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// No credentials: the connection is closed instead of acknowledged.
	c, _, err := e.dialWS(ctx, "", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	var m wsMessage
	for err == nil { // read until the close, past any error message
		if err = wsjson.Read(ctx, c, &m); err == nil && m.Type == "connection_ack" {
			t.Fatal("an anonymous websocket was acknowledged")
		}
	}
	if code := websocket.CloseStatus(err); code != 4403 {
		t.Fatalf("anonymous websocket closed with %d (%v), want 4403", code, err)
	}
	_ = c.CloseNow()

	// A revoked-looking token is refused the same way.
	c, _, err = e.dialWS(ctx, "", map[string]any{"Authorization": "Bearer cat_notarealtokennotarealtoken"})
	if err != nil {
		t.Fatal(err)
	}
	if err := wsjson.Read(ctx, c, &m); err == nil && m.Type == "connection_ack" {
		t.Fatal("an unknown token was acknowledged")
	}
	_ = c.CloseNow()

	// Another site's page cannot open a websocket with the user's cookie.
	cookie, _ := e.login("viewer@example.com", testPassword)
	h := http.Header{"Origin": {"https://evil.example"}}
	h.Set("Cookie", cookie.String())
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin websocket: err %v, resp %v", err, resp)
	}
	// The same cookie from the page's own origin works.
	h.Set("Origin", e.srv.URL)
	c, _, err = websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.CloseNow() }()
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init"}); err != nil {
		t.Fatal(err)
	}
	if m := next(ctx, t, c); m.Type != "connection_ack" {
		t.Fatalf("same-origin cookie websocket: %+v", m)
	}
}
