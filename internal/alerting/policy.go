package alerting

import (
	"time"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
)

// Outcome is what one slot (one scheduled time, across locations) means to
// the policy.
type Outcome string

// Outcomes.
const (
	OutcomeNone    Outcome = ""        // does not count (undecided slot, ignored errored run)
	OutcomePass    Outcome = "pass"    // the collection worked
	OutcomeFailure Outcome = "failure" // an assertion did not hold (or errored, as_failure)
	OutcomeErrored Outcome = "errored" // could not execute, counted on its own (separate)
)

// Failing reports whether the outcome counts towards an incident.
func (o Outcome) Failing() bool { return o == OutcomeFailure || o == OutcomeErrored }

// Classify maps a run status to an outcome under the errored mode. Missed and
// cancelled runs say nothing about the target and do not count.
func Classify(s collection.RunStatus, mode collection.ErroredMode) Outcome {
	switch s {
	case collection.RunPassed:
		return OutcomePass
	case collection.RunFailed:
		return OutcomeFailure
	case collection.RunErrored:
		switch mode {
		case collection.ErroredIgnore:
			return OutcomeNone
		case collection.ErroredSeparate:
			return OutcomeErrored
		default:
			return OutcomeFailure
		}
	}
	return OutcomeNone
}

// SlotOutcome decides a slot run from several locations once this run (this)
// has finished and others are the outcomes of the slot's other finished runs.
// The slot fails at the moment the minFailed-th location fails, and passes at
// the moment enough locations did not fail that minFailed can no longer be
// reached; every other arrival is OutcomeNone, so each slot counts once.
func SlotOutcome(minFailed, locations int, this Outcome, others []Outcome) Outcome {
	if minFailed <= 1 {
		return this
	}
	locations = max(locations, len(others)+1)
	if minFailed > locations {
		minFailed = locations
	}
	failing, failure := 0, false
	for _, o := range append([]Outcome{this}, others...) {
		if o.Failing() {
			failing++
			failure = failure || o == OutcomeFailure
		}
	}
	notFailing := len(others) + 1 - failing
	switch {
	case this.Failing() && failing == minFailed:
		if failure {
			return OutcomeFailure
		}
		return OutcomeErrored
	case !this.Failing() && notFailing == locations-minFailed+1:
		return OutcomePass
	}
	return OutcomeNone
}

// State is what the policy remembers per monitor and collection between runs
// (alert_states plus the open incidents).
type State struct {
	ConsecutiveFailures int
	ConsecutiveErrors   int
	ConsecutivePasses   int
	FailingSince        time.Time // zero when not failing
	Open                []OpenIncident
}

// OpenIncident is an unresolved incident as the policy sees it.
type OpenIncident struct {
	Kind           string
	OpenedAt       time.Time
	LastNotifiedAt time.Time
	// Acknowledged incidents get no reminders: someone is on it.
	Acknowledged bool
	// SnoozedUntil holds reminders until then (zero: not snoozed).
	SnoozedUntil time.Time
}

// Action is something the dispatcher must do after a decision.
type Action struct {
	Event        alert.Kind // trigger, resolve or reminder
	IncidentKind string
	// Notify is false for a resolve when recovery notices are off: the
	// incident closes without a message.
	Notify bool
	// Held is set on the one message sent after a maintenance window or mute
	// (ApplyHold in maintenance.go).
	Held *HeldSummary
}

// Normalize fills zero fields of a policy with the defaults.
func Normalize(p collection.AlertPolicy) collection.AlertPolicy {
	d := collection.DefaultAlertPolicy()
	if p.FailureThreshold < 1 {
		p.FailureThreshold = d.FailureThreshold
	}
	if p.RecoveryThreshold < 1 {
		p.RecoveryThreshold = d.RecoveryThreshold
	}
	if p.MinFailedLocations < 1 {
		p.MinFailedLocations = d.MinFailedLocations
	}
	if p.Errored == "" {
		p.Errored = d.Errored
	}
	return p
}

// Decide is the whole alert policy: given the state, the slot's outcome and
// the time, it returns the new state and what to send. It is pure.
//
//   - N consecutive failing slots (FailureThreshold) open an incident and
//     trigger; an open incident is not triggered again.
//   - M consecutive passes (RecoveryThreshold) resolve every open incident,
//     with a recovery notice when RecoveryEnabled.
//   - While an incident is open, not acknowledged and not snoozed, a failing
//     slot at least ReminderInterval after the last message sends a reminder
//     (0 = never).
//   - Errored slots count towards failure incidents (as_failure), towards
//     their own "errored" incidents (separate), or not at all (ignore, mapped
//     to OutcomeNone by Classify).
func Decide(p collection.AlertPolicy, s State, o Outcome, now time.Time) (State, []Action) {
	p = Normalize(p)
	s.Open = append([]OpenIncident(nil), s.Open...)
	var acts []Action
	switch o {
	case OutcomeNone:
		return s, nil
	case OutcomePass:
		s.ConsecutivePasses++
		s.ConsecutiveFailures, s.ConsecutiveErrors = 0, 0
		if len(s.Open) > 0 && s.ConsecutivePasses >= p.RecoveryThreshold {
			for _, in := range s.Open {
				acts = append(acts, Action{Event: alert.KindResolve, IncidentKind: in.Kind, Notify: p.RecoveryEnabled})
			}
			s.Open = nil
		}
		if len(s.Open) == 0 {
			s.FailingSince = time.Time{}
		}
		return s, acts
	}

	kind, count := alert.IncidentFailure, 0
	s.ConsecutivePasses = 0
	if o == OutcomeErrored {
		kind = alert.IncidentErrored
		s.ConsecutiveErrors++
		s.ConsecutiveFailures = 0
		count = s.ConsecutiveErrors
	} else {
		s.ConsecutiveFailures++
		s.ConsecutiveErrors = 0
		count = s.ConsecutiveFailures
	}
	if s.FailingSince.IsZero() {
		s.FailingSince = now
	}
	for i := range s.Open {
		in := &s.Open[i]
		if in.Kind != kind {
			continue
		}
		if p.ReminderInterval > 0 && !in.Acknowledged && !now.Before(in.SnoozedUntil) && now.Sub(in.LastNotifiedAt) >= p.ReminderInterval {
			in.LastNotifiedAt = now
			acts = append(acts, Action{Event: alert.KindReminder, IncidentKind: kind, Notify: true})
		}
		return s, acts
	}
	if count >= p.FailureThreshold {
		s.Open = append(s.Open, OpenIncident{Kind: kind, OpenedAt: now, LastNotifiedAt: now})
		acts = append(acts, Action{Event: alert.KindTrigger, IncidentKind: kind, Notify: true})
	}
	return s, acts
}

// Retry before alerting (a monitor's retries): a failing scheduled run that
// will be retried says nothing yet; its retry decides. Only the last run of a
// chain reaches Decide, so a chain counts as one slot whatever its length.

// RetryOutcome is the outcome a run brings to the policy when retrying says
// whether it is being retried: none while it is, its own otherwise.
func RetryOutcome(o Outcome, retrying bool) Outcome {
	if retrying {
		return OutcomeNone
	}
	return o
}
