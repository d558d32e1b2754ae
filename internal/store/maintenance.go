package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
)

// Maintenance windows, mutes, tags, and what alerting holds back meanwhile
// (alert_states.held_*). When a window is open is not SQL's to decide: its
// cron is read by schedulespec, so these methods return the windows that
// cover a monitor and the callers evaluate them.

const windowColumns = `w.id, w.name, w.mode, w.starts_at, w.ends_at, COALESCE(w.cron, ''), COALESCE(w.duration_s, 0),
	w.time_zone, COALESCE(w.tag, ''), w.created_by, w.created_at, w.updated_at,
	ARRAY(SELECT wm.monitor_id FROM maintenance_window_monitors wm WHERE wm.window_id = w.id ORDER BY wm.monitor_id)`

func scanWindow(row pgx.Row) (collection.MaintenanceWindow, error) {
	var (
		w   collection.MaintenanceWindow
		dur int64
		ids []int64
	)
	if err := row.Scan(&w.ID, &w.Name, &w.Mode, &w.StartsAt, &w.EndsAt, &w.Cron, &dur, &w.TimeZone, &w.Tag,
		&w.CreatedBy, &w.CreatedAt, &w.UpdatedAt, &ids); err != nil {
		return w, err
	}
	w.Duration = time.Duration(dur) * time.Second
	w.MonitorIDs = make([]collection.MonitorID, len(ids))
	for i, id := range ids {
		w.MonitorIDs[i] = collection.MonitorID(id)
	}
	for _, t := range []**time.Time{&w.StartsAt, &w.EndsAt} {
		if *t != nil {
			u := (*t).UTC()
			*t = &u
		}
	}
	return w, nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// saveWindowMonitors replaces a window's monitor list; ErrNotFound (naming
// the monitor) when one does not exist.
func saveWindowMonitors(ctx context.Context, tx pgx.Tx, id collection.WindowID, monitors []collection.MonitorID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM maintenance_window_monitors WHERE window_id = $1`, id); err != nil {
		return fmt.Errorf("saving the window's monitors: %w", translate(err))
	}
	ids := make([]int64, len(monitors))
	for i, m := range monitors {
		ids[i] = int64(m)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO maintenance_window_monitors (window_id, monitor_id)
		SELECT $1, m.id FROM monitors m WHERE m.id = ANY($2)`, id, ids)
	if err != nil {
		return fmt.Errorf("saving the window's monitors: %w", translate(err))
	}
	if int(tag.RowsAffected()) != len(ids) {
		return fmt.Errorf("%w: a monitor of the window does not exist", collection.ErrNotFound)
	}
	return nil
}

// CreateWindow stores a validated window (schedulespec.CheckWindow).
func (s *Store) CreateWindow(ctx context.Context, w *collection.MaintenanceWindow) (*collection.MaintenanceWindow, error) {
	var id collection.WindowID
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO maintenance_windows (name, mode, starts_at, ends_at, cron, duration_s, time_zone, tag, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			w.Name, w.Mode, w.StartsAt, w.EndsAt, nullIfEmpty(w.Cron), windowDuration(w), w.TimeZone, nullIfEmpty(w.Tag), w.CreatedBy).Scan(&id); err != nil {
			return fmt.Errorf("creating maintenance window: %w", translate(err))
		}
		return saveWindowMonitors(ctx, tx, id, w.MonitorIDs)
	})
	if err != nil {
		return nil, err
	}
	return s.GetWindow(ctx, id)
}

func windowDuration(w *collection.MaintenanceWindow) *int64 {
	if w.Cron == "" {
		return nil
	}
	d := int64(w.Duration / time.Second)
	return &d
}

// UpdateWindow replaces a window's fields and monitors.
func (s *Store) UpdateWindow(ctx context.Context, w *collection.MaintenanceWindow) (*collection.MaintenanceWindow, error) {
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE maintenance_windows SET name = $2, mode = $3, starts_at = $4, ends_at = $5, cron = $6,
			duration_s = $7, time_zone = $8, tag = $9, updated_at = now() WHERE id = $1`,
			w.ID, w.Name, w.Mode, w.StartsAt, w.EndsAt, nullIfEmpty(w.Cron), windowDuration(w), w.TimeZone, nullIfEmpty(w.Tag))
		if err != nil {
			return fmt.Errorf("updating maintenance window %d: %w", w.ID, translate(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("maintenance window %d: %w", w.ID, collection.ErrNotFound)
		}
		return saveWindowMonitors(ctx, tx, w.ID, w.MonitorIDs)
	})
	if err != nil {
		return nil, err
	}
	return s.GetWindow(ctx, w.ID)
}

// DeleteWindow removes a window; ErrNotFound when there is none.
func (s *Store) DeleteWindow(ctx context.Context, id collection.WindowID) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM maintenance_windows WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("deleting maintenance window %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("maintenance window %d: %w", id, collection.ErrNotFound)
	}
	return nil
}

// GetWindow reads one window.
func (s *Store) GetWindow(ctx context.Context, id collection.WindowID) (*collection.MaintenanceWindow, error) {
	w, err := scanWindow(s.pool.QueryRow(ctx, `SELECT `+windowColumns+` FROM maintenance_windows w WHERE w.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("reading maintenance window %d: %w", id, translate(err))
	}
	return &w, nil
}

// ListWindows returns every window, by id.
func (s *Store) ListWindows(ctx context.Context) ([]collection.MaintenanceWindow, error) {
	return s.queryWindows(ctx, s.pool, `SELECT `+windowColumns+` FROM maintenance_windows w ORDER BY w.id`)
}

func (s *Store) queryWindows(ctx context.Context, db DB, sql string, args ...any) ([]collection.MaintenanceWindow, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("listing maintenance windows: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.MaintenanceWindow, error) { return scanWindow(r) })
	if err != nil {
		return nil, fmt.Errorf("listing maintenance windows: %w", translate(err))
	}
	return out, nil
}

// WindowsForMonitors returns, per monitor, the windows covering it: listing
// it or carrying one of its tags.
func (s *Store) WindowsForMonitors(ctx context.Context, db DB, ids []collection.MonitorID) (map[collection.MonitorID][]collection.MaintenanceWindow, error) {
	out := map[collection.MonitorID][]collection.MaintenanceWindow{}
	if len(ids) == 0 {
		return out, nil
	}
	raw := make([]int64, len(ids))
	for i, id := range ids {
		raw[i] = int64(id)
	}
	rows, err := db.Query(ctx, `SELECT m.id, `+windowColumns+`
		FROM monitors m
		JOIN maintenance_windows w ON w.tag = ANY(m.tags)
			OR EXISTS (SELECT 1 FROM maintenance_window_monitors wm WHERE wm.window_id = w.id AND wm.monitor_id = m.id)
		WHERE m.id = ANY($1)
		ORDER BY m.id, w.id`, raw)
	if err != nil {
		return nil, fmt.Errorf("listing maintenance windows of monitors: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var m collection.MonitorID
		w, err := scanWindow(prefixed{rows, &m})
		if err != nil {
			return nil, fmt.Errorf("listing maintenance windows of monitors: %w", translate(err))
		}
		out[m] = append(out[m], w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing maintenance windows of monitors: %w", translate(err))
	}
	return out, nil
}

// MonitorHolds is what may hold a monitor's notifications: the windows
// covering it and its mutes in force.
type MonitorHolds struct {
	Windows []collection.MaintenanceWindow
	Mutes   []collection.Mute
}

// HoldsOfMonitors reads the windows and mutes in force at now of several
// monitors, in two queries (the API's dataloader).
func (s *Store) HoldsOfMonitors(ctx context.Context, ids []collection.MonitorID, now time.Time) (map[collection.MonitorID]MonitorHolds, error) {
	ws, err := s.WindowsForMonitors(ctx, s.pool, ids)
	if err != nil {
		return nil, err
	}
	ms, err := s.ActiveMutes(ctx, s.pool, ids, now)
	if err != nil {
		return nil, err
	}
	out := make(map[collection.MonitorID]MonitorHolds, len(ids))
	for _, id := range ids {
		out[id] = MonitorHolds{Windows: ws[id], Mutes: ms[id]}
	}
	return out, nil
}

// InMaintenance says which of the monitors a maintenance window covers at
// at (mutes are not maintenance: they only silence alerts). Status pages
// show these monitors as in maintenance.
func (s *Store) InMaintenance(ctx context.Context, ids []collection.MonitorID, at time.Time) (map[collection.MonitorID]bool, error) {
	ws, err := s.WindowsForMonitors(ctx, s.pool, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[collection.MonitorID]bool, len(ws))
	for id, list := range ws {
		for i := range list {
			if _, open := schedulespec.WindowSpanAt(&list[i], at); open {
				out[id] = true
				break
			}
		}
	}
	return out, nil
}

// prefixed scans one leading column into first, then the rest into dest.
type prefixed struct {
	row   pgx.Row
	first any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append([]any{p.first}, dest...)...) }

const muteColumns = `id, monitor_id, collection_id, incident_id, muted_until, created_by, created_at`

func scanMute(r pgx.Row) (collection.Mute, error) {
	var m collection.Mute
	err := r.Scan(&m.ID, &m.MonitorID, &m.CollectionID, &m.IncidentID, &m.Until, &m.CreatedBy, &m.CreatedAt)
	m.Until = m.Until.UTC()
	return m, err
}

// CreateMute stores a mute of a monitor (or, with CollectionID, of one of
// its collections); ErrNotFound when the monitor does not exist.
func (s *Store) CreateMute(ctx context.Context, m collection.Mute) (*collection.Mute, error) {
	out, err := scanMute(s.pool.QueryRow(ctx, `INSERT INTO mutes (monitor_id, collection_id, incident_id, muted_until, created_by)
		SELECT m.id, $2, $3, $4, $5 FROM monitors m WHERE m.id = $1
		RETURNING `+muteColumns, m.MonitorID, m.CollectionID, m.IncidentID, m.Until, m.CreatedBy))
	if err != nil {
		return nil, fmt.Errorf("muting monitor %d: %w", m.MonitorID, translate(err))
	}
	return &out, nil
}

// EndMutes ends a monitor's mutes now (all of them, or those of one
// collection) and returns how many were in force.
func (s *Store) EndMutes(ctx context.Context, monitor collection.MonitorID, coll *collection.CollectionID, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE mutes SET muted_until = $3
		WHERE monitor_id = $1 AND ($2::bigint IS NULL OR collection_id = $2) AND muted_until > $3`, monitor, coll, now)
	if err != nil {
		return 0, fmt.Errorf("unmuting monitor %d: %w", monitor, translate(err))
	}
	return int(tag.RowsAffected()), nil
}

// ActiveMutes returns, per monitor, its mutes still in force at now; every
// monitor's when ids is nil.
func (s *Store) ActiveMutes(ctx context.Context, db DB, ids []collection.MonitorID, now time.Time) (map[collection.MonitorID][]collection.Mute, error) {
	var raw []int64 // nil: NULL, every monitor
	for _, id := range ids {
		raw = append(raw, int64(id))
	}
	if ids != nil && raw == nil {
		raw = []int64{}
	}
	rows, err := db.Query(ctx, `SELECT `+muteColumns+` FROM mutes WHERE ($1::bigint[] IS NULL OR monitor_id = ANY($1)) AND muted_until > $2
		ORDER BY monitor_id, muted_until DESC`, raw, now)
	if err != nil {
		return nil, fmt.Errorf("listing mutes: %w", translate(err))
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Mute, error) { return scanMute(r) })
	if err != nil {
		return nil, fmt.Errorf("listing mutes: %w", translate(err))
	}
	out := map[collection.MonitorID][]collection.Mute{}
	for _, m := range list {
		out[m.MonitorID] = append(out[m.MonitorID], m)
	}
	return out, nil
}

// Held is what alerting held back for a monitor's collection while a window
// or mute was in force (alerting.Held is the policy's view of it).
type Held struct {
	Since   time.Time
	Runs    int
	Notices int
	Trigger bool
	Reason  string
}

// HoldContext is what the dispatcher needs to apply holds to one decision.
type HoldContext struct {
	Held    Held
	Windows []collection.MaintenanceWindow
	Mutes   []collection.Mute
}

// AlertHolds reads, in db's transaction (after LockAlertState), what was
// held for a monitor's collection and the windows and mutes covering the
// monitor at now, in one round trip.
func (s *Store) AlertHolds(ctx context.Context, db DB, m collection.MonitorID, c collection.CollectionID, now time.Time) (HoldContext, error) {
	var hc HoldContext
	b := &pgx.Batch{}
	b.Queue(`SELECT held_since, held_runs, held_notices, held_trigger, held_reason FROM alert_states WHERE monitor_id = $1 AND collection_id = $2`, m, c)
	b.Queue(`SELECT `+windowColumns+` FROM maintenance_windows w
		WHERE w.tag = ANY((SELECT tags FROM monitors WHERE id = $1)::text[])
			OR EXISTS (SELECT 1 FROM maintenance_window_monitors wm WHERE wm.window_id = w.id AND wm.monitor_id = $1)
		ORDER BY w.id`, m)
	b.Queue(`SELECT `+muteColumns+` FROM mutes WHERE monitor_id = $1 AND muted_until > $2`, m, now)
	br := db.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	var since *time.Time
	err := br.QueryRow().Scan(&since, &hc.Held.Runs, &hc.Held.Notices, &hc.Held.Trigger, &hc.Held.Reason)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return hc, fmt.Errorf("reading held alerts: %w", translate(err))
	}
	if since != nil {
		hc.Held.Since = since.UTC()
	}
	rows, _ := br.Query()
	if hc.Windows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.MaintenanceWindow, error) { return scanWindow(r) }); err != nil {
		return hc, fmt.Errorf("reading maintenance windows of monitor %d: %w", m, translate(err))
	}
	rows, _ = br.Query()
	if hc.Mutes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Mute, error) { return scanMute(r) }); err != nil {
		return hc, fmt.Errorf("reading mutes of monitor %d: %w", m, translate(err))
	}
	return hc, nil
}

// SaveHeld writes what is held for a monitor's collection.
func (s *Store) SaveHeld(ctx context.Context, db DB, m collection.MonitorID, c collection.CollectionID, h Held) error {
	var since *time.Time
	if !h.Since.IsZero() {
		since = &h.Since
	}
	_, err := db.Exec(ctx, `UPDATE alert_states SET held_since = $3, held_runs = $4, held_notices = $5, held_trigger = $6, held_reason = $7
		WHERE monitor_id = $1 AND collection_id = $2`, m, c, since, h.Runs, h.Notices, h.Trigger, h.Reason)
	if err != nil {
		return fmt.Errorf("saving held alerts: %w", translate(err))
	}
	return nil
}

// MarkRunQuiet records why a finished run's alerts were held.
func (s *Store) MarkRunQuiet(ctx context.Context, db DB, id collection.RunID, reason string) error {
	if _, err := db.Exec(ctx, `UPDATE runs SET quiet = $2 WHERE id = $1`, id, reason); err != nil {
		return fmt.Errorf("marking run %d quiet: %w", id, translate(err))
	}
	return nil
}

// SetMonitorTags replaces a monitor's tags (validated by the caller).
func (s *Store) SetMonitorTags(ctx context.Context, id collection.MonitorID, tags []string) error {
	return s.setTags(ctx, "monitors", "monitor", int64(id), tags)
}

// SetCollectionTags replaces a collection's tags (validated by the caller).
func (s *Store) SetCollectionTags(ctx context.Context, id collection.CollectionID, tags []string) error {
	return s.setTags(ctx, "collections", "collection", int64(id), tags)
}

// SetChannelTargetTags replaces the tags a channel takes alerts for.
func (s *Store) SetChannelTargetTags(ctx context.Context, id collection.ChannelID, tags []string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE alert_channels SET target_tags = $2, updated_at = now() WHERE id = $1`, id, tags)
	if err != nil {
		return fmt.Errorf("setting the target tags of channel %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("alert channel %d: %w", id, collection.ErrNotFound)
	}
	return nil
}

func (s *Store) setTags(ctx context.Context, table, what string, id int64, tags []string) error {
	if tags == nil {
		tags = []string{}
	}
	// table is one of two constants above, never input.
	tag, err := s.pool.Exec(ctx, `UPDATE `+table+` SET tags = $2, updated_at = now() WHERE id = $1`, id, tags)
	if err != nil {
		return fmt.Errorf("setting the tags of %s %d: %w", what, id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %d: %w", what, id, collection.ErrNotFound)
	}
	return nil
}

// AllTags lists every tag in use on monitors and collections, sorted.
func (s *Store) AllTags(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT t FROM (
		SELECT unnest(tags) AS t FROM monitors UNION SELECT unnest(tags) FROM collections) x ORDER BY t`)
	if err != nil {
		return nil, fmt.Errorf("listing tags: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing tags: %w", translate(err))
	}
	return out, nil
}
