package collection

import "time"

// Monitor runs collections on a schedule from one or more locations and alerts
// its channels according to its policy.
type Monitor struct {
	ID   MonitorID
	Name string
	// Schedule is "every 30s" / "every 5m" / "every 1h" or a 5-field cron.
	Schedule string
	// TimeZone is the IANA zone cron fields are read in ("UTC" by default).
	TimeZone      string
	Enabled       bool
	Locations     []string
	CollectionIDs []CollectionID
	ChannelIDs    []ChannelID
	Policy        AlertPolicy
	NextRunAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
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
