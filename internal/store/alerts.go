package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// Alerting's SQL: the per monitor+collection counters the policy reads
// (alert_states), incidents and the runs in them, and the delivery outbox
// (alert_deliveries). Methods taking a DB run in the caller's transaction —
// the dispatcher decides inside the transaction that finishes a run.

// AlertState is the policy's memory for one monitor and collection.
type AlertState struct {
	MonitorID           collection.MonitorID
	CollectionID        collection.CollectionID
	ConsecutiveFailures int
	ConsecutiveErrors   int
	ConsecutivePasses   int
	LastStatus          string
	FailingSince        *time.Time
}

// LockAlertState returns the state row, creating it when missing, locked FOR
// UPDATE until db's transaction ends. Runs of the same monitor and collection
// from several locations are judged one after the other this way.
func (s *Store) LockAlertState(ctx context.Context, db DB, m collection.MonitorID, c collection.CollectionID) (AlertState, error) {
	if _, err := db.Exec(ctx, `INSERT INTO alert_states (monitor_id, collection_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, m, c); err != nil {
		return AlertState{}, fmt.Errorf("creating alert state: %w", translate(err))
	}
	st := AlertState{MonitorID: m, CollectionID: c}
	err := db.QueryRow(ctx, `
		SELECT consecutive_failures, consecutive_errors, consecutive_passes, last_status, failing_since
		FROM alert_states WHERE monitor_id = $1 AND collection_id = $2 FOR UPDATE`, m, c).
		Scan(&st.ConsecutiveFailures, &st.ConsecutiveErrors, &st.ConsecutivePasses, &st.LastStatus, &st.FailingSince)
	if err != nil {
		return AlertState{}, fmt.Errorf("locking alert state: %w", translate(err))
	}
	return st, nil
}

// SaveAlertState writes the counters back.
func (s *Store) SaveAlertState(ctx context.Context, db DB, st AlertState) error {
	_, err := db.Exec(ctx, `
		UPDATE alert_states SET consecutive_failures = $3, consecutive_errors = $4, consecutive_passes = $5,
			last_status = $6, failing_since = $7, updated_at = now()
		WHERE monitor_id = $1 AND collection_id = $2`,
		st.MonitorID, st.CollectionID, st.ConsecutiveFailures, st.ConsecutiveErrors, st.ConsecutivePasses, st.LastStatus, st.FailingSince)
	if err != nil {
		return fmt.Errorf("saving alert state: %w", translate(err))
	}
	return nil
}

// AlertTarget is what the dispatcher needs to know about a monitor.
type AlertTarget struct {
	MonitorName string
	Locations   []string
	Policy      collection.AlertPolicy
	ChannelIDs  []collection.ChannelID
}

// AlertTarget reads a monitor's name, locations, policy and channels: those
// it lists and those targeting one of its tags, each once.
func (s *Store) AlertTarget(ctx context.Context, db DB, id collection.MonitorID) (AlertTarget, error) {
	var t AlertTarget
	var reminderS int64
	var errored string
	err := db.QueryRow(ctx, `
		SELECT name, locations, failure_threshold, recovery_enabled, recovery_threshold, reminder_interval_s,
			errored_mode, min_failed_locations,
			COALESCE((SELECT array_agg(id ORDER BY id) FROM alert_channels ch
				WHERE ch.id IN (SELECT channel_id FROM monitor_channels WHERE monitor_id = m.id) OR ch.target_tags && m.tags), '{}')
		FROM monitors m WHERE id = $1`, id).
		Scan(&t.MonitorName, &t.Locations, &t.Policy.FailureThreshold, &t.Policy.RecoveryEnabled, &t.Policy.RecoveryThreshold,
			&reminderS, &errored, &t.Policy.MinFailedLocations, &t.ChannelIDs)
	if err != nil {
		return AlertTarget{}, fmt.Errorf("reading monitor %d for alerting: %w", id, translate(err))
	}
	t.Policy.ReminderInterval = time.Duration(reminderS) * time.Second
	t.Policy.Errored = collection.ErroredMode(errored)
	return t, nil
}

// SlotRun is one location's finished run of a scheduled slot.
type SlotRun struct {
	ID       collection.RunID
	Location string
	Status   collection.RunStatus
}

// SlotRuns lists the other finished runs of a monitor's collection for the
// same scheduled time (one per location), excluding run exclude (for a retry:
// the first run of its chain). A run being retried counts with its chain's
// last run, and not at all while that one is still in flight.
func (s *Store) SlotRuns(ctx context.Context, db DB, m collection.MonitorID, c collection.CollectionID, scheduledFor time.Time, exclude collection.RunID) ([]SlotRun, error) {
	rows, err := db.Query(ctx, `
		SELECT r.id, r.location, COALESCE(last.status, r.status) FROM runs r
		LEFT JOIN LATERAL (
			-- a retried run counts as its chain's latest retry (retry before alerting)
			SELECT x.status FROM runs x WHERE r.retried AND x.retry_of = r.id ORDER BY x.retry_attempt DESC LIMIT 1
		) last ON true
		WHERE r.monitor_id = $1 AND r.collection_id = $2 AND r.scheduled_for = $3 AND r.id <> $4
			AND r.retry_of IS NULL AND COALESCE(last.status, r.status) IN ('passed', 'failed', 'errored')
		ORDER BY r.location, r.id`, m, c, scheduledFor, exclude)
	if err != nil {
		return nil, fmt.Errorf("listing slot runs: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SlotRun, error) {
		var sr SlotRun
		err := r.Scan(&sr.ID, &sr.Location, &sr.Status)
		return sr, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing slot runs: %w", translate(err))
	}
	return out, nil
}

const incidentCols = `id, monitor_id, collection_id, kind, status, opened_at, acknowledged_at, resolved_at,
	last_notified_at, first_run_id, last_run_id, summary, assignee_id, snoozed_until`

func scanIncident(r pgx.CollectableRow) (collection.Incident, error) {
	var in collection.Incident
	err := r.Scan(&in.ID, &in.MonitorID, &in.CollectionID, &in.Kind, &in.Status, &in.OpenedAt, &in.AcknowledgedAt,
		&in.ResolvedAt, &in.LastNotifiedAt, &in.FirstRunID, &in.LastRunID, &in.Summary, &in.AssigneeID, &in.SnoozedUntil)
	return in, err
}

// OpenIncidents lists the unresolved incidents of a monitor's collection.
func (s *Store) OpenIncidents(ctx context.Context, db DB, m collection.MonitorID, c collection.CollectionID) ([]collection.Incident, error) {
	rows, err := db.Query(ctx, `SELECT `+incidentCols+` FROM incidents
		WHERE monitor_id = $1 AND collection_id = $2 AND status <> 'resolved' ORDER BY id`, m, c)
	if err != nil {
		return nil, fmt.Errorf("listing open incidents: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, scanIncident)
	if err != nil {
		return nil, fmt.Errorf("listing open incidents: %w", translate(err))
	}
	return out, nil
}

// OpenIncidentParams opens an incident.
type OpenIncidentParams struct {
	MonitorID    collection.MonitorID
	CollectionID collection.CollectionID
	Kind         string
	Summary      string
	OpenedAt     time.Time
	RunID        collection.RunID
}

// OpenIncident inserts an open incident whose first run is p.RunID and links that run.
func (s *Store) OpenIncident(ctx context.Context, db DB, p OpenIncidentParams) (collection.Incident, error) {
	rows, err := db.Query(ctx, `
		INSERT INTO incidents (monitor_id, collection_id, kind, status, summary, opened_at, last_notified_at, first_run_id, last_run_id)
		VALUES ($1, $2, $3, 'open', $4, $5, $5, $6, $6)
		RETURNING `+incidentCols, p.MonitorID, p.CollectionID, p.Kind, p.Summary, p.OpenedAt, p.RunID)
	if err != nil {
		return collection.Incident{}, fmt.Errorf("opening incident: %w", translate(err))
	}
	in, err := pgx.CollectExactlyOneRow(rows, scanIncident)
	if err != nil {
		return collection.Incident{}, fmt.Errorf("opening incident: %w", translate(err))
	}
	if err := s.LinkIncidentRun(ctx, db, in.ID, p.RunID, nil); err != nil {
		return collection.Incident{}, err
	}
	return in, nil
}

// LinkIncidentRun records that run belongs to the incident, makes it the
// incident's last run and, when notifiedAt is set, its last message time.
func (s *Store) LinkIncidentRun(ctx context.Context, db DB, id collection.IncidentID, run collection.RunID, notifiedAt *time.Time) error {
	if _, err := db.Exec(ctx, `INSERT INTO incident_runs (incident_id, run_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, run); err != nil {
		return fmt.Errorf("linking run %d to incident %d: %w", run, id, translate(err))
	}
	if _, err := db.Exec(ctx, `UPDATE incidents SET last_run_id = $2, last_notified_at = COALESCE($3, last_notified_at) WHERE id = $1`, id, run, notifiedAt); err != nil {
		return fmt.Errorf("updating incident %d: %w", id, translate(err))
	}
	return nil
}

// ResolveIncident closes an incident at at, with run (the passing run) as its last.
func (s *Store) ResolveIncident(ctx context.Context, db DB, id collection.IncidentID, run collection.RunID, at time.Time) error {
	tag, err := db.Exec(ctx, `UPDATE incidents SET status = 'resolved', resolved_at = $2, last_run_id = $3
		WHERE id = $1 AND status <> 'resolved'`, id, at, run)
	if err != nil {
		return fmt.Errorf("resolving incident %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("resolving incident %d: %w", id, collection.ErrNotFound)
	}
	return nil
}

// AcknowledgeIncident marks an open incident as seen by a person.
func (s *Store) AcknowledgeIncident(ctx context.Context, id collection.IncidentID, at time.Time) (collection.Incident, error) {
	rows, err := s.pool.Query(ctx, `UPDATE incidents SET status = 'acknowledged', acknowledged_at = $2
		WHERE id = $1 AND status <> 'resolved' RETURNING `+incidentCols, id, at)
	if err != nil {
		return collection.Incident{}, fmt.Errorf("acknowledging incident %d: %w", id, translate(err))
	}
	in, err := pgx.CollectExactlyOneRow(rows, scanIncident)
	if err != nil {
		return collection.Incident{}, fmt.Errorf("acknowledging incident %d (it may be resolved): %w", id, translate(err))
	}
	return in, nil
}

// SetIncidentAcknowledged acknowledges (ack true) the open incident of kind
// for a monitor's collection, or sets an acknowledged one back to open (ack
// false, clearing acknowledged_at). It reports how many incidents changed:
// 0 when there is none in the expected state, which is not an error.
func (s *Store) SetIncidentAcknowledged(ctx context.Context, m collection.MonitorID, c collection.CollectionID, kind string, ack bool, at time.Time) (int64, error) {
	q := `UPDATE incidents SET status = 'acknowledged', acknowledged_at = $4
		WHERE monitor_id = $1 AND collection_id = $2 AND kind = $3 AND status = 'open'`
	args := []any{m, c, kind, at}
	if !ack {
		q = `UPDATE incidents SET status = 'open', acknowledged_at = NULL
		WHERE monitor_id = $1 AND collection_id = $2 AND kind = $3 AND status = 'acknowledged'`
		args = args[:3]
	}
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("setting acknowledgement of monitor %d collection %d: %w", m, c, translate(err))
	}
	return tag.RowsAffected(), nil
}

// updateIncident runs an UPDATE of one unresolved incident and returns it;
// a resolved or missing incident is ErrNotFound.
func (s *Store) updateIncident(ctx context.Context, what string, id collection.IncidentID, set string, args ...any) (collection.Incident, error) {
	rows, err := s.pool.Query(ctx, `UPDATE incidents SET `+set+` WHERE id = $1 AND status <> 'resolved' RETURNING `+incidentCols,
		append([]any{id}, args...)...)
	if err != nil {
		return collection.Incident{}, fmt.Errorf("%s incident %d: %w", what, id, translate(err))
	}
	in, err := pgx.CollectExactlyOneRow(rows, scanIncident)
	if err != nil {
		return collection.Incident{}, fmt.Errorf("%s incident %d (it may be resolved): %w", what, id, translate(err))
	}
	return in, nil
}

// AssignIncident sets who is on an unresolved incident (nil: nobody).
func (s *Store) AssignIncident(ctx context.Context, id collection.IncidentID, user *collection.UserID) (collection.Incident, error) {
	return s.updateIncident(ctx, "assigning", id, `assignee_id = $2`, user)
}

// SnoozeIncident holds an unresolved incident's reminders until until (nil:
// reminders as the policy says).
func (s *Store) SnoozeIncident(ctx context.Context, id collection.IncidentID, until *time.Time) (collection.Incident, error) {
	return s.updateIncident(ctx, "snoozing", id, `snoozed_until = $2`, until)
}

// AddIncidentNote stores a note on an incident (resolved ones too: a
// post-mortem note is common).
func (s *Store) AddIncidentNote(ctx context.Context, id collection.IncidentID, author collection.UserID, body string) (collection.IncidentNote, error) {
	var n collection.IncidentNote
	err := s.pool.QueryRow(ctx, `INSERT INTO incident_notes (incident_id, author_id, body) VALUES ($1, $2, $3)
		RETURNING id, incident_id, author_id, body, created_at`, id, author, body).
		Scan(&n.ID, &n.IncidentID, &n.AuthorID, &n.Body, &n.CreatedAt)
	if err != nil {
		return collection.IncidentNote{}, fmt.Errorf("adding a note to incident %d: %w", id, translate(err))
	}
	return n, nil
}

// IncidentNotes returns the notes of each incident, oldest first, in one query.
func (s *Store) IncidentNotes(ctx context.Context, ids []collection.IncidentID) (map[collection.IncidentID][]collection.IncidentNote, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, incident_id, author_id, body, created_at FROM incident_notes
		WHERE incident_id = ANY($1) ORDER BY incident_id, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("listing incident notes: %w", translate(err))
	}
	defer rows.Close()
	out := make(map[collection.IncidentID][]collection.IncidentNote, len(ids))
	for rows.Next() {
		var n collection.IncidentNote
		if err := rows.Scan(&n.ID, &n.IncidentID, &n.AuthorID, &n.Body, &n.CreatedAt); err != nil {
			return nil, fmt.Errorf("listing incident notes: %w", err)
		}
		out[n.IncidentID] = append(out[n.IncidentID], n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing incident notes: %w", translate(err))
	}
	return out, nil
}

// GetIncident reads one incident.
func (s *Store) GetIncident(ctx context.Context, id collection.IncidentID) (*collection.Incident, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+incidentCols+` FROM incidents WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("reading incident %d: %w", id, translate(err))
	}
	in, err := pgx.CollectExactlyOneRow(rows, scanIncident)
	if err != nil {
		return nil, fmt.Errorf("reading incident %d: %w", id, translate(err))
	}
	return &in, nil
}

// ListIncidentsParams filters and pages incidents, newest first.
type ListIncidentsParams struct {
	MonitorID    *collection.MonitorID
	CollectionID *collection.CollectionID
	Statuses     []collection.IncidentStatus
	First        int                    // default 50, at most 500
	After        *collection.IncidentID // the last id of the previous page
}

// ListIncidents lists incidents by id descending (ids grow with opened_at).
func (s *Store) ListIncidents(ctx context.Context, p ListIncidentsParams) ([]collection.Incident, error) {
	first := p.First
	if first <= 0 {
		first = 50
	}
	first = min(first, 500)
	var statuses []string
	for _, st := range p.Statuses {
		statuses = append(statuses, string(st))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+incidentCols+` FROM incidents
		WHERE ($1::bigint IS NULL OR monitor_id = $1) AND ($2::bigint IS NULL OR collection_id = $2)
			AND (COALESCE(cardinality($3::text[]), 0) = 0 OR status = ANY($3)) AND ($4::bigint IS NULL OR id < $4)
		ORDER BY id DESC LIMIT $5`, p.MonitorID, p.CollectionID, statuses, p.After, first)
	if err != nil {
		return nil, fmt.Errorf("listing incidents: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, scanIncident)
	if err != nil {
		return nil, fmt.Errorf("listing incidents: %w", translate(err))
	}
	return out, nil
}

// IncidentRunIDs returns the runs of each incident, oldest first, in one query.
func (s *Store) IncidentRunIDs(ctx context.Context, ids []collection.IncidentID) (map[collection.IncidentID][]collection.RunID, error) {
	rows, err := s.pool.Query(ctx, `SELECT incident_id, run_id FROM incident_runs WHERE incident_id = ANY($1) ORDER BY incident_id, run_id`, ids)
	if err != nil {
		return nil, fmt.Errorf("listing incident runs: %w", translate(err))
	}
	defer rows.Close()
	out := make(map[collection.IncidentID][]collection.RunID, len(ids))
	for rows.Next() {
		var in collection.IncidentID
		var run collection.RunID
		if err := rows.Scan(&in, &run); err != nil {
			return nil, fmt.Errorf("listing incident runs: %w", err)
		}
		out[in] = append(out[in], run)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing incident runs: %w", translate(err))
	}
	return out, nil
}

// InsertDeliveryParams is one message for one channel.
type InsertDeliveryParams struct {
	IncidentID *collection.IncidentID // nil for test messages
	ChannelID  collection.ChannelID
	Event      string // trigger, resolve, reminder, test
	Payload    []byte // the alert.Event as JSON
}

const deliveryCols = `id, incident_id, channel_id, event, status, attempts, last_error, created_at, delivered_at`

func scanDelivery(r pgx.CollectableRow) (collection.Delivery, error) {
	var d collection.Delivery
	err := r.Scan(&d.ID, &d.IncidentID, &d.ChannelID, &d.Event, &d.Status, &d.Attempts, &d.LastError, &d.CreatedAt, &d.DeliveredAt)
	return d, err
}

// InsertDelivery adds a pending delivery (the outbox row).
func (s *Store) InsertDelivery(ctx context.Context, db DB, p InsertDeliveryParams) (collection.Delivery, error) {
	payload := p.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	rows, err := db.Query(ctx, `INSERT INTO alert_deliveries (incident_id, channel_id, event, status, payload)
		VALUES ($1, $2, $3, 'pending', $4) RETURNING `+deliveryCols, p.IncidentID, p.ChannelID, p.Event, payload)
	if err != nil {
		return collection.Delivery{}, fmt.Errorf("inserting delivery: %w", translate(err))
	}
	d, err := pgx.CollectExactlyOneRow(rows, scanDelivery)
	if err != nil {
		return collection.Delivery{}, fmt.Errorf("inserting delivery: %w", translate(err))
	}
	return d, nil
}

// DeliveryRecord is a delivery with the message it carries.
type DeliveryRecord struct {
	collection.Delivery
	Payload []byte
}

// GetDelivery reads a delivery and its payload.
func (s *Store) GetDelivery(ctx context.Context, id collection.DeliveryID) (*DeliveryRecord, error) {
	var d DeliveryRecord
	err := s.pool.QueryRow(ctx, `SELECT `+deliveryCols+`, payload FROM alert_deliveries WHERE id = $1`, id).
		Scan(&d.ID, &d.IncidentID, &d.ChannelID, &d.Event, &d.Status, &d.Attempts, &d.LastError, &d.CreatedAt, &d.DeliveredAt, &d.Payload)
	if err != nil {
		return nil, fmt.Errorf("reading delivery %d: %w", id, translate(err))
	}
	return &d, nil
}

// UpdateDeliveryParams records one attempt.
type UpdateDeliveryParams struct {
	ID            collection.DeliveryID
	Status        collection.DeliveryStatus
	LastError     string
	NextAttemptAt *time.Time
}

// RecordDeliveryAttempt counts an attempt and stores its outcome. A delivery
// already delivered or failed is left alone (ErrConflict), so a duplicate job
// cannot reopen it.
func (s *Store) RecordDeliveryAttempt(ctx context.Context, p UpdateDeliveryParams) (collection.Delivery, error) {
	if len(p.LastError) > 2000 {
		p.LastError = p.LastError[:2000]
	}
	rows, err := s.pool.Query(ctx, `UPDATE alert_deliveries SET status = $2, attempts = attempts + 1, last_error = $3,
			next_attempt_at = $4, updated_at = now(),
			delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
		WHERE id = $1 AND status IN ('pending', 'retrying') RETURNING `+deliveryCols, p.ID, p.Status, p.LastError, p.NextAttemptAt)
	if err != nil {
		return collection.Delivery{}, fmt.Errorf("recording delivery %d: %w", p.ID, translate(err))
	}
	d, err := pgx.CollectExactlyOneRow(rows, scanDelivery)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return collection.Delivery{}, fmt.Errorf("recording delivery %d: already final: %w", p.ID, collection.ErrConflict)
		}
		return collection.Delivery{}, fmt.Errorf("recording delivery %d: %w", p.ID, translate(err))
	}
	return d, nil
}

// DeliveriesByIncident returns each incident's deliveries, oldest first, in one query.
func (s *Store) DeliveriesByIncident(ctx context.Context, ids []collection.IncidentID) (map[collection.IncidentID][]collection.Delivery, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryCols+` FROM alert_deliveries WHERE incident_id = ANY($1) ORDER BY incident_id, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries: %w", translate(err))
	}
	list, err := pgx.CollectRows(rows, scanDelivery)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries: %w", translate(err))
	}
	out := make(map[collection.IncidentID][]collection.Delivery, len(ids))
	for _, d := range list {
		out[*d.IncidentID] = append(out[*d.IncidentID], d)
	}
	return out, nil
}

// DeliveriesByChannel lists a channel's latest deliveries, newest first.
func (s *Store) DeliveriesByChannel(ctx context.Context, ch collection.ChannelID, first int) ([]collection.Delivery, error) {
	if first <= 0 || first > 500 {
		first = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryCols+` FROM alert_deliveries WHERE channel_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, ch, first)
	if err != nil {
		return nil, fmt.Errorf("listing channel deliveries: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, scanDelivery)
	if err != nil {
		return nil, fmt.Errorf("listing channel deliveries: %w", translate(err))
	}
	return out, nil
}

// RecentDeliveries lists the latest deliveries across every channel, newest
// first, at most first (default 50, at most 500).
func (s *Store) RecentDeliveries(ctx context.Context, first int) ([]collection.Delivery, error) {
	if first <= 0 || first > 500 {
		first = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryCols+` FROM alert_deliveries
		ORDER BY created_at DESC, id DESC LIMIT $1`, first)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, scanDelivery)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries: %w", translate(err))
	}
	return out, nil
}

// SetChannelError flags a channel with its last permanent failure (shown in
// the API) or, with msg "", clears the flag after a success.
func (s *Store) SetChannelError(ctx context.Context, ch collection.ChannelID, msg string) error {
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	_, err := s.pool.Exec(ctx, `UPDATE alert_channels SET last_error = $2,
			last_error_at = CASE WHEN $2 = '' THEN NULL ELSE now() END
		WHERE id = $1 AND ($2 <> '' OR last_error <> '')`, ch, msg)
	if err != nil {
		return fmt.Errorf("flagging channel %d: %w", ch, translate(err))
	}
	return nil
}

// EarlierUnsettledDelivery reports whether a delivery created before id for
// the same incident and channel is still pending or retrying: a channel hears
// about an incident in order (a trigger before its resolve).
func (s *Store) EarlierUnsettledDelivery(ctx context.Context, id collection.DeliveryID) (bool, error) {
	var found bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (
		SELECT 1 FROM alert_deliveries d JOIN alert_deliveries e ON e.incident_id = d.incident_id AND e.channel_id = d.channel_id
		WHERE d.id = $1 AND e.id < d.id AND e.status IN ('pending', 'retrying'))`, id).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("checking delivery order: %w", translate(err))
	}
	return found, nil
}
