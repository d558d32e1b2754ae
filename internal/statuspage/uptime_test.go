package statuspage

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// dayStatus is the generated history's rule for the run at hour hr of day k
// (k = 0 is the oldest bar): hours below k%5 fail, hour 23 errors on every
// 11th day, hour 12 is missed on days k%4 == 1, the rest pass; days k%13 == 3
// have no run at all.
func dayStatus(k, hr int) (collection.RunStatus, bool) {
	if ((k%13)+13)%13 == 3 {
		return "", false
	}
	switch {
	case hr < k%5:
		return collection.RunFailed, true
	case k%11 == 0 && hr == 23:
		return collection.RunErrored, true
	case k%4 == 1 && hr == 12:
		return collection.RunMissed, true
	}
	return collection.RunPassed, true
}

// The 90 daily bars hold each day's passed / executed runs, exactly, from a
// generated hourly history of 100 days whose older part is only in the
// rollups (its raw runs deleted, as retention would), with no bar for days
// without runs, and the headline uptime is the window's.
func TestUptimeBarsMatchAGeneratedHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	m, c := f.monitor("api")
	now := f.clock.now()
	today := now.Truncate(24 * time.Hour)
	from := today.AddDate(0, 0, -(Days - 1))
	start := from.AddDate(0, 0, -10)
	f.exec(`
		INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, snapshot, idempotency_key,
		                  queued_at, started_at, finished_at, duration_ms, attempt)
		SELECT $1, $2, 'x', 'local', 'schedule', st, '{}', 'h-' || n, q,
		       CASE WHEN st = 'missed' THEN NULL ELSE q END, q,
		       CASE WHEN st = 'missed' THEN NULL ELSE 100 END, CASE WHEN st = 'missed' THEN 0 ELSE 1 END
		FROM (SELECT n, q, CASE WHEN hr < k % 5 THEN 'failed' WHEN k % 11 = 0 AND hr = 23 THEN 'errored'
		                        WHEN k % 4 = 1 AND hr = 12 THEN 'missed' ELSE 'passed' END AS st
		      FROM (SELECT n, $3::timestamptz + n * interval '1 hour' + interval '5 minutes' AS q,
		                   n / 24 - 10 AS k, n % 24 AS hr FROM generate_series(0, 100 * 24 - 1) n) a
		      WHERE ((k % 13) + 13) % 13 <> 3 AND q < $4) b`, c, m, start, now)
	if _, err := f.store.RollUp(ctx, now); err != nil {
		t.Fatal(err)
	}
	f.exec(`DELETE FROM runs WHERE queued_at < $1`, now.Add(-72*time.Hour))
	f.page(&collection.StatusPage{Slug: "history", Title: "H", Groups: []collection.StatusGroup{{Name: "g", Monitors: []collection.StatusMonitor{{MonitorID: m}}}}})

	h := New(Config{Store: f.store, Now: f.clock.now})
	v, err := h.view(ctx, "history", now)
	if err != nil {
		t.Fatal(err)
	}
	bars := v.Groups[0].Monitors[0].Bars
	if len(bars) != Days {
		t.Fatalf("%d bars", len(bars))
	}
	allPassed, allExecuted := 0, 0
	for k, b := range bars {
		day := from.AddDate(0, 0, k)
		if !b.Day.Equal(day) {
			t.Fatalf("bar %d is %s, want %s", k, b.Day, day)
		}
		passed, executed := 0, 0
		for hr := range 24 {
			st, ok := dayStatus(k, hr)
			if !ok || !day.Add(time.Duration(hr)*time.Hour+5*time.Minute).Before(now) {
				continue
			}
			if st != collection.RunMissed {
				executed++
			}
			if st == collection.RunPassed {
				passed++
			}
		}
		allPassed, allExecuted = allPassed+passed, allExecuted+executed
		if executed == 0 {
			if b.Uptime != nil || b.Class != "none" {
				t.Errorf("day %d (%s): uptime %v class %s, want no data", k, day.Format(time.DateOnly), deref(b.Uptime), b.Class)
			}
			continue
		}
		want := float64(passed) / float64(executed)
		if b.Uptime == nil || math.Abs(*b.Uptime-want) > 1e-12 || b.Runs != executed {
			t.Errorf("day %d (%s): uptime %v of %d runs, want %v of %d", k, day.Format(time.DateOnly), deref(b.Uptime), b.Runs, want, executed)
		}
	}
	if got, want := v.Groups[0].Monitors[0].Uptime, percent(float64(allPassed)/float64(allExecuted)); got != want {
		t.Errorf("90-day uptime %s, want %s", got, want)
	}

	_, body := f.get("/status/history")
	// Day 1 (k=1): 1 failure, hour 12 missed → 22 of 23 passed.
	if want := from.AddDate(0, 0, 1).Format("2 Jan 2006") + ": 95.65% uptime (23 runs)"; !strings.Contains(body, want) {
		t.Errorf("page lacks the bar label %q", want)
	}
	if want := from.AddDate(0, 0, 3).Format("2 Jan 2006") + ": no data"; !strings.Contains(body, want) {
		t.Errorf("page lacks the empty bar %q", want)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
