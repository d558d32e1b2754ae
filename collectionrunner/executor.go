package collectionrunner

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// Default limits on response bodies.
const (
	DefaultMaxBodyRead  int64 = 10 << 20 // read at most this much; more errors the step
	DefaultMaxBodyStore       = 64 << 10 // keep at most this much of a body in a step result
)

// Config is what an Executor needs. Zero values get sensible defaults.
type Config struct {
	// Client is shared by every run (NewHTTPClient); nil builds one with the default guard.
	Client *http.Client
	Log    *slog.Logger
	// AllowEnv lets @<<env.NAME>> read the runner's environment through Getenv.
	AllowEnv bool
	Getenv   func(string) string
	// MaxBodyRead caps a decoded response body (default 10 MiB).
	MaxBodyRead int64
	// MaxBodyStore caps the body excerpt kept in a step result (default 64 KiB).
	MaxBodyStore int
	Now          func() time.Time
}

// Outcome is the result of one run of a collection.
type Outcome struct {
	Status    collection.RunStatus
	Error     string // why the run errored as a whole ("cancelled"), else empty
	Steps     []collection.StepResult
	StartedAt time.Time
	Duration  time.Duration
}

// Executor runs collections. It is safe for concurrent use; one per process is
// enough, sharing one HTTP client across all runs.
type Executor struct {
	client   *http.Client
	log      *slog.Logger
	allowEnv bool
	getenv   func(string) string
	maxRead  int64
	maxStore int
	now      func() time.Time

	insecureOnce   sync.Once
	insecureClient *http.Client

	cache     compiled      // user regexps and JSON Schemas
	templates templateCache // parsed @<<…>> templates
}

// NewExecutor builds an Executor from cfg.
func NewExecutor(cfg Config) *Executor {
	e := &Executor{
		client:   cfg.Client,
		log:      cfg.Log,
		allowEnv: cfg.AllowEnv,
		getenv:   cfg.Getenv,
		maxRead:  cfg.MaxBodyRead,
		maxStore: cfg.MaxBodyStore,
		now:      cfg.Now,
	}
	if e.client == nil {
		e.client = NewHTTPClient(GuardConfig{})
	}
	if e.client.CheckRedirect == nil {
		// Redirect rules (hop cap, per-step switch, secret headers dropped on
		// an origin change) hold whatever client is passed in.
		c := *e.client
		c.CheckRedirect = checkRedirect
		e.client = &c
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	if e.maxRead <= 0 {
		e.maxRead = DefaultMaxBodyRead
	}
	if e.maxStore <= 0 {
		e.maxStore = DefaultMaxBodyStore
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

// clientFor returns the shared client, or for a step marked insecure a copy
// whose transport skips certificate verification (built once, same dial guard).
func (e *Executor) clientFor(insecure bool) *http.Client {
	if !insecure {
		return e.client
	}
	e.insecureOnce.Do(func() {
		c := *e.client
		if t, ok := e.client.Transport.(*http.Transport); ok {
			t = t.Clone()
			if t.TLSClientConfig == nil {
				t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			// The step asked for it; the result records Insecure so it is visible.
			t.TLSClientConfig.InsecureSkipVerify = true // #nosec G402 -- per-step opt-out, recorded in the result
			c.Transport = t
		}
		e.insecureClient = &c
	})
	return e.insecureClient
}

// Run executes c's steps in order and returns the outcome. onStep (may be nil)
// is called as each step ends, including skipped ones. Secret values never
// appear in the returned results. Cancelling ctx ends the run errored with
// Error "cancelled" and the remaining steps skipped.
func (e *Executor) Run(ctx context.Context, c *collection.Collection, onStep func(collection.StepResult)) (out Outcome) {
	r := newRun(e, c, nil)
	r.onStep = func(res collection.StepResult) {
		r.red.sealStep(&res)
		if onStep != nil {
			onStep(res)
		}
	}
	defer func() {
		// A bug must cost one run, not the process running hundreds of them.
		if p := recover(); p != nil {
			e.log.ErrorContext(ctx, "run panicked", "collection", c.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out = Outcome{Status: collection.RunErrored, Error: "internal error in the runner", Steps: r.results, StartedAt: r.started}
			for i := len(out.Steps); i < len(c.Steps); i++ {
				out.Steps = append(out.Steps, collection.StepResult{Position: i, Name: c.Steps[i].Name, Status: collection.StepSkipped, Error: "skipped: internal error in the runner"})
			}
		}
	}()
	return r.execute(ctx)
}
