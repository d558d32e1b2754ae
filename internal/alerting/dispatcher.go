package alerting

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// QueueName is the River queue delivery jobs go to; every process that runs
// workers (runner, serve) must list it in its queues.
const QueueName = "alerts"

// DeliveryJob sends one alert_deliveries row. It is inserted in the
// transaction that finishes the run, so a committed decision always has its job.
type DeliveryJob struct {
	DeliveryID collection.DeliveryID `json:"delivery_id"`
}

// Kind names the job for River.
func (DeliveryJob) Kind() string { return "catena_alert_delivery" }

// ChannelGetter reads a channel with its configuration decrypted; the store
// satisfies it.
type ChannelGetter interface {
	GetChannel(ctx context.Context, id collection.ChannelID) (*collection.AlertChannel, error)
}

// RetryConfig bounds delivery retries.
type RetryConfig struct {
	// MaxAttempts is how many sends a delivery gets before it is failed
	// (429 answers count too). Default 15: with the default delays about
	// 1.5 hours of retrying.
	MaxAttempts int
	// BaseDelay is the first retry's delay; each next one doubles, up to
	// MaxDelay, with up to 25% random jitter added. Defaults 5s and 10m.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// SendTimeout bounds one send. Default 30s.
	SendTimeout time.Duration
	// ChannelInterval is the least time between two messages to one channel
	// from this process. Default 1s (Slack's per-webhook limit).
	ChannelInterval time.Duration
}

// Config is what a Dispatcher needs.
type Config struct {
	Store    *store.Store
	Channels ChannelGetter
	// River inserts delivery jobs in the caller's transaction (insert-only is enough).
	River     *river.Client[pgx.Tx]
	Providers ProviderDeps
	// PublicURL is CATENA_PUBLIC_URL: messages link to PublicURL/runs/<id>.
	PublicURL string
	Log       *slog.Logger
	Retry     RetryConfig
	Now       func() time.Time
	// Metrics, when set, counts sends and settled deliveries.
	Metrics DeliveryObserver
	// Retries enqueues a monitor's retries before alerting (the queue client
	// satisfies it); nil runs no retries.
	Retries RunRetrier
}

// RunRetrier enqueues a retry run in the caller's transaction, its job
// available at at; queue.Client.EnqueueRetry.
type RunRetrier interface {
	EnqueueRetry(ctx context.Context, tx pgx.Tx, p store.InsertRunParams, at time.Time) (collection.Run, bool, error)
}

// Dispatcher turns finished runs into incidents and delivery jobs, and its
// worker sends them.
type Dispatcher struct {
	cfg  Config
	pace *pacer
}

// NewDispatcher checks cfg and fills defaults.
func NewDispatcher(cfg Config) (*Dispatcher, error) {
	if cfg.Store == nil || cfg.Channels == nil || cfg.River == nil {
		return nil, errors.New("alerting: Store, Channels and River are required")
	}
	if cfg.Providers.HTTPClient == nil {
		return nil, errors.New("alerting: Providers.HTTPClient is required (the dial-guarded client)")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	r := &cfg.Retry
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 15
	}
	if r.ChannelInterval <= 0 {
		r.ChannelInterval = time.Second
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = 5 * time.Second
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 10 * time.Minute
	}
	if r.SendTimeout <= 0 {
		r.SendTimeout = 30 * time.Second
	}
	cfg.Log = cfg.Log.With("component", "alerting")
	return &Dispatcher{cfg: cfg, pace: &pacer{interval: r.ChannelInterval, next: map[collection.ChannelID]time.Time{}}}, nil
}

// RunFinished applies the monitor's alert policy to a finished run, in tx (the
// transaction that finishes the run): it updates alert_states, opens or
// resolves incidents, links the run, and inserts the delivery rows and their
// jobs. Runs outside a monitor do not alert.
func (d *Dispatcher) RunFinished(ctx context.Context, tx pgx.Tx, run *collection.Run) error {
	if run == nil || run.MonitorID == nil || run.CollectionID == nil || !run.Status.Final() {
		return nil
	}
	mID, cID := *run.MonitorID, *run.CollectionID
	target, err := d.cfg.Store.AlertTarget(ctx, tx, mID)
	if errors.Is(err, collection.ErrNotFound) {
		return nil // the monitor was deleted while the run was in flight
	}
	if err != nil {
		return err
	}
	pol := Normalize(target.Policy)
	retrying, err := d.retry(ctx, tx, run)
	if err != nil {
		return err
	}
	this := RetryOutcome(Classify(run.Status, pol.Errored), retrying)
	if retrying {
		return nil // the retry decides: the policy's state waits for it
	}
	slot, exclude := run.ScheduledFor, run.ID
	if run.Chain.Of != nil {
		exclude = *run.Chain.Of
		if slot, err = d.cfg.Store.ChainSlot(ctx, tx, exclude); err != nil {
			return err
		}
	}

	// Lock first, then read the slot: another location's run finishing at the
	// same moment waits here and then sees this one.
	st, err := d.cfg.Store.LockAlertState(ctx, tx, mID, cID)
	if err != nil {
		return err
	}
	outcome, locations := this, []string(nil)
	if this.Failing() {
		locations = []string{run.Location}
	}
	if pol.MinFailedLocations > 1 {
		if slot == nil {
			// Not part of a slot: alone it cannot show K locations failing.
			if this.Failing() {
				outcome = OutcomeNone
			}
		} else {
			others, err := d.cfg.Store.SlotRuns(ctx, tx, mID, cID, *slot, exclude)
			if err != nil {
				return err
			}
			var os []Outcome
			for _, o := range others {
				oc := Classify(o.Status, pol.Errored)
				os = append(os, oc)
				if oc.Failing() {
					locations = append(locations, o.Location)
				}
			}
			outcome = SlotOutcome(pol.MinFailedLocations, len(target.Locations), this, os)
		}
	}
	slices.Sort(locations)
	locations = slices.Compact(locations)

	open, err := d.cfg.Store.OpenIncidents(ctx, tx, mID, cID)
	if err != nil {
		return err
	}
	now := d.cfg.Now()
	if run.FinishedAt != nil && !run.FinishedAt.IsZero() {
		now = *run.FinishedAt
	}
	before := State{ConsecutiveFailures: st.ConsecutiveFailures, ConsecutiveErrors: st.ConsecutiveErrors, ConsecutivePasses: st.ConsecutivePasses}
	if st.FailingSince != nil {
		before.FailingSince = *st.FailingSince
	}
	byKind := map[string]collection.Incident{}
	for _, in := range open {
		byKind[in.Kind] = in
		last := in.OpenedAt
		if in.LastNotifiedAt != nil {
			last = *in.LastNotifiedAt
		}
		oi := OpenIncident{Kind: in.Kind, OpenedAt: in.OpenedAt, LastNotifiedAt: last,
			Acknowledged: in.Status == collection.IncidentAcknowledged}
		if in.SnoozedUntil != nil {
			oi.SnoozedUntil = *in.SnoozedUntil
		}
		before.Open = append(before.Open, oi)
	}
	after, actions := Decide(pol, before, outcome, now)
	if actions, err = d.hold(ctx, tx, run, after, actions, outcome, now); err != nil {
		return err
	}

	st.ConsecutiveFailures, st.ConsecutiveErrors, st.ConsecutivePasses = after.ConsecutiveFailures, after.ConsecutiveErrors, after.ConsecutivePasses
	st.LastStatus = string(run.Status)
	st.FailingSince = nil
	if !after.FailingSince.IsZero() {
		fs := after.FailingSince
		st.FailingSince = &fs
	}
	if err := d.cfg.Store.SaveAlertState(ctx, tx, st); err != nil {
		return err
	}

	// A failing run while an incident of its kind is open belongs to it.
	if this.Failing() {
		kind := alert.IncidentFailure
		if this == OutcomeErrored {
			kind = alert.IncidentErrored
		}
		if in, ok := byKind[kind]; ok {
			if err := d.cfg.Store.LinkIncidentRun(ctx, tx, in.ID, run.ID, nil); err != nil {
				return err
			}
		}
	}

	var jobs []river.InsertManyParams
	for _, a := range actions {
		ev := d.event(a, target, run, before.FailingSince, locations, now)
		var incident collection.Incident
		switch a.Event {
		case alert.KindTrigger:
			ev.FailingSince = after.FailingSince
			incident, err = d.cfg.Store.OpenIncident(ctx, tx, store.OpenIncidentParams{
				MonitorID: mID, CollectionID: cID, Kind: a.IncidentKind, Summary: summary(ev), OpenedAt: now, RunID: run.ID,
			})
		case alert.KindReminder:
			ev.FailingSince = after.FailingSince
			incident = byKind[a.IncidentKind]
			var notified *time.Time
			if a.Notify {
				notified = &now
			}
			err = d.cfg.Store.LinkIncidentRun(ctx, tx, incident.ID, run.ID, notified)
		case alert.KindResolve:
			incident = byKind[a.IncidentKind]
			if err = d.cfg.Store.ResolveIncident(ctx, tx, incident.ID, run.ID, now); err == nil {
				err = d.cfg.Store.LinkIncidentRun(ctx, tx, incident.ID, run.ID, nil)
			}
		}
		if err != nil {
			return err
		}
		if !a.Notify {
			continue
		}
		ev.IncidentID = int64(incident.ID)
		if a.Event != alert.KindResolve {
			ev.MuteURL = d.muteURL(mID, incident.ID)
		}
		if h := a.Held; h != nil {
			ev.Held = &alert.HeldBack{Runs: h.Runs, Since: h.Since, Reason: h.Reason}
			if h.Unannounced {
				ev.Kind = alert.KindTrigger
			}
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encoding alert: %w", err)
		}
		for _, ch := range target.ChannelIDs {
			id := incident.ID
			del, err := d.cfg.Store.InsertDelivery(ctx, tx, store.InsertDeliveryParams{IncidentID: &id, ChannelID: ch, Event: string(ev.Kind), Payload: payload})
			if err != nil {
				return err
			}
			jobs = append(jobs, river.InsertManyParams{Args: DeliveryJob{DeliveryID: del.ID}, InsertOpts: d.insertOpts()})
		}
		d.cfg.Log.InfoContext(ctx, "alert decided", "event", string(a.Event), "incident_id", int64(incident.ID),
			"monitor_id", int64(mID), "collection_id", int64(cID), "run_id", int64(run.ID), "channels", len(target.ChannelIDs))
	}
	if len(jobs) > 0 {
		if _, err := d.cfg.River.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("enqueueing alert deliveries: %w", err)
		}
	}
	return nil
}

// retry enqueues the next retry of a failed or errored scheduled run when
// its monitor has retries left, links it to the chain's first run, and marks
// this run retried, all in the finishing transaction. The retry's key is
// collection.RetryRunKey, so a finish that is replayed (a runner lost after
// the commit) enqueues nothing twice. It reports whether the run is retried.
func (d *Dispatcher) retry(ctx context.Context, tx pgx.Tx, run *collection.Run) (bool, error) {
	if d.cfg.Retries == nil {
		return false, nil
	}
	r, err := d.cfg.Store.MonitorRetry(ctx, tx, *run.MonitorID)
	if err != nil {
		return false, err
	}
	m := collection.Monitor{ID: *run.MonitorID, Retry: r}
	n, ok := m.NextRetry(run)
	if !ok {
		return false, nil
	}
	first := run.ID
	if run.Chain.Of != nil {
		first = *run.Chain.Of
	}
	at := d.cfg.Now().Add(r.Delay)
	retry, _, err := d.cfg.Retries.EnqueueRetry(ctx, tx, store.InsertRunParams{
		CollectionID:   run.CollectionID,
		MonitorID:      run.MonitorID,
		Location:       cmp.Or(r.Location, run.Location),
		Trigger:        collection.TriggerRetry,
		IdempotencyKey: collection.RetryRunKey(first, n),
		Snapshot:       run.Snapshot,
		Environment:    run.Environment,
		Chain:          collection.RetryChain{Of: &first, Attempt: n},
	}, at)
	if err != nil {
		return false, fmt.Errorf("enqueueing retry %d of run %d: %w", n, first, err)
	}
	if err := d.cfg.Store.MarkRetried(ctx, tx, run.ID); err != nil {
		return false, err
	}
	d.cfg.Log.InfoContext(ctx, "run retried before alerting", "run_id", int64(run.ID), "retry_run_id", int64(retry.ID),
		"retry", n, "of", r.Retries, "at", at)
	return true, nil
}

func (d *Dispatcher) insertOpts() *river.InsertOpts {
	return &river.InsertOpts{Queue: QueueName, MaxAttempts: d.cfg.Retry.MaxAttempts}
}

// event builds the message for an action from the run. Secret values the
// snapshot still holds are masked again here, whatever the runner did.
func (d *Dispatcher) event(a Action, t store.AlertTarget, run *collection.Run, failingSince time.Time, locations []string, now time.Time) alert.Event {
	ev := alert.Event{
		Kind:           a.Event,
		IncidentKind:   a.IncidentKind,
		DedupKey:       alert.IncidentKey(int64(*run.MonitorID), int64(*run.CollectionID), a.IncidentKind),
		MonitorID:      int64(*run.MonitorID),
		MonitorName:    t.MonitorName,
		CollectionID:   int64(*run.CollectionID),
		CollectionName: run.Snapshot.Name,
		RunID:          int64(run.ID),
		RunStatus:      string(run.Status),
		FailingSince:   failingSince,
		At:             now,
	}
	if run.ID != 0 {
		ev.RunURL = fmt.Sprintf("%s/runs/%d", d.cfg.PublicURL, run.ID)
	}
	if a.Event != alert.KindResolve {
		ev.Locations = locations
		ev.Step = failedStep(run)
	}
	return redactEvent(ev, run.Snapshot.Secrets)
}

// failedStep is the first failed or errored step of the run, with the
// assertions that did not hold.
func failedStep(run *collection.Run) *alert.FailedStep {
	for _, s := range run.Steps {
		if s.Status != collection.StepFailed && s.Status != collection.StepErrored && s.Status != collection.StepInterrupted {
			continue
		}
		fs := &alert.FailedStep{Name: s.Name, Position: s.Position + 1, Status: string(s.Status), ErrorCode: s.ErrorCode, Error: s.Error}
		for _, a := range s.Assertions {
			if a.Passed {
				continue
			}
			fs.Assertions = append(fs.Assertions, alert.Assertion{
				Source: string(a.Source), Property: a.Property, Comparison: string(a.Comparison),
				Expected: a.Expected, Actual: a.Actual, Reason: a.Reason,
			})
		}
		return fs
	}
	if run.Error != "" {
		return &alert.FailedStep{Name: "(run)", Status: string(run.Status), Error: run.Error}
	}
	return nil
}

// redactEvent masks every secret value, in any of its encodings, left in the
// free-text fields (secret.Redactor). The runner redacted the step results
// already; this keeps the alert's promise on its own.
func redactEvent(ev alert.Event, secrets map[string]string) alert.Event {
	if ev.Step == nil {
		return ev
	}
	r := secret.NewRedactor(secrets)
	s := *ev.Step
	s.Name, s.Error = r.Redact(s.Name), r.Redact(s.Error)
	s.Assertions = slices.Clone(s.Assertions)
	for i := range s.Assertions {
		a := &s.Assertions[i]
		a.Expected, a.Actual, a.Reason, a.Property = r.Redact(a.Expected), r.Redact(a.Actual), r.Redact(a.Reason), r.Redact(a.Property)
	}
	ev.Step = &s
	return ev
}

// summary is the incident's one-line description.
func summary(ev alert.Event) string {
	if ev.Step == nil {
		return ev.RunStatus
	}
	s := fmt.Sprintf("step %d %q %s", ev.Step.Position, ev.Step.Name, ev.Step.Status)
	if len(ev.Step.Assertions) > 0 {
		s += ": " + ev.Step.Assertions[0].Describe()
	} else if ev.Step.Error != "" {
		s += ": " + ev.Step.Error
	}
	if r := []rune(s); len(r) > 500 {
		s = string(r[:499]) + "…"
	}
	return s
}

// Test sends a test alert to ch now and returns the channel's answer, for
// the "send test alert" button (testAlertChannel).
func (d *Dispatcher) Test(ctx context.Context, ch collection.AlertChannel) (string, error) {
	p, err := NewProvider(ch.Type, ch.Config, d.cfg.Providers)
	if err != nil {
		return "", err
	}
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", collection.ErrInvalid, err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Retry.SendTimeout)
	defer cancel()
	ev := alert.Event{Kind: alert.KindTest, MonitorName: "test", CollectionName: "test", At: d.cfg.Now(), DedupKey: fmt.Sprintf("catena-test-%d", ch.ID)}
	if err := p.Send(ctx, ev); err != nil {
		return "", fmt.Errorf("the %s channel answered: %w", ch.Type, err)
	}
	// The channel works again: clear a flag left by a permanent failure.
	if ch.ID != 0 && ch.LastError != "" {
		if err := d.cfg.Store.SetChannelError(ctx, ch.ID, ""); err != nil {
			d.cfg.Log.WarnContext(ctx, "clearing the channel's failure flag", "channel", ch.ID, "error", err)
		}
	}
	return fmt.Sprintf("test alert delivered to %s channel %q", ch.Type, ch.Name), nil
}
