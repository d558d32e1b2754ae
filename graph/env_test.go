package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"github.com/catena-monitor/catena/graph"
	"github.com/catena-monitor/catena/internal/alerting"
	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// queryCounter counts SQL statements sent on the test's pool.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *queryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *queryCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *queryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// env is one API server on its own database, with a user and an API token per role.
type env struct {
	t       testing.TB
	srv     *httptest.Server
	pool    *pgxpool.Pool
	store   *store.Store
	queue   *queue.Client
	queries *queryCounter
	limiter *auth.LoginLimiter
	setup   string // the one-time setup token, when made with withSetup

	users  map[collection.Role]*collection.User
	tokens map[collection.Role]string
}

const testPassword = "correct horse battery"

type envOption func(*envConfig)

type envConfig struct {
	noUsers    bool
	withSetup  bool
	logTo      io.Writer // the server's log, at debug level; nil: errors to stderr
	beforeHTTP func(e *env)
	// scheduler builds the resolver's MonitorScheduler (nil: none).
	scheduler func(pool *pgxpool.Pool, st *store.Store, q *queue.Client) graph.MonitorScheduler
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	var cfg envConfig
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	_, url := dbtest.NewDBURL(t)
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	qc := &queryCounter{}
	pc.ConnConfig.Tracer = qc
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	box, err := secret.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	if cfg.logTo != nil {
		log = slog.New(slog.NewTextHandler(cfg.logTo, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	st := store.New(pool, box)
	q, err := queue.New(st, log, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	progress := graph.NewProgress(pool, log)
	done := make(chan struct{})
	go func() { defer close(done); _ = progress.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	e := &env{t: t, pool: pool, store: st, queue: q, queries: qc, users: map[collection.Role]*collection.User{}, tokens: map[collection.Role]string{}}
	e.limiter = auth.NewLoginLimiter(auth.LimiterConfig{})
	var setup *auth.SetupToken
	if cfg.withSetup {
		setup, e.setup = auth.NewSetupToken()
	}
	alerts, err := alerting.NewDispatcher(alerting.Config{
		Store: st, Channels: st, River: q.River(), Log: log,
		Providers: alerting.ProviderDeps{HTTPClient: &http.Client{Timeout: 10 * time.Second}},
	})
	if err != nil {
		t.Fatal(err)
	}
	providers := alerting.ProviderDeps{HTTPClient: &http.Client{Timeout: 10 * time.Second}}
	var sched graph.MonitorScheduler
	if cfg.scheduler != nil {
		sched = cfg.scheduler(pool, st, q)
	}
	r := graph.NewResolver(graph.Config{
		Scheduler:    sched,
		CheckChannel: func(ch collection.AlertChannel) error { return alerting.ValidateChannel(ch, providers) },
		Store:        st, Queue: q, Progress: progress, Log: log, Limiter: e.limiter, Alerts: alerts,
		SetupToken: setup, BcryptCost: bcrypt.MinCost,
	})
	authn := &auth.Authenticator{Users: st, Log: log}
	h := graph.NewHandler(r, graph.HandlerConfig{
		Auth:      authn,
		PublicURL: "https://catena.example.com",
	})
	mux := http.NewServeMux()
	mux.Handle("/graphql", h)
	mux.Handle("/api/audit.jsonl", graph.AuditExportHandler(st, authn, log, nil))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	if !cfg.noUsers {
		for _, role := range collection.Roles {
			e.users[role], e.tokens[role] = e.addUser(string(role)+"@example.com", role)
		}
	}
	if cfg.beforeHTTP != nil {
		cfg.beforeHTTP(e)
	}
	return e
}

// addUser stores a user with testPassword and returns it with an API token.
func (e *env) addUser(email string, role collection.Role) (*collection.User, string) {
	e.t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.store.CreateUser(context.Background(), &collection.User{Email: email, Name: string(role), Role: role, PasswordHash: string(hash)})
	if err != nil {
		e.t.Fatal(err)
	}
	tok := auth.NewAPIToken()
	if _, err := e.store.CreateAPIToken(context.Background(), u.ID, "test", tok.Prefix, tok.Hash, nil); err != nil {
		e.t.Fatal(err)
	}
	return u, tok.Token
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// code is the first error's extensions.code, or "".
func (r *response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// request describes one HTTP call to /graphql.
type request struct {
	token   string // bearer token
	cookie  *http.Cookie
	origin  string
	referer string
	method  string
	body    []byte // raw body instead of query+vars
}

func (e *env) post(token, query string, vars map[string]any) *response {
	e.t.Helper()
	return e.do(request{token: token}, query, vars)
}

// mustPost posts and fails the test on any GraphQL error; out receives data.
func (e *env) mustPost(token, query string, vars map[string]any, out any) {
	e.t.Helper()
	r := e.post(token, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		e.t.Fatalf("%s\nstatus %d, errors %+v", query, r.Status, r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.t.Fatalf("decoding %s: %v", r.Data, err)
		}
	}
}

func (e *env) do(rq request, query string, vars map[string]any) *response {
	e.t.Helper()
	body := rq.body
	if body == nil {
		var err error
		body, err = json.Marshal(map[string]any{"query": query, "variables": vars})
		if err != nil {
			e.t.Fatal(err)
		}
	}
	method := rq.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, e.srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	if rq.cookie != nil {
		req.AddCookie(rq.cookie)
	}
	if rq.origin != "" {
		req.Header.Set("Origin", rq.origin)
	}
	if rq.referer != "" {
		req.Header.Set("Referer", rq.referer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := &response{Status: resp.StatusCode, Header: resp.Header}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/graphql-response+json") {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("decoding %q: %v", raw, err)
		}
	}
	return out
}

// login signs in over HTTP and returns the session cookie.
func (e *env) login(email, password string) (*http.Cookie, *response) {
	e.t.Helper()
	r := e.do(request{origin: e.srv.URL}, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id email role } }`,
		map[string]any{"e": email, "p": password})
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == auth.SessionCookie {
			return c, r
		}
	}
	return nil, r
}
