// Package graph is Catena's GraphQL API (gqlgen, schema-first). The schema
// lives in schema/*.graphqls; generated/ and model/models_gen.go are generated
// by `go generate ./graph/...` and never edited. Resolver is the dependency
// root: resolvers stay thin over internal/store and internal/queue, child lists
// go through per-request dataloaders (loader/), and errors.go maps domain
// errors to extensions.code.
package graph

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/store"
)

// AlertTester sends a test message through a channel (alerting.Dispatcher).
type AlertTester interface {
	Test(ctx context.Context, ch collection.AlertChannel) (string, error)
}

// MonitorScheduler is told about monitor changes (schedule.Scheduler); the
// local scheduler reads the database and may ignore them, EventBridge mode
// creates and deletes schedules.
type MonitorScheduler interface {
	Upsert(ctx context.Context, m *collection.Monitor) error
	Delete(ctx context.Context, id collection.MonitorID) error
}

// Config is what the API needs; cli wires it.
type Config struct {
	Store *store.Store
	Queue *queue.Client
	// Progress fans run progress notifications out to subscriptions.
	Progress *Progress
	// Alerts may be nil: testAlertChannel then reports that alerting is not configured.
	Alerts AlertTester
	// CheckChannel validates an alert channel's settings as its provider
	// would (alerting.ValidateChannel); nil skips the check at save time.
	CheckChannel func(collection.AlertChannel) error
	// RunCancelled, when set, is told about each queued run the API ended
	// cancelled (a running run is finished, and counted, by its runner).
	RunCancelled func(ctx context.Context, run *collection.Run)
	// Scheduler may be nil (the local scheduler reads monitors from the database).
	Scheduler MonitorScheduler
	Log       *slog.Logger
	// Limiter bounds login attempts; nil gets the defaults.
	Limiter *auth.LoginLimiter
	// Setup is the one-time token for creating the first admin; nil disables setup.
	SetupToken *auth.SetupToken
	// SessionTTL is how long a sign-in lasts (default 12h).
	SessionTTL time.Duration
	// BcryptCost for new passwords (0: auth.DefaultCost).
	BcryptCost int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Resolver is the root of every resolver; it holds the dependencies only.
type Resolver struct {
	Config
	setupMu sync.Mutex // one setup at a time, so only one first admin
}

// NewResolver fills defaults.
func NewResolver(c Config) *Resolver {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Limiter == nil {
		c.Limiter = auth.NewLoginLimiter(auth.LimiterConfig{})
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Resolver{Config: c}
}
