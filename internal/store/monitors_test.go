package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

func TestMonitors(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, plainCollection("a", 1))
	b := mustCreate(t, s, plainCollection("b", 1))
	ch, err := s.CreateChannel(ctx, &collection.AlertChannel{Name: "ops", Type: collection.ChannelWebhook, Config: map[string]string{"url": "http://127.0.0.1:9/hook"}})
	if err != nil {
		t.Fatal(err)
	}
	next := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	in := &collection.Monitor{
		Name: " nightly ", Schedule: "0 3 * * *", TimeZone: "Europe/Paris", Enabled: true,
		Locations: []string{"local", "eu-west-1"}, CollectionIDs: []collection.CollectionID{b.ID, a.ID, b.ID},
		ChannelIDs: []collection.ChannelID{ch.ID},
		Policy: collection.AlertPolicy{FailureThreshold: 3, RecoveryEnabled: true, RecoveryThreshold: 2,
			ReminderInterval: time.Hour, Errored: collection.ErroredSeparate, MinFailedLocations: 2},
		NextRunAt: &next,
	}
	m, err := s.CreateMonitor(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == 0 || m.Name != "nightly" || !slices.Equal(m.CollectionIDs, []collection.CollectionID{b.ID, a.ID}) ||
		!slices.Equal(m.ChannelIDs, []collection.ChannelID{ch.ID}) || !reflect.DeepEqual(m.Policy, in.Policy) ||
		!slices.Equal(m.Locations, in.Locations) || m.TimeZone != "Europe/Paris" || !m.NextRunAt.Equal(next) {
		t.Errorf("created monitor = %+v", m)
	}
	got, err := s.GetMonitor(ctx, m.ID)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("GetMonitor = %+v, %v; want %+v", got, err, m)
	}

	// Defaults for what a minimal monitor leaves out.
	minimal, err := s.CreateMonitor(ctx, &collection.Monitor{Name: "minimal", Schedule: "every 1m"})
	if err != nil {
		t.Fatal(err)
	}
	def := collection.DefaultAlertPolicy()
	def.RecoveryEnabled = false // a bool cannot default
	if minimal.TimeZone != "UTC" || !slices.Equal(minimal.Locations, []string{collection.DefaultLocation}) ||
		!reflect.DeepEqual(minimal.Policy, def) || len(minimal.CollectionIDs) != 0 || minimal.Enabled {
		t.Errorf("minimal monitor = %+v", minimal)
	}

	m.Name, m.CollectionIDs, m.ChannelIDs, m.Locations = "nightly v2", []collection.CollectionID{a.ID}, nil, []string{"us-east-1"}
	upd, err := s.UpdateMonitor(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if upd.Name != "nightly v2" || !slices.Equal(upd.CollectionIDs, []collection.CollectionID{a.ID}) || len(upd.ChannelIDs) != 0 || !slices.Equal(upd.Locations, []string{"us-east-1"}) {
		t.Errorf("updated = %+v", upd)
	}
	if err := s.SetMonitorEnabled(ctx, m.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetMonitor(ctx, m.ID); got.Enabled {
		t.Error("SetMonitorEnabled(false) left it enabled")
	}

	byColl, err := s.MonitorsByCollection(ctx, []collection.CollectionID{a.ID, b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(byColl[a.ID]) != 1 || byColl[a.ID][0].ID != m.ID || len(byColl[b.ID]) != 0 {
		t.Errorf("MonitorsByCollection = %+v", byColl)
	}

	list, err := s.ListMonitors(ctx, store.ListMonitorsParams{})
	if err != nil || len(list) != 2 || list[0].ID != m.ID || list[1].ID != minimal.ID {
		t.Errorf("ListMonitors = %+v, %v", list, err)
	}
	page, err := s.ListMonitors(ctx, store.ListMonitorsParams{First: 1, After: m.ID})
	if err != nil || len(page) != 1 || page[0].ID != minimal.ID {
		t.Errorf("second page = %+v, %v", page, err)
	}

	// Deleting the monitor keeps its runs.
	run, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &a.ID, MonitorID: &m.ID, Trigger: collection.TriggerSchedule, Snapshot: *a})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMonitor(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if r, err := s.GetRun(ctx, run.ID); err != nil || r.MonitorID != nil {
		t.Errorf("run after monitor delete = %+v, %v; want kept with no monitor", r, err)
	}
	for name, err := range map[string]error{
		"get":     mustErr(s.GetMonitor(ctx, m.ID)),
		"delete":  s.DeleteMonitor(ctx, m.ID),
		"enable":  s.SetMonitorEnabled(ctx, m.ID, true),
		"update":  mustErr(s.UpdateMonitor(ctx, m)),
		"missing": mustErr(s.CreateMonitor(ctx, &collection.Monitor{Name: "x", Schedule: "every 1m", CollectionIDs: []collection.CollectionID{987654}})),
	} {
		if !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("%s: %v; want ErrNotFound", name, err)
		}
	}
}

func TestCreateMonitorValidation(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		edit func(m *collection.Monitor)
		path string
	}{
		{"no name", func(m *collection.Monitor) { m.Name = "" }, "name"},
		{"no schedule", func(m *collection.Monitor) { m.Schedule = " " }, "schedule"},
		{"bad zone", func(m *collection.Monitor) { m.TimeZone = "Mars/Olympus" }, "timeZone"},
		{"empty location", func(m *collection.Monitor) { m.Locations = []string{"local", ""} }, "locations[1]"},
		{"threshold", func(m *collection.Monitor) { m.Policy.FailureThreshold = 101 }, "policy.failureThreshold"},
		{"errored mode", func(m *collection.Monitor) { m.Policy.Errored = "loud" }, "policy.errored"},
		{"reminder", func(m *collection.Monitor) { m.Policy.ReminderInterval = -time.Second }, "policy.reminderInterval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &collection.Monitor{Name: "m", Schedule: "every 5m"}
			tc.edit(m)
			_, err := s.CreateMonitor(ctx, m)
			if paths := fieldPaths(t, err); !slices.Equal(paths, []string{tc.path}) {
				t.Errorf("error %q names %v; want %s", err, paths, tc.path)
			}
		})
	}
}
