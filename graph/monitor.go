package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
)

// checkMonitor builds a monitor from input and validates it whole: its own
// fields, then that its schedule leaves room for its collections' longest runs.
// The first run time is set so the dashboard shows it at once.
func (r *Resolver) checkMonitor(ctx context.Context, input model.MonitorInput) (*collection.Monitor, error) {
	m, err := monitorFromInput(input)
	if err != nil {
		return nil, err
	}
	s, err := schedulespec.CheckMonitor(m)
	if err != nil {
		return nil, err
	}
	cs := make([]collection.Collection, 0, len(m.CollectionIDs))
	for _, id := range m.CollectionIDs {
		c, err := r.getCollection(ctx, id)
		if errors.Is(err, collection.ErrNotFound) {
			return nil, collection.Invalid("collectionIds", "collection %s does not exist", model.FormatID(id))
		} else if err != nil {
			return nil, err
		}
		cs = append(cs, *c)
	}
	if err := m.ValidateTimeouts(s.MinInterval(), cs); err != nil {
		return nil, err
	}
	if m.Enabled {
		next := s.Next(r.Now())
		m.NextRunAt = &next
	}
	return m, nil
}

func (r *Resolver) scheduleUpsert(ctx context.Context, m *collection.Monitor) error {
	if r.Scheduler == nil {
		return nil
	}
	return r.Scheduler.Upsert(ctx, m)
}

func (r *mutationResolver) setEnabled(ctx context.Context, id string, enabled bool) (*collection.Monitor, error) {
	if _, err := editor(ctx); err != nil {
		return nil, err
	}
	mid, err := parseID[collection.MonitorID](id)
	if err != nil {
		return nil, err
	}
	if !enabled {
		if err := r.Store.SetMonitorEnabled(ctx, mid, false); err != nil {
			return nil, err
		}
		m, err := r.Store.GetMonitor(ctx, mid)
		if err != nil {
			return nil, err
		}
		return m, r.scheduleUpsert(ctx, m)
	}
	// Resuming starts from the next slot after now, not from the slots missed
	// while paused.
	m, err := r.Store.GetMonitor(ctx, mid)
	if err != nil {
		return nil, err
	}
	s, err := schedulespec.Parse(m.Schedule, m.TimeZone)
	if err != nil {
		return nil, err
	}
	next := s.Next(r.Now())
	m.Enabled, m.NextRunAt = true, &next
	if m, err = r.Store.UpdateMonitor(ctx, m); err != nil {
		return nil, err
	}
	return m, r.scheduleUpsert(ctx, m)
}

// checkChannel refuses settings the channel's provider could not send with,
// naming the problem on the config field.
func (r *Resolver) checkChannel(ch *collection.AlertChannel) error {
	if r.CheckChannel == nil {
		return nil
	}
	if err := r.CheckChannel(*ch); err != nil {
		return collection.Invalid("config", "%s", strings.TrimPrefix(err.Error(), collection.ErrInvalid.Error()+": "))
	}
	return nil
}
