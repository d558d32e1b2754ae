package graph

import (
	"context"
	"errors"
	"time"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
)

// maxOpenings bounds MaintenanceWindow.openings.
const maxOpenings = 500

// maxMuteMinutes bounds a mute: 30 days.
const maxMuteMinutes = int(collection.MaxMuteDuration / time.Minute)

// windowFromInput builds and checks a window from the API's input.
func windowFromInput(in model.MaintenanceWindowInput) (*collection.MaintenanceWindow, error) {
	w := &collection.MaintenanceWindow{
		Name: in.Name, StartsAt: in.StartsAt, EndsAt: in.EndsAt, Cron: deref(in.Cron), TimeZone: deref(in.TimeZone), Tag: deref(in.Tag),
	}
	if in.Mode != nil {
		w.Mode = *in.Mode
	}
	if in.DurationMinutes != nil {
		w.Duration = time.Duration(*in.DurationMinutes) * time.Minute
		if *in.DurationMinutes <= 0 {
			w.Duration = -1 // refused by Validate, with the field named
		}
	}
	for i, s := range in.MonitorIds {
		id, err := parseID[collection.MonitorID](s)
		if err != nil {
			return nil, collection.Invalid("monitorIds", "monitorIds[%d]: %q is not a monitor id", i, s)
		}
		w.MonitorIDs = append(w.MonitorIDs, id)
	}
	w.Normalize()
	if err := schedulespec.CheckWindow(w); err != nil {
		return nil, err
	}
	return w, nil
}

// saveErr turns a missing monitor of a window into an INVALID naming the field.
func windowSaveErr(err error) error {
	if errors.Is(err, collection.ErrNotFound) {
		return collection.Invalid("monitorIds", "a monitor listed does not exist (deleted?); reload and choose again")
	}
	return err
}

// muteUntil reads a mute's end from minutes or until, one of the two.
func (r *Resolver) muteUntil(minutes *int, until *time.Time) (time.Time, error) {
	now := r.Now()
	switch {
	case (minutes == nil) == (until == nil):
		return time.Time{}, collection.Invalid("minutes", "give minutes (1 to %d) or until, one of the two", maxMuteMinutes)
	case minutes != nil:
		if *minutes < 1 || *minutes > maxMuteMinutes {
			return time.Time{}, collection.Invalid("minutes", "a mute lasts 1 to %d minutes (30 days); got %d", maxMuteMinutes, *minutes)
		}
		return now.Add(time.Duration(*minutes) * time.Minute).UTC(), nil
	}
	if !until.After(now) || until.Sub(now) > collection.MaxMuteDuration {
		return time.Time{}, collection.Invalid("until", "until %s must be in the next 30 days", until.UTC().Format(time.RFC3339))
	}
	return until.UTC(), nil
}

// tagFilter checks an optional tag argument of a list.
func tagFilter(tag *string) (string, error) {
	t := collection.NormalizeTags([]string{deref(tag)})
	if len(t) == 0 {
		return "", nil
	}
	if err := collection.ValidateTag("tag", t[0]); err != nil {
		return "", err
	}
	return t[0], nil
}

// checkTags normalizes and validates tags to be saved.
func checkTags(tags []string) ([]string, error) {
	t := collection.NormalizeTags(tags)
	return t, collection.ValidateTags("tags", t)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// monitorMaintenance is what holds a monitor's notifications at now.
func monitorMaintenance(windows []collection.MaintenanceWindow, mutes []collection.Mute, now time.Time) *model.MonitorMaintenance {
	var out model.MonitorMaintenance
	if w, sp, ok := schedulespec.ActiveWindow(windows, now); ok {
		end := sp.End
		out.Window, out.WindowEndsAt = w, &end
	}
	for _, m := range mutes {
		if m.Until.After(now) && (out.MutedUntil == nil || m.Until.After(*out.MutedUntil)) {
			u := m.Until
			out.MutedUntil = &u
		}
	}
	if out.Window == nil && out.MutedUntil == nil {
		return nil
	}
	return &out
}

func (r *Resolver) createMute(ctx context.Context, m collection.Mute, minutes *int, until *time.Time) (*collection.Mute, error) {
	p, err := editor(ctx)
	if err != nil {
		return nil, err
	}
	if m.Until, err = r.muteUntil(minutes, until); err != nil {
		return nil, err
	}
	uid := p.User.ID
	m.CreatedBy = &uid
	return r.Store.CreateMute(ctx, m)
}
