package schedulespec

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

func recurring(cron, tz string, d time.Duration) *collection.MaintenanceWindow {
	return &collection.MaintenanceWindow{Name: "w", Mode: collection.WindowQuiet, Cron: cron, TimeZone: tz, Duration: d, MonitorIDs: []collection.MonitorID{1}}
}

// Recurring windows across the DST nights of 2026: Europe/Berlin springs
// forward on 29 March (02:00 CET → 03:00 CEST) and falls back on 25 October
// (03:00 CEST → 02:00 CET); America/New_York on 8 March and 1 November.
func TestWindowSpanAtDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		w          *collection.MaintenanceWindow
		at         string // UTC
		open       bool
		start, end string // UTC, when open
	}{
		{"berlin nightly, an ordinary night", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-03-28T02:00:00Z", true, "2026-03-28T01:30:00Z", "2026-03-28T03:30:00Z"},
		{"berlin nightly, before it opens", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-03-28T01:29:00Z", false, "", ""},
		// 02:30 does not exist on 29 March: it opens at 02:30 CET = 03:30 CEST.
		{"berlin spring-forward: the gap start opens an hour later by the clock", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-03-29T01:45:00Z", true, "2026-03-29T01:30:00Z", "2026-03-29T03:30:00Z"},
		{"berlin spring-forward: 03:15 CEST is before the opening", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-03-29T01:15:00Z", false, "", ""},
		{"berlin spring-forward: closed after two real hours", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-03-29T03:30:00Z", false, "", ""},
		{"berlin summer night after the change", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-03-30T00:45:00Z", true, "2026-03-30T00:30:00Z", "2026-03-30T02:30:00Z"},
		// 02:30 happens twice on 25 October: it opens once, at 02:30 CEST.
		{"berlin fall-back: opens at the first 02:30", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-10-25T00:31:00Z", true, "2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z"},
		{"berlin fall-back: the second 02:30 does not reopen it", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-10-25T02:15:00Z", true, "2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z"},
		{"berlin fall-back: two real hours, so it ends at 03:30 CET", recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour), "2026-10-25T02:30:00Z", false, "", ""},
		{"new york 01:00 for 2h on an EDT night", recurring("0 1 * * *", "America/New_York", 2*time.Hour), "2026-10-31T06:59:00Z", true, "2026-10-31T05:00:00Z", "2026-10-31T07:00:00Z"},
		{"new york fall-back: inside the repeated 01:30 EST", recurring("0 1 * * *", "America/New_York", 2*time.Hour), "2026-11-01T06:30:00Z", true, "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z"},
		{"new york fall-back: ends at 02:00 EST, two real hours", recurring("0 1 * * *", "America/New_York", 2*time.Hour), "2026-11-01T07:00:00Z", false, "", ""},
		{"new york first EST night", recurring("0 1 * * *", "America/New_York", 2*time.Hour), "2026-11-02T06:00:00Z", true, "2026-11-02T06:00:00Z", "2026-11-02T08:00:00Z"},
		// 02:30 does not exist on 8 March: it opens at 02:30 EST = 03:30 EDT.
		{"new york spring-forward: 03:00 EDT is not yet inside", recurring("30 2 * * *", "America/New_York", time.Hour), "2026-03-08T07:00:00Z", false, "", ""},
		{"new york spring-forward: opens at 03:30 EDT", recurring("30 2 * * *", "America/New_York", time.Hour), "2026-03-08T08:00:00Z", true, "2026-03-08T07:30:00Z", "2026-03-08T08:30:00Z"},
		{"new york weekdays only: Saturday is free", recurring("0 22 * * 1-5", "America/New_York", 3*time.Hour), "2026-03-08T03:30:00Z", false, "", ""},
		{"new york weekdays only: Friday night runs past midnight", recurring("0 22 * * 1-5", "America/New_York", 3*time.Hour), "2026-03-07T04:30:00Z", true, "2026-03-07T03:00:00Z", "2026-03-07T06:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sp, open := WindowSpanAt(tt.w, mustTime(t, tt.at))
			if open != tt.open {
				t.Fatalf("at %s: open = %v (span %s – %s), want %v", tt.at, open, sp.Start.Format(time.RFC3339), sp.End.Format(time.RFC3339), tt.open)
			}
			if !open {
				return
			}
			if !sp.Start.Equal(mustTime(t, tt.start)) || !sp.End.Equal(mustTime(t, tt.end)) {
				t.Errorf("span %s – %s, want %s – %s", sp.Start.Format(time.RFC3339), sp.End.Format(time.RFC3339), tt.start, tt.end)
			}
		})
	}
}

func TestWindowOneOffAndNext(t *testing.T) {
	t.Parallel()
	start, end := mustTime(t, "2026-06-01T10:00:00Z"), mustTime(t, "2026-06-01T12:00:00Z")
	w := &collection.MaintenanceWindow{Name: "deploy", StartsAt: &start, EndsAt: &end, MonitorIDs: []collection.MonitorID{1}}
	for _, tt := range []struct {
		at   string
		open bool
	}{{"2026-06-01T09:59:59Z", false}, {"2026-06-01T10:00:00Z", true}, {"2026-06-01T11:59:59Z", true}, {"2026-06-01T12:00:00Z", false}} {
		if _, open := WindowSpanAt(w, mustTime(t, tt.at)); open != tt.open {
			t.Errorf("one-off at %s: open %v, want %v", tt.at, open, tt.open)
		}
	}
	if sp, ok := NextWindowSpan(w, mustTime(t, "2026-05-01T00:00:00Z")); !ok || !sp.Start.Equal(start) {
		t.Errorf("next of a future one-off = %+v %v", sp, ok)
	}
	if _, ok := NextWindowSpan(w, end); ok {
		t.Error("a one-off window that ended has no next opening")
	}
	nightly := recurring("30 2 * * *", "Europe/Berlin", time.Hour)
	sp, ok := NextWindowSpan(nightly, mustTime(t, "2026-03-28T12:00:00Z"))
	if !ok || !sp.Start.Equal(mustTime(t, "2026-03-29T01:30:00Z")) || !sp.End.Equal(mustTime(t, "2026-03-29T02:30:00Z")) {
		t.Errorf("next nightly opening across spring-forward = %+v %v", sp, ok)
	}
}

func TestActiveWindowPrefersSkip(t *testing.T) {
	t.Parallel()
	quiet := *recurring("0 * * * *", "UTC", 30*time.Minute)
	skip := *recurring("0 * * * *", "UTC", 10*time.Minute)
	skip.Mode, skip.Name = collection.WindowSkip, "skip"
	ws := []collection.MaintenanceWindow{quiet, skip}
	if w, _, ok := ActiveWindow(ws, mustTime(t, "2026-01-01T10:05:00Z")); !ok || w.Mode != collection.WindowSkip {
		t.Errorf("at :05 both are open: got %+v, want the skip window", w)
	}
	if w, _, ok := ActiveWindow(ws, mustTime(t, "2026-01-01T10:20:00Z")); !ok || w.Mode != collection.WindowQuiet {
		t.Errorf("at :20 only the quiet one is open: got %+v", w)
	}
	if _, _, ok := ActiveWindow(ws, mustTime(t, "2026-01-01T10:45:00Z")); ok {
		t.Error("at :45 nothing is open")
	}
}

func TestCheckWindow(t *testing.T) {
	t.Parallel()
	start, end := mustTime(t, "2026-06-01T10:00:00Z"), mustTime(t, "2026-06-01T12:00:00Z")
	tests := []struct {
		name string
		w    collection.MaintenanceWindow
		want []string // field paths; none: valid
	}{
		{"valid recurring", *recurring("0 2 * * 1-5", "Europe/Berlin", 90*time.Minute), nil},
		{"valid one-off on a tag", collection.MaintenanceWindow{Name: "db", StartsAt: &start, EndsAt: &end, Tag: "team-db"}, nil},
		{"bad cron", *recurring("0 25 * * *", "UTC", time.Hour), []string{"cron"}},
		{"unknown zone", *recurring("0 2 * * *", "Mars/Olympus", time.Hour), []string{"timeZone"}},
		{"no duration", *recurring("0 2 * * *", "UTC", 0), []string{"durationMinutes"}},
		{"too long", *recurring("0 2 * * *", "UTC", 8*24*time.Hour), []string{"durationMinutes"}},
		{"ends before it starts", collection.MaintenanceWindow{Name: "x", StartsAt: &end, EndsAt: &start, MonitorIDs: []collection.MonitorID{1}}, []string{"endsAt"}},
		{"both kinds", collection.MaintenanceWindow{Name: "x", StartsAt: &start, EndsAt: &end, Cron: "0 2 * * *", Duration: time.Hour, MonitorIDs: []collection.MonitorID{1}}, []string{"startsAt"}},
		{"nothing covered, bad mode, no name", collection.MaintenanceWindow{Mode: "loud", StartsAt: &start, EndsAt: &end}, []string{"name", "mode", "monitorIds"}},
		{"bad tag", collection.MaintenanceWindow{Name: "x", StartsAt: &start, EndsAt: &end, Tag: "Team Payments!"}, []string{"tag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := tt.w
			w.Normalize()
			err := CheckWindow(&w)
			var ve *collection.ValidationError
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("CheckWindow: %v", err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("CheckWindow = %v, want a validation error on %v", err, tt.want)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Path)
				if f.Message == "" {
					t.Errorf("field %s has no message", f.Path)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("problems on %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

func TestWindowSpans(t *testing.T) {
	t.Parallel()
	// Nightly 02:30 for 2 h in Berlin, over the spring-forward week-end.
	nightly := recurring("30 2 * * *", "Europe/Berlin", 2*time.Hour)
	got := WindowSpans(nightly, mustTime(t, "2026-03-28T02:00:00Z"), mustTime(t, "2026-03-30T00:30:00Z"), 0)
	want := []string{"2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z"} // the 30 March opening starts at 00:30Z, the end of the range
	if len(got) != len(want) {
		t.Fatalf("spans %+v, want starts %v", got, want)
	}
	for i, w := range want {
		if !got[i].Start.Equal(mustTime(t, w)) || got[i].End.Sub(got[i].Start) != 2*time.Hour {
			t.Errorf("span %d = %+v, want a 2 h opening at %s", i, got[i], w)
		}
	}
	if n := len(WindowSpans(recurring("* * * * *", "UTC", time.Minute), mustTime(t, "2026-01-01T00:00:00Z"), mustTime(t, "2026-01-02T00:00:00Z"), 500)); n != 500 {
		t.Errorf("limit: %d spans", n)
	}
	start, end := mustTime(t, "2026-06-01T10:00:00Z"), mustTime(t, "2026-06-01T12:00:00Z")
	once := &collection.MaintenanceWindow{StartsAt: &start, EndsAt: &end}
	if len(WindowSpans(once, end, end.Add(time.Hour), 0)) != 0 || len(WindowSpans(once, start.Add(-time.Hour), start.Add(time.Minute), 0)) != 1 {
		t.Error("one-off overlap is wrong")
	}
}
