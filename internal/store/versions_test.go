package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
	"github.com/catena-monitor/catena/internal/store"
)

func versionsOf(t *testing.T, s *store.Store, typ collection.ObjectType, id int64) []collection.Version {
	t.Helper()
	vs, err := s.ListVersions(context.Background(), store.ListVersionsParams{Type: typ, ID: id})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestCollectionVersions(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := store.WithActor(context.Background(), store.Actor{Name: "ada@example.com (token ci)"})
	c, err := s.CreateCollection(ctx, &collection.Collection{
		Name:      "checkout",
		Variables: map[string]string{"base": "http://127.0.0.1:1"},
		Secrets:   map[string]string{"password": secrettest.Value},
		Steps: []collection.Step{{Name: "login", Method: "POST", URL: "@<<vars.base>>/login",
			Body: `{"password": "@<<secrets.password>>"}`}},
	})
	if err != nil {
		t.Fatal(err)
	}
	step, err := s.AddStep(ctx, c.ID, collection.Step{Name: "me", Method: "GET", URL: "@<<vars.base>>/me"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	step.URL = "@<<vars.base>>/users/me"
	if _, err := s.UpdateStep(ctx, step.ID, step); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSecret(ctx, c.ID, "password", secrettest.Value+"-rotated"); err != nil {
		t.Fatal(err)
	}
	// A save that changes nothing adds no version.
	if _, err := s.UpdateCollection(ctx, c.ID, store.UpdateCollectionParams{}); err != nil {
		t.Fatal(err)
	}

	vs := versionsOf(t, s, collection.ObjectCollection, int64(c.ID))
	var summaries []string
	for i, v := range vs {
		if v.Version != len(vs)-i {
			t.Errorf("versions out of order: %d at %d", v.Version, i)
		}
		if v.Actor != "ada@example.com (token ci)" {
			t.Errorf("version %d actor = %q", v.Version, v.Actor)
		}
		summaries = append([]string{v.Summary}, summaries...)
		if secrettest.Leaks(v.Document) || secrettest.Leaks(v.Diff) || secrettest.Leaks(v.Summary) {
			t.Errorf("version %d holds the secret value", v.Version)
		}
	}
	want := []string{"created with 1 step", "step 'me' added", "step 'me' changed", "secret 'password' changed"}
	if !reflect.DeepEqual(summaries, want) {
		t.Errorf("summaries = %q, want %q", summaries, want)
	}
	v3 := vs[1]
	if !strings.Contains(v3.Diff, "-    url: '@<<vars.base>>/me'") || !strings.Contains(v3.Diff, "+    url: '@<<vars.base>>/users/me'") {
		t.Errorf("diff of version 3 does not show the URL change:\n%s", v3.Diff)
	}
	if !strings.Contains(v3.Document, "# secrets (values are never kept in versions): password") ||
		!strings.Contains(v3.Document, "@<<secrets.password>>") {
		t.Errorf("document of version 3 does not name the secret by reference:\n%s", v3.Document)
	}
	// The document is a Catena file: it reads back as the collection it was.
	back, err := collection.Parse([]byte(v3.Document), "v3")
	if err != nil || len(back.Steps) != 2 || back.Steps[1].URL != "@<<vars.base>>/users/me" {
		t.Errorf("version 3 reads back as %+v, %v", back, err)
	}

	// A run records the version it was queued at.
	run, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerManual, Snapshot: *c})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.RunCollectionVersion(ctx, run.ID)
	if err != nil || got == nil || *got != 4 {
		t.Errorf("run's collection version = %v, %v; want 4", got, err)
	}

	// Restore round trip: v1 back, as a new version.
	restored, err := s.RestoreCollectionVersion(ctx, c.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(restored.Steps) != 1 || restored.Steps[0].Name != "login" {
		t.Errorf("restored = %+v", restored.Steps)
	}
	after := versionsOf(t, s, collection.ObjectCollection, int64(c.ID))
	if len(after) != len(vs)+1 || after[0].Summary != "restored version 1" || after[0].Document != vs[len(vs)-1].Document {
		t.Errorf("after restore: %d versions, latest %q; want %d, \"restored version 1\" with v1's document", len(after), after[0].Summary, len(vs)+1)
	}
	if secrets, err := s.RunSecrets(ctx, c.ID, ""); err != nil || secrets["password"] != secrettest.Value+"-rotated" {
		t.Errorf("restore changed the secret: %v", err)
	}
	if _, err := s.RestoreCollectionVersion(ctx, c.ID, 99); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("restoring a missing version: %v; want ErrNotFound", err)
	}

	// Deleting the collection deletes its versions.
	if err := s.DeleteCollection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if vs := versionsOf(t, s, collection.ObjectCollection, int64(c.ID)); len(vs) != 0 {
		t.Errorf("%d versions left after delete", len(vs))
	}
}

func TestRestoreRefusesAMissingSecret(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	c, err := s.CreateCollection(ctx, &collection.Collection{
		Name:    "with secret",
		Secrets: map[string]string{"key": "k"},
		Steps:   []collection.Step{{Name: "a", Method: "GET", URL: "http://127.0.0.1:1/@<<secrets.key>>"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	steps := []collection.Step{{Name: "a", Method: "GET", URL: "http://127.0.0.1:1/"}}
	if _, err := s.ReplaceCollection(ctx, c.ID, &collection.Collection{Name: "with secret", Steps: steps}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSecret(ctx, c.ID, "key"); err != nil {
		t.Fatal(err)
	}
	_, err = s.RestoreCollectionVersion(ctx, c.ID, 1)
	var ve *collection.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "key") {
		t.Errorf("restoring a version that uses a deleted secret: %v; want a validation error naming it", err)
	}
}

func TestMonitorAndChannelVersions(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	c, err := s.CreateCollection(ctx, &collection.Collection{Name: "c", Steps: []collection.Step{{Name: "a", Method: "GET", URL: "http://127.0.0.1:1/"}}})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := s.CreateChannel(ctx, &collection.AlertChannel{Name: "hook", Type: collection.ChannelWebhook,
		Config: map[string]string{"url": "http://127.0.0.1:1/hook", "secret": secrettest.Value}})
	if err != nil {
		t.Fatal(err)
	}
	ch.Config = map[string]string{"url": "http://127.0.0.1:1/hook", "secret": secrettest.Value + "2"}
	if _, err := s.UpdateChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	cvs := versionsOf(t, s, collection.ObjectChannel, int64(ch.ID))
	if len(cvs) != 2 || cvs[0].Summary != "settings replaced" || cvs[1].Summary != "created" {
		t.Errorf("channel versions = %+v", cvs)
	}
	for _, v := range cvs {
		if secrettest.Leaks(v.Document) || strings.Contains(v.Document, "127.0.0.1") || !strings.Contains(v.Document, "secret: ••••") {
			t.Errorf("channel version %d shows a setting:\n%s", v.Version, v.Document)
		}
	}

	m, err := s.CreateMonitor(ctx, &collection.Monitor{Name: "m", Schedule: "every 5m", Enabled: true,
		CollectionIDs: []collection.CollectionID{c.ID}, ChannelIDs: []collection.ChannelID{ch.ID}})
	if err != nil {
		t.Fatal(err)
	}
	m.Schedule = "every 10m"
	if _, err := s.UpdateMonitor(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMonitorEnabled(ctx, m.ID, false); err != nil {
		t.Fatal(err)
	}
	mvs := versionsOf(t, s, collection.ObjectMonitor, int64(m.ID))
	var sums []string
	for _, v := range mvs {
		sums = append(sums, v.Summary)
	}
	if !reflect.DeepEqual(sums, []string{"paused", "schedule changed", "created"}) {
		t.Errorf("monitor summaries = %q", sums)
	}
	if !strings.Contains(mvs[1].Diff, "-schedule: every 5m") || !strings.Contains(mvs[1].Diff, "+schedule: every 10m") {
		t.Errorf("monitor diff:\n%s", mvs[1].Diff)
	}
	old, err := collection.ParseMonitorDocument([]byte(mvs[2].Document))
	if err != nil || old.Schedule != "every 5m" || !old.Enabled || !reflect.DeepEqual(old.CollectionIDs, m.CollectionIDs) {
		t.Errorf("monitor v1 reads back as %+v, %v", old, err)
	}
	if err := s.DeleteMonitor(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if vs := versionsOf(t, s, collection.ObjectMonitor, int64(m.ID)); len(vs) != 0 {
		t.Errorf("%d monitor versions left after delete", len(vs))
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for i, e := range []collection.AuditEntry{
		{Actor: "ada@example.com", Action: "login", ObjectType: "user", Outcome: collection.AuditOK},
		{Actor: "eve@example.com", Action: "login", Outcome: collection.AuditFailed, ErrorCode: "UNAUTHENTICATED"},
		{Actor: "ada@example.com", Action: "deleteCollection", ObjectType: "collection", ObjectID: "7", Outcome: collection.AuditOK,
			Summary: json.RawMessage(`{"id":"7"}`)},
	} {
		e.At = base.Add(time.Duration(i) * time.Hour)
		if err := s.InsertAuditEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.ListAuditEntries(ctx, store.ListAuditParams{})
	if err != nil || len(all) != 3 || all[0].Action != "deleteCollection" || string(all[0].Summary) != `{"id": "7"}` {
		t.Fatalf("ListAuditEntries = %+v, %v", all, err)
	}
	page, err := s.ListAuditEntries(ctx, store.ListAuditParams{First: 1, Before: all[0].ID, AuditFilter: store.AuditFilter{Action: "login"}})
	if err != nil || len(page) != 1 || page[0].Actor != "eve@example.com" {
		t.Errorf("filtered page = %+v, %v", page, err)
	}
	failed, err := s.ListAuditEntries(ctx, store.ListAuditParams{AuditFilter: store.AuditFilter{Outcome: collection.AuditFailed}})
	if err != nil || len(failed) != 1 || failed[0].ErrorCode != "UNAUTHENTICATED" {
		t.Errorf("failed entries = %+v, %v", failed, err)
	}
	since := base.Add(30 * time.Minute)
	var exported []string
	if err := s.ExportAuditEntries(ctx, store.AuditFilter{Since: &since}, func(e collection.AuditEntry) error {
		exported = append(exported, e.Action)
		return nil
	}); err != nil || !reflect.DeepEqual(exported, []string{"login", "deleteCollection"}) {
		t.Errorf("export since %s = %q, %v", since, exported, err)
	}
	n, err := s.PruneAuditLog(ctx, base.Add(90*time.Minute), 100)
	if err != nil || n != 2 {
		t.Errorf("PruneAuditLog = %d, %v; want 2", n, err)
	}
}

// Every statement that inserts runs records the collection's version then
// current (no trigger fills it in): a manual run, a slot's batch of scheduled
// runs, a missed slot; a retry keeps the version of the run it retries.
func TestEveryRunInsertRecordsItsCollectionVersion(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c, err := s.CreateCollection(ctx, &collection.Collection{Name: "checkout",
		Steps: []collection.Step{{Name: "home", Method: "GET", URL: "http://127.0.0.1:1/"}}})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := s.CreateCollection(ctx, &collection.Collection{Name: "bare",
		Steps: []collection.Step{{Name: "home", Method: "GET", URL: "http://127.0.0.1:1/"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM object_versions WHERE object_type = 'collection' AND object_id = $1`, bare.ID); err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateMonitor(ctx, &collection.Monitor{Name: "m", Schedule: "every 5m", CollectionIDs: []collection.CollectionID{c.ID, bare.ID}})
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &c.ID, MonitorID: &m.ID, Trigger: collection.TriggerSchedule, Snapshot: *c})
	if err != nil {
		t.Fatal(err)
	}
	desc := "changed"
	if _, err := s.UpdateCollection(ctx, c.ID, store.UpdateCollectionParams{Description: &desc}); err != nil {
		t.Fatal(err)
	}
	latest := versionsOf(t, s, collection.ObjectCollection, int64(c.ID))[0].Version
	if latest < 2 {
		t.Fatalf("latest version after a change = %d; want at least 2", latest)
	}
	retry, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &c.ID, MonitorID: &m.ID, Trigger: collection.TriggerRetry,
		Snapshot: *c, Chain: collection.RetryChain{Of: &first.ID, Attempt: 1}})
	if err != nil {
		t.Fatal(err)
	}
	manual, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerManual, Snapshot: *c})
	if err != nil {
		t.Fatal(err)
	}
	unversioned, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &bare.ID, Trigger: collection.TriggerManual, Snapshot: *bare})
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	snap, _ := json.Marshal(c)
	created, err := s.InsertScheduledRuns(ctx, pool, []store.ScheduledRunParams{
		{MonitorID: m.ID, CollectionID: c.ID, Location: "local", ScheduledFor: slot, IdempotencyKey: "slot-a", Name: c.Name},
		{MonitorID: m.ID, CollectionID: bare.ID, Location: "local", ScheduledFor: slot, IdempotencyKey: "slot-b", Name: bare.Name},
	}, [][]byte{snap})
	if err != nil || len(created) != 2 {
		t.Fatalf("InsertScheduledRuns = %+v, %v", created, err)
	}
	if _, err := s.InsertMissedRuns(ctx, pool, []store.MissedRunParams{{MonitorID: m.ID, CollectionID: c.ID, Location: "local",
		ScheduledFor: slot.Add(-time.Hour), IdempotencyKey: "missed", Error: collection.MissedStale, Snapshot: *c, At: slot}}); err != nil {
		t.Fatal(err)
	}
	byKey := func(key string) collection.RunID {
		var id collection.RunID
		if err := pool.QueryRow(ctx, `SELECT id FROM runs WHERE idempotency_key = $1`, key).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	want := map[string]struct {
		id   collection.RunID
		want *int
	}{
		"first run":                           {first.ID, ptr(1)},
		"its retry":                           {retry.ID, ptr(1)},
		"manual run":                          {manual.ID, ptr(latest)},
		"run of a collection with no version": {unversioned.ID, nil},
		"scheduled run":                       {byKey("slot-a"), ptr(latest)},
		"scheduled run, no version":           {byKey("slot-b"), nil},
		"missed slot":                         {byKey("missed"), ptr(latest)},
	}
	for name, w := range want {
		got, err := s.RunCollectionVersion(ctx, w.id)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (w.want == nil) || got != nil && *got != *w.want {
			t.Errorf("%s: collection version = %v; want %v", name, versionText(got), versionText(w.want))
		}
	}
}

func versionText(v *int) string {
	if v == nil {
		return "none"
	}
	return strconv.Itoa(*v)
}
