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

// wait is how long a loader collects keys before it queries. Resolvers of one
// list level run concurrently, but on a busy machine starting a few hundred of
// them takes milliseconds: too short a wait splits the batch.
const wait = 16 * time.Millisecond

// Loaders are made per request, so nothing is cached across users or requests.
type Loaders struct {
	Steps       *dataloadgen.Loader[collection.CollectionID, []collection.Step]
	SecretNames *dataloadgen.Loader[collection.CollectionID, []string]
	LatestRun   *dataloadgen.Loader[collection.CollectionID, *collection.Run]
	Monitors    *dataloadgen.Loader[collection.CollectionID, []collection.Monitor]
	Channel     *dataloadgen.Loader[collection.ChannelID, *collection.AlertChannel]
	Collection  *dataloadgen.Loader[collection.CollectionID, *collection.Collection]
	Monitor     *dataloadgen.Loader[collection.MonitorID, *collection.Monitor]
	Run         *dataloadgen.Loader[collection.RunID, *collection.Run]
	Deliveries  *dataloadgen.Loader[collection.IncidentID, []collection.Delivery]
	// MonitorRuns holds each monitor's finished runs of the stats window, for
	// its state and dashboard figures.
	MonitorRuns *dataloadgen.Loader[collection.MonitorID, []collection.Run]
	// ScheduleSync holds each monitor's EventBridge outbox row (nil: none).
	ScheduleSync *dataloadgen.Loader[collection.MonitorID, *store.ScheduleSync]
}

// New returns fresh loaders over s.
func New(s *store.Store) *Loaders {
	opt := dataloadgen.WithWait(wait)
	return &Loaders{
		Steps:       dataloadgen.NewLoader(mapped(s.StepsByCollection), opt),
		SecretNames: dataloadgen.NewLoader(mapped(s.SecretNames), opt),
		LatestRun: dataloadgen.NewLoader(mapped(func(ctx context.Context, ids []collection.CollectionID) (map[collection.CollectionID]*collection.Run, error) {
			m, err := s.LatestRuns(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := make(map[collection.CollectionID]*collection.Run, len(m))
			for k, r := range m {
				out[k] = &r
			}
			return out, nil
		}), opt),
		Monitors: dataloadgen.NewLoader(mapped(s.MonitorsByCollection), opt),
		// All channels are few and listed in one query; the loader picks the
		// ones asked for.
		Channel: dataloadgen.NewLoader(mapped(func(ctx context.Context, ids []collection.ChannelID) (map[collection.ChannelID]*collection.AlertChannel, error) {
			all, err := s.ListChannels(ctx)
			if err != nil {
				return nil, err
			}
			out := make(map[collection.ChannelID]*collection.AlertChannel, len(all))
			for i := range all {
				out[all[i].ID] = &all[i]
			}
			return out, nil
		}), opt),
		// The store has no batched lookups for these yet: each distinct id is
		// one query, deduplicated within the request.
		Collection:   dataloadgen.NewLoader(each(s.GetCollection), opt),
		Monitor:      dataloadgen.NewLoader(each(s.GetMonitor), opt),
		Run:          dataloadgen.NewLoader(each(s.GetRun), opt),
		Deliveries:   dataloadgen.NewLoader(mapped(s.DeliveriesByIncident), opt),
		ScheduleSync: dataloadgen.NewLoader(mapped(s.ScheduleSyncs), opt),
		MonitorRuns: dataloadgen.NewLoader(func(ctx context.Context, ids []collection.MonitorID) ([][]collection.Run, []error) {
			out := make([][]collection.Run, len(ids))
			errs := make([]error, len(ids))
			now := time.Now()
			for i, id := range ids {
				out[i], errs[i] = monitorRuns(ctx, s, id, now)
			}
			return out, errs
		}, opt),
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

// StatsWindow is the longest window the dashboard shows; statsMaxRuns bounds
// how many runs one monitor's figures read (a 1-minute monitor makes ~10k a
// week; past the cap the 7-day figures cover the newest statsMaxRuns runs).
const (
	StatsWindow   = 7 * 24 * time.Hour
	statsMaxRuns  = 5000
	statsPageSize = 500
)

var finishedStatuses = []collection.RunStatus{collection.RunPassed, collection.RunFailed, collection.RunErrored}

// monitorRuns returns a monitor's finished runs of the last 7 days, newest first.
func monitorRuns(ctx context.Context, s *store.Store, id collection.MonitorID, now time.Time) ([]collection.Run, error) {
	since := now.Add(-StatsWindow)
	p := store.ListRunsParams{MonitorID: &id, Statuses: finishedStatuses, Since: &since, First: statsPageSize}
	var out []collection.Run
	for len(out) < statsMaxRuns {
		page, err := s.ListRuns(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < statsPageSize {
			break
		}
		c := store.CursorOf(page[len(page)-1])
		p.After = &c
	}
	return out, nil
}
