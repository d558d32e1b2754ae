// Package demoapi is a small chained API that Catena's quick start, tests and
// benchmarks run collections against: POST /login returns a bearer token, and
// every other endpoint (GET /me, POST /orders, GET /orders, GET /orders/{id},
// GET /orders/{id}/receipt, DELETE /orders/{id}) requires it. Responses are
// realistic JSON documents of about 1 KB. GET /slow and GET /jobs/{key} need
// no token: a slow answer and a job to poll, for live progress and retries.
// State lives in memory and is bounded.
package demoapi

import (
	"cmp"
	"crypto/rand"
	_ "embed" // the example collection
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Demo credentials, printed by `catena demo-api` and used by the example collection.
const (
	User     = "demo"
	Password = "demo-password"
)

// ChainCollection is a 10-step collection (33 assertions) that walks the whole
// API: login → me → create, read, list, receipt, delete orders. It expects the
// variable base (the API's URL) and the secret password.
//
//go:embed chain.yaml
var ChainCollection []byte

// Config tunes the API; the zero value is ready to use.
type Config struct {
	// TokenTTL is how long a token stays valid (default 1h).
	TokenTTL time.Duration
	// MaxSessions bounds the live tokens kept in memory (default 10,000, ten
	// times what 1,000 runs in flight need); the oldest are dropped first.
	MaxSessions int
	// MaxOrders bounds the orders one session may hold (default 100).
	MaxOrders int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// API is the demo API's state and handler.
type API struct {
	cfg      Config
	mux      *http.ServeMux
	mu       sync.Mutex
	sessions map[string]*session
	order    []string // tokens in creation order, for eviction
	nextID   atomic.Int64
	jobs     map[string]int // GET /jobs/{key}: polls so far per key
}

type session struct {
	token   string
	expires time.Time
	mu      sync.Mutex
	orders  map[string]*order
	last    string // id of the most recent order
}

// New returns the demo API.
func New(cfg Config) *API {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 10_000
	}
	if cfg.MaxOrders <= 0 {
		cfg.MaxOrders = 100
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &API{cfg: cfg, mux: http.NewServeMux(), sessions: map[string]*session{}, jobs: map[string]int{}}
	a.nextID.Store(1000)
	a.mux.HandleFunc("GET /{$}", a.index)
	a.mux.HandleFunc("POST /login", a.login)
	a.mux.HandleFunc("GET /me", a.auth(a.me))
	a.mux.HandleFunc("POST /orders", a.auth(a.createOrder))
	a.mux.HandleFunc("GET /orders", a.auth(a.listOrders))
	a.mux.HandleFunc("GET /orders/{id}", a.auth(a.getOrder))
	a.mux.HandleFunc("GET /orders/{id}/receipt", a.auth(a.receipt))
	a.mux.HandleFunc("DELETE /orders/{id}", a.auth(a.deleteOrder))
	a.mux.HandleFunc("GET /slow", a.slow)
	a.mux.HandleFunc("GET /jobs/{key}", a.job)
	return a
}

// ServeHTTP makes the API an http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Sessions reports how many tokens are live, for tests of the bound.
func (a *API) Sessions() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sessions)
}

// maxRequestBody bounds what any endpoint reads.
const maxRequestBody = 64 << 10

type problem struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Request-Id", requestID())
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="catena-demo"`)
	}
	writeJSON(w, status, problem{Error: code, Message: msg, Status: status})
}

func requestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (a *API) index(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"name": "catena demo API",
		"endpoints": []string{
			"POST /login", "GET /me", "POST /orders", "GET /orders", "GET /orders/{id}",
			"GET /orders/{id}/receipt", "DELETE /orders/{id}", "GET /slow?ms=", "GET /jobs/{key}?ready_after=",
		},
		"help": "log in with the user and password printed by `catena demo-api --help`",
	})
}

// Bounds of the no-token endpoints.
const (
	maxSlow = 5 * time.Second
	maxJobs = 1000
)

// slow answers after ms milliseconds (at most maxSlow), or when the client goes.
func (a *API) slow(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("ms"), "500"))
	if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxSlow {
		fail(w, http.StatusBadRequest, "invalid_ms", fmt.Sprintf("ms must be a whole number from 0 to %d", maxSlow.Milliseconds()))
		return
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-r.Context().Done():
		return
	case <-t.C:
	}
	writeJSON(w, http.StatusOK, map[string]any{"slept_ms": ms, "request_id": requestID()})
}

// job is a job to poll: its state is "pending" until it has been polled
// ready_after times (default 3), then "ready". Keys are forgotten when
// maxJobs are kept.
func (a *API) job(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("ready_after"), "3"))
	if err != nil || after < 1 {
		fail(w, http.StatusBadRequest, "invalid_ready_after", "ready_after must be a whole number of polls, at least 1")
		return
	}
	key := r.PathValue("key")
	a.mu.Lock()
	if _, ok := a.jobs[key]; !ok && len(a.jobs) >= maxJobs {
		clear(a.jobs)
	}
	a.jobs[key]++
	polls := a.jobs[key]
	a.mu.Unlock()
	state := "pending"
	if polls >= after {
		state = "ready"
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": key, "state": state, "polls": polls, "ready_after": after})
}

type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	TokenType string    `json:"token_type"`
	ExpiresIn int       `json:"expires_in"`
	ExpiresAt time.Time `json:"expires_at"`
	Scope     []string  `json:"scope"`
	User      profile   `json:"user"`
	Session   struct {
		ID        string `json:"id"`
		Client    string `json:"client"`
		IP        string `json:"ip"`
		CreatedAt string `json:"created_at"`
	} `json:"session"`
	Links map[string]string `json:"links"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decode(w, r, &req) {
		return
	}
	if req.User != User || req.Password != Password {
		fail(w, http.StatusUnauthorized, "invalid_credentials", "user or password is wrong")
		return
	}
	now := a.cfg.Now()
	s := &session{token: newToken(), expires: now.Add(a.cfg.TokenTTL), orders: map[string]*order{}}
	a.addSession(s, now)
	resp := loginResponse{
		Token:     s.token,
		TokenType: "Bearer",
		ExpiresIn: int(a.cfg.TokenTTL / time.Second),
		ExpiresAt: s.expires.UTC().Truncate(time.Second),
		Scope:     []string{"orders:read", "orders:write", "profile:read"},
		User:      demoProfile(""),
		Links:     map[string]string{"me": "/me", "orders": "/orders"},
	}
	resp.Session.ID = s.token[:12]
	resp.Session.Client = r.UserAgent()
	resp.Session.IP = strings.Split(r.RemoteAddr, ":")[0]
	resp.Session.CreatedAt = now.UTC().Format(time.RFC3339)
	writeJSON(w, http.StatusOK, resp)
}

func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "demo_" + hex.EncodeToString(b[:])
}

// addSession stores s, first dropping expired sessions and then the oldest ones
// when the bound is reached. Sessions are kept in creation order and share one
// TTL, so the oldest is always the first to expire: eviction only ever looks at
// the front, and a login costs the same with 10 or 10,000 live sessions.
func (a *API) addSession(s *session, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for len(a.order) > 0 {
		old, ok := a.sessions[a.order[0]]
		if ok && now.Before(old.expires) && len(a.sessions) < a.cfg.MaxSessions {
			break
		}
		delete(a.sessions, a.order[0])
		a.order[0] = ""
		a.order = a.order[1:]
	}
	a.sessions[s.token] = s
	a.order = append(a.order, s.token)
}

// auth wraps a handler that needs a valid bearer token.
func (a *API) auth(next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			fail(w, http.StatusUnauthorized, "missing_token", "send Authorization: Bearer TOKEN (from POST /login)")
			return
		}
		a.mu.Lock()
		s := a.sessions[token]
		a.mu.Unlock()
		if s == nil || !a.cfg.Now().Before(s.expires) {
			fail(w, http.StatusUnauthorized, "invalid_token", "the token is unknown or expired; log in again")
			return
		}
		next(w, r, s)
	}
}

type profile struct {
	ID          int               `json:"id"`
	Username    string            `json:"username"`
	Email       string            `json:"email"`
	DisplayName string            `json:"display_name"`
	Roles       []string          `json:"roles"`
	Locale      string            `json:"locale"`
	TimeZone    string            `json:"time_zone"`
	Plan        string            `json:"plan"`
	Verified    bool              `json:"verified"`
	LastOrder   string            `json:"last_order"`
	Preferences map[string]string `json:"preferences"`
	Address     address           `json:"address"`
	Billing     address           `json:"billing_address"`
	Org         organization      `json:"organization"`
	Permissions []string          `json:"permissions"`
	AvatarURL   string            `json:"avatar_url"`
	CreatedAt   string            `json:"created_at"`
}

type organization struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Slug  string `json:"slug"`
	Seats int    `json:"seats"`
}

type address struct {
	Line1      string `json:"line1"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

func demoProfile(last string) profile {
	return profile{
		ID: 42, Username: User, Email: "demo@example.com", DisplayName: "Demo User",
		Roles: []string{"customer", "beta"}, Locale: "en-GB", TimeZone: "Europe/London",
		Plan: "team", Verified: true, LastOrder: last,
		Preferences: map[string]string{"currency": "EUR", "newsletter": "weekly", "theme": "dark"},
		Address:     address{Line1: "1 Chain Street", City: "Lisbon", PostalCode: "1100-148", Country: "PT"},
		Billing:     address{Line1: "Rua do Ouro 200", City: "Lisbon", PostalCode: "1100-063", Country: "PT"},
		Org:         organization{ID: 7, Name: "Demo Cycling Co.", Slug: "demo-cycling", Seats: 25},
		Permissions: []string{"orders:read", "orders:write", "profile:read", "profile:write", "receipts:read"},
		AvatarURL:   "https://avatars.example.com/u/42.png?size=128",
		CreatedAt:   "2024-03-14T09:26:53Z",
	}
}

func (a *API) me(w http.ResponseWriter, _ *http.Request, s *session) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		profile
		Stats map[string]int `json:"stats"`
	}{demoProfile(last), map[string]int{"orders": 17, "returns": 1, "reviews": 4}})
}

type item struct {
	SKU       string  `json:"sku"`
	Name      string  `json:"name"`
	Quantity  int     `json:"quantity"`
	UnitPrice float64 `json:"unit_price"`
}

type order struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Items     []item    `json:"items"`
	Currency  string    `json:"currency"`
	Subtotal  float64   `json:"subtotal"`
	Tax       float64   `json:"tax"`
	Total     float64   `json:"total"`
	Shipping  address   `json:"shipping"`
	Customer  customer  `json:"customer"`
	Payment   payment   `json:"payment"`
	Delivery  delivery  `json:"delivery"`
	Billing   address   `json:"billing_address"`
	Timeline  []event   `json:"timeline"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Links     struct {
		Self    string `json:"self"`
		Receipt string `json:"receipt"`
	} `json:"links"`
}

type customer struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type payment struct {
	Method string `json:"method"`
	Brand  string `json:"brand"`
	Last4  string `json:"last4"`
	Status string `json:"status"`
}

type delivery struct {
	Carrier  string `json:"carrier"`
	Service  string `json:"service"`
	Tracking string `json:"tracking"`
	ETA      string `json:"eta"`
}

type event struct {
	At    time.Time `json:"at"`
	State string    `json:"state"`
	By    string    `json:"by"`
}

type orderRequest struct {
	Items    []item `json:"items"`
	Currency string `json:"currency"`
	Note     string `json:"note"`
}

func (a *API) createOrder(w http.ResponseWriter, r *http.Request, s *session) {
	var req orderRequest
	if !decode(w, r, &req) {
		return
	}
	if len(req.Items) == 0 || len(req.Items) > 50 {
		fail(w, http.StatusUnprocessableEntity, "invalid_order", "an order needs between 1 and 50 items")
		return
	}
	for i, it := range req.Items {
		if it.SKU == "" || it.Quantity < 1 || it.UnitPrice < 0 {
			fail(w, http.StatusUnprocessableEntity, "invalid_order", fmt.Sprintf("items[%d] needs a sku, a quantity of at least 1 and a price of at least 0", i))
			return
		}
	}
	now := a.cfg.Now().UTC().Truncate(time.Millisecond)
	o := &order{
		ID:       "ord_" + strconv.FormatInt(a.nextID.Add(1), 10),
		Status:   "confirmed",
		Items:    req.Items,
		Currency: cmp.Or(req.Currency, "EUR"),
		Shipping: demoProfile("").Address,
		Billing:  demoProfile("").Billing,
		Timeline: []event{{At: now, State: "created", By: "api"}, {At: now, State: "payment_authorized", By: "payments"}, {At: now, State: "confirmed", By: "orders"}},
		Customer: customer{ID: 42, Name: "Demo User", Email: "demo@example.com"},
		Payment:  payment{Method: "card", Brand: "visa", Last4: "4242", Status: "authorized"},
		Delivery: delivery{Carrier: "CTT", Service: "express", ETA: now.Add(48 * time.Hour).Format("2006-01-02")},
		Note:     req.Note, CreatedAt: now, UpdatedAt: now,
	}
	for _, it := range req.Items {
		o.Subtotal += float64(it.Quantity) * it.UnitPrice
	}
	o.Subtotal = round2(o.Subtotal)
	o.Tax = round2(o.Subtotal * 0.23)
	o.Total = round2(o.Subtotal + o.Tax)
	o.Delivery.Tracking = "CT" + strings.TrimPrefix(o.ID, "ord_") + "PT"
	o.Links.Self = "/orders/" + o.ID
	o.Links.Receipt = "/orders/" + o.ID + "/receipt"
	s.mu.Lock()
	if len(s.orders) >= a.cfg.MaxOrders {
		s.mu.Unlock()
		fail(w, http.StatusConflict, "too_many_orders", fmt.Sprintf("a session holds at most %d orders; delete some", a.cfg.MaxOrders))
		return
	}
	s.orders[o.ID] = o
	s.last = o.ID
	s.mu.Unlock()
	w.Header().Set("Location", o.Links.Self)
	writeJSON(w, http.StatusCreated, o)
}

func (a *API) listOrders(w http.ResponseWriter, _ *http.Request, s *session) {
	type summary struct {
		ID     string  `json:"id"`
		Status string  `json:"status"`
		Total  float64 `json:"total"`
		Items  int     `json:"items"`
		Self   string  `json:"self"`
	}
	s.mu.Lock()
	out := make([]summary, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, summary{ID: o.ID, Status: o.Status, Total: o.Total, Items: len(o.Items), Self: o.Links.Self})
	}
	s.mu.Unlock()
	// Order ids are "ord_N" with a growing N: shorter ids are older.
	slices.SortFunc(out, func(x, y summary) int { return cmp.Or(cmp.Compare(len(x.ID), len(y.ID)), strings.Compare(x.ID, y.ID)) })
	writeJSON(w, http.StatusOK, map[string]any{"orders": out, "count": len(out), "page": map[string]any{"size": 50, "next": nil}})
}

func (a *API) lookup(w http.ResponseWriter, r *http.Request, s *session) *order {
	id := r.PathValue("id")
	s.mu.Lock()
	o := s.orders[id]
	s.mu.Unlock()
	if o == nil {
		fail(w, http.StatusNotFound, "order_not_found", fmt.Sprintf("no order %q in this session", id))
	}
	return o
}

func (a *API) getOrder(w http.ResponseWriter, r *http.Request, s *session) {
	if o := a.lookup(w, r, s); o != nil {
		writeJSON(w, http.StatusOK, o)
	}
}

func (a *API) receipt(w http.ResponseWriter, r *http.Request, s *session) {
	o := a.lookup(w, r, s)
	if o == nil {
		return
	}
	lines := make([]map[string]any, len(o.Items))
	for i, it := range o.Items {
		lines[i] = map[string]any{"sku": it.SKU, "description": it.Name, "quantity": it.Quantity, "amount": round2(float64(it.Quantity) * it.UnitPrice)}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"order_id": o.ID, "state": "ready", "number": "R-" + strings.TrimPrefix(o.ID, "ord_"),
		"currency": o.Currency, "lines": lines, "subtotal": o.Subtotal, "tax": o.Tax, "total": o.Total,
		"tax_rate": 0.23, "issued_at": o.CreatedAt, "seller": map[string]string{
			"name": "Catena Demo Shop", "vat": "PT123456789", "address": "1 Chain Street, Lisbon",
		},
		"payment":  map[string]string{"method": "card", "brand": "visa", "last4": "4242", "status": "captured", "reference": "pay_" + strings.TrimPrefix(o.ID, "ord_")},
		"customer": o.Customer, "billing_address": o.Billing,
		"notes": "Thank you for your order. Keep this receipt for warranty claims; returns are accepted within 30 days.",
		"links": map[string]string{"order": o.Links.Self, "pdf": o.Links.Receipt + ".pdf"},
	})
}

func (a *API) deleteOrder(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.orders[id]
	delete(s.orders, id)
	if s.last == id {
		s.last = ""
	}
	s.mu.Unlock()
	if !ok {
		fail(w, http.StatusNotFound, "order_not_found", fmt.Sprintf("no order %q in this session", id))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "deleted": true})
}

// decode reads a JSON request body, answering 400 itself on bad input.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
		fail(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send Content-Type: application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body exceeds %d bytes", maxRequestBody))
			return false
		}
		fail(w, http.StatusBadRequest, "invalid_json", "the body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

func round2(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}
