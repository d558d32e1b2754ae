package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// ListMonitorsParams selects a page of monitors, ordered by id.
type ListMonitorsParams struct {
	// First is the page size (default 50, at most 500).
	First int
	// After is the last id of the previous page (0 = from the start).
	After collection.MonitorID
	// Tag keeps only monitors carrying it ("" = all).
	Tag string
}

const monitorColumns = `m.id, m.name, m.schedule, m.time_zone, m.enabled, m.locations, m.failure_threshold,
    m.recovery_enabled, m.recovery_threshold, m.reminder_interval_s, m.errored_mode, m.min_failed_locations,
    m.next_run_at, m.created_at, m.updated_at,
    COALESCE((SELECT array_agg(mc.collection_id ORDER BY mc.position, mc.collection_id)
        FROM monitor_collections mc WHERE mc.monitor_id = m.id), '{}'),
    COALESCE((SELECT array_agg(mch.channel_id ORDER BY mch.channel_id)
        FROM monitor_channels mch WHERE mch.monitor_id = m.id), '{}'),
    m.tags, ` + monitorEnvironmentColumns

func scanMonitor(row pgx.Row) (collection.Monitor, error) {
	var (
		m          collection.Monitor
		reminder   int64
		cols       []int64
		chans      []int64
		envs       map[string]string
		retryDelay int64
	)
	err := row.Scan(&m.ID, &m.Name, &m.Schedule, &m.TimeZone, &m.Enabled, &m.Locations, &m.Policy.FailureThreshold,
		&m.Policy.RecoveryEnabled, &m.Policy.RecoveryThreshold, &reminder, &m.Policy.Errored,
		&m.Policy.MinFailedLocations, &m.NextRunAt, &m.CreatedAt, &m.UpdatedAt, &cols, &chans, &m.Tags,
		&envs, &m.Retry.Retries, &retryDelay, &m.Retry.Location)
	if err != nil {
		return m, err
	}
	m.Environments = monitorEnvironments(envs)
	m.Retry.Delay = time.Duration(retryDelay) * time.Second
	m.Policy.ReminderInterval = time.Duration(reminder) * time.Second
	m.CollectionIDs = make([]collection.CollectionID, len(cols))
	for i, v := range cols {
		m.CollectionIDs[i] = collection.CollectionID(v)
	}
	m.ChannelIDs = make([]collection.ChannelID, len(chans))
	for i, v := range chans {
		m.ChannelIDs[i] = collection.ChannelID(v)
	}
	return m, nil
}

// prepareMonitor fills defaults (UTC, the local location, the default policy's
// thresholds where zero) and checks what the table would reject, with messages
// naming the field. Schedule syntax is the caller's to check (schedulespec.Parse).
func prepareMonitor(m *collection.Monitor) (*collection.Monitor, error) {
	out := *m
	out.Name = strings.TrimSpace(out.Name)
	out.Schedule = strings.TrimSpace(out.Schedule)
	if out.TimeZone == "" {
		out.TimeZone = "UTC"
	}
	if len(out.Locations) == 0 {
		out.Locations = []string{collection.DefaultLocation}
	}
	def := collection.DefaultAlertPolicy()
	if out.Policy.FailureThreshold == 0 {
		out.Policy.FailureThreshold = def.FailureThreshold
	}
	if out.Policy.RecoveryThreshold == 0 {
		out.Policy.RecoveryThreshold = def.RecoveryThreshold
	}
	if out.Policy.Errored == "" {
		out.Policy.Errored = def.Errored
	}
	if out.Policy.MinFailedLocations == 0 {
		out.Policy.MinFailedLocations = def.MinFailedLocations
	}
	v := &collection.ValidationError{}
	add := func(path, format string, args ...any) {
		v.Fields = append(v.Fields, collection.FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case out.Name == "":
		add("name", "a monitor needs a name")
	case len(out.Name) > collection.MaxNameLen:
		add("name", "name is %d characters long; at most %d", len(out.Name), collection.MaxNameLen)
	}
	if out.Schedule == "" {
		add("schedule", "a monitor needs a schedule such as \"every 5m\" or a cron expression")
	}
	if _, err := time.LoadLocation(out.TimeZone); err != nil {
		add("timeZone", "time zone %q is not a known IANA zone such as Europe/Paris", out.TimeZone)
	}
	for i, l := range out.Locations {
		if strings.TrimSpace(l) == "" {
			add(fmt.Sprintf("locations[%d]", i), "a location needs a name")
		}
	}
	if n := len(out.Locations); n > 50 {
		add("locations", "%d locations; at most 50", n)
	}
	p := out.Policy
	if p.FailureThreshold < 1 || p.FailureThreshold > 100 {
		add("policy.failureThreshold", "failure threshold %d is outside 1..100", p.FailureThreshold)
	}
	if p.RecoveryThreshold < 1 || p.RecoveryThreshold > 100 {
		add("policy.recoveryThreshold", "recovery threshold %d is outside 1..100", p.RecoveryThreshold)
	}
	if p.ReminderInterval < 0 {
		add("policy.reminderInterval", "reminder interval %s is negative", p.ReminderInterval)
	}
	if !slices.Contains([]collection.ErroredMode{collection.ErroredAsFailure, collection.ErroredSeparate, collection.ErroredIgnore}, p.Errored) {
		add("policy.errored", "errored mode %q is not one of as_failure, separate, ignore", p.Errored)
	}
	if p.MinFailedLocations < 1 {
		add("policy.minFailedLocations", "minimum failed locations %d must be at least 1", p.MinFailedLocations)
	}
	if len(v.Fields) > 0 {
		return nil, v
	}
	out.CollectionIDs = dedupe(out.CollectionIDs)
	out.ChannelIDs = dedupe(out.ChannelIDs)
	return &out, nil
}

func dedupe[T comparable](xs []T) []T {
	var out []T
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// writeMonitorLinks replaces the monitor's collections (in the given order) and channels.
func writeMonitorLinks(ctx context.Context, tx pgx.Tx, m *collection.Monitor) error {
	cols := make([]int64, len(m.CollectionIDs))
	for i, id := range m.CollectionIDs {
		cols[i] = int64(id)
	}
	chans := make([]int64, len(m.ChannelIDs))
	for i, id := range m.ChannelIDs {
		chans[i] = int64(id)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM monitor_collections WHERE monitor_id = $1`, m.ID)
	b.Queue(`DELETE FROM monitor_channels WHERE monitor_id = $1`, m.ID)
	b.Queue(`INSERT INTO monitor_collections (monitor_id, collection_id, position)
SELECT $1, c.id, c.ord - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS c(id, ord)`, m.ID, cols)
	b.Queue(`INSERT INTO monitor_channels (monitor_id, channel_id) SELECT $1, unnest($2::bigint[])`, m.ID, chans)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("linking monitor %d to its collections and channels: %w", m.ID, translate(err))
	}
	return writeMonitorEnvironments(ctx, tx, m)
}

func monitorArgs(m *collection.Monitor) []any {
	return []any{m.Name, m.Schedule, m.TimeZone, m.Enabled, m.Locations, m.Policy.FailureThreshold,
		m.Policy.RecoveryEnabled, m.Policy.RecoveryThreshold, int64(m.Policy.ReminderInterval / time.Second),
		m.Policy.Errored, m.Policy.MinFailedLocations, m.NextRunAt}
}

// MonitorHook runs inside the transaction that writes a monitor, after the
// write (EventBridge mode records the schedule change there, so the row and
// its pending schedule commit together or not at all).
type MonitorHook func(ctx context.Context, tx pgx.Tx, id collection.MonitorID) error

func runHooks(ctx context.Context, tx pgx.Tx, id collection.MonitorID, hooks []MonitorHook) error {
	for _, h := range hooks {
		if err := h(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// CreateMonitor stores a monitor with its collections and channels. A missing
// collection or channel is ErrNotFound.
func (s *Store) CreateMonitor(ctx context.Context, m *collection.Monitor, hooks ...MonitorHook) (*collection.Monitor, error) {
	in, err := prepareMonitor(m)
	if err != nil {
		return nil, err
	}
	var out collection.Monitor
	err = WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
INSERT INTO monitors (name, schedule, time_zone, enabled, locations, failure_threshold, recovery_enabled,
    recovery_threshold, reminder_interval_s, errored_mode, min_failed_locations, next_run_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`, monitorArgs(in)...).Scan(&in.ID); err != nil {
			return fmt.Errorf("inserting monitor: %w", translate(err))
		}
		if err := writeMonitorLinks(ctx, tx, in); err != nil {
			return err
		}
		if err := runHooks(ctx, tx, in.ID, hooks); err != nil {
			return err
		}
		if err := recordMonitor(ctx, tx, in.ID, ""); err != nil {
			return err
		}
		out, err = getMonitor(ctx, tx, in.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateMonitor replaces every field of monitor m.ID, with its collections and channels.
func (s *Store) UpdateMonitor(ctx context.Context, m *collection.Monitor, hooks ...MonitorHook) (*collection.Monitor, error) {
	in, err := prepareMonitor(m)
	if err != nil {
		return nil, err
	}
	var out collection.Monitor
	err = WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
UPDATE monitors SET name = $2, schedule = $3, time_zone = $4, enabled = $5, locations = $6, failure_threshold = $7,
    recovery_enabled = $8, recovery_threshold = $9, reminder_interval_s = $10, errored_mode = $11,
    min_failed_locations = $12, next_run_at = $13, updated_at = now()
WHERE id = $1`, append([]any{in.ID}, monitorArgs(in)...)...)
		if err != nil {
			return fmt.Errorf("updating monitor %d: %w", in.ID, translate(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("monitor %d: %w", in.ID, collection.ErrNotFound)
		}
		if err := writeMonitorLinks(ctx, tx, in); err != nil {
			return err
		}
		if err := runHooks(ctx, tx, in.ID, hooks); err != nil {
			return err
		}
		if err := recordMonitor(ctx, tx, in.ID, ""); err != nil {
			return err
		}
		out, err = getMonitor(ctx, tx, in.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func getMonitor(ctx context.Context, db DB, id collection.MonitorID) (collection.Monitor, error) {
	m, err := scanMonitor(db.QueryRow(ctx, `SELECT `+monitorColumns+` FROM monitors m WHERE m.id = $1`, id))
	if err != nil {
		return m, fmt.Errorf("monitor %d: %w", id, translate(err))
	}
	return m, nil
}

// GetMonitor returns one monitor with its collection and channel ids.
func (s *Store) GetMonitor(ctx context.Context, id collection.MonitorID) (*collection.Monitor, error) {
	m, err := getMonitor(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// ListMonitors returns a page of monitors ordered by id.
func (s *Store) ListMonitors(ctx context.Context, p ListMonitorsParams) ([]collection.Monitor, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+monitorColumns+` FROM monitors m
		WHERE m.id > $1 AND ($3 = '' OR $3 = ANY(m.tags)) ORDER BY m.id LIMIT $2`, p.After, pageSize(p.First), p.Tag)
	if err != nil {
		return nil, fmt.Errorf("listing monitors: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Monitor, error) { return scanMonitor(r) })
	if err != nil {
		return nil, fmt.Errorf("listing monitors: %w", err)
	}
	return out, nil
}

// MonitorsByCollection returns, for each collection, the monitors that run it,
// in one query (for the API's dataloader).
func (s *Store) MonitorsByCollection(ctx context.Context, ids []collection.CollectionID) (map[collection.CollectionID][]collection.Monitor, error) {
	rows, err := s.pool.Query(ctx, `
SELECT l.collection_id, `+monitorColumns+`
FROM monitor_collections l JOIN monitors m ON m.id = l.monitor_id
WHERE l.collection_id = ANY($1)
ORDER BY l.collection_id, m.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("loading monitors of collections: %w", err)
	}
	defer rows.Close()
	out := map[collection.CollectionID][]collection.Monitor{}
	for rows.Next() {
		var cid collection.CollectionID
		m, err := scanMonitor(prefixScan{rows, &cid})
		if err != nil {
			return nil, fmt.Errorf("loading monitors of collections: %w", err)
		}
		out[cid] = append(out[cid], m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loading monitors of collections: %w", err)
	}
	return out, nil
}

// prefixScan scans a leading column into first before the rest.
type prefixScan struct {
	row   pgx.Row
	first any
}

func (p prefixScan) Scan(dest ...any) error { return p.row.Scan(append([]any{p.first}, dest...)...) }

// DeleteMonitor deletes a monitor and its versions; its runs stay with monitor_id NULL.
func (s *Store) DeleteMonitor(ctx context.Context, id collection.MonitorID, hooks ...MonitorHook) error {
	return WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM monitors WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("deleting monitor %d: %w", id, translate(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("monitor %d: %w", id, collection.ErrNotFound)
		}
		if err := deleteVersions(ctx, tx, collection.ObjectMonitor, int64(id)); err != nil {
			return err
		}
		return runHooks(ctx, tx, id, hooks)
	})
}

// SetMonitorEnabled pauses or resumes a monitor.
func (s *Store) SetMonitorEnabled(ctx context.Context, id collection.MonitorID, enabled bool, hooks ...MonitorHook) error {
	return WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE monitors SET enabled = $2, updated_at = now() WHERE id = $1`, id, enabled)
		if err != nil {
			return fmt.Errorf("updating monitor %d: %w", id, translate(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("monitor %d: %w", id, collection.ErrNotFound)
		}
		summary := "paused"
		if enabled {
			summary = "resumed"
		}
		if err := recordMonitor(ctx, tx, id, summary); err != nil {
			return err
		}
		return runHooks(ctx, tx, id, hooks)
	})
}
