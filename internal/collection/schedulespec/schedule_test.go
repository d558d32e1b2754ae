package schedulespec

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

func mustSchedule(t *testing.T, expr, tz string) Schedule {
	t.Helper()
	s, err := Parse(expr, tz)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", expr, tz, err)
	}
	return s
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestScheduleParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, tz string
		path     string
		want     string
	}{
		{"", "", "schedule", "needs a schedule"},
		{"every 0s", "", "schedule", "too short"},
		{"every 5s", "", "schedule", "too short; the shortest is 10s"},
		{"every -5m", "", "schedule", "too short"},
		{"every 1.5s", "", "schedule", "whole number of seconds"},
		{"every 5 minutes", "", "schedule", "not an interval"},
		{"every", "", "schedule", "not an interval"},
		{"every 30d", "", "schedule", "too long"},
		{"rate(5 minutes)", "", "schedule", "Catena writes rates as `every 30s`"},
		{"cron(0 10 * * ? *)", "", "schedule", "without cron(…)"},
		{"0 10 * *", "", "schedule", "has 4"},
		{"0 0 10 * * *", "", "schedule", "no seconds or year field"},
		{"0 10 * * ? * *", "", "schedule", "has 7"},
		{"0 10 1 * MON", "", "schedule", "you can't specify both day-of-month (1) and day-of-week (MON); use * or ? in one of them"},
		{"60 * * * *", "", "schedule", "minute field \"60\": 60 is out of range 0-59"},
		{"* 24 * * *", "", "schedule", "out of range 0-23"},
		{"0 0 L * *", "", "schedule", "L, W and # are not supported"},
		{"0 0 15W * *", "", "schedule", "L, W and # are not supported"},
		{"0 0 ? * MON#2", "", "schedule", "L, W and # are not supported"},
		{"0 0 ? * 5L", "", "schedule", "L, W and # are not supported"},
		{"0 0 31 2 *", "", "schedule", "never fires"},
		{"5-1 * * * *", "", "schedule", "runs backwards"},
		{"*/0 * * * *", "", "schedule", "step \"0\""},
		{"? * * * *", "", "schedule", "? is only allowed"},
		{"0 0 * FOO *", "", "schedule", "name such as JAN"},
		{"1,,2 * * * *", "", "schedule", "empty item"},
		{"every 5m", "Mars/Olympus", "timeZone", "unknown time zone \"Mars/Olympus\""},
		{"every 5m", "Local", "timeZone", "depends on the server"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr, tt.tz)
		var ve *collection.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, collection.ErrInvalid) {
			t.Errorf("Parse(%q, %q) = %v, want a ValidationError", tt.expr, tt.tz, err)
			continue
		}
		if ve.Fields[0].Path != tt.path || !strings.Contains(ve.Fields[0].Message, tt.want) {
			t.Errorf("Parse(%q, %q) = %q at %q, want %q at %q", tt.expr, tt.tz, ve.Fields[0].Message, ve.Fields[0].Path, tt.want, tt.path)
		}
	}
}

func TestScheduleEveryIsAlignedToTheEpoch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, after, want string
	}{
		{"every 30s", "2026-11-22T04:00:10Z", "2026-11-22T04:00:30Z"},
		{"every 30s", "2026-11-22T04:00:30Z", "2026-11-22T04:01:00Z"}, // strictly after
		{"every 5m", "2026-11-22T04:03:00Z", "2026-11-22T04:05:00Z"},
		{"every 1h", "2026-11-22T04:59:59Z", "2026-11-22T05:00:00Z"},
		{"every 1d", "2026-11-22T04:00:00Z", "2026-11-23T00:00:00Z"},
		{"EVERY  90s", "2026-11-22T04:00:00Z", "2026-11-22T04:01:30Z"},
		{"every 1h30m", "2026-11-22T04:00:00Z", "2026-11-22T04:30:00Z"},
	}
	for _, tt := range tests {
		s := mustSchedule(t, tt.expr, "Asia/Kolkata") // the zone does not move rates
		if got := s.Next(mustTime(t, tt.after)); !got.Equal(mustTime(t, tt.want)) {
			t.Errorf("%q.Next(%s) = %s, want %s", tt.expr, tt.after, got.Format(time.RFC3339), tt.want)
		}
	}
	s := mustSchedule(t, "every 5m", "")
	slots := s.Slots(mustTime(t, "2026-11-22T04:00:00Z"), mustTime(t, "2026-11-22T05:00:00Z"), 0)
	if len(slots) != 12 || !slots[0].At.Equal(mustTime(t, "2026-11-22T04:05:00Z")) || !slots[11].At.Equal(mustTime(t, "2026-11-22T05:00:00Z")) {
		t.Errorf("Slots over an hour = %v", slots)
	}
	if n := s.CountSlots(mustTime(t, "2026-11-22T04:00:00Z"), mustTime(t, "2026-11-22T05:00:00Z"), 0); n != 12 {
		t.Errorf("CountSlots = %d, want 12", n)
	}
}

func TestScheduleCronNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, tz, after, want string
	}{
		{"*/15 * * * *", "UTC", "2026-11-22T04:07:00Z", "2026-11-22T04:15:00Z"},
		{"0 9 * * MON-FRI", "Europe/Paris", "2026-11-21T10:00:00Z", "2026-11-23T08:00:00Z"}, // Saturday → Monday 09:00 CET
		{"0 9 * * 1-5", "Europe/Paris", "2026-11-21T10:00:00Z", "2026-11-23T08:00:00Z"},
		{"0 0 * * 7", "UTC", "2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z"}, // 7 is Sunday
		{"0 0 29 2 ?", "UTC", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"30 8 1 jan,jul ?", "UTC", "2026-02-01T00:00:00Z", "2026-07-01T08:30:00Z"},
		{"0 12 * * *", "Asia/Kolkata", "2026-11-22T00:00:00Z", "2026-11-22T06:30:00Z"},
		{"5 4 * * *", "UTC", "2026-11-22T04:05:00Z", "2026-11-23T04:05:00Z"},
	}
	for _, tt := range tests {
		s := mustSchedule(t, tt.expr, tt.tz)
		if got := s.Next(mustTime(t, tt.after)); !got.Equal(mustTime(t, tt.want)) {
			t.Errorf("%q in %s: Next(%s) = %s, want %s", tt.expr, tt.tz, tt.after, got.Format(time.RFC3339), tt.want)
		}
	}
}

// TestScheduleDST is scenario 21 of docs/reliability.md at the schedule level: 02:30 does
// not exist on the spring-forward day in New York (reported as a Gap slot), and
// 01:30 happens twice on the fall-back day but fires once.
func TestScheduleDST(t *testing.T) {
	t.Parallel()
	ny, _ := time.LoadLocation("America/New_York")
	daily := mustSchedule(t, "30 2 * * *", "America/New_York")

	// Spring 2026: clocks jump from 02:00 EST to 03:00 EDT on 8 March.
	var fired []time.Time
	for at, i := time.Date(2026, 3, 6, 12, 0, 0, 0, ny), 0; i < 3; i++ {
		at = daily.Next(at)
		fired = append(fired, at)
	}
	wantSpring := []string{"2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"}
	for i, w := range wantSpring {
		if !fired[i].Equal(mustTime(t, w)) {
			t.Errorf("spring fire %d = %s, want %s", i, fired[i].Format(time.RFC3339), w)
		}
	}
	slots := daily.Slots(fired[0], fired[1], 0)
	if len(slots) != 2 || !slots[0].Gap || slots[1].Gap {
		t.Fatalf("slots between the spring fires = %+v, want the 8 March gap then 9 March", slots)
	}
	if slots[0].Wall != "2026-03-08 02:30 America/New_York" || !slots[0].At.Equal(mustTime(t, "2026-03-08T07:30:00Z")) {
		t.Errorf("gap slot = %+v", slots[0])
	}
	if sl, ok := daily.NextSlot(fired[0]); !ok || !sl.Gap {
		t.Errorf("NextSlot after 7 March = %+v, want the gap", sl)
	}

	// Fall 2026: 01:00-01:59 happens twice on 1 November; 01:30 fires once.
	night := mustSchedule(t, "30 1 * * *", "America/New_York")
	first := night.Next(mustTime(t, "2026-11-01T00:00:00Z"))
	if !first.Equal(mustTime(t, "2026-11-01T05:30:00Z")) { // 01:30 EDT
		t.Fatalf("fall fire = %s, want 01:30 EDT", first)
	}
	second := night.Next(first)
	if !second.Equal(mustTime(t, "2026-11-02T06:30:00Z")) { // next day 01:30 EST, not 01:30 EST the same night
		t.Errorf("fire after 01:30 EDT = %s, want the next day", second)
	}
	// Asked from inside the repeated hour, it does not fire the second 01:30.
	if got := night.Next(mustTime(t, "2026-11-01T06:10:00Z")); !got.Equal(second) {
		t.Errorf("Next from the repeated hour = %s, want %s", got, second)
	}
	if slots := night.Slots(first.Add(-time.Minute), second, 0); len(slots) != 2 {
		t.Errorf("fall-back slots = %+v, want 2 (no gap, no double)", slots)
	}

	// Hourly at :30 across spring: 01:30 EST, [02:30 gap], 03:30 EDT — the gap
	// reads as 07:30Z, the same instant as 03:30 EDT; both are reported.
	hourly := mustSchedule(t, "30 * * * *", "America/New_York")
	hs := hourly.Slots(mustTime(t, "2026-03-08T06:00:00Z"), mustTime(t, "2026-03-08T08:00:00Z"), 0)
	if len(hs) != 3 || hs[0].Gap || !hs[1].At.Equal(hs[2].At) || hs[1].Gap || !hs[2].Gap {
		t.Errorf("hourly spring slots = %+v", hs)
	}
}

func TestScheduleEventBridge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, want string
	}{
		{"every 1m", "rate(1 minute)"},
		{"every 5m", "rate(5 minutes)"},
		{"every 90m", "rate(90 minutes)"},
		{"every 1h", "rate(1 hour)"},
		{"every 2h", "rate(2 hours)"},
		{"every 1d", "rate(1 day)"},
		{"every 48h", "rate(2 days)"},
		{"*/5 * * * *", "cron(0/5 * * * ? *)"},
		{"30 2 * * *", "cron(30 2 * * ? *)"},
		{"0 9 * * MON-FRI", "cron(0 9 ? * MON-FRI *)"},
		{"0 9 ? * 0,6", "cron(0 9 ? * SUN,SAT *)"},
		{"0 0 1,15 * ?", "cron(0 0 1,15 * ? *)"},
		{"0,1,2,3,10 8-17 * 1-3,12 *", "cron(0-3,10 8-17 * 1-3,12 ? *)"},
	}
	for _, tt := range tests {
		got, err := mustSchedule(t, tt.expr, "Europe/Paris").EventBridge()
		if err != nil || got != tt.want {
			t.Errorf("%q.EventBridge() = %q, %v; want %q", tt.expr, got, err, tt.want)
		}
	}
	for _, expr := range []string{"every 30s", "every 90s"} {
		_, err := mustSchedule(t, expr, "").EventBridge()
		if err == nil || !strings.Contains(err.Error(), "at most once a minute") {
			t.Errorf("%q.EventBridge() error = %v, want a refusal", expr, err)
		}
	}
}

// TestJitterWindow: the default window (max 0) is a quarter of the
// schedule's shortest interval up to 30 s; an explicit window is kept but
// held below half the interval; a negative one is none.
func TestJitterWindow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		expr string
		max  time.Duration
		want time.Duration
	}{
		{"every 10s", 0, 2500 * time.Millisecond},
		{"every 1m", 0, 15 * time.Second},
		{"every 2m", 0, 30 * time.Second},
		{"every 5m", 0, 30 * time.Second},
		{"every 1h", 0, 30 * time.Second},
		{"*/5 * * * *", 0, 30 * time.Second},
		{"0,1 * * * *", 0, 15 * time.Second},
		{"0 9 * * 1-5", 0, 30 * time.Second},
		{"every 1m", 10 * time.Second, 10 * time.Second},
		{"every 1m", 45 * time.Second, 30 * time.Second},
		{"every 10s", time.Minute, 5 * time.Second},
		{"every 1h", 10 * time.Minute, 10 * time.Minute},
		{"every 1m", -1, 0},
		{"every 1h", -1, 0},
	} {
		s := mustSchedule(t, c.expr, "Europe/Paris")
		if got := JitterWindow(s, c.max); got != c.want {
			t.Errorf("JitterWindow(%q, %s) = %s, want %s", c.expr, c.max, got, c.want)
		}
		for id := collection.MonitorID(1); id <= 500; id++ {
			if j := Jitter(id, s, c.max); j < 0 || c.want == 0 && j != 0 || c.want > 0 && j >= c.want {
				t.Fatalf("Jitter(%d, %q, %s) = %s, want within [0, %s)", id, c.expr, c.max, j, c.want)
			}
		}
	}
	if j := Jitter(7, mustSchedule(t, "every 1m", ""), 500*time.Microsecond); j != 0 {
		t.Errorf("a window under a millisecond gave %s, want none", j)
	}
}

func TestScheduleMinIntervalAndJitter(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]time.Duration{
		"every 30s": 30 * time.Second, "*/5 * * * *": 5 * time.Minute, "0 9,17 * * *": 8 * time.Hour,
		"0 0 * * *": 24 * time.Hour, "0,1 * * * *": time.Minute,
	} {
		if got := mustSchedule(t, expr, "").MinInterval(); got != want {
			t.Errorf("%q.MinInterval() = %s, want %s", expr, got, want)
		}
	}
	s := mustSchedule(t, "every 1m", "")
	spread := map[time.Duration]bool{}
	for id := collection.MonitorID(1); id <= 200; id++ {
		j := Jitter(id, s, 5*time.Second)
		if j < 0 || j >= 5*time.Second || j != Jitter(id, s, 5*time.Second) {
			t.Fatalf("Jitter(%d) = %s, want a stable value in [0, 5s)", id, j)
		}
		spread[j.Truncate(time.Second)] = true
	}
	if len(spread) != 5 {
		t.Errorf("jitter of 200 monitors covers %d of 5 seconds", len(spread))
	}
	for id := collection.MonitorID(1); id <= 200; id++ {
		if j := Jitter(id, mustSchedule(t, "every 10s", ""), time.Minute); j >= 5*time.Second {
			t.Fatalf("jitter of a 10s monitor = %s, want under half the interval", j)
		}
	}
}
