// Package alert is the leaf of Catena's alerting: the Event every channel
// receives, the channel Type, the Provider interface each channel package
// implements, and the error kinds the delivery worker acts on (permanent,
// retry after). It imports nothing from the rest of alerting, so provider
// packages depend on it and not on the dispatcher.
package alert

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/netguard"
)

// Type names a kind of channel. The values are the collection.ChannelType
// strings stored with each channel.
type Type string

// Channel types.
const (
	TypeEmail     Type = "email"
	TypeSlack     Type = "slack"
	TypePagerDuty Type = "pagerduty"
	TypeDiscord   Type = "discord"
	TypeWebhook   Type = "webhook"
)

// Provider sends events to one configured channel. Providers are built per
// channel from its decrypted settings; Validate reports a configuration a
// person must fix, Send delivers one event.
type Provider interface {
	Type() Type
	Validate() error
	Send(ctx context.Context, e Event) error
}

// Kind is why a message is sent.
type Kind string

// Event kinds.
const (
	KindTrigger  Kind = "trigger"  // an incident opened
	KindResolve  Kind = "resolve"  // an incident resolved
	KindReminder Kind = "reminder" // an incident is still open
	KindTest     Kind = "test"     // "send test alert"
)

// Event is what a channel is told. It is built when the run finishes, stored
// with the delivery (so every retry sends the same content) and carries no
// secret values: run data is redacted by the runner and again by the dispatcher.
type Event struct {
	Kind Kind `json:"kind"`
	// DeliveryID identifies this message for idempotency (webhook X-Catena-Delivery).
	DeliveryID int64 `json:"delivery_id"`
	IncidentID int64 `json:"incident_id,omitempty"`
	// IncidentKind is "failure", or "errored" when errored runs alert separately.
	IncidentKind string `json:"incident_kind,omitempty"`
	// DedupKey is stable for a monitor+collection (PagerDuty dedup_key).
	DedupKey       string `json:"dedup_key"`
	MonitorID      int64  `json:"monitor_id,omitempty"`
	MonitorName    string `json:"monitor_name"`
	CollectionID   int64  `json:"collection_id,omitempty"`
	CollectionName string `json:"collection_name"`
	RunID          int64  `json:"run_id,omitempty"`
	RunURL         string `json:"run_url,omitempty"`
	// RunStatus is the outcome of the run that caused the event (failed, errored, passed).
	RunStatus string `json:"run_status,omitempty"`
	// Step is the first failing step, nil on recovery.
	Step *FailedStep `json:"step,omitempty"`
	// Locations that failed the slot.
	Locations    []string  `json:"locations,omitempty"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	At           time.Time `json:"at"`
	// Held is set on the one message sent when a maintenance window or mute
	// ends while the failure persists: what was held back meanwhile.
	Held *HeldBack `json:"held,omitempty"`
	// MuteURL opens the GUI's mute dialog for the incident (PublicURL/maintenance?…).
	MuteURL string `json:"mute_url,omitempty"`
}

// HeldBack summarises the notifications a window or mute held back.
type HeldBack struct {
	// Runs is how many failing runs finished while held.
	Runs int `json:"runs"`
	// Since is when the first of them finished.
	Since time.Time `json:"since"`
	// Reason names what held them: `maintenance window "nightly deploy"`, `a mute`.
	Reason string `json:"reason"`
}

// Line is the summary as one line of text.
func (h HeldBack) Line() string {
	return fmt.Sprintf("Held back during %s: %d failed run(s) since %s", h.Reason, h.Runs, h.Since.UTC().Format(time.RFC3339))
}

// FailedStep is the step that broke a run and why.
type FailedStep struct {
	Name      string `json:"name"`
	Position  int    `json:"position"` // 1-based, as people count
	Status    string `json:"status"`   // failed or errored
	ErrorCode string `json:"error_code,omitempty"`
	Error     string `json:"error,omitempty"`
	// Assertions that did not hold.
	Assertions []Assertion `json:"assertions,omitempty"`
}

// Assertion is one failed check: what was compared and what came back.
type Assertion struct {
	Source     string `json:"source"`
	Property   string `json:"property,omitempty"`
	Comparison string `json:"comparison"`
	Expected   string `json:"expected"`
	Actual     string `json:"actual"`
	Reason     string `json:"reason,omitempty"`
}

// FailingFor is how long the collection had been failing when the event was made.
func (e Event) FailingFor() time.Duration {
	if e.FailingSince.IsZero() || e.At.Before(e.FailingSince) {
		return 0
	}
	return e.At.Sub(e.FailingSince).Round(time.Second)
}

// Title is a one-line summary: subject lines, PagerDuty summaries, embed titles.
func (e Event) Title() string {
	what := "failing"
	if e.IncidentKind == "errored" {
		what = "erroring"
	}
	switch e.Kind {
	case KindResolve:
		return fmt.Sprintf("[Recovered] %s passes again (monitor %s)", e.CollectionName, e.MonitorName)
	case KindReminder:
		return fmt.Sprintf("[Still %s] %s (monitor %s)", what, e.CollectionName, e.MonitorName)
	case KindTest:
		return "[Test] Catena test alert"
	}
	return fmt.Sprintf("[%s] %s (monitor %s)", strings.ToUpper(what[:1])+what[1:], e.CollectionName, e.MonitorName)
}

// Lines are the message body as short lines of plain text, shared by every
// channel so that all of them say the same thing.
func (e Event) Lines() []string {
	if e.Kind == KindTest {
		return []string{"This is a test alert from Catena. If you can read it, the channel works."}
	}
	var l []string
	if e.Held != nil {
		l = append(l, e.Held.Line())
	}
	l = append(l, "Monitor: "+e.MonitorName, "Collection: "+e.CollectionName)
	if e.Kind == KindResolve {
		if d := e.FailingFor(); d > 0 {
			l = append(l, "Passed again after failing for "+d.String())
		} else {
			l = append(l, "Passed again")
		}
	} else {
		if s := e.Step; s != nil {
			l = append(l, fmt.Sprintf("Step %d %q %s", s.Position, s.Name, s.Status))
			for _, a := range s.Assertions {
				l = append(l, "Assertion: "+a.Describe())
			}
			if s.Error != "" {
				msg := s.Error
				if s.ErrorCode != "" {
					msg += " (" + s.ErrorCode + ")"
				}
				l = append(l, "Error: "+msg)
			}
		}
		if len(e.Locations) > 0 {
			l = append(l, "Failing locations: "+strings.Join(e.Locations, ", "))
		}
		if d := e.FailingFor(); d > 0 {
			l = append(l, fmt.Sprintf("Failing for %s (since %s)", d, e.FailingSince.UTC().Format(time.RFC3339)))
		}
	}
	if e.RunURL != "" {
		l = append(l, "Run: "+e.RunURL)
	}
	if e.MuteURL != "" && e.Kind != KindResolve {
		l = append(l, "Mute for 2 h: "+e.MuteURL)
	}
	return l
}

// Text is the plain-text message.
func (e Event) Text() string { return e.Title() + "\n\n" + strings.Join(e.Lines(), "\n") + "\n" }

// Describe renders an assertion as "body token exists: expected …, got …".
func (a Assertion) Describe() string {
	subject := a.Source
	if a.Property != "" {
		subject += " " + a.Property
	}
	s := fmt.Sprintf("%s %s: expected %q, got %q", subject, a.Comparison, a.Expected, a.Actual)
	if a.Reason != "" {
		s += " (" + a.Reason + ")"
	}
	return s
}

// Incident kinds, as stored in incidents.kind: a monitor's collection has at
// most one open incident of each.
const (
	IncidentFailure = "failure"
	IncidentErrored = "errored"
)

// IncidentKey is the stable key of a monitor's collection's incident
// (catena-<monitor>-<collection>, with -errored for errored incidents), sent as
// Event.DedupKey: PagerDuty folds every trigger of an incident into one alert
// and resolves it with the same key, and its webhooks send it back.
func IncidentKey(monitorID, collectionID int64, kind string) string {
	k := fmt.Sprintf("catena-%d-%d", monitorID, collectionID)
	if kind == IncidentErrored {
		k += "-errored"
	}
	return k
}

// ParseIncidentKey reverses IncidentKey; ok is false for any other string.
func ParseIncidentKey(k string) (monitorID, collectionID int64, kind string, ok bool) {
	rest, ok := strings.CutPrefix(k, "catena-")
	if !ok {
		return 0, 0, "", false
	}
	kind = IncidentFailure
	if r, ok := strings.CutSuffix(rest, "-"+IncidentErrored); ok {
		rest, kind = r, IncidentErrored
	}
	ms, cs, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, 0, "", false
	}
	m, err1 := strconv.ParseInt(ms, 10, 64)
	c, err2 := strconv.ParseInt(cs, 10, 64)
	if err1 != nil || err2 != nil || m <= 0 || c <= 0 {
		return 0, 0, "", false
	}
	return m, c, kind, true
}

// PermanentError marks a failure that retrying cannot fix (a revoked webhook,
// an invalid routing key, a rejected address): the delivery fails at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err is (or wraps) a PermanentError, or is a
// channel URL that cannot be parsed (netguard.ErrInvalidURL).
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p) || errors.Is(err, netguard.ErrInvalidURL)
}

// RetryAfterError is a channel asking to be called again after a delay
// (HTTP 429 with Retry-After); the delivery is retried after exactly that long.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}
func (e *RetryAfterError) Unwrap() error { return e.Err }
