package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/store"
)

// insertScheduled writes a collection and a monitor on it with raw SQL, so the
// scheduler's queries are tested on their own.
func insertScheduled(t *testing.T, db store.DB, enabled bool, next *time.Time, locations ...string) (collection.MonitorID, collection.CollectionID) {
	t.Helper()
	ctx := context.Background()
	var cid collection.CollectionID
	if err := db.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('checkout') RETURNING id`).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	if len(locations) == 0 {
		locations = []string{"local"}
	}
	var mid collection.MonitorID
	if err := db.QueryRow(ctx, `INSERT INTO monitors (name, schedule, time_zone, enabled, locations, next_run_at)
		VALUES ('m', 'every 1m', 'Europe/Paris', $1, $2, $3) RETURNING id`, enabled, locations, next).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) VALUES ($1, $2)`, mid, cid); err != nil {
		t.Fatal(err)
	}
	return mid, cid
}

func ptr[T any](v T) *T { return &v }

func TestScheduleClaimAndAdvance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.TestTx(t)
	s := store.New(nil, nil)
	now := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	due, cid := insertScheduled(t, tx, true, ptr(now.Add(-time.Second)), "local", "eu-west-1")
	insertScheduled(t, tx, true, ptr(now.Add(time.Minute)))   // not due yet
	insertScheduled(t, tx, false, ptr(now.Add(-time.Minute))) // paused
	insertScheduled(t, tx, true, nil)                         // never scheduled

	got, err := s.ClaimDueMonitors(ctx, tx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != due || got[0].Schedule != "every 1m" || got[0].TimeZone != "Europe/Paris" ||
		len(got[0].Locations) != 2 || len(got[0].CollectionIDs) != 1 || got[0].CollectionIDs[0] != cid || !got[0].NextRunAt.Equal(now.Add(-time.Second)) {
		t.Fatalf("ClaimDueMonitors = %+v", got)
	}
	ids, err := s.DueCollectionIDs(ctx, tx, now, 10)
	if err != nil || len(ids) != 1 || ids[0] != cid {
		t.Errorf("DueCollectionIDs = %v, %v", ids, err)
	}

	if err := s.SetNextRunAt(ctx, tx, map[collection.MonitorID]*time.Time{due: ptr(now.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDueMonitors(ctx, tx, now, 10); len(got) != 0 {
		t.Errorf("after advancing, still due: %+v", got)
	}
	if err := s.SetNextRunAt(ctx, tx, map[collection.MonitorID]*time.Time{due: nil}); err != nil {
		t.Fatal(err)
	}
	m, err := s.ScheduledMonitor(ctx, tx, due)
	if err != nil || m.NextRunAt != nil {
		t.Errorf("after parking: %+v, %v", m, err)
	}
	if _, err := s.ScheduledMonitor(ctx, tx, 999999); err == nil {
		t.Error("ScheduledMonitor of a missing monitor: no error")
	}
}

func TestScheduleClaimSkipsLockedMonitors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.NewDB(t)
	s := store.New(pool, nil)
	now := time.Now()
	for range 3 {
		insertScheduled(t, pool, true, ptr(now.Add(-time.Second)))
	}
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	first, err := s.ClaimDueMonitors(ctx, tx1, now, 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("first claim = %d, %v", len(first), err)
	}
	tx2, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx)
	second, err := s.ClaimDueMonitors(ctx, tx2, now, 10)
	if err != nil || len(second) != 1 || second[0].ID == first[0].ID || second[0].ID == first[1].ID {
		t.Fatalf("second claim = %+v, %v; want only the monitor the first left", second, err)
	}
}

func TestScheduleMissedRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.TestTx(t)
	s := store.New(nil, nil)
	mid, cid := insertScheduled(t, tx, true, nil)
	slot := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	at := slot.Add(time.Hour)
	snap := collection.Collection{Name: "checkout", Steps: []collection.Step{{Name: "login", Method: "GET", URL: "http://127.0.0.1/"}}}
	p := store.MissedRunParams{MonitorID: mid, CollectionID: cid, Location: "local", ScheduledFor: slot,
		IdempotencyKey: "k1", Error: collection.MissedStale, Snapshot: snap, At: at}
	n, err := s.InsertMissedRuns(ctx, tx, []store.MissedRunParams{p, {MonitorID: mid, CollectionID: 424242, Location: "local",
		ScheduledFor: slot, IdempotencyKey: "k2", Error: collection.MissedOverlap, Snapshot: snap, At: at}})
	if err != nil || n != 2 {
		t.Fatalf("InsertMissedRuns = %d, %v", n, err)
	}
	// The same slot again (a duplicate delivery) adds nothing.
	if n, err := s.InsertMissedRuns(ctx, tx, []store.MissedRunParams{p}); err != nil || n != 0 {
		t.Fatalf("second InsertMissedRuns = %d, %v", n, err)
	}
	var (
		status, errText, name, trigger string
		finished, scheduled            time.Time
		raw                            []byte
		collID                         *int64
	)
	err = tx.QueryRow(ctx, `SELECT status, error, collection_name, trigger, finished_at, scheduled_for, snapshot, collection_id
		FROM runs WHERE idempotency_key = 'k1'`).Scan(&status, &errText, &name, &trigger, &finished, &scheduled, &raw, &collID)
	if err != nil {
		t.Fatal(err)
	}
	var got collection.Collection
	_ = json.Unmarshal(raw, &got)
	if status != "missed" || errText != "stale" || name != "checkout" || trigger != "schedule" || !finished.Equal(at) ||
		!scheduled.Equal(slot) || got.Name != "checkout" || len(got.Steps) != 1 || collID == nil || *collID != int64(cid) {
		t.Errorf("missed row = %s %q %s %s %s %s %s %v", status, errText, name, trigger, finished, scheduled, raw, collID)
	}
	// A collection deleted meanwhile leaves the run with no collection id.
	if err := tx.QueryRow(ctx, `SELECT collection_id FROM runs WHERE idempotency_key = 'k2'`).Scan(&collID); err != nil || collID != nil {
		t.Errorf("run of a missing collection: %v, %v", collID, err)
	}

	// ActiveRuns sees only queued and running runs.
	if _, err := tx.Exec(ctx, `INSERT INTO runs (monitor_id, collection_id, collection_name, location, trigger, status, snapshot, idempotency_key, scheduled_for)
		VALUES ($1, $2, 'checkout', 'eu-west-1', 'schedule', 'running', '{}', 'k3', $3)`, mid, cid, slot); err != nil {
		t.Fatal(err)
	}
	active, err := s.ActiveRuns(ctx, tx, []collection.MonitorID{mid})
	if err != nil || len(active) != 1 || active[0].Location != "eu-west-1" || active[0].Status != collection.RunRunning || !active[0].ScheduledFor.Equal(slot) {
		t.Errorf("ActiveRuns = %+v, %v", active, err)
	}
}

func TestScheduleLeaderLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := dbtest.NewDBURL(t)
	a, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	if ok, err := store.TryLeaderLock(ctx, a); err != nil || !ok {
		t.Fatalf("first TryLeaderLock = %v, %v", ok, err)
	}
	if ok, err := store.HoldsLeaderLock(ctx, a); err != nil || !ok {
		t.Fatalf("HoldsLeaderLock(a) = %v, %v", ok, err)
	}
	if ok, err := store.TryLeaderLock(ctx, b); err != nil || ok {
		t.Fatalf("second TryLeaderLock = %v, %v; want refused", ok, err)
	}
	if ok, _ := store.HoldsLeaderLock(ctx, b); ok {
		t.Fatal("HoldsLeaderLock(b) = true")
	}
	a.Close(ctx) // the leader dies: its session's lock goes with it
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := store.TryLeaderLock(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the standby never got the lock")
		}
		time.Sleep(20 * time.Millisecond) // polling the server for the released lock
	}
}
