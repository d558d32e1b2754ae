package alerting

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
)

// play runs a sequence of outcomes (P pass, F failure, E errored run status),
// one every 5 minutes, through Classify and Decide and returns what was sent
// after each run: "" for nothing, else e.g. "trigger:failure" or
// "resolve:failure(silent)".
func play(p collection.AlertPolicy, seq string) []string {
	var s State
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var out []string
	for i, c := range seq {
		status := map[rune]collection.RunStatus{'P': collection.RunPassed, 'F': collection.RunFailed, 'E': collection.RunErrored}[c]
		var acts []Action
		s, acts = Decide(p, s, Classify(status, Normalize(p).Errored), t0.Add(time.Duration(i)*5*time.Minute))
		var parts []string
		for _, a := range acts {
			x := string(a.Event) + ":" + a.IncidentKind
			if !a.Notify {
				x += "(silent)"
			}
			parts = append(parts, x)
		}
		out = append(out, strings.Join(parts, "+"))
	}
	return out
}

func TestAlertDecide(t *testing.T) {
	t.Parallel()
	def := collection.DefaultAlertPolicy()
	with := func(f func(*collection.AlertPolicy)) collection.AlertPolicy { p := def; f(&p); return p }
	n3 := with(func(p *collection.AlertPolicy) { p.FailureThreshold = 3 })
	tests := []struct {
		name   string
		policy collection.AlertPolicy
		seq    string
		want   map[int]string // index → actions; every other index sends nothing
	}{
		{"default: two failures trigger, one pass resolves", def, "FFFP", map[int]string{1: "trigger:failure", 3: "resolve:failure"}},
		{"N=3 flapping never pages", n3, "FPFPFFPFFP", nil},
		{"N=3 pages on the third in a row, once", n3, "FPFFFFFP", map[int]string{4: "trigger:failure", 7: "resolve:failure"}},
		{"recovery after M=2 passes", with(func(p *collection.AlertPolicy) { p.RecoveryThreshold = 2 }), "FFPFPPP", map[int]string{1: "trigger:failure", 5: "resolve:failure"}},
		{"recovery notice off resolves silently", with(func(p *collection.AlertPolicy) { p.RecoveryEnabled = false }), "FFP", map[int]string{1: "trigger:failure", 2: "resolve:failure(silent)"}},
		{"reminders every 10 minutes while open", with(func(p *collection.AlertPolicy) { p.ReminderInterval = 10 * time.Minute }), "FFFFFFP",
			map[int]string{1: "trigger:failure", 3: "reminder:failure", 5: "reminder:failure", 6: "resolve:failure"}},
		{"reminders off by default", def, "FFFFFFFF", map[int]string{1: "trigger:failure"}},
		{"errored counts as failure by default", def, "EFP", map[int]string{1: "trigger:failure", 2: "resolve:failure"}},
		{"errored separate opens its own incident", with(func(p *collection.AlertPolicy) { p.Errored = collection.ErroredSeparate }), "EFEEFFP",
			map[int]string{3: "trigger:errored", 5: "trigger:failure", 6: "resolve:errored+resolve:failure"}},
		{"errored ignored neither alerts nor breaks a streak", with(func(p *collection.AlertPolicy) { p.Errored = collection.ErroredIgnore }), "EEEFEFP",
			map[int]string{5: "trigger:failure", 6: "resolve:failure"}},
		{"threshold 1 alternates trigger and resolve, no reminders", with(func(p *collection.AlertPolicy) {
			p.FailureThreshold, p.ReminderInterval = 1, 7*time.Minute
		}), "FPFPFP", map[int]string{0: "trigger:failure", 1: "resolve:failure", 2: "trigger:failure", 3: "resolve:failure", 4: "trigger:failure", 5: "resolve:failure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := play(tt.policy, tt.seq)
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("run %d (%c): sent %q, want %q (all: %q)", i+1, tt.seq[i], got[i], tt.want[i], got)
				}
			}
		})
	}
}

func TestAlertDecideFailingSince(t *testing.T) {
	t.Parallel()
	p := collection.DefaultAlertPolicy()
	p.RecoveryThreshold = 2
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var s State
	s, _ = Decide(p, s, OutcomeFailure, t0)
	s, _ = Decide(p, s, OutcomeFailure, t0.Add(time.Minute))
	s, _ = Decide(p, s, OutcomePass, t0.Add(2*time.Minute)) // one pass is not recovery yet
	if !s.FailingSince.Equal(t0) {
		t.Fatalf("failing since %v, want %v kept while the incident is open", s.FailingSince, t0)
	}
	s, _ = Decide(p, s, OutcomePass, t0.Add(3*time.Minute))
	if !s.FailingSince.IsZero() || len(s.Open) != 0 {
		t.Fatalf("after recovery: %+v", s)
	}
	// Without an open incident, a pass ends the failing stretch at once.
	s, _ = Decide(p, State{}, OutcomeFailure, t0)
	s, _ = Decide(p, s, OutcomePass, t0.Add(time.Minute))
	if !s.FailingSince.IsZero() {
		t.Fatalf("failing since %v after a pass with nothing open", s.FailingSince)
	}
}

func TestAlertSlotOutcome(t *testing.T) {
	t.Parallel()
	F, P, N := OutcomeFailure, OutcomePass, OutcomeNone
	tests := []struct {
		k, m   int
		arrive []Outcome // in finishing order
		want   []Outcome // slot outcome decided at each arrival
	}{
		{1, 3, []Outcome{F, P, F}, []Outcome{F, P, F}}, // K=1: every run counts alone
		{2, 3, []Outcome{F, F, F}, []Outcome{N, F, N}}, // fails once, when the 2nd location fails
		{2, 3, []Outcome{F, P, P}, []Outcome{N, N, P}},
		{2, 3, []Outcome{P, P, F}, []Outcome{N, P, N}}, // 2 passes of 3: K=2 is out of reach
		{2, 3, []Outcome{P, F, F}, []Outcome{N, N, F}},
		{3, 3, []Outcome{F, F, P}, []Outcome{N, N, P}},
		{2, 2, []Outcome{OutcomeErrored, OutcomeErrored}, []Outcome{N, OutcomeErrored}},
		{2, 2, []Outcome{OutcomeErrored, F}, []Outcome{N, F}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-of-%d %v", tt.k, tt.m, tt.arrive), func(t *testing.T) {
			t.Parallel()
			for i, o := range tt.arrive {
				if got := SlotOutcome(tt.k, tt.m, o, tt.arrive[:i]); got != tt.want[i] {
					t.Errorf("arrival %d (%q): slot outcome %q, want %q", i+1, o, got, tt.want[i])
				}
			}
		})
	}
}

func TestAlertClassify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    collection.RunStatus
		mode collection.ErroredMode
		want Outcome
	}{
		{collection.RunPassed, collection.ErroredAsFailure, OutcomePass},
		{collection.RunFailed, collection.ErroredIgnore, OutcomeFailure},
		{collection.RunErrored, collection.ErroredAsFailure, OutcomeFailure},
		{collection.RunErrored, collection.ErroredSeparate, OutcomeErrored},
		{collection.RunErrored, collection.ErroredIgnore, OutcomeNone},
		{collection.RunMissed, collection.ErroredAsFailure, OutcomeNone},
		{collection.RunCancelled, collection.ErroredAsFailure, OutcomeNone},
	} {
		if got := Classify(tt.s, tt.mode); got != tt.want {
			t.Errorf("Classify(%s, %s) = %q, want %q", tt.s, tt.mode, got, tt.want)
		}
	}
}

// The timeline in docs/alerts.md.
func TestAlertDocTimeline(t *testing.T) {
	t.Parallel()
	p := collection.DefaultAlertPolicy()
	p.RecoveryThreshold, p.ReminderInterval = 2, 15*time.Minute
	got := play(p, "PFFEFFPFPP") // 12:00 … 12:45
	want := map[int]string{2: "trigger:failure", 5: "reminder:failure", 9: "resolve:failure"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%02d:%02d: sent %q, want %q", 12, i*5, got[i], want[i])
		}
	}
}

func TestAlertNoRemindersOnceAcknowledged(t *testing.T) {
	t.Parallel()
	p := collection.DefaultAlertPolicy()
	p.ReminderInterval = time.Minute
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := State{ConsecutiveFailures: 5, FailingSince: t0, Open: []OpenIncident{{Kind: alert.IncidentFailure, OpenedAt: t0, LastNotifiedAt: t0, Acknowledged: true}}}
	if _, acts := Decide(p, s, OutcomeFailure, t0.Add(time.Hour)); len(acts) != 0 {
		t.Fatalf("acknowledged incident: %+v", acts)
	}
	s.Open[0].Acknowledged = false
	if _, acts := Decide(p, s, OutcomeFailure, t0.Add(time.Hour)); len(acts) != 1 || acts[0].Event != "reminder" {
		t.Fatalf("open incident: %+v", acts)
	}
}

func TestAlertNoRemindersWhileSnoozed(t *testing.T) {
	t.Parallel()
	p := collection.DefaultAlertPolicy()
	p.ReminderInterval = time.Minute
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := State{ConsecutiveFailures: 5, FailingSince: t0, Open: []OpenIncident{{Kind: alert.IncidentFailure, OpenedAt: t0, LastNotifiedAt: t0, SnoozedUntil: t0.Add(time.Hour)}}}
	if _, acts := Decide(p, s, OutcomeFailure, t0.Add(59*time.Minute)); len(acts) != 0 {
		t.Fatalf("snoozed incident reminded: %+v", acts)
	}
	if _, acts := Decide(p, s, OutcomeFailure, t0.Add(time.Hour)); len(acts) != 1 || acts[0].Event != "reminder" {
		t.Fatalf("snooze over: %+v", acts)
	}
}
