package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/schedule"
)

// window stores a recurring maintenance window.
func (h *harness) window(name string, mode collection.WindowMode, cron, tz string, d time.Duration, tag string, monitors ...collection.MonitorID) {
	h.t.Helper()
	w := &collection.MaintenanceWindow{Name: name, Mode: mode, Cron: cron, TimeZone: tz, Duration: d, Tag: tag, MonitorIDs: monitors}
	if _, err := h.store.CreateWindow(context.Background(), w); err != nil {
		h.t.Fatal(err)
	}
}

// between keeps the rows whose slot is in [from, to].
func between(rows []runRow, from, to string) []runRow {
	var out []runRow
	for _, r := range rows {
		if !r.Slot.Before(at(from)) && !r.Slot.After(at(to)) {
			out = append(out, r)
		}
	}
	return out
}

// A nightly window in skip mode, 02:30 for 2 hours in Berlin, over the
// spring-forward night (29 March 2026: 02:00 CET → 03:00 CEST) on a monitor
// running every 30 minutes and covered through its tag: the slots inside
// are recorded missed (maintenance), the ones around it run.
func TestLocalSkipWindowBerlinSpringForward(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-03-28T00:00:00Z"))
	c := h.collection("checkout")
	m := h.monitor("every 30m", "UTC", nil, c)
	if err := h.store.SetMonitorTags(context.Background(), m.ID, []string{"payments"}); err != nil {
		t.Fatal(err)
	}
	quiet := h.monitor("every 30m", "UTC", nil, c)
	h.window("nightly", collection.WindowSkip, "30 2 * * *", "Europe/Berlin", 2*time.Hour, "payments")
	h.window("quiet one", collection.WindowQuiet, "30 2 * * *", "Europe/Berlin", 2*time.Hour, "", quiet.ID)
	for now := at("2026-03-28T00:00:00Z"); !now.After(at("2026-03-30T03:00:00Z")); now = now.Add(30 * time.Minute) {
		h.tickAt(now)
		h.finishAll()
	}
	skipped := `missed "maintenance: window \"nightly\""`
	runs := h.runs(m.ID)
	// 28 March, winter time: 02:30 CET is 01:30Z.
	wantRuns(t, between(runs, "2026-03-28T01:00:00Z", "2026-03-28T03:30:00Z"),
		`2026-03-28T01:00:00Z local passed ""`,
		`2026-03-28T01:30:00Z local `+skipped,
		`2026-03-28T02:00:00Z local `+skipped,
		`2026-03-28T02:30:00Z local `+skipped,
		`2026-03-28T03:00:00Z local `+skipped,
		`2026-03-28T03:30:00Z local passed ""`)
	// 29 March: 02:30 does not exist; the window opens at 03:30 CEST (01:30Z) for two real hours.
	wantRuns(t, between(runs, "2026-03-29T01:00:00Z", "2026-03-29T03:30:00Z"),
		`2026-03-29T01:00:00Z local passed ""`,
		`2026-03-29T01:30:00Z local `+skipped,
		`2026-03-29T02:00:00Z local `+skipped,
		`2026-03-29T02:30:00Z local `+skipped,
		`2026-03-29T03:00:00Z local `+skipped,
		`2026-03-29T03:30:00Z local passed ""`)
	// 30 March, summer time: 02:30 CEST is 00:30Z.
	wantRuns(t, between(runs, "2026-03-30T00:00:00Z", "2026-03-30T02:30:00Z"),
		`2026-03-30T00:00:00Z local passed ""`,
		`2026-03-30T00:30:00Z local `+skipped,
		`2026-03-30T01:00:00Z local `+skipped,
		`2026-03-30T01:30:00Z local `+skipped,
		`2026-03-30T02:00:00Z local `+skipped,
		`2026-03-30T02:30:00Z local passed ""`)
	// Every slot is one row, and a quiet window does not stop runs.
	if n := len(between(runs, "2026-03-28T00:30:00Z", "2026-03-30T03:00:00Z")); n != 102 {
		t.Errorf("%d rows from 28 March 00:30 to 30 March 03:00, want one per slot (102)", n)
	}
	for _, r := range h.runs(quiet.ID) {
		if r.Status != "passed" {
			t.Errorf("the quietly maintained monitor's slot %s", r)
		}
	}
}

// A window on one monitor, 01:00 for 2 hours in New York, over the
// fall-back night (1 November 2026): it opens once, at 01:00 EDT, and lasts
// two real hours, to 02:00 EST; the next night it follows standard time.
func TestLocalSkipWindowNewYorkFallBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-11-01T03:00:00Z"))
	c := h.collection("checkout")
	m := h.monitor("every 30m", "UTC", nil, c)
	h.window("backup", collection.WindowSkip, "0 1 * * *", "America/New_York", 2*time.Hour, "", m.ID)
	for now := at("2026-11-01T03:00:00Z"); !now.After(at("2026-11-02T09:00:00Z")); now = now.Add(30 * time.Minute) {
		h.tickAt(now)
		h.finishAll()
	}
	skipped := `missed "maintenance: window \"backup\""`
	runs := h.runs(m.ID)
	wantRuns(t, between(runs, "2026-11-01T04:30:00Z", "2026-11-01T07:30:00Z"),
		`2026-11-01T04:30:00Z local passed ""`,
		`2026-11-01T05:00:00Z local `+skipped, // 01:00 EDT
		`2026-11-01T05:30:00Z local `+skipped,
		`2026-11-01T06:00:00Z local `+skipped, // 01:00 EST, the repeated hour
		`2026-11-01T06:30:00Z local `+skipped,
		`2026-11-01T07:00:00Z local passed ""`, // 02:00 EST
		`2026-11-01T07:30:00Z local passed ""`)
	wantRuns(t, between(runs, "2026-11-02T05:30:00Z", "2026-11-02T08:30:00Z"),
		`2026-11-02T05:30:00Z local passed ""`,
		`2026-11-02T06:00:00Z local `+skipped, // 01:00 EST
		`2026-11-02T06:30:00Z local `+skipped,
		`2026-11-02T07:00:00Z local `+skipped,
		`2026-11-02T07:30:00Z local `+skipped,
		`2026-11-02T08:00:00Z local passed ""`,
		`2026-11-02T08:30:00Z local passed ""`)
}

// In EventBridge mode the delivery of a slot inside a skip window records it
// missed (maintenance) the same way; a slot after the window runs.
func TestDeliverSkipWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, at("2026-06-01T10:00:00Z"))
	c := h.collection("checkout")
	m := h.monitor("every 5m", "UTC", []string{"local", "eu-west-1"}, c)
	start, end := at("2026-06-01T10:00:00Z"), at("2026-06-01T10:10:00Z")
	if _, err := h.store.CreateWindow(context.Background(), &collection.MaintenanceWindow{Name: "deploy", Mode: collection.WindowSkip, StartsAt: &start, EndsAt: &end, MonitorIDs: []collection.MonitorID{m.ID}}); err != nil {
		t.Fatal(err)
	}
	d, err := schedule.NewDeliverer(schedule.DelivererConfig{Pool: h.pool, Store: h.store, Queue: h.queue, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, slot := range []string{"2026-06-01T10:05:00Z", "2026-06-01T10:10:00Z"} {
		h.clock.Set(at(slot).Add(2 * time.Second))
		if out, err := d.Deliver(context.Background(), m.ID, at(slot)); err != nil || out != schedule.DeliveryEnqueued {
			t.Fatalf("deliver %s: %v %v", slot, out, err)
		}
	}
	wantRuns(t, h.runs(m.ID),
		`2026-06-01T10:05:00Z eu-west-1 missed "maintenance: window \"deploy\""`,
		`2026-06-01T10:05:00Z local missed "maintenance: window \"deploy\""`,
		`2026-06-01T10:10:00Z eu-west-1 queued ""`,
		`2026-06-01T10:10:00Z local queued ""`)
}
