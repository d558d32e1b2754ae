package demoapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/demoapi"
)

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path, body string) (int, http.Header, map[string]any, int) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		c.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
	}
	return resp.StatusCode, resp.Header, m, len(raw)
}

func newServer(t *testing.T, cfg demoapi.Config) *client {
	t.Helper()
	srv := httptest.NewServer(demoapi.New(cfg))
	t.Cleanup(srv.Close)
	return &client{t: t, base: srv.URL}
}

func TestChainWalksTheWholeAPI(t *testing.T) {
	t.Parallel()
	c := newServer(t, demoapi.Config{})

	status, _, body, size := c.do("POST", "/login", `{"user":"demo","password":"demo-password"}`)
	if status != 200 || body["token"] == "" || body["token_type"] != "Bearer" {
		t.Fatalf("login: %d %v", status, body)
	}
	if size < 500 || size > 2000 {
		t.Errorf("login body is %d bytes; the benchmarks expect about 1 KB", size)
	}
	c.token = body["token"].(string)

	status, _, body, _ = c.do("GET", "/me", "")
	if status != 200 || body["username"] != "demo" || body["last_order"] != "" {
		t.Fatalf("me: %d %v", status, body)
	}

	status, hdr, order, size := c.do("POST", "/orders", `{"items":[{"sku":"A","name":"a","quantity":2,"unit_price":12.5},{"sku":"B","quantity":1,"unit_price":6.9}]}`)
	id, _ := order["id"].(string)
	if status != 201 || !strings.HasPrefix(id, "ord_") || hdr.Get("Location") != "/orders/"+id {
		t.Fatalf("create: %d %v %v", status, hdr, order)
	}
	if order["total"] != 39.24 { // (25 + 6.9) × 1.23 rounded to cents
		t.Errorf("total = %v, want 39.24", order["total"])
	}
	if size < 500 || size > 2000 {
		t.Errorf("order body is %d bytes; want about 1 KB", size)
	}

	status, _, got, _ := c.do("GET", "/orders/"+id, "")
	if status != 200 || got["id"] != id || got["total"] != order["total"] {
		t.Fatalf("get: %d %v", status, got)
	}
	status, _, receipt, _ := c.do("GET", "/orders/"+id+"/receipt", "")
	if status != 200 || receipt["state"] != "ready" || receipt["order_id"] != id {
		t.Fatalf("receipt: %d %v", status, receipt)
	}
	status, _, list, _ := c.do("GET", "/orders", "")
	if status != 200 || list["count"] != 1.0 {
		t.Fatalf("list: %d %v", status, list)
	}
	if _, _, me, _ := c.do("GET", "/me", ""); me["last_order"] != id {
		t.Errorf("me.last_order = %v, want %s", me["last_order"], id)
	}
	status, _, del, _ := c.do("DELETE", "/orders/"+id, "")
	if status != 200 || del["deleted"] != true {
		t.Fatalf("delete: %d %v", status, del)
	}
	status, _, gone, _ := c.do("GET", "/orders/"+id, "")
	if status != 404 || gone["error"] != "order_not_found" {
		t.Fatalf("after delete: %d %v", status, gone)
	}
}

func TestEndpointsNeedAValidToken(t *testing.T) {
	t.Parallel()
	c := newServer(t, demoapi.Config{})
	for _, path := range []string{"/me", "/orders", "/orders/ord_1", "/orders/ord_1/receipt"} {
		status, hdr, body, _ := c.do("GET", path, "")
		if status != 401 || body["error"] != "missing_token" || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s without token: %d %v", path, status, body)
		}
	}
	c.token = "demo_forged"
	if status, _, body, _ := c.do("GET", "/me", ""); status != 401 || body["error"] != "invalid_token" {
		t.Errorf("forged token: %d %v", status, body)
	}
}

func TestLoginRejectsBadInput(t *testing.T) {
	t.Parallel()
	c := newServer(t, demoapi.Config{})
	cases := []struct {
		body   string
		status int
		code   string
	}{
		{`{"user":"demo","password":"wrong"}`, 401, "invalid_credentials"},
		{`{"user":`, 400, "invalid_json"},
		{`{"user":"demo","password":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body_too_large"},
	}
	for _, tc := range cases {
		status, _, body, _ := c.do("POST", "/login", tc.body)
		if status != tc.status || body["error"] != tc.code {
			t.Errorf("login %.30q: %d %v, want %d %s", tc.body, status, body, tc.status, tc.code)
		}
	}
}

func TestTokensExpireAndSessionsAreBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	api := demoapi.New(demoapi.Config{TokenTTL: time.Minute, MaxSessions: 3, Now: func() time.Time { return now }})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c := &client{t: t, base: srv.URL}
	login := func() string {
		_, _, body, _ := c.do("POST", "/login", `{"user":"demo","password":"demo-password"}`)
		return body["token"].(string)
	}
	first := login()
	for range 5 {
		login()
	}
	if n := api.Sessions(); n != 3 {
		t.Errorf("%d sessions kept, want the bound 3", n)
	}
	c.token = first
	if status, _, _, _ := c.do("GET", "/me", ""); status != 401 {
		t.Errorf("evicted token answered %d, want 401", status)
	}
	c.token = login()
	now = now.Add(2 * time.Minute)
	if status, _, body, _ := c.do("GET", "/me", ""); status != 401 || body["error"] != "invalid_token" {
		t.Errorf("expired token: %d %v", status, body)
	}
	// Expired sessions are dropped by the next login, not kept until the bound.
	login()
	if n := api.Sessions(); n != 1 {
		t.Errorf("%d sessions kept after every older one expired, want 1", n)
	}
}

// A long-running demo API (make run keeps one up) stays bounded however many
// logins it serves.
func TestManyLoginsStayBounded(t *testing.T) {
	t.Parallel()
	api := demoapi.New(demoapi.Config{MaxSessions: 100})
	for range 5000 {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(`{"user":"demo","password":"demo-password"}`))
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("login answered %d: %s", rec.Code, rec.Body)
		}
	}
	if n := api.Sessions(); n != 100 {
		t.Errorf("%d sessions after 5000 logins, want the bound 100", n)
	}
}

func TestOrderValidation(t *testing.T) {
	t.Parallel()
	c := newServer(t, demoapi.Config{MaxOrders: 1})
	_, _, body, _ := c.do("POST", "/login", `{"user":"demo","password":"demo-password"}`)
	c.token = body["token"].(string)
	if status, _, b, _ := c.do("POST", "/orders", `{"items":[]}`); status != 422 {
		t.Errorf("empty order: %d %v", status, b)
	}
	if status, _, b, _ := c.do("POST", "/orders", `{"items":[{"sku":"","quantity":1}]}`); status != 422 || !strings.Contains(b["message"].(string), "items[0]") {
		t.Errorf("item without sku: %d %v", status, b)
	}
	ok := `{"items":[{"sku":"A","quantity":1,"unit_price":1}]}`
	if status, _, _, _ := c.do("POST", "/orders", ok); status != 201 {
		t.Fatalf("first order: %d", status)
	}
	if status, _, b, _ := c.do("POST", "/orders", ok); status != 409 {
		t.Errorf("order over the bound: %d %v", status, b)
	}
}

func TestChainCollectionIsValid(t *testing.T) {
	t.Parallel()
	c, err := collection.Parse(demoapi.ChainCollection, "chain.yaml")
	if err != nil {
		t.Fatalf("the example collection does not parse: %v", err)
	}
	n := 0
	for _, s := range c.Steps {
		n += len(s.Assertions)
	}
	if len(c.Steps) != 10 || n != 33 {
		t.Errorf("%d steps and %d assertions; the benchmarks describe 10 and 33", len(c.Steps), n)
	}
	c.Secrets = map[string]string{"password": demoapi.Password}
	if err := c.Validate(); err != nil {
		t.Errorf("with its secret: %v", err)
	}
}

func TestSlowAndPolledJobs(t *testing.T) {
	t.Parallel()
	c := newServer(t, demoapi.Config{})
	if status, _, body, _ := c.do("GET", "/slow?ms=20", ""); status != 200 || body["slept_ms"] != 20.0 {
		t.Errorf("slow: %d %v", status, body)
	}
	for _, q := range []string{"ms=-1", "ms=x", "ms=5001"} {
		if status, _, _, _ := c.do("GET", "/slow?"+q, ""); status != 400 {
			t.Errorf("slow?%s: %d, want 400", q, status)
		}
	}
	for i, want := range []string{"pending", "pending", "ready", "ready"} {
		if status, _, body, _ := c.do("GET", "/jobs/a?ready_after=3", ""); status != 200 || body["state"] != want || body["polls"] != float64(i+1) {
			t.Errorf("poll %d: %d %v; want %s", i+1, status, body, want)
		}
	}
	if _, _, body, _ := c.do("GET", "/jobs/b", ""); body["state"] != "pending" || body["polls"] != 1.0 {
		t.Errorf("another key shares the count: %v", body)
	}
	if status, _, _, _ := c.do("GET", "/jobs/a?ready_after=0", ""); status != 400 {
		t.Errorf("ready_after=0: %d, want 400", status)
	}
}
