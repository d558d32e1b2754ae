package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/store"
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
		if len(c.Steps) == 0 {
			// A draft may have no steps, but a monitor of one would pass forever having checked nothing.
			return nil, collection.Invalid("collectionIds", "collection %s (%q) has no steps; add a step before monitoring it", model.FormatID(id), c.Name)
		}
		if _, known := c.Environments[m.Environments[id]]; len(c.Environments) > 0 && (known || m.Environments[id] == "") {
			// An unknown environment is the store's to refuse, with the list of known ones.
			if err := c.CheckEnvironment(m.Environments[id]); err != nil {
				return nil, err
			}
		}
		cs = append(cs, *c)
	}
	if err := m.ValidateTimeouts(s.MinInterval(), cs); err != nil {
		return nil, err
	}
	if err := r.checkScheduler(m); err != nil {
		return nil, err
	}
	if m.Enabled {
		next := s.Next(r.Now())
		m.NextRunAt = &next
	}
	return m, nil
}

// TxScheduler is a MonitorScheduler that records a monitor change inside the
// transaction that writes the monitor (schedule.Outbox, EventBridge mode), so
// the row and its pending schedule commit together or not at all; AWS is
// brought in line afterwards by a job, and Monitor.scheduleStatus shows how far.
type TxScheduler interface {
	MonitorChanged(ctx context.Context, tx pgx.Tx, id collection.MonitorID) error
}

// scheduleHooks are the store hooks of a monitor write: the outbox record
// when the scheduler keeps one.
func (r *Resolver) scheduleHooks() []store.MonitorHook {
	if t, ok := r.Scheduler.(TxScheduler); ok {
		return []store.MonitorHook{t.MonitorChanged}
	}
	return nil
}

// scheduleUpsert tells a scheduler without an outbox about the written monitor.
func (r *Resolver) scheduleUpsert(ctx context.Context, m *collection.Monitor) error {
	if r.Scheduler == nil {
		return nil
	}
	if _, ok := r.Scheduler.(TxScheduler); ok {
		return nil // recorded in the write's transaction
	}
	return r.Scheduler.Upsert(ctx, m)
}

// scheduleDelete is scheduleUpsert for a deleted monitor.
func (r *Resolver) scheduleDelete(ctx context.Context, id collection.MonitorID) error {
	if r.Scheduler == nil {
		return nil
	}
	if _, ok := r.Scheduler.(TxScheduler); ok {
		return nil
	}
	return r.Scheduler.Delete(ctx, id)
}

// checkScheduler refuses what the scheduler cannot express (EventBridge:
// rates under a minute) before anything is saved.
func (r *Resolver) checkScheduler(m *collection.Monitor) error {
	if c, ok := r.Scheduler.(interface {
		Check(*collection.Monitor) error
	}); ok {
		if err := c.Check(m); err != nil {
			return collection.Invalid("schedule", "%s", strings.TrimPrefix(err.Error(), collection.ErrInvalid.Error()+": "))
		}
	}
	return nil
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
		if err := r.Store.SetMonitorEnabled(ctx, mid, false, r.scheduleHooks()...); err != nil {
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
	if m, err = r.Store.UpdateMonitor(ctx, m, r.scheduleHooks()...); err != nil {
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

func scheduleStatus(row *store.ScheduleSync) *model.MonitorScheduleStatus {
	out := &model.MonitorScheduleStatus{Attempts: row.Attempts, UpdatedAt: row.UpdatedAt, SyncedAt: row.SyncedAt}
	switch row.State {
	case store.ScheduleSynced:
		out.State = model.ScheduleSyncStateSynced
	case store.ScheduleFailed:
		out.State = model.ScheduleSyncStateFailed
		out.Error = &row.LastError
	default:
		out.State = model.ScheduleSyncStatePending
	}
	return out
}
