package alerting

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// playHeld is play with holds: upper-case letters are runs outside any
// window, lower-case ones (p, f, e) runs while a window or mute holds the
// monitor's notifications. A sent summary reads "[held N since HH:MM]",
// with ", as trigger" when the channels had not heard of the incident.
func playHeld(p collection.AlertPolicy, seq string) []string {
	var (
		s    State
		held Held
	)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var out []string
	for i, c := range seq {
		status := map[rune]collection.RunStatus{'P': collection.RunPassed, 'F': collection.RunFailed, 'E': collection.RunErrored}[[]rune(strings.ToUpper(string(c)))[0]]
		hold := ""
		if strings.ToLower(string(c)) == string(c) {
			hold = `maintenance window "deploy"`
		}
		now := t0.Add(time.Duration(i) * 5 * time.Minute)
		o := Classify(status, Normalize(p).Errored)
		var acts []Action
		s, acts = Decide(p, s, o, now)
		held, acts = ApplyHold(held, hold, s, acts, o, now)
		var parts []string
		for _, a := range acts {
			x := string(a.Event) + ":" + a.IncidentKind
			if !a.Notify {
				x += "(silent)"
			}
			if h := a.Held; h != nil {
				x += fmt.Sprintf("[held %d since %s", h.Runs, h.Since.Format("15:04"))
				if h.Unannounced {
					x += ", as trigger"
				}
				x += "]"
			}
			parts = append(parts, x)
		}
		out = append(out, strings.Join(parts, "+"))
	}
	return out
}

func TestAlertDecideWithHolds(t *testing.T) {
	t.Parallel()
	def := collection.DefaultAlertPolicy()
	with := func(f func(*collection.AlertPolicy)) collection.AlertPolicy { p := def; f(&p); return p }
	tests := []struct {
		name   string
		policy collection.AlertPolicy
		seq    string
		want   map[int]string // index → actions; every other index sends nothing
	}{
		{"an alert held in a window is released as one summary after it", def, "ffffFF",
			map[int]string{1: "trigger:failure(silent)", 4: "reminder:failure[held 4 since 12:00, as trigger]"}},
		{"a recovery inside the window sends nothing, and nothing is owed after", def, "ffpPFP",
			map[int]string{1: "trigger:failure(silent)", 2: "resolve:failure(silent)", 5: ""}},
		{"failing only inside the window, passing after it: the resolve is silent too", def, "ffPP",
			map[int]string{1: "trigger:failure(silent)", 2: "resolve:failure(silent)"}},
		{"an incident announced before the window still sends its recovery", def, "FFffp",
			map[int]string{1: "trigger:failure", 4: "resolve:failure"}},
		{"an incident announced before the window, still failing after it: one summary", def, "FFffFF",
			map[int]string{1: "trigger:failure", 4: "reminder:failure[held 2 since 12:10]"}},
		{"failures start in the window, the threshold is reached after it: the trigger carries the summary",
			with(func(p *collection.AlertPolicy) { p.FailureThreshold = 3 }), "ffFF",
			map[int]string{2: "trigger:failure[held 2 since 12:00]"}},
		{"reminders are held too and folded into the summary", with(func(p *collection.AlertPolicy) { p.ReminderInterval = 10 * time.Minute }), "FFffffF",
			map[int]string{1: "trigger:failure", 3: "reminder:failure(silent)", 5: "reminder:failure(silent)", 6: "reminder:failure[held 4 since 12:10]"}},
		{"an ignored errored run after the window does not release it; the next failure does", with(func(p *collection.AlertPolicy) { p.Errored = collection.ErroredIgnore }), "ffEF",
			map[int]string{1: "trigger:failure(silent)", 3: "reminder:failure[held 2 since 12:00, as trigger]"}},
		{"a pass after the window that does not yet resolve waits; the next failure releases", with(func(p *collection.AlertPolicy) { p.RecoveryThreshold = 2 }), "ffPF",
			map[int]string{1: "trigger:failure(silent)", 3: "reminder:failure[held 2 since 12:00, as trigger]"}},
		{"two windows in a row: the first summary clears what was held", def, "ffFffF",
			map[int]string{1: "trigger:failure(silent)", 2: "reminder:failure[held 2 since 12:00, as trigger]", 5: "reminder:failure[held 2 since 12:15]"}},
		{"passing throughout a window: nothing at all", def, "PppP", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := playHeld(tt.policy, tt.seq)
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("run %d (%c): sent %q, want %q (all: %q)", i+1, tt.seq[i], got[i], tt.want[i], got)
				}
			}
		})
	}
}

func TestHoldAt(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	end := t0.Add(time.Hour)
	windows := []collection.MaintenanceWindow{{Name: "deploy", Mode: collection.WindowQuiet, StartsAt: &t0, EndsAt: &end}}
	c := collection.CollectionID(7)
	mutes := []collection.Mute{{Until: t0.Add(2 * time.Hour), CollectionID: &c}}
	for _, tt := range []struct {
		at   time.Time
		coll collection.CollectionID
		want string
	}{
		{t0.Add(-time.Minute), 8, ""}, // before the window, and not the muted collection
		{t0, 7, `maintenance window "deploy"`},
		{t0.Add(90 * time.Minute), 7, "a mute"},
		{t0.Add(90 * time.Minute), 8, ""}, // the mute is of collection 7's incident
		{t0.Add(2 * time.Hour), 7, ""},
	} {
		if got := HoldAt(windows, mutes, tt.coll, tt.at); got != tt.want {
			t.Errorf("HoldAt(%s, collection %d) = %q, want %q", tt.at.Format(time.Kitchen), tt.coll, got, tt.want)
		}
	}
}
