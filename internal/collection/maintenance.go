package collection

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Limits on tags.
const (
	MaxTags   = 20
	MaxTagLen = 40
)

// tagRE is a tag: lower-case letters and digits, joined by single - _ . or /.
var tagRE = regexp.MustCompile(`^[a-z0-9]+(?:[-_./][a-z0-9]+)*$`)

// NormalizeTags trims and lower-cases tags and drops empty and repeated ones,
// keeping the order they were given in.
func NormalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// ValidateTags checks normalized tags under the field name field ("tags").
func ValidateTags(field string, tags []string) error {
	v := &ValidationError{}
	if len(tags) > MaxTags {
		v.add(field, "", "%d tags; at most %d", len(tags), MaxTags)
	}
	for i, t := range tags {
		v.Fields = append(v.Fields, tagProblems(fmt.Sprintf("%s[%d]", field, i), t)...)
	}
	return v.err()
}

// ValidateTag checks one tag (a window's or a filter's) under field.
func ValidateTag(field, tag string) error {
	v := &ValidationError{Fields: tagProblems(field, tag)}
	return v.err()
}

func tagProblems(path, t string) []FieldError {
	if len(t) > MaxTagLen || !tagRE.MatchString(t) {
		return []FieldError{{Path: path, Message: fmt.Sprintf("tag %q must be 1-%d lower-case letters and digits, optionally joined by - _ . or / (e.g. team-payments, prod)", t, MaxTagLen)}}
	}
	return nil
}

// WindowMode says what a maintenance window does to the slots inside it.
type WindowMode string

// Window modes.
const (
	// WindowQuiet: runs still run and are recorded, but never notify.
	WindowQuiet WindowMode = "quiet"
	// WindowSkip: the scheduler does not run the slot and records it missed
	// (maintenance); anything that does run inside it is quiet.
	WindowSkip WindowMode = "skip"
)

// MissedMaintenance is the reason of a slot skipped by a window in skip mode.
const MissedMaintenance = "maintenance"

// WindowID identifies a maintenance window.
type WindowID int64

// MuteID identifies a mute.
type MuteID int64

// Limits on maintenance windows.
const (
	MaxWindowDuration = 7 * 24 * time.Hour
	MaxWindowSpan     = 366 * 24 * time.Hour
	MaxWindowMonitors = 500
	MaxMuteDuration   = 30 * 24 * time.Hour
)

// MaintenanceWindow is a stretch of time in which a set of monitors do not
// alert: one-off (StartsAt to EndsAt) or recurring (Cron read in TimeZone,
// open for Duration from each fire). It covers MonitorIDs and every monitor
// tagged Tag. When a window is open is computed by
// schedulespec.WindowSpanAt, which reads the cron with the monitors' grammar.
type MaintenanceWindow struct {
	ID         WindowID
	Name       string
	Mode       WindowMode
	StartsAt   *time.Time
	EndsAt     *time.Time
	Cron       string
	Duration   time.Duration
	TimeZone   string
	MonitorIDs []MonitorID
	Tag        string
	CreatedBy  *UserID
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Recurring reports whether the window repeats on a cron.
func (w *MaintenanceWindow) Recurring() bool { return w.Cron != "" }

// Covers reports whether the window targets a monitor with this id and tags.
func (w *MaintenanceWindow) Covers(id MonitorID, tags []string) bool {
	for _, m := range w.MonitorIDs {
		if m == id {
			return true
		}
	}
	if w.Tag == "" {
		return false
	}
	for _, t := range tags {
		if t == w.Tag {
			return true
		}
	}
	return false
}

// Normalize trims input and fills defaults (mode quiet, zone UTC).
func (w *MaintenanceWindow) Normalize() {
	w.Name = strings.TrimSpace(w.Name)
	w.Cron = strings.Join(strings.Fields(w.Cron), " ")
	w.TimeZone = strings.TrimSpace(w.TimeZone)
	if w.TimeZone == "" {
		w.TimeZone = "UTC"
	}
	w.Tag = strings.ToLower(strings.TrimSpace(w.Tag))
	if w.Mode == "" {
		w.Mode = WindowQuiet
	}
	if w.StartsAt != nil {
		t := w.StartsAt.UTC()
		w.StartsAt = &t
	}
	if w.EndsAt != nil {
		t := w.EndsAt.UTC()
		w.EndsAt = &t
	}
}

// Validate checks every field but the cron expression and zone, whose grammar
// lives in schedulespec (CheckWindow runs both).
func (w *MaintenanceWindow) Validate() error {
	v := &ValidationError{}
	switch {
	case w.Name == "":
		v.add("name", "", "a maintenance window needs a name")
	case len(w.Name) > MaxNameLen:
		v.add("name", "", "name is %d characters long; at most %d", len(w.Name), MaxNameLen)
	}
	if w.Mode != WindowQuiet && w.Mode != WindowSkip {
		v.add("mode", "", "mode %q must be quiet or skip", w.Mode)
	}
	switch {
	case w.Cron != "" && (w.StartsAt != nil || w.EndsAt != nil):
		v.add("startsAt", "", "a window is either one-off (startsAt and endsAt) or recurring (cron and duration), not both")
	case w.Cron != "":
		if w.Duration <= 0 || w.Duration%time.Minute != 0 || w.Duration > MaxWindowDuration {
			v.add("durationMinutes", "", "a recurring window's duration %s must be whole minutes between 1m and %s", w.Duration, MaxWindowDuration)
		}
	case w.StartsAt == nil || w.EndsAt == nil:
		v.add("startsAt", "", "a one-off window needs startsAt and endsAt (or give cron and durationMinutes for a recurring one)")
	case !w.EndsAt.After(*w.StartsAt):
		v.add("endsAt", "", "endsAt %s must be after startsAt %s", w.EndsAt.Format(time.RFC3339), w.StartsAt.Format(time.RFC3339))
	case w.EndsAt.Sub(*w.StartsAt) > MaxWindowSpan:
		v.add("endsAt", "", "a one-off window lasts at most %d days; this one lasts %s", MaxWindowSpan/(24*time.Hour), w.EndsAt.Sub(*w.StartsAt))
	}
	if w.Duration != 0 && w.Cron == "" {
		v.add("durationMinutes", "", "durationMinutes belongs to a recurring window; give cron too")
	}
	if len(w.MonitorIDs) == 0 && w.Tag == "" {
		v.add("monitorIds", "", "a window needs monitors or a tag to cover")
	}
	if len(w.MonitorIDs) > MaxWindowMonitors {
		v.add("monitorIds", "", "%d monitors; at most %d (use a tag)", len(w.MonitorIDs), MaxWindowMonitors)
	}
	seen := map[MonitorID]bool{}
	for i, id := range w.MonitorIDs {
		if seen[id] {
			v.add(fmt.Sprintf("monitorIds[%d]", i), "", "monitor %d is listed twice", id)
		}
		seen[id] = true
	}
	if w.Tag != "" {
		v.Fields = append(v.Fields, tagProblems("tag", w.Tag)...)
	}
	return v.err()
}

// Mute holds the notifications of a monitor (or of one of its collections,
// when an incident was muted) until Until, like a quiet window.
type Mute struct {
	ID        MuteID
	MonitorID MonitorID
	// CollectionID is set when an incident was muted: only that collection's
	// notifications are held.
	CollectionID *CollectionID
	IncidentID   *IncidentID
	Until        time.Time
	CreatedBy    *UserID
	CreatedAt    time.Time
}

// Covers reports whether the mute holds the collection's notifications at t.
func (m *Mute) Covers(c CollectionID, t time.Time) bool {
	return t.Before(m.Until) && (m.CollectionID == nil || *m.CollectionID == c)
}
