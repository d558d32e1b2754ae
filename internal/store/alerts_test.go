package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// alertFixture writes a collection, a monitor on it with two channels and a
// failed run, with raw SQL so alerts.go is tested on its own.
type alertFixture struct {
	m    collection.MonitorID
	c    collection.CollectionID
	chs  []collection.ChannelID
	runs []collection.RunID
}

func newAlertFixture(t *testing.T, db store.DB) alertFixture {
	t.Helper()
	ctx := context.Background()
	var f alertFixture
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('checkout') RETURNING id`).Scan(&f.c))
	must(db.QueryRow(ctx, `INSERT INTO monitors (name, schedule, locations, failure_threshold, reminder_interval_s, errored_mode, min_failed_locations)
		VALUES ('prod', 'every 1m', '{local,eu}', 3, 600, 'separate', 2) RETURNING id`).Scan(&f.m))
	must(db.QueryRow(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) VALUES ($1, $2) RETURNING 1`, f.m, f.c).Scan(new(int)))
	for _, typ := range []string{"slack", "webhook"} {
		var id collection.ChannelID
		must(db.QueryRow(ctx, `INSERT INTO alert_channels (name, type, config_ciphertext, key_id) VALUES ($1, $1, '\x00', 'k') RETURNING id`, typ).Scan(&id))
		must(db.QueryRow(ctx, `INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ($1, $2) RETURNING 1`, f.m, id).Scan(new(int)))
		f.chs = append(f.chs, id)
	}
	slot := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, loc := range []string{"local", "eu", "us"} {
		status := []string{"failed", "passed", "running"}[i]
		var id collection.RunID
		must(db.QueryRow(ctx, `INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, snapshot,
				idempotency_key, scheduled_for, finished_at)
			VALUES ($1, $2, 'checkout', $3, 'schedule', $4, '{}', $5, $6, CASE WHEN $4 = 'running' THEN NULL ELSE now() END) RETURNING id`,
			f.c, f.m, loc, status, "k-"+loc, slot).Scan(&id))
		f.runs = append(f.runs, id)
	}
	return f
}

func TestAlertStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.NewDB(t)
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(pool, box)
	f := newAlertFixture(t, pool)
	slot := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	t.Run("target", func(t *testing.T) {
		tg, err := s.AlertTarget(ctx, pool, f.m)
		if err != nil {
			t.Fatal(err)
		}
		p := tg.Policy
		if tg.MonitorName != "prod" || len(tg.Locations) != 2 || p.FailureThreshold != 3 || p.ReminderInterval != 10*time.Minute ||
			p.Errored != collection.ErroredSeparate || p.MinFailedLocations != 2 || !p.RecoveryEnabled || len(tg.ChannelIDs) != 2 {
			t.Errorf("target %+v", tg)
		}
		if _, err := s.AlertTarget(ctx, pool, 999999); !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("missing monitor: %v", err)
		}
	})

	t.Run("state is created, locked and saved", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		st, err := s.LockAlertState(ctx, tx, f.m, f.c)
		if err != nil || st.ConsecutiveFailures != 0 || st.FailingSince != nil {
			t.Fatalf("new state %+v, %v", st, err)
		}
		since := slot
		st.ConsecutiveFailures, st.LastStatus, st.FailingSince = 2, "failed", &since
		if err := s.SaveAlertState(ctx, tx, st); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.LockAlertState(ctx, pool, f.m, f.c)
		if err != nil || got.ConsecutiveFailures != 2 || got.LastStatus != "failed" || !got.FailingSince.Equal(slot) {
			t.Fatalf("read back %+v, %v", got, err)
		}
	})

	t.Run("slot runs are the other finished locations", func(t *testing.T) {
		runs, err := s.SlotRuns(ctx, pool, f.m, f.c, slot, f.runs[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 1 || runs[0].Location != "eu" || runs[0].Status != collection.RunPassed {
			t.Errorf("slot runs %+v", runs)
		}
	})

	var inc collection.Incident
	t.Run("incident open, link, acknowledge, resolve, list", func(t *testing.T) {
		var err error
		inc, err = s.OpenIncident(ctx, pool, store.OpenIncidentParams{MonitorID: f.m, CollectionID: f.c, Kind: "failure", Summary: "step 1 failed", OpenedAt: slot, RunID: f.runs[0]})
		if err != nil {
			t.Fatal(err)
		}
		if inc.Status != collection.IncidentOpen || *inc.FirstRunID != f.runs[0] || !inc.LastNotifiedAt.Equal(slot) {
			t.Errorf("opened %+v", inc)
		}
		// A second open incident of the same kind is refused by the database.
		if _, err := s.OpenIncident(ctx, pool, store.OpenIncidentParams{MonitorID: f.m, CollectionID: f.c, Kind: "failure", OpenedAt: slot, RunID: f.runs[0]}); !errors.Is(err, collection.ErrConflict) {
			t.Errorf("second open incident: %v", err)
		}
		later := slot.Add(10 * time.Minute)
		if err := s.LinkIncidentRun(ctx, pool, inc.ID, f.runs[1], &later); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkIncidentRun(ctx, pool, inc.ID, f.runs[1], nil); err != nil { // idempotent
			t.Fatal(err)
		}
		open, err := s.OpenIncidents(ctx, pool, f.m, f.c)
		if err != nil || len(open) != 1 || *open[0].LastRunID != f.runs[1] || !open[0].LastNotifiedAt.Equal(later) {
			t.Fatalf("open incidents %+v, %v", open, err)
		}
		ack, err := s.AcknowledgeIncident(ctx, inc.ID, later)
		if err != nil || ack.Status != collection.IncidentAcknowledged {
			t.Fatalf("acknowledge: %+v, %v", ack, err)
		}
		if n, err := s.SetIncidentAcknowledged(ctx, f.m, f.c, "failure", true, later); err != nil || n != 0 {
			t.Errorf("acknowledging an acknowledged incident: %d, %v", n, err)
		}
		if n, err := s.SetIncidentAcknowledged(ctx, f.m, f.c, "failure", false, later); err != nil || n != 1 {
			t.Fatalf("unacknowledge: %d, %v", n, err)
		}
		if got, err := s.GetIncident(ctx, inc.ID); err != nil || got.Status != collection.IncidentOpen || got.AcknowledgedAt != nil {
			t.Fatalf("unacknowledged: %+v, %v", got, err)
		}
		if n, err := s.SetIncidentAcknowledged(ctx, f.m, f.c, "errored", true, later); err != nil || n != 0 {
			t.Errorf("acknowledging another kind: %d, %v", n, err)
		}
		if n, err := s.SetIncidentAcknowledged(ctx, f.m, f.c, "failure", true, later); err != nil || n != 1 {
			t.Fatalf("acknowledge by key: %d, %v", n, err)
		}
		if err := s.ResolveIncident(ctx, pool, inc.ID, f.runs[1], later.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.ResolveIncident(ctx, pool, inc.ID, f.runs[1], later); !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("resolving twice: %v", err)
		}
		if _, err := s.AcknowledgeIncident(ctx, inc.ID, later); !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("acknowledging a resolved incident: %v", err)
		}
		got, err := s.GetIncident(ctx, inc.ID)
		if err != nil || got.Status != collection.IncidentResolved || got.ResolvedAt == nil || got.AcknowledgedAt == nil {
			t.Fatalf("resolved: %+v, %v", got, err)
		}
		runs, err := s.IncidentRunIDs(ctx, []collection.IncidentID{inc.ID})
		if err != nil || len(runs[inc.ID]) != 2 {
			t.Fatalf("incident runs %v, %v", runs, err)
		}
		second, err := s.OpenIncident(ctx, pool, store.OpenIncidentParams{MonitorID: f.m, CollectionID: f.c, Kind: "failure", OpenedAt: later, RunID: f.runs[0]})
		if err != nil {
			t.Fatalf("a new incident after the resolve: %v", err)
		}
		list, err := s.ListIncidents(ctx, store.ListIncidentsParams{MonitorID: &f.m})
		if err != nil || len(list) != 2 || list[0].ID != second.ID {
			t.Fatalf("list %+v, %v", list, err)
		}
		list, err = s.ListIncidents(ctx, store.ListIncidentsParams{Statuses: []collection.IncidentStatus{collection.IncidentResolved}})
		if err != nil || len(list) != 1 || list[0].ID != inc.ID {
			t.Fatalf("resolved list %+v, %v", list, err)
		}
		list, err = s.ListIncidents(ctx, store.ListIncidentsParams{First: 1, After: &second.ID})
		if err != nil || len(list) != 1 || list[0].ID != inc.ID {
			t.Fatalf("second page %+v, %v", list, err)
		}
	})

	t.Run("deliveries record every attempt and settle once", func(t *testing.T) {
		d, err := s.InsertDelivery(ctx, pool, store.InsertDeliveryParams{IncidentID: &inc.ID, ChannelID: f.chs[0], Event: "trigger", Payload: []byte(`{"kind":"trigger"}`)})
		if err != nil || d.Status != collection.DeliveryPending {
			t.Fatalf("insert %+v, %v", d, err)
		}
		next := time.Now().Add(time.Minute)
		if _, err := s.RecordDeliveryAttempt(ctx, store.UpdateDeliveryParams{ID: d.ID, Status: collection.DeliveryRetrying, LastError: "HTTP 500", NextAttemptAt: &next}); err != nil {
			t.Fatal(err)
		}
		got, err := s.RecordDeliveryAttempt(ctx, store.UpdateDeliveryParams{ID: d.ID, Status: collection.DeliveryDelivered})
		if err != nil || got.Attempts != 2 || got.Status != collection.DeliveryDelivered || got.DeliveredAt == nil || got.LastError != "" {
			t.Fatalf("delivered %+v, %v", got, err)
		}
		if _, err := s.RecordDeliveryAttempt(ctx, store.UpdateDeliveryParams{ID: d.ID, Status: collection.DeliveryFailed}); !errors.Is(err, collection.ErrConflict) {
			t.Errorf("a settled delivery changed: %v", err)
		}
		rec, err := s.GetDelivery(ctx, d.ID)
		if err != nil || string(rec.Payload) != `{"kind": "trigger"}` {
			t.Fatalf("get %+v, %v", rec, err)
		}
		if _, err := s.InsertDelivery(ctx, pool, store.InsertDeliveryParams{IncidentID: &inc.ID, ChannelID: f.chs[1], Event: "trigger"}); err != nil {
			t.Fatal(err)
		}
		byInc, err := s.DeliveriesByIncident(ctx, []collection.IncidentID{inc.ID})
		if err != nil || len(byInc[inc.ID]) != 2 {
			t.Fatalf("by incident %v, %v", byInc, err)
		}
		byCh, err := s.DeliveriesByChannel(ctx, f.chs[0], 10)
		if err != nil || len(byCh) != 1 || byCh[0].Attempts != 2 {
			t.Fatalf("by channel %+v, %v", byCh, err)
		}
		recent, err := s.RecentDeliveries(ctx, 10)
		if err != nil || len(recent) != 2 || recent[0].ChannelID != f.chs[1] || recent[1].ChannelID != f.chs[0] {
			t.Fatalf("recent across channels %+v, %v", recent, err)
		}
		if capped, err := s.RecentDeliveries(ctx, 1); err != nil || len(capped) != 1 || capped[0].ID != recent[0].ID {
			t.Fatalf("recent capped at 1 %+v, %v", capped, err)
		}
	})

	t.Run("channel flag set and cleared", func(t *testing.T) {
		if err := s.SetChannelError(ctx, f.chs[0], "slack: HTTP 404: no_service"); err != nil {
			t.Fatal(err)
		}
		var msg string
		var at *time.Time
		if err := pool.QueryRow(ctx, `SELECT last_error, last_error_at FROM alert_channels WHERE id = $1`, f.chs[0]).Scan(&msg, &at); err != nil || msg == "" || at == nil {
			t.Fatalf("flag %q %v %v", msg, at, err)
		}
		if err := s.SetChannelError(ctx, f.chs[0], ""); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(ctx, `SELECT last_error, last_error_at FROM alert_channels WHERE id = $1`, f.chs[0]).Scan(&msg, &at); err != nil || msg != "" || at != nil {
			t.Fatalf("cleared flag %q %v %v", msg, at, err)
		}
	})
}
