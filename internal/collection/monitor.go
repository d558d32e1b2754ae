package collection

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Monitor runs collections on a schedule from one or more locations and alerts
// its channels according to its policy.
type Monitor struct {
	ID   MonitorID
	Name string
	// Schedule is "every 30s" / "every 5m" / "every 1h" or a 5-field cron;
	// its grammar is internal/collection/schedulespec.
	Schedule string
	// TimeZone is the IANA zone cron fields are read in ("UTC" by default).
	TimeZone      string
	Enabled       bool
	Locations     []string
	CollectionIDs []CollectionID
	ChannelIDs    []ChannelID
	Policy        AlertPolicy
	// Tags group monitors for the dashboard's filter, maintenance windows
	// and channels (collection.ValidateTags).
	Tags      []string
	NextRunAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// Environments picks, per collection, the environment its runs use; a
	// collection absent from it (or mapped to "") runs without one.
	Environments map[CollectionID]string
	// Retry re-runs a failed or errored scheduled run before the result
	// counts for the alert policy (retry.go).
	Retry MonitorRetry
}

// ErroredMode says how runs that could not execute count for alerting.
type ErroredMode string

// Errored modes.
const (
	ErroredAsFailure ErroredMode = "as_failure" // errored runs count like failed ones
	ErroredSeparate  ErroredMode = "separate"   // errored runs open their own incidents
	ErroredIgnore    ErroredMode = "ignore"     // errored runs never alert
)

// AlertPolicy decides when failures become incidents and notifications.
type AlertPolicy struct {
	// FailureThreshold: consecutive failed runs of a collection before alerting.
	FailureThreshold int
	// RecoveryEnabled: send a notice when the collection passes again.
	RecoveryEnabled bool
	// RecoveryThreshold: consecutive passes before the incident resolves.
	RecoveryThreshold int
	// ReminderInterval: repeat while open (0 = off).
	ReminderInterval time.Duration
	Errored          ErroredMode
	// MinFailedLocations: alert only when at least this many locations fail the same slot.
	MinFailedLocations int
}

// DefaultAlertPolicy is the policy a new monitor gets.
func DefaultAlertPolicy() AlertPolicy {
	return AlertPolicy{FailureThreshold: 2, RecoveryEnabled: true, RecoveryThreshold: 1, Errored: ErroredAsFailure, MinFailedLocations: 1}
}

// ChannelType is a kind of alert channel.
type ChannelType string

// Channel types; each has one provider package under internal/alerting/provider.
const (
	ChannelEmail     ChannelType = "email"
	ChannelSlack     ChannelType = "slack"
	ChannelPagerDuty ChannelType = "pagerduty"
	ChannelDiscord   ChannelType = "discord"
	ChannelWebhook   ChannelType = "webhook"
)

// ChannelTypes lists every channel type.
var ChannelTypes = []ChannelType{ChannelEmail, ChannelSlack, ChannelPagerDuty, ChannelDiscord, ChannelWebhook}

// AlertChannel is a destination for alerts. Config holds the channel's settings
// (URLs, keys, addresses); it is encrypted at rest and never returned in clear.
type AlertChannel struct {
	ID     ChannelID
	Name   string
	Type   ChannelType
	Config map[string]string
	// TargetTags: the channel also gets the alerts of every monitor carrying
	// one of these tags, besides the monitors that list it.
	TargetTags []string
	// LastError is the channel's last permanent delivery failure, set by
	// alerting and cleared by the next success; "" when the channel works.
	LastError   string
	LastErrorAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// IncidentStatus is the life of an incident.
type IncidentStatus string

// Incident statuses.
const (
	IncidentOpen         IncidentStatus = "open"
	IncidentAcknowledged IncidentStatus = "acknowledged"
	IncidentResolved     IncidentStatus = "resolved"
)

// Incident is one stretch of failure of a collection in a monitor, across locations.
type Incident struct {
	ID             IncidentID
	MonitorID      MonitorID
	CollectionID   CollectionID
	Kind           string // "failure" or "errored" (ErroredSeparate)
	Status         IncidentStatus
	OpenedAt       time.Time
	AcknowledgedAt *time.Time
	ResolvedAt     *time.Time
	LastNotifiedAt *time.Time
	FirstRunID     *RunID
	LastRunID      *RunID
	Summary        string
	// AssigneeID is who is on it; nil when nobody is.
	AssigneeID *UserID
	// SnoozedUntil holds the incident's reminders until then; nil when not snoozed.
	SnoozedUntil *time.Time
}

// IncidentNote is a person's note on an incident.
type IncidentNote struct {
	ID         int64
	IncidentID IncidentID
	AuthorID   *UserID // nil once the author is deleted
	Body       string
	CreatedAt  time.Time
}

// MaxIncidentNoteBytes bounds a note.
const MaxIncidentNoteBytes = 4000

// DeliveryStatus is the outcome of sending one alert to one channel.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryRetrying  DeliveryStatus = "retrying"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// Delivery is one alert message for one channel.
type Delivery struct {
	ID          DeliveryID
	IncidentID  *IncidentID
	ChannelID   ChannelID
	Event       string // trigger, resolve, reminder, test
	Status      DeliveryStatus
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	DeliveredAt *time.Time
}

// locationRE matches a location name, which is also a River queue name suffix.
var locationRE = regexp.MustCompile(`^[a-z0-9]+(?:[_-]?[a-z0-9]+)*$`)

// Limits on monitors.
const (
	MaxLocations      = 50
	MaxLocationLen    = 63
	MaxThreshold      = 100
	MaxMonitorTargets = 100
)

// Normalize trims input and fills defaults: zone UTC, location "local", and the
// default policy for thresholds left at zero (zero is never a valid threshold).
func (m *Monitor) Normalize() {
	m.Name = strings.TrimSpace(m.Name)
	m.Schedule = strings.Join(strings.Fields(m.Schedule), " ")
	m.TimeZone = strings.TrimSpace(m.TimeZone)
	if m.TimeZone == "" {
		m.TimeZone = "UTC"
	}
	for i, l := range m.Locations {
		m.Locations[i] = strings.ToLower(strings.TrimSpace(l))
	}
	if len(m.Locations) == 0 {
		m.Locations = []string{DefaultLocation}
	}
	def := DefaultAlertPolicy()
	if m.Policy.FailureThreshold == 0 {
		m.Policy.FailureThreshold = def.FailureThreshold
	}
	if m.Policy.RecoveryThreshold == 0 {
		m.Policy.RecoveryThreshold = def.RecoveryThreshold
	}
	if m.Policy.MinFailedLocations == 0 {
		m.Policy.MinFailedLocations = def.MinFailedLocations
	}
	if m.Policy.Errored == "" {
		m.Policy.Errored = def.Errored
	}
}

// Validate checks a monitor's fields other than its schedule (call Normalize
// first) and returns a *ValidationError listing every problem, or nil. The
// schedule's grammar lives in internal/collection/schedulespec, whose
// CheckMonitor runs Validate and parses the schedule, reporting both together;
// ValidateTimeouts checks the monitor against its collections.
func (m *Monitor) Validate() error {
	v := &ValidationError{}
	switch {
	case m.Name == "":
		v.add("name", "", "a monitor needs a name")
	case len(m.Name) > MaxNameLen:
		v.add("name", "", "name is %d characters long; at most %d", len(m.Name), MaxNameLen)
	}
	switch {
	case len(m.Locations) == 0:
		v.add("locations", "", "a monitor needs at least one location, such as %q", DefaultLocation)
	case len(m.Locations) > MaxLocations:
		v.add("locations", "", "%d locations; at most %d", len(m.Locations), MaxLocations)
	}
	seen := map[string]bool{}
	for i, l := range m.Locations {
		p := fmt.Sprintf("locations[%d]", i)
		switch {
		case len(l) > MaxLocationLen || !locationRE.MatchString(l):
			v.add(p, "", "location %q must be 1-%d lower-case letters and digits, optionally joined by - or _ (e.g. eu-west-1)", l, MaxLocationLen)
		case seen[l]:
			v.add(p, "", "location %q is listed twice", l)
		}
		seen[l] = true
	}
	if len(m.CollectionIDs) > MaxMonitorTargets {
		v.add("collectionIds", "", "%d collections; at most %d", len(m.CollectionIDs), MaxMonitorTargets)
	}
	ids := map[CollectionID]bool{}
	for i, id := range m.CollectionIDs {
		if ids[id] {
			v.add(fmt.Sprintf("collectionIds[%d]", i), "", "collection %d is listed twice", id)
		}
		ids[id] = true
	}
	if len(m.ChannelIDs) > MaxMonitorTargets {
		v.add("channelIds", "", "%d alert channels; at most %d", len(m.ChannelIDs), MaxMonitorTargets)
	}
	p := m.Policy
	if p.FailureThreshold < 1 || p.FailureThreshold > MaxThreshold {
		v.add("policy.failureThreshold", "", "failure threshold %d must be between 1 and %d", p.FailureThreshold, MaxThreshold)
	}
	if p.RecoveryThreshold < 1 || p.RecoveryThreshold > MaxThreshold {
		v.add("policy.recoveryThreshold", "", "recovery threshold %d must be between 1 and %d", p.RecoveryThreshold, MaxThreshold)
	}
	if p.ReminderInterval < 0 || p.ReminderInterval%time.Second != 0 || (p.ReminderInterval > 0 && p.ReminderInterval < time.Minute) {
		v.add("policy.reminderInterval", "", "reminder interval %s must be 0 (off) or whole seconds of at least 1m", p.ReminderInterval)
	}
	if !slices.Contains([]ErroredMode{ErroredAsFailure, ErroredSeparate, ErroredIgnore}, p.Errored) {
		v.add("policy.errored", "", "errored mode %q must be as_failure, separate or ignore", p.Errored)
	}
	if p.MinFailedLocations < 1 || (len(m.Locations) > 0 && p.MinFailedLocations > len(m.Locations)) {
		v.add("policy.minFailedLocations", "", "minimum failed locations %d must be between 1 and the number of locations (%d)", p.MinFailedLocations, len(m.Locations))
	}
	validateMonitorEnvironments(v, m)
	validateRetry(v, m)
	return v.err()
}

// ValidateTimeouts rejects a schedule whose shortest interval (from
// schedulespec.Schedule.MinInterval) is not longer than the longest any of the
// collections can run (docs/reliability.md, scenario 8): such a monitor would
// overlap itself and record missed runs on every slot.
func (m *Monitor) ValidateTimeouts(interval time.Duration, collections []Collection) error {
	v := &ValidationError{}
	for i := range collections {
		if t := CollectionTimeout(&collections[i]); t >= interval {
			v.add("schedule", "", "schedule %q can fire every %s but collection %q can take up to %s (its step timeouts and retries added up); choose a longer interval or shorter timeouts", m.Schedule, interval, collections[i].Name, t)
		}
	}
	return v.err()
}
