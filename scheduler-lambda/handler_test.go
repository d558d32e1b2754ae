package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

type fixture struct {
	pool    *pgxpool.Pool
	monitor collection.MonitorID
	now     time.Time
	mu      sync.Mutex
	handler *handler
}

func (f *fixture) setNow(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// newFixture is a fresh database with a monitor ("every 5m", two locations,
// one collection) and a handler built the way main builds it, on a test clock.
func newFixture(t *testing.T, locations ...string) *fixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.NewDB(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(pool, box)
	c, err := st.CreateCollection(ctx, &collection.Collection{Name: "checkout", Steps: []collection.Step{
		{Name: "ping", Method: "GET", URL: "http://127.0.0.1:9/ping"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.CreateMonitor(ctx, &collection.Monitor{Name: "checkout every 5m", Schedule: "every 5m", TimeZone: "UTC",
		Enabled: true, Locations: locations, CollectionIDs: []collection.CollectionID{c.ID}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(store.New(pool, nil), nil, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{pool: pool, monitor: m.ID}
	d, err := schedule.NewDeliverer(schedule.DelivererConfig{Pool: pool, Store: store.New(pool, nil), Queue: q, Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.handler = &handler{deliverer: d, log: slog.New(slog.DiscardHandler)}
	return f
}

// event reads the recorded delivery in testdata, addressed to this monitor.
func (f *fixture) event(t *testing.T, file string) (Event, time.Time) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte(strings.ReplaceAll(string(raw), "MONITOR_ID", strconv.FormatInt(int64(f.monitor), 10)))
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	slot, err := time.Parse(time.RFC3339, ev.ScheduledTime)
	if err != nil {
		t.Fatal(err)
	}
	return ev, slot
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHandlerDuplicateDeliveries is scenario 5 of docs/reliability.md: five concurrent
// invocations with the same event and a sixth 30 s later make one run row and
// one job, and every invocation succeeds.
func TestHandlerDuplicateDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	ev, slot := f.event(t, "event.json")
	f.setNow(slot.Add(400 * time.Millisecond))

	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.handler.Handle(ctx, ev)
		}()
	}
	wg.Wait()
	f.setNow(slot.Add(30 * time.Second))
	errs = append(errs, f.handler.Handle(ctx, ev))
	for i, err := range errs {
		if err != nil {
			t.Errorf("invocation %d: %v", i+1, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM runs WHERE monitor_id = $1 AND scheduled_for = $2 AND status = 'queued'`, f.monitor, slot); n != 1 {
		t.Errorf("runs for the slot = %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM runs`); n != 1 {
		t.Errorf("runs = %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'catena_run'`); n != 1 {
		t.Errorf("jobs = %d, want 1", n)
	}
}

// TestHandlerStaleDelivery is scenario 6 of docs/reliability.md: a delivery two hours
// late for a 5-minute monitor is recorded missed (stale) and sends nothing.
func TestHandlerStaleDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, "local", "eu-west-1")
	ev, slot := f.event(t, "event.json")
	f.setNow(slot.Add(2 * time.Hour))
	for range 2 { // AWS retrying the late delivery changes nothing
		if err := f.handler.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM runs WHERE monitor_id = $1 AND scheduled_for = $2 AND status = 'missed' AND error = 'stale' AND finished_at IS NOT NULL`, f.monitor, slot); n != 2 {
		t.Errorf("stale rows = %d, want one per location (2)", n)
	}
	if n := f.count(t, `SELECT count(*) FROM runs`); n != 2 {
		t.Errorf("runs = %d, want 2", n)
	}
	if n := f.count(t, `SELECT count(*) FROM river_job`); n != 0 {
		t.Errorf("jobs = %d, want 0: nothing may be sent", n)
	}
}

func TestHandlerIgnoresWhatCannotRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	ev, slot := f.event(t, "event.json")
	f.setNow(slot)
	for _, bad := range []Event{{MonitorID: 0, ScheduledTime: ev.ScheduledTime}, {MonitorID: ev.MonitorID, ScheduledTime: "yesterday"}, {MonitorID: 999999, ScheduledTime: ev.ScheduledTime}} {
		if err := f.handler.Handle(ctx, bad); err != nil {
			t.Errorf("Handle(%+v) = %v; want nil (a retry cannot help)", bad, err)
		}
	}
	if _, err := f.pool.Exec(ctx, `UPDATE monitors SET enabled = false`); err != nil {
		t.Fatal(err)
	}
	if err := f.handler.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM runs`); n != 0 {
		t.Errorf("runs = %d, want 0", n)
	}
}

// TestHandlerFailsWhenEnqueueFails: with the database gone the handler
// returns an error, so Lambda retries and finally dead-letters the event.
func TestHandlerFailsWhenEnqueueFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev, slot := f.event(t, "event.json")
	f.setNow(slot)
	f.pool.Close()
	if err := f.handler.Handle(context.Background(), ev); err == nil {
		t.Fatal("Handle with the database closed = nil, want an error")
	}
}
