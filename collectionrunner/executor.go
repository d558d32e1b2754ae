package collectionrunner

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
	"github.com/catena-monitor/catena/internal/secret"
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
	// Browser runs browser steps; nil refuses them (CATENA_BROWSER=off).
	Browser *Browser
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
	browser  *Browser

	insecureOnce   sync.Once
	insecureClient *http.Client

	cache     compiled      // user regexps and JSON Schemas
	templates templateCache // parsed @<<…>> templates
	redactors redactorCache // redactors by secret values
}

// redactorCache keeps the redactor of each set of secret values: building one
// (every encoded form of every secret, and a replacer over them) costs more
// than a tenth of a run's allocations, and monitors run with the same secrets
// over and over. A redactor is never modified once built. Bounded in size (past
// maxRedactors entries, redactors are built for each run) and in time: the
// cache empties itself every redactorTTL, so a rotated secret's old value does
// not stay in the runner's memory for longer than that.
type redactorCache struct {
	m    sync.Map // secretsKey → *secret.Redactor
	n    atomic.Int64
	born atomic.Int64 // when the cache was last emptied, unix nanoseconds
}

const (
	maxRedactors = 1024
	redactorTTL  = 5 * time.Minute
)

// noSecrets is the redactor of a collection without (non-empty) secrets.
var noSecrets = secret.NewRedactor(nil)

// redactorFor returns the (shared) redactor of secrets.
func (e *Executor) redactorFor(secrets map[string]string) *secret.Redactor {
	key, ok := secretsKeyOf(secrets)
	if !ok {
		return noSecrets
	}
	c := &e.redactors
	if now, born := time.Now().UnixNano(), c.born.Load(); now-born > int64(redactorTTL) && c.born.CompareAndSwap(born, now) {
		c.m.Clear()
		c.n.Store(0)
	}
	if v, ok := c.m.Load(key); ok {
		return v.(*secret.Redactor)
	}
	red := secret.NewRedactor(secrets)
	if c.n.Load() < maxRedactors {
		if v, loaded := c.m.LoadOrStore(key, red); loaded {
			return v.(*secret.Redactor)
		}
		c.n.Add(1)
	}
	return red
}

// secretsKey identifies what a redactor depends on: the set of non-empty
// secret values (not their names). ok is false when there is none.
type secretsKey struct {
	n    int    // distinct values
	text string // the value, or with n > 1 each value length-prefixed, sorted
}

func secretsKeyOf(secrets map[string]string) (key secretsKey, ok bool) {
	var one string
	n := 0
	for _, v := range secrets {
		if v != "" {
			one = v
			n++
		}
	}
	switch n {
	case 0:
		return secretsKey{}, false
	case 1:
		return secretsKey{n: 1, text: one}, true
	}
	vals := make([]string, 0, n)
	for _, v := range secrets {
		if v != "" {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	if len(vals) == 1 {
		return secretsKey{n: 1, text: vals[0]}, true
	}
	var b strings.Builder
	for _, v := range vals {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return secretsKey{n: len(vals), text: b.String()}, true
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
		browser:  cfg.Browser,
	}
	if e.client == nil {
		e.client = NewHTTPClient(netguard.Config{})
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
	defer r.closeBrowser()
	r.onStep = func(res collection.StepResult) {
		r.red.SealStep(&res)
		if onStep != nil {
			onStep(res)
		}
	}
	defer func() {
		// A bug must cost one run, not the process running hundreds of them.
		if p := recover(); p != nil {
			// The panic value may quote run data: log it through the run's redactor.
			slog.New(r.red.Handler(e.log.Handler())).ErrorContext(ctx, "run panicked",
				"collection", c.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out = Outcome{Status: collection.RunErrored, Error: "internal error in the runner", Steps: r.results, StartedAt: r.started}
			for i := len(out.Steps); i < len(c.Steps); i++ {
				out.Steps = append(out.Steps, collection.StepResult{Position: i, Name: c.Steps[i].Name, Status: collection.StepSkipped, Error: "skipped: internal error in the runner"})
			}
		}
	}()
	return r.execute(ctx)
}
