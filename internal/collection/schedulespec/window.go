package schedulespec

import (
	"errors"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// Span is one opening of a maintenance window: Start <= t < End.
type Span struct {
	Start, End time.Time
}

// Contains reports whether t is inside the span.
func (s Span) Contains(t time.Time) bool { return !t.Before(s.Start) && t.Before(s.End) }

// CheckWindow validates a maintenance window whole (call w.Normalize first):
// its own fields and, for a recurring window, its cron and zone with the
// monitors' grammar, every problem in one *collection.ValidationError.
func CheckWindow(w *collection.MaintenanceWindow) error {
	var parseErr error
	if w.Cron != "" {
		_, parseErr = Parse(w.Cron, w.TimeZone)
		var ve *collection.ValidationError
		if errors.As(parseErr, &ve) {
			for i := range ve.Fields {
				if ve.Fields[i].Path == "schedule" {
					ve.Fields[i].Path = "cron"
					ve.Fields[i].Message = strings.ReplaceAll(ve.Fields[i].Message, "a monitor needs a schedule", "a recurring window needs a cron")
				}
			}
		}
	} else {
		_, parseErr = LoadTimeZone(w.TimeZone)
	}
	v := &collection.ValidationError{}
	for _, err := range []error{w.Validate(), parseErr} {
		var ve *collection.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			v.Fields = append(v.Fields, ve.Fields...)
		default:
			return err
		}
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// WindowSpanAt returns the opening of w that covers t, if one does. A
// recurring window opens at each slot of its cron (the monitors' DST rules:
// a wall time repeated by the fall-back opens once, at its first occurrence)
// and stays open for Duration of elapsed time, so a 2-hour window across a
// clock change still lasts 2 hours. A start that falls in the spring-forward
// gap opens at that wall time read with the offset before the jump (02:30
// that never happened opens at 03:30 summer time): a nightly window is not
// lost to the clock change. When openings overlap, the one ending last wins.
func WindowSpanAt(w *collection.MaintenanceWindow, t time.Time) (Span, bool) {
	if !w.Recurring() {
		if w.StartsAt == nil || w.EndsAt == nil {
			return Span{}, false
		}
		s := Span{Start: *w.StartsAt, End: *w.EndsAt}
		return s, s.Contains(t)
	}
	s, err := Parse(w.Cron, w.TimeZone)
	if err != nil || w.Duration <= 0 {
		return Span{}, false
	}
	slots := s.Slots(t.Add(-w.Duration), t, 0)
	if len(slots) == 0 {
		return Span{}, false
	}
	start := slots[len(slots)-1].At
	return Span{Start: start, End: start.Add(w.Duration)}, true
}

// NextWindowSpan returns the opening of w in force at after, or else the
// first one starting after it; ok is false when the window never opens again.
func NextWindowSpan(w *collection.MaintenanceWindow, after time.Time) (Span, bool) {
	if sp, ok := WindowSpanAt(w, after); ok {
		return sp, true
	}
	if !w.Recurring() {
		if w.StartsAt == nil || w.EndsAt == nil || !w.EndsAt.After(after) {
			return Span{}, false
		}
		return Span{Start: *w.StartsAt, End: *w.EndsAt}, true
	}
	s, err := Parse(w.Cron, w.TimeZone)
	if err != nil {
		return Span{}, false
	}
	sl, ok := s.NextSlot(after)
	if !ok {
		return Span{}, false
	}
	return Span{Start: sl.At, End: sl.At.Add(w.Duration)}, true
}

// ActiveWindow returns the first of windows (those covering a monitor) open
// at t, preferring skip over quiet, so a caller learns at once whether a slot
// is to be skipped.
func ActiveWindow(windows []collection.MaintenanceWindow, t time.Time) (*collection.MaintenanceWindow, Span, bool) {
	var (
		found *collection.MaintenanceWindow
		span  Span
	)
	for i := range windows {
		w := &windows[i]
		sp, ok := WindowSpanAt(w, t)
		if !ok {
			continue
		}
		if found == nil || (w.Mode == collection.WindowSkip && found.Mode != collection.WindowSkip) {
			found, span = w, sp
		}
	}
	return found, span, found != nil
}

// WindowSpans returns the openings of w that overlap [from, to), oldest
// first, at most limit of them (limit > 0).
func WindowSpans(w *collection.MaintenanceWindow, from, to time.Time, limit int) []Span {
	var out []Span
	if !w.Recurring() {
		if w.StartsAt != nil && w.EndsAt != nil && w.StartsAt.Before(to) && w.EndsAt.After(from) {
			out = append(out, Span{Start: *w.StartsAt, End: *w.EndsAt})
		}
		return out
	}
	s, err := Parse(w.Cron, w.TimeZone)
	if err != nil || w.Duration <= 0 {
		return nil
	}
	// Slots are after < At <= until; an opening starting at from-Duration
	// has ended by from, one starting at to has not begun.
	for _, sl := range s.Slots(from.Add(-w.Duration), to.Add(-time.Nanosecond), limit) {
		out = append(out, Span{Start: sl.At, End: sl.At.Add(w.Duration)})
	}
	return out
}
