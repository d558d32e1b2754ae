package alerting

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/store"
)

// Maintenance windows and mutes (docs/maintenance.md). The policy (Decide)
// does not know about them: it keeps counting and opening and resolving
// incidents as always, and ApplyHold, called at one point after it, turns
// what would be sent into what is sent.

// Held is what the policy remembers about notifications held back for one
// monitor and collection (alert_states.held_*). The zero Held holds nothing.
type Held struct {
	// Since is when the first failing run finished while held.
	Since time.Time
	// Runs counts the failing runs that finished while held.
	Runs int
	// Notices counts the messages held back (triggers and reminders).
	Notices int
	// Trigger is true when an incident's trigger itself was held: its
	// channels never heard of it, so it must not be resolved out loud.
	Trigger bool
	// Reason names the last hold: `maintenance window "NAME"` or `a mute`.
	Reason string
}

// Pending reports whether a summary may still be owed.
func (h Held) Pending() bool { return h.Runs > 0 || h.Notices > 0 || h.Trigger }

// ApplyHold adjusts the actions Decide returned for one slot outcome o at
// now. hold names what holds notifications at now ("" when nothing does);
// after is the state Decide returned.
//
//   - While held, every action is silent: incidents still open, remind and
//     resolve in the database (the dashboard shows them), but nothing is
//     sent. Failing runs are counted. A recovery inside the hold closes the
//     incident quietly and forgets the hold, unless the incident had been
//     announced before the hold began: then its recovery is still sent, so
//     a pager is not left open.
//   - At the first outcome after the hold, if the failure persists (the run
//     fails and an incident is open) exactly one message goes out for it
//     with the held-back summary (Action.Held): the trigger Decide returned,
//     or else the reminder it returned or one made for the purpose. It is
//     sent as a trigger when the channels never heard of the incident.
//   - After the hold, a recovery of an incident whose trigger was held is
//     silent; once no incident is open, nothing is owed any more.
func ApplyHold(h Held, hold string, after State, acts []Action, o Outcome, now time.Time) (Held, []Action) {
	acts = append([]Action(nil), acts...)
	if o == OutcomeNone {
		return h, acts
	}
	if hold != "" {
		h.Reason = hold
		if o.Failing() {
			h.Runs++
			if h.Since.IsZero() {
				h.Since = now
			}
		}
		for i := range acts {
			a := &acts[i]
			switch {
			case a.Event == alert.KindResolve:
				a.Notify = a.Notify && !h.Trigger
			case a.Notify:
				h.Notices++
				h.Trigger = h.Trigger || a.Event == alert.KindTrigger
				a.Notify = false
			}
		}
		if len(after.Open) == 0 && !o.Failing() {
			h = Held{} // recovered inside the hold: nothing is owed
		}
		return h, acts
	}
	if !h.Pending() {
		return h, acts
	}
	for i := range acts {
		if acts[i].Event == alert.KindResolve {
			acts[i].Notify = acts[i].Notify && !h.Trigger
		}
	}
	if len(after.Open) == 0 {
		return Held{}, acts
	}
	if !o.Failing() {
		return h, acts // not recovered yet: wait for the next outcome
	}
	kind := alert.IncidentFailure
	if o == OutcomeErrored {
		kind = alert.IncidentErrored
	}
	open := false
	for _, in := range after.Open {
		open = open || in.Kind == kind
	}
	if !open {
		return h, acts
	}
	summary := &HeldSummary{Runs: h.Runs, Since: h.Since, Reason: h.Reason, Unannounced: h.Trigger}
	for i := range acts {
		if acts[i].IncidentKind == kind && acts[i].Event != alert.KindResolve {
			acts[i].Notify, acts[i].Held = true, summary
			return Held{}, acts
		}
	}
	acts = append(acts, Action{Event: alert.KindReminder, IncidentKind: kind, Notify: true, Held: summary})
	return Held{}, acts
}

// HeldSummary rides on the one action sent when a hold ends while the
// failure persists.
type HeldSummary struct {
	Runs   int
	Since  time.Time
	Reason string
	// Unannounced: the incident's trigger was held, so the message is sent
	// as a trigger (PagerDuty opens its alert then) though the incident is
	// already open.
	Unannounced bool
}

// HoldAt is what holds a monitor's collection's notifications at t: the
// reason of the open window or mute covering it, or "". Windows preferred
// over mutes, so the reason names the maintenance when both apply.
func HoldAt(windows []collection.MaintenanceWindow, mutes []collection.Mute, c collection.CollectionID, t time.Time) string {
	if w, _, ok := schedulespec.ActiveWindow(windows, t); ok {
		return fmt.Sprintf("maintenance window %q", w.Name)
	}
	for i := range mutes {
		if mutes[i].Covers(c, t) {
			return "a mute"
		}
	}
	return ""
}

// hold is the dispatcher's side of ApplyHold: it reads the windows and
// mutes covering the run's monitor and what was held before, applies the
// hold to the actions, saves what is now held and marks a held run quiet.
func (d *Dispatcher) hold(ctx context.Context, tx pgx.Tx, run *collection.Run, after State, acts []Action, o Outcome, now time.Time) ([]Action, error) {
	mID, cID := *run.MonitorID, *run.CollectionID
	hc, err := d.cfg.Store.AlertHolds(ctx, tx, mID, cID, now)
	if err != nil {
		return nil, err
	}
	reason := HoldAt(hc.Windows, hc.Mutes, cID, now)
	before := Held{Since: hc.Held.Since, Runs: hc.Held.Runs, Notices: hc.Held.Notices, Trigger: hc.Held.Trigger, Reason: hc.Held.Reason}
	if reason == "" && !before.Pending() {
		return acts, nil
	}
	held, out := ApplyHold(before, reason, after, acts, o, now)
	if held != before {
		if err := d.cfg.Store.SaveHeld(ctx, tx, mID, cID, store.Held{Since: held.Since, Runs: held.Runs, Notices: held.Notices, Trigger: held.Trigger, Reason: held.Reason}); err != nil {
			return nil, err
		}
	}
	if reason != "" {
		if err := d.cfg.Store.MarkRunQuiet(ctx, tx, run.ID, reason); err != nil {
			return nil, err
		}
		d.cfg.Log.InfoContext(ctx, "alerts held", "reason", reason, "monitor_id", int64(mID), "collection_id", int64(cID), "run_id", int64(run.ID), "held_runs", held.Runs)
	}
	return out, nil
}

// muteURL links a message to the GUI's mute dialog for its incident.
func (d *Dispatcher) muteURL(monitor collection.MonitorID, incident collection.IncidentID) string {
	if d.cfg.PublicURL == "" {
		return ""
	}
	q := url.Values{"mute": {fmt.Sprint(int64(monitor))}, "minutes": {"120"}}
	if incident != 0 {
		q.Set("incident", fmt.Sprint(int64(incident)))
	}
	return d.cfg.PublicURL + "/maintenance?" + q.Encode()
}
