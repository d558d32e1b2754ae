package cli

import (
	"testing"
	"time"
)

// serve's runner holds new runs while its scheduler has a backlog, and never
// longer than maxYield for one backlog, however many ticks it spans; after a
// quiet spell the next backlog is held again.
func TestSchedulerYieldIsBounded(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	y := &schedulerYield{now: func() time.Time { return now }}
	if y.hold() {
		t.Fatal("held before any backlog")
	}
	y.backlog(true)
	if !y.hold() {
		t.Fatal("not held during a backlog")
	}
	y.backlog(false)
	if y.hold() {
		t.Fatal("still held after the tick ended")
	}
	// Back-to-back ticks, each finding work, for longer than maxYield.
	for elapsed := time.Duration(0); elapsed < maxYield+2*time.Second; elapsed += 250 * time.Millisecond {
		now = now.Add(250 * time.Millisecond)
		y.backlog(true)
		held := y.hold()
		if elapsed+250*time.Millisecond < maxYield && !held {
			t.Fatalf("not held %s into a backlog", elapsed)
		}
		if elapsed > maxYield && held {
			t.Fatalf("still held %s into a backlog (bound %s)", elapsed, maxYield)
		}
		y.backlog(false)
	}
	now = now.Add(yieldQuiet + time.Millisecond)
	y.backlog(true)
	if !y.hold() {
		t.Fatal("a backlog after a quiet spell was not held")
	}
}
