package graph

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// latestVersion is the number of an object's latest version; nil before its first.
func (r *Resolver) latestVersion(ctx context.Context, typ collection.ObjectType, id int64) (*int, error) {
	v, err := r.Store.GetVersion(ctx, typ, id, 0)
	if errors.Is(err, collection.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &v.Version, nil
}

// restoreMonitor makes monitor id what it was at version, through the same
// checks and scheduler hooks as updateMonitor; the version it records says
// "restored version N".
func (r *Resolver) restoreMonitor(ctx context.Context, id collection.MonitorID, version int) (*collection.Monitor, error) {
	if version < 1 {
		return nil, collection.Invalid("version", "version %d does not exist; versions start at 1", version)
	}
	v, err := r.Store.GetVersion(ctx, collection.ObjectMonitor, int64(id), version)
	if err != nil {
		return nil, err
	}
	old, err := collection.ParseMonitorDocument([]byte(v.Document))
	if err != nil {
		return nil, err
	}
	m, err := r.checkMonitor(ctx, monitorInput(old))
	if err != nil {
		return nil, err
	}
	m.ID = id
	out, err := r.Store.UpdateMonitor(store.WithVersionNote(ctx, fmt.Sprintf("restored version %d", version)), m, r.scheduleHooks()...)
	if err != nil {
		return nil, err
	}
	return out, r.scheduleUpsert(ctx, out)
}

// monitorInput is the API input that would create m.
func monitorInput(m *collection.Monitor) model.MonitorInput {
	in := model.MonitorInput{
		Name: m.Name, Schedule: m.Schedule, TimeZone: &m.TimeZone, Enabled: &m.Enabled, Locations: m.Locations,
		CollectionIds: []string{}, ChannelIds: []string{},
		Policy: &model.AlertPolicyInput{
			FailureThreshold: m.Policy.FailureThreshold, RecoveryEnabled: m.Policy.RecoveryEnabled,
			RecoveryThreshold: m.Policy.RecoveryThreshold, ReminderIntervalMinutes: int(m.Policy.ReminderInterval / time.Minute),
			ErroredMode: m.Policy.Errored, MinFailedLocations: m.Policy.MinFailedLocations,
		},
	}
	for _, c := range m.CollectionIDs {
		in.CollectionIds = append(in.CollectionIds, model.FormatID(c))
	}
	for _, c := range m.ChannelIDs {
		in.ChannelIds = append(in.ChannelIds, model.FormatID(c))
	}
	return in
}
