// Package loader holds the per-request dataloaders that batch the API's child
// lists (steps, secrets, last runs, monitors, channels) into one query per
// kind, whatever the number of parents.
package loader

import (
	"context"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// wait is how long a batching loader collects keys before it queries.
// Resolvers of one list level run concurrently, but on a busy machine starting
// a few hundred of them takes milliseconds: too short a wait splits the batch.
// List resolvers that know every key Prefetch instead, which never waits, and
// loaders that query one key at a time (each) do not wait at all.
const wait = 16 * time.Millisecond

// Batch is a batching loader that keeps its fetch, so a resolver that knows
// every key (a list, or a single object) can fetch them at once and skip the
// batching wait.
type Batch[K comparable, V any] struct {
	*dataloadgen.Loader[K, V]
	fetch func(context.Context, []K) ([]V, []error)
}

func newBatch[K comparable, V any](fetch func(context.Context, []K) ([]V, []error)) *Batch[K, V] {
	return &Batch[K, V]{Loader: dataloadgen.NewLoader(fetch, dataloadgen.WithWait(wait)), fetch: fetch}
}

// Prefetch fetches keys now, in one call, and primes the loader with what
// it got, so the child resolvers' Load returns without waiting. Keys that
// failed are left to Load, which reports their error.
func (b *Batch[K, V]) Prefetch(ctx context.Context, keys []K) {
	if len(keys) == 0 {
		return
	}
	vals, errs := b.fetch(ctx, keys)
	for i, k := range keys {
		if i >= len(vals) || (i < len(errs) && errs[i] != nil) {
			continue
		}
		b.Prime(k, vals[i])
	}
}

// Loaders are made per request, so nothing is cached across users or requests.
type Loaders struct {
	Steps       *Batch[collection.CollectionID, []collection.Step]
	SecretNames *Batch[collection.CollectionID, []string]
	LatestRun   *Batch[collection.CollectionID, *collection.Run]
	Monitors    *Batch[collection.CollectionID, []collection.Monitor]
	Channel     *Batch[collection.ChannelID, *collection.AlertChannel]
	Deliveries  *Batch[collection.IncidentID, []collection.Delivery]
	// MonitorStats holds each monitor's figures over the stats window, for
	// its state and dashboard card, aggregated in SQL.
	MonitorStats *Batch[collection.MonitorID, *store.MonitorRunStats]
	// One query per distinct id, deduplicated within the request, never
	// waiting (there is no batch to wait for).
	Collection *dataloadgen.Loader[collection.CollectionID, *collection.Collection]
	Monitor    *dataloadgen.Loader[collection.MonitorID, *collection.Monitor]
	Run        *dataloadgen.Loader[collection.RunID, *collection.Run]
	// Holds are each monitor's maintenance windows and mutes in force.
	Holds *Batch[collection.MonitorID, store.MonitorHolds]
	// ScheduleSync holds each monitor's EventBridge outbox row (nil: none).
	ScheduleSync *Batch[collection.MonitorID, *store.ScheduleSync]
	// BadgeKey is each monitor's public badge key ("": badge off).
	BadgeKey *Batch[collection.MonitorID, string]
	// PublicNote is each incident's public note (nil: none).
	PublicNote *Batch[collection.IncidentID, *store.PublicNote]
}

// New returns fresh loaders over s; now is the request's clock for the stats window.
func New(s *store.Store, now func() time.Time) *Loaders {
	noWait := dataloadgen.WithWait(0)
	return &Loaders{
		Steps:       newBatch(mapped(s.StepsByCollection)),
		SecretNames: newBatch(mapped(s.SecretNames)),
		LatestRun: newBatch(mapped(func(ctx context.Context, ids []collection.CollectionID) (map[collection.CollectionID]*collection.Run, error) {
			m, err := s.LatestRuns(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[collection.CollectionID]*collection.Run, len(m))
			for k, r := range m {
				out[k] = &r
			}
			return out, nil
		})),
		Monitors: newBatch(mapped(s.MonitorsByCollection)),
		// All channels are few and listed in one query; the loader picks the
		// ones asked for.
		Channel: newBatch(mapped(func(ctx context.Context, ids []collection.ChannelID) (map[collection.ChannelID]*collection.AlertChannel, error) {
			all, err := s.ListChannels(ctx)
			if err != nil {
				return nil, err
			}
			out := make(map[collection.ChannelID]*collection.AlertChannel, len(all))
			for i := range all {
				out[all[i].ID] = &all[i]
			}
			return out, nil
		})),
		Deliveries: newBatch(mapped(s.DeliveriesByIncident)),
		MonitorStats: newBatch(mapped(func(ctx context.Context, ids []collection.MonitorID) (map[collection.MonitorID]*store.MonitorRunStats, error) {
			return s.MonitorStats(ctx, ids, now(), StatsWindow, SparkPoints)
		})),
		Collection:   dataloadgen.NewLoader(each(s.GetCollection), noWait),
		Monitor:      dataloadgen.NewLoader(each(s.GetMonitor), noWait),
		Run:          dataloadgen.NewLoader(each(s.GetRun), noWait),
		ScheduleSync: newBatch(mapped(s.ScheduleSyncs)),
		BadgeKey:     newBatch(mapped(s.MonitorBadgeKeys)),
		PublicNote: newBatch(mapped(func(ctx context.Context, ids []collection.IncidentID) (map[collection.IncidentID]*store.PublicNote, error) {
			notes, err := s.IncidentPublicNotes(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[collection.IncidentID]*store.PublicNote, len(notes))
			for id, n := range notes {
				out[id] = &n
			}
			return out, nil
		})),
		Holds: newBatch(mapped(func(ctx context.Context, ids []collection.MonitorID) (map[collection.MonitorID]store.MonitorHolds, error) {
			return s.HoldsOfMonitors(ctx, ids, now())
		})),
	}
}

// mapped adapts a map-returning batch query; a key missing from the map gets
// the zero value (an empty list, a nil pointer) rather than an error.
func mapped[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error)) func(context.Context, []K) ([]V, []error) {
	return func(ctx context.Context, keys []K) ([]V, []error) {
		m, err := fetch(ctx, keys)
		out := make([]V, len(keys))
		var errs []error
		if err != nil {
			errs = make([]error, len(keys))
		}
		for i, k := range keys {
			if err != nil {
				errs[i] = err
				continue
			}
			out[i] = m[k]
		}
		return out, errs
	}
}

// each adapts a single-object getter; not-found becomes nil without error.
func each[K comparable, V any](get func(context.Context, K) (*V, error)) func(context.Context, []K) ([]*V, []error) {
	return func(ctx context.Context, keys []K) ([]*V, []error) {
		out := make([]*V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			v, err := get(ctx, k)
			if err != nil && !isNotFound(err) {
				errs[i] = err
				continue
			}
			out[i] = v
		}
		return out, errs
	}
}

type loadersKey struct{}

// With returns ctx carrying l; the server gives every operation fresh loaders.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// For returns the operation's loaders.
func For(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}

// StatsWindow is the longest window the dashboard shows; SparkPoints is how
// many recent runs a monitor's latency sparkline shows.
const (
	StatsWindow = 7 * 24 * time.Hour
	SparkPoints = 50
)
