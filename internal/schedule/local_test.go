package schedule_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// clock is a time the test moves by hand: Set moves the wall clock alone (a
// clock jump, or a test's next moment), Pass moves it with the monotonic clock
// (time really passing, as for a scheduler that is slow).
type clock struct {
	mu      sync.Mutex
	t       time.Time
	elapsed time.Duration
}

func (c *clock) Elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.elapsed
}

func (c *clock) Pass(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t, c.elapsed = c.t.Add(d), c.elapsed+d
	return c.t
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// harness is a fresh database with a queue and a local scheduler on a test clock.
type harness struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *store.Store
	queue *queue.Client
	clock *clock
	local *schedule.Local
}

func newHarness(t *testing.T, start time.Time, tweak ...func(*schedule.LocalConfig)) *harness {
	t.Helper()
	pool := dbtest.NewDB(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, pool: pool, store: store.New(pool, box), clock: &clock{t: start}}
	if h.queue, err = queue.New(h.store, nil, queue.Config{}); err != nil {
		t.Fatal(err)
	}
	h.local = h.newLocal(tweak...)
	return h
}

func (h *harness) newLocal(tweak ...func(*schedule.LocalConfig)) *schedule.Local {
	cfg := schedule.LocalConfig{Pool: h.pool, Store: h.store, Queue: h.queue, Now: h.clock.Now, Elapsed: h.clock.Elapsed, JitterMax: -1}
	for _, f := range tweak {
		f(&cfg)
	}
	l, err := schedule.NewLocal(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	return l
}

func (h *harness) collection(name string) collection.CollectionID {
	h.t.Helper()
	c, err := h.store.CreateCollection(context.Background(), &collection.Collection{Name: name, Steps: []collection.Step{
		{Name: "ping", Method: "GET", URL: "http://127.0.0.1:9/ping"},
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	return c.ID
}

// monitor creates a monitor and schedules it, as the gateway does.
func (h *harness) monitor(sched, tz string, locations []string, colls ...collection.CollectionID) *collection.Monitor {
	h.t.Helper()
	m, err := h.store.CreateMonitor(context.Background(), &collection.Monitor{
		Name: "m", Schedule: sched, TimeZone: tz, Enabled: true, Locations: locations, CollectionIDs: colls,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.local.Upsert(context.Background(), m); err != nil {
		h.t.Fatal(err)
	}
	return m
}

func (h *harness) tickAt(t time.Time) schedule.TickStats {
	h.t.Helper()
	h.clock.Set(t)
	st, err := h.local.Tick(context.Background())
	if err != nil {
		h.t.Fatalf("Tick at %s: %v", t.Format(time.RFC3339), err)
	}
	return st
}

func (h *harness) nextRunAt(id collection.MonitorID) *time.Time {
	h.t.Helper()
	var next *time.Time
	if err := h.pool.QueryRow(context.Background(), `SELECT next_run_at FROM monitors WHERE id = $1`, id).Scan(&next); err != nil {
		h.t.Fatal(err)
	}
	if next != nil {
		u := next.UTC()
		next = &u
	}
	return next
}

type runRow struct {
	Slot     time.Time
	Status   string
	Error    string
	Location string
	Key      string
}

func (r runRow) String() string {
	return fmt.Sprintf("%s %s %s %q", r.Slot.UTC().Format(time.RFC3339), r.Location, r.Status, r.Error)
}

func (h *harness) runs(id collection.MonitorID) []runRow {
	h.t.Helper()
	rows, err := h.pool.Query(context.Background(), `SELECT scheduled_for, status, error, location, idempotency_key
		FROM runs WHERE monitor_id = $1 ORDER BY scheduled_for, location, idempotency_key`, id)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []runRow
	for rows.Next() {
		var r runRow
		if err := rows.Scan(&r.Slot, &r.Status, &r.Error, &r.Location, &r.Key); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (h *harness) jobs() int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'catena_run'`).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// finishAll plays the runner: every queued or running run passes.
func (h *harness) finishAll() {
	h.t.Helper()
	if _, err := h.pool.Exec(context.Background(), `UPDATE runs SET status = 'passed', finished_at = now() WHERE status IN ('queued', 'running')`); err != nil {
		h.t.Fatal(err)
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func wantRuns(t *testing.T, got []runRow, want ...string) {
	t.Helper()
	var lines []string
	for _, r := range got {
		lines = append(lines, r.String())
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("runs:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestLocalEveryFiresEachSlotOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-11-22T04:00:10Z"))
	c := h.collection("checkout")
	m := h.monitor("every 1m", "UTC", []string{"local", "eu-west-1"}, c)
	if next := h.nextRunAt(m.ID); next == nil || !next.Equal(at("2026-11-22T04:01:00Z")) || !m.NextRunAt.Equal(*next) {
		t.Fatalf("next_run_at = %v (monitor says %v), want 04:01:00", next, m.NextRunAt)
	}
	if st := h.tickAt(at("2026-11-22T04:00:59Z")); st.Monitors != 0 {
		t.Fatalf("a tick before the slot claimed %d monitors", st.Monitors)
	}
	if st := h.tickAt(at("2026-11-22T04:01:00.3Z")); st.Enqueued != 2 {
		t.Fatalf("tick at the slot = %+v, want 2 runs (one per location)", st)
	}
	h.tickAt(at("2026-11-22T04:01:30Z")) // nothing more for this slot
	h.finishAll()
	h.tickAt(at("2026-11-22T04:02:00Z"))
	wantRuns(t, h.runs(m.ID),
		`2026-11-22T04:01:00Z eu-west-1 passed ""`,
		`2026-11-22T04:01:00Z local passed ""`,
		`2026-11-22T04:02:00Z eu-west-1 queued ""`,
		`2026-11-22T04:02:00Z local queued ""`)
	if n := h.jobs(); n != 4 {
		t.Errorf("jobs = %d, want 4", n)
	}
	if next := h.nextRunAt(m.ID); !next.Equal(at("2026-11-22T04:03:00Z")) {
		t.Errorf("next_run_at = %v, want 04:03", next)
	}
}

// TestLocalDST is scenario 21 of docs/reliability.md: `30 2 * * *` in New York, with the
// clock stepping every 10 minutes across the spring-forward and fall-back nights.
func TestLocalDST(t *testing.T) {
	t.Parallel()
	step := func(h *harness, from, to time.Time) {
		for now := from; !now.After(to); now = now.Add(10 * time.Minute) {
			h.tickAt(now)
			h.finishAll()
		}
	}

	spring := newHarness(t, at("2026-03-07T05:00:00Z")) // 00:00 EST, 7 March
	c := spring.collection("nightly")
	m := spring.monitor("30 2 * * *", "America/New_York", nil, c)
	step(spring, at("2026-03-07T05:00:00Z"), at("2026-03-10T05:00:00Z"))
	wantRuns(t, spring.runs(m.ID),
		`2026-03-07T07:30:00Z local passed ""`, // 02:30 EST
		`2026-03-08T07:30:00Z local missed "dst_gap"`,
		`2026-03-09T06:30:00Z local passed ""`) // 02:30 EDT

	fall := newHarness(t, at("2026-10-31T04:00:00Z")) // 00:00 EDT, 31 October
	c = fall.collection("nightly")
	m = fall.monitor("30 1 * * *", "America/New_York", nil, c)
	step(fall, at("2026-10-31T04:00:00Z"), at("2026-11-03T05:00:00Z"))
	wantRuns(t, fall.runs(m.ID),
		`2026-10-31T05:30:00Z local passed ""`, // 01:30 EDT
		`2026-11-01T05:30:00Z local passed ""`, // 01:30 EDT; the second 01:30 (EST) does not fire
		`2026-11-02T06:30:00Z local passed ""`) // 01:30 EST
}

func TestLocalPauseResume(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, at("2026-11-22T04:00:10Z"))
	m := h.monitor("every 1m", "UTC", nil, h.collection("c"))
	h.tickAt(at("2026-11-22T04:01:00Z"))
	h.finishAll()

	// Pause: next_run_at is cleared at once and nothing fires.
	if err := h.store.SetMonitorEnabled(ctx, m.ID, false); err != nil {
		t.Fatal(err)
	}
	m.Enabled = false
	if err := h.local.Upsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	if next := h.nextRunAt(m.ID); next != nil || m.NextRunAt != nil {
		t.Fatalf("paused next_run_at = %v", next)
	}
	for _, now := range []string{"2026-11-22T04:02:00Z", "2026-11-22T04:03:00Z", "2026-11-22T04:10:00Z"} {
		if st := h.tickAt(at(now)); st.Monitors != 0 {
			t.Fatalf("a paused monitor was claimed at %s", now)
		}
	}

	// Resume at 04:10:20: the next slot is 04:11, and the paused slots are not
	// recorded as missed (pausing is not an outage).
	h.clock.Set(at("2026-11-22T04:10:20Z"))
	if err := h.store.SetMonitorEnabled(ctx, m.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := h.local.Upsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	if next := h.nextRunAt(m.ID); next == nil || !next.Equal(at("2026-11-22T04:11:00Z")) {
		t.Fatalf("resumed next_run_at = %v, want 04:11", next)
	}
	h.tickAt(at("2026-11-22T04:11:00Z"))
	wantRuns(t, h.runs(m.ID),
		`2026-11-22T04:01:00Z local passed ""`,
		`2026-11-22T04:11:00Z local queued ""`)
}

func TestLocalEditMovesNextRunAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, at("2026-11-22T04:10:00Z"))
	m := h.monitor("every 1h", "UTC", nil, h.collection("c"))
	if next := h.nextRunAt(m.ID); !next.Equal(at("2026-11-22T05:00:00Z")) {
		t.Fatalf("next_run_at = %v, want 05:00", next)
	}
	m.Schedule = "every 5m"
	m, err := h.store.UpdateMonitor(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.local.Upsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	if next := h.nextRunAt(m.ID); !next.Equal(at("2026-11-22T04:15:00Z")) || !m.NextRunAt.Equal(*next) {
		t.Fatalf("after the edit next_run_at = %v, want 04:15", next)
	}
	m.Schedule, m.TimeZone = "0 9 * * *", "Asia/Tokyo"
	if m, err = h.store.UpdateMonitor(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := h.local.Upsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	if next := h.nextRunAt(m.ID); !next.Equal(at("2026-11-23T00:00:00Z")) { // 09:00 JST
		t.Fatalf("after the cron edit next_run_at = %v, want 00:00Z (09:00 in Tokyo)", next)
	}

	// A slot already due when the monitor is renamed is kept, not skipped.
	m.Schedule, m.TimeZone = "every 5m", "UTC"
	if m, err = h.store.UpdateMonitor(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := h.local.Upsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at("2026-11-22T04:15:00.5Z"))
	m.Name = "renamed"
	if err := h.local.Upsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at("2026-11-22T04:15:01Z"))
	wantRuns(t, h.runs(m.ID), `2026-11-22T04:15:00Z local queued ""`)
}

// TestLocalOverlap is scenario 8 of docs/reliability.md: while a run is still going, the
// next slots of that collection and location are recorded missed (overlap).
func TestLocalOverlap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, at("2026-11-22T04:00:10Z"))
	m := h.monitor("every 1m", "UTC", []string{"local", "eu-west-1"}, h.collection("slow"))
	h.tickAt(at("2026-11-22T04:01:00Z"))
	// The eu-west-1 run finishes; the local one is still running.
	if _, err := h.pool.Exec(ctx, `UPDATE runs SET status = 'passed', finished_at = now() WHERE location = 'eu-west-1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `UPDATE runs SET status = 'running', started_at = now(), attempt = 1 WHERE location = 'local'`); err != nil {
		t.Fatal(err)
	}
	finishEU := func() {
		if _, err := h.pool.Exec(ctx, `UPDATE runs SET status = 'passed', finished_at = now() WHERE location = 'eu-west-1' AND status = 'queued'`); err != nil {
			t.Fatal(err)
		}
	}
	h.tickAt(at("2026-11-22T04:02:00Z"))
	finishEU()
	h.tickAt(at("2026-11-22T04:03:00Z"))
	h.finishAll()
	h.tickAt(at("2026-11-22T04:04:00Z"))
	wantRuns(t, h.runs(m.ID),
		`2026-11-22T04:01:00Z eu-west-1 passed ""`,
		`2026-11-22T04:01:00Z local passed ""`,
		`2026-11-22T04:02:00Z eu-west-1 passed ""`,
		`2026-11-22T04:02:00Z local missed "overlap"`,
		`2026-11-22T04:03:00Z eu-west-1 passed ""`,
		`2026-11-22T04:03:00Z local missed "overlap"`,
		`2026-11-22T04:04:00Z eu-west-1 queued ""`,
		`2026-11-22T04:04:00Z local queued ""`)
}

// TestLocalOutage is scenario 7 of docs/reliability.md: the scheduler is down for an hour;
// the missed slots become one summary row per collection × location, nothing
// runs back-to-back, and the next slot fires on time.
func TestLocalOutage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-11-22T04:00:00Z"))
	m := h.monitor("every 5m", "UTC", nil, h.collection("c"))
	st := h.tickAt(at("2026-11-22T05:07:30Z"))
	if st.Enqueued != 0 || st.Missed != 1 {
		t.Fatalf("tick after the outage = %+v, want 1 missed row and nothing enqueued", st)
	}
	if next := h.nextRunAt(m.ID); !next.Equal(at("2026-11-22T05:10:00Z")) {
		t.Fatalf("next_run_at after the outage = %v, want 05:10 (on time)", next)
	}
	h.tickAt(at("2026-11-22T05:10:00.2Z"))
	wantRuns(t, h.runs(m.ID),
		`2026-11-22T04:05:00Z local missed "scheduler_down: 13 slot(s) from 2026-11-22T04:05:00Z to 2026-11-22T05:05:00Z were not run because no scheduler was running"`,
		`2026-11-22T05:10:00Z local queued ""`)

	// Back within the grace period of a slot: that slot still runs (late),
	// the ones before it are summarised.
	h2 := newHarness(t, at("2026-11-22T04:00:00Z"))
	m2 := h2.monitor("every 5m", "UTC", nil, h2.collection("c"))
	h2.tickAt(at("2026-11-22T04:20:20Z"))
	wantRuns(t, h2.runs(m2.ID),
		`2026-11-22T04:05:00Z local missed "scheduler_down: 3 slot(s) from 2026-11-22T04:05:00Z to 2026-11-22T04:15:00Z were not run because no scheduler was running"`,
		`2026-11-22T04:20:00Z local queued ""`)
}

// tickAfter lets d really pass (a slow scheduler: wall and monotonic clocks
// move together), then ticks.
func (h *harness) tickAfter(d time.Duration) schedule.TickStats {
	h.t.Helper()
	now := h.clock.Pass(d)
	st, err := h.local.Tick(context.Background())
	if err != nil {
		h.t.Fatalf("Tick at %s: %v", now.Format(time.RFC3339), err)
	}
	return st
}

// TestLocalSlowSchedulerRecordsLag: a scheduler that keeps running but falls
// behind its slots (the time between its ticks really passed) is late, not
// down. The latest slot still runs, however late, with its lag in TickStats;
// older slots it fell behind on are one scheduler_lag row, never
// scheduler_down. The same gap seen by a scheduler that just started, or
// across a wall-clock jump, is still an outage.
func TestLocalSlowSchedulerRecordsLag(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-11-22T04:00:30Z"))
	every5 := h.monitor("every 5m", "UTC", nil, h.collection("five"))
	every1 := h.monitor("every 1m", "UTC", nil, h.collection("one"))
	if st := h.tickAt(at("2026-11-22T04:00:30Z")); st.Monitors != 0 {
		t.Fatalf("nothing is due yet: %+v", st)
	}
	// The scheduler stalls for 6 minutes: every5's 04:05 slot is 90s late
	// (past the 1-minute grace), every1 is 5m30s behind.
	st := h.tickAfter(6 * time.Minute)
	if st.Enqueued != 2 || st.Missed != 1 || st.MaxLag != 90*time.Second {
		t.Fatalf("tick after the stall = %+v; want 2 runs, 1 lag row and MaxLag 1m30s (every5's slot)", st)
	}
	wantRuns(t, h.runs(every5.ID), `2026-11-22T04:05:00Z local queued ""`)
	wantRuns(t, h.runs(every1.ID),
		`2026-11-22T04:01:00Z local missed "scheduler_lag: 5 slot(s) from 2026-11-22T04:01:00Z to 2026-11-22T04:05:00Z were not run because the scheduler was 5m30s behind; the latest slot ran instead"`,
		`2026-11-22T04:06:00Z local queued ""`)
	if next := h.nextRunAt(every1.ID); !next.Equal(at("2026-11-22T04:07:00Z")) {
		t.Errorf("next_run_at after the lag = %v; want 04:07", next)
	}
	h.finishAll()

	// The same stall seen as a wall-clock jump (the monotonic clock did not
	// move) is an outage, as is the first tick of a scheduler just started.
	st = h.tickAt(at("2026-11-22T04:12:30Z"))
	if st.Enqueued != 1 || st.Missed != 2 {
		t.Fatalf("tick after a clock jump = %+v; want every1's 04:12 run and 2 scheduler_down rows", st)
	}
	wantRuns(t, h.runs(every5.ID),
		`2026-11-22T04:05:00Z local passed ""`,
		`2026-11-22T04:10:00Z local missed "scheduler_down: 1 slot(s) from 2026-11-22T04:10:00Z to 2026-11-22T04:10:00Z were not run because no scheduler was running"`)
	h.finishAll()
	fresh := h.newLocal()
	h.clock.Pass(4 * time.Minute)
	if st, err := fresh.Tick(context.Background()); err != nil || st.Missed != 2 {
		t.Fatalf("first tick of a new scheduler 4m late = %+v, %v; want 2 scheduler_down rows", st, err)
	}
	for _, r := range append(h.runs(every5.ID), h.runs(every1.ID)...) {
		if strings.HasPrefix(r.Error, collection.MissedSchedulerLag) && r.Slot.After(at("2026-11-22T04:06:00Z")) {
			t.Errorf("%s: an outage recorded as lag", r)
		}
	}
}

// TestLocalJitter: monitors sharing a slot start at stable offsets, while the
// run keeps the exact slot (and so the slot's idempotency key).
func TestLocalJitter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-11-22T04:00:10Z"), func(c *schedule.LocalConfig) { c.JitterMax = 5 * time.Second })
	c := h.collection("c")
	var ms []*collection.Monitor
	offsets := map[time.Duration]bool{}
	for range 20 {
		m := h.monitor("every 1m", "UTC", nil, c)
		off := h.nextRunAt(m.ID).Sub(at("2026-11-22T04:01:00Z"))
		if off < 0 || off >= 5*time.Second {
			t.Fatalf("monitor %d starts %s after its slot; want within [0, 5s)", m.ID, off)
		}
		offsets[off] = true
		ms = append(ms, m)
	}
	if len(offsets) < 10 {
		t.Errorf("20 monitors share only %d start offsets", len(offsets))
	}
	h.tickAt(at("2026-11-22T04:01:05Z"))
	for _, m := range ms {
		wantRuns(t, h.runs(m.ID), `2026-11-22T04:01:00Z local queued ""`)
	}
}

// TestLocalDefaultJitter: with JitterMax unset the scheduler spreads
// monitors every minute over the first 15 s of their slot and monitors every
// 10 s over its first 2.5 s, and each run keeps its exact slot.
func TestLocalDefaultJitter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-11-22T04:00:45Z"), func(c *schedule.LocalConfig) { c.JitterMax = 0 })
	c := h.collection("c")
	var everyMinute []*collection.Monitor
	for _, tc := range []struct {
		spec   string
		slot   time.Time
		window time.Duration
	}{
		{"every 1m", at("2026-11-22T04:01:00Z"), 15 * time.Second},
		{"every 10s", at("2026-11-22T04:00:50Z"), 2500 * time.Millisecond},
	} {
		var widest time.Duration
		for range 30 {
			m := h.monitor(tc.spec, "UTC", nil, c)
			if tc.spec == "every 1m" {
				everyMinute = append(everyMinute, m)
			}
			off := h.nextRunAt(m.ID).Sub(tc.slot)
			if off < 0 || off >= tc.window {
				t.Fatalf("%s: monitor %d starts %s after its slot; want within [0, %s)", tc.spec, m.ID, off, tc.window)
			}
			widest = max(widest, off)
		}
		if widest < tc.window/2 {
			t.Errorf("%s: 30 monitors start at most %s after the slot; want them spread over %s", tc.spec, widest, tc.window)
		}
	}
	h.tickAt(at("2026-11-22T04:01:15Z"))
	for _, m := range everyMinute {
		wantRuns(t, h.runs(m.ID), `2026-11-22T04:01:00Z local queued ""`)
	}
}

// TestJitterStaysInItsSlotWindow: a monitor's start offset is the same on
// every call (so in every scheduler process), below both the configured
// window and half the interval (the default window, JitterMax 0, a quarter
// of it up to 30 s), so a jittered start never reaches the monitor's next
// slot; JitterMax -1 means no offset.
func TestJitterStaysInItsSlotWindow(t *testing.T) {
	t.Parallel()
	t0 := at("2026-11-22T04:00:10Z")
	for _, spec := range []string{"every 10s", "every 1m", "every 1h", "*/5 * * * *", "0 9 * * 1-5"} {
		s, err := schedulespec.Parse(spec, "Europe/Paris")
		if err != nil {
			t.Fatal(err)
		}
		for _, window := range []time.Duration{0, -1, 2 * time.Second, 30 * time.Second, 10 * time.Minute} {
			limit := min(window, s.MinInterval()/2)
			if window == 0 { // the default: a quarter of the interval, at most 30 s
				limit = min(s.MinInterval()/4, 30*time.Second)
			}
			offsets := map[time.Duration]bool{}
			for id := collection.MonitorID(1); id <= 2000; id++ {
				j := schedulespec.Jitter(id, s, window)
				if again := schedulespec.Jitter(id, s, window); again != j {
					t.Fatalf("%s window %s: monitor %d got %s then %s", spec, window, id, j, again)
				}
				if window < 0 && j != 0 || window >= 0 && (j < 0 || j >= limit) {
					t.Fatalf("%s window %s: monitor %d starts %s after its slot; want within [0, %s)", spec, window, id, j, limit)
				}
				slot, _ := s.NextSlot(t0)
				next, _ := s.NextSlot(slot.At)
				if !slot.At.Add(j).Before(next.At) {
					t.Fatalf("%s: monitor %d's start %s reaches its next slot %s", spec, id, slot.At.Add(j), next.At)
				}
				offsets[j] = true
			}
			if window >= 0 && len(offsets) < min(100, int(limit/time.Millisecond)/2) {
				t.Errorf("%s window %s: 2000 monitors share only %d offsets", spec, window, len(offsets))
			}
		}
	}

	// Two scheduler processes place a monitor at the same offset.
	h := newHarness(t, t0, func(c *schedule.LocalConfig) { c.JitterMax = 5 * time.Second })
	m := h.monitor("every 1m", "UTC", nil, h.collection("c"))
	first := *h.nextRunAt(m.ID)
	if err := h.newLocal(func(c *schedule.LocalConfig) { c.JitterMax = 5 * time.Second }).Upsert(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if again := *h.nextRunAt(m.ID); !again.Equal(first) || again.Before(at("2026-11-22T04:01:00Z")) || !again.Before(at("2026-11-22T04:01:05Z")) {
		t.Errorf("next_run_at %s from one scheduler, %s from another; want the same, within [04:01:00, 04:01:05)", first, again)
	}
}

// TestLocalConcurrentTicksNeverDouble: two schedulers that both believe they
// lead (a split brain) tick the same due slot at once; each slot still gets
// exactly one run.
func TestLocalConcurrentTicksNeverDouble(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-11-22T04:00:10Z"), func(c *schedule.LocalConfig) { c.Batch = 7 })
	c := h.collection("c")
	const n = 60
	for range n {
		h.monitor("every 1m", "UTC", nil, c)
	}
	other := h.newLocal(func(c *schedule.LocalConfig) { c.Batch = 5 })
	h.clock.Set(at("2026-11-22T04:01:00Z"))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, l := range []*schedule.Local{h.local, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = l.Tick(context.Background())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var runs, slots int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT (monitor_id, scheduled_for)) FROM runs`).Scan(&runs, &slots); err != nil {
		t.Fatal(err)
	}
	if runs != n || slots != n || h.jobs() != n {
		t.Errorf("runs = %d over %d slots, jobs = %d; want %d of each", runs, slots, h.jobs(), n)
	}
}

// TestLocalStandbyTakesOver: two schedulers on one database; the active one
// dies (its context ends) and the standby takes over within seconds; every
// slot has exactly one run row.
func TestLocalStandbyTakesOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fast := func(c *schedule.LocalConfig) {
		c.PollInterval = 20 * time.Millisecond
		c.StandbyInterval = 100 * time.Millisecond
	}
	h := newHarness(t, at("2026-11-22T04:00:05Z"), fast)
	c := h.collection("c")
	var ms []*collection.Monitor
	for range 5 {
		ms = append(ms, h.monitor("every 10s", "UTC", nil, c))
	}
	// waitSlot moves the clock to a slot and waits until every monitor has its run.
	waitSlot := func(slot time.Time) time.Duration {
		start := time.Now()
		h.clock.Set(slot.Add(200 * time.Millisecond))
		deadline := start.Add(15 * time.Second)
		for {
			var n int
			if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM runs WHERE scheduled_for = $1`, slot).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == len(ms) {
				h.finishAll()
				return time.Since(start)
			}
			if time.Now().After(deadline) {
				t.Fatalf("slot %s: %d of %d runs after 15s", slot.Format(time.RFC3339), n, len(ms))
			}
			time.Sleep(10 * time.Millisecond) // polling the database for the scheduler's work
		}
	}
	run := func(l *schedule.Local) (context.CancelFunc, chan error) {
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- l.Run(lctx) }()
		return cancel, done
	}

	cancelA, doneA := run(h.local)
	waitSlot(at("2026-11-22T04:00:10Z")) // A is active
	cancelB, doneB := run(h.newLocal(fast))
	defer func() {
		cancelB()
		if err := <-doneB; err != nil {
			t.Error(err)
		}
	}()
	waitSlot(at("2026-11-22T04:00:20Z"))
	waitSlot(at("2026-11-22T04:00:30Z"))
	cancelA() // the active scheduler dies
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	if took := waitSlot(at("2026-11-22T04:00:40Z")); took > 5*time.Second {
		t.Errorf("the standby took %s to take over", took)
	}
	waitSlot(at("2026-11-22T04:00:50Z"))
	for _, m := range ms {
		wantRuns(t, h.runs(m.ID),
			`2026-11-22T04:00:10Z local passed ""`,
			`2026-11-22T04:00:20Z local passed ""`,
			`2026-11-22T04:00:30Z local passed ""`,
			`2026-11-22T04:00:40Z local passed ""`,
			`2026-11-22T04:00:50Z local passed ""`)
	}
}

// TestLocalClockJumps is scenario 22 of docs/reliability.md: the clock jumps forward an
// hour (no burst of catch-up runs), then back ten minutes (nothing fires until
// the clock reaches the next slot again, which then runs once).
func TestLocalClockJumps(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-11-22T04:00:10Z"))
	m := h.monitor("every 1m", "UTC", nil, h.collection("c"))
	h.tickAt(at("2026-11-22T04:01:00Z"))
	h.finishAll()
	if st := h.tickAt(at("2026-11-22T05:01:30Z")); st.Enqueued != 1 || st.Missed != 1 {
		t.Fatalf("after +1h: %+v; want the current slot run and one summary row", st)
	}
	h.finishAll()
	for _, now := range []string{"2026-11-22T04:51:30Z", "2026-11-22T04:59:00Z", "2026-11-22T05:01:59Z"} {
		if st := h.tickAt(at(now)); st.Monitors != 0 {
			t.Fatalf("after the clock went back, a tick at %s claimed %+v", now, st)
		}
	}
	h.tickAt(at("2026-11-22T05:02:00Z"))
	wantRuns(t, h.runs(m.ID),
		`2026-11-22T04:01:00Z local passed ""`,
		`2026-11-22T04:02:00Z local missed "scheduler_down: 59 slot(s) from 2026-11-22T04:02:00Z to 2026-11-22T05:00:00Z were not run because no scheduler was running"`,
		`2026-11-22T05:01:00Z local passed ""`,
		`2026-11-22T05:02:00Z local queued ""`)
	var negative int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM runs WHERE duration_ms < 0 OR finished_at < queued_at`).Scan(&negative); err != nil || negative != 0 {
		t.Errorf("runs with negative durations: %d (%v)", negative, err)
	}
}

// TestLocalSignalsBacklog: a tick that finds due monitors says so before it
// enqueues them (serve's runner holds new runs meanwhile) and says it is done
// after; a tick with nothing due says nothing.
func TestLocalSignalsBacklog(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		signals []bool
		runsAt  = -1 // how many runs existed when the backlog was signalled
	)
	var h *harness
	h = newHarness(t, at("2026-11-22T04:00:10Z"), func(c *schedule.LocalConfig) {
		c.Batch = 3
		c.Backlog = func(active bool) {
			mu.Lock()
			defer mu.Unlock()
			signals = append(signals, active)
			if active {
				if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM runs`).Scan(&runsAt); err != nil {
					t.Error(err)
				}
			}
		}
	})
	c := h.collection("c")
	for range 7 {
		h.monitor("every 1m", "UTC", nil, c)
	}
	if st := h.tickAt(at("2026-11-22T04:00:30Z")); st.Monitors != 0 {
		t.Fatalf("%d monitors due before their slot", st.Monitors)
	}
	mu.Lock()
	if len(signals) != 1 || signals[0] {
		t.Errorf("a tick with nothing due signalled %v, want only the end ([false])", signals)
	}
	signals = nil
	mu.Unlock()
	if st := h.tickAt(at("2026-11-22T04:01:00Z")); st.Enqueued != 7 {
		t.Fatalf("%d runs enqueued, want 7", st.Enqueued)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(signals) != 2 || !signals[0] || signals[1] {
		t.Errorf("signals %v over three batches, want [true false]", signals)
	}
	if runsAt != 0 {
		t.Errorf("the backlog was signalled after %d runs were enqueued, want before any", runsAt)
	}
}
