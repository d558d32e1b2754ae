package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// ScheduleSyncState is where a monitor's EventBridge schedule stands.
type ScheduleSyncState string

// The states of schedule_sync.state.
const (
	// SchedulePending: the monitor changed and AWS has not confirmed it yet.
	SchedulePending ScheduleSyncState = "pending"
	// ScheduleSynced: AWS holds the monitor's latest schedule.
	ScheduleSynced ScheduleSyncState = "synced"
	// ScheduleFailed: the last attempt failed (LastError says why); the job retries.
	ScheduleFailed ScheduleSyncState = "failed"
)

// ScheduleSync is one row of the schedule outbox.
type ScheduleSync struct {
	MonitorID        collection.MonitorID
	Generation       int64
	SyncedGeneration int64
	State            ScheduleSyncState
	Attempts         int
	LastError        string
	UpdatedAt        time.Time
	SyncedAt         *time.Time
}

// scheduleSyncLockClass namespaces the per-monitor advisory locks of the
// schedule sync (the two-key form: class, monitor id).
const scheduleSyncLockClass = 0x43617453 // "CatS"

// maxSyncError bounds the stored error (the column allows 1000 characters).
const maxSyncError = 1000

const scheduleSyncColumns = `monitor_id, generation, synced_generation, state, attempts, last_error, updated_at, synced_at`

func scanScheduleSync(row pgx.Row) (ScheduleSync, error) {
	var s ScheduleSync
	err := row.Scan(&s.MonitorID, &s.Generation, &s.SyncedGeneration, &s.State, &s.Attempts, &s.LastError, &s.UpdatedAt, &s.SyncedAt)
	return s, err
}

// MarkScheduleChanged records, in tx (the transaction that wrote or deleted
// the monitor), that monitor id's schedule must be brought in line: a new
// generation, pending. It returns the generation.
func (s *Store) MarkScheduleChanged(ctx context.Context, tx pgx.Tx, id collection.MonitorID) (int64, error) {
	var gen int64
	err := tx.QueryRow(ctx, `
INSERT INTO schedule_sync (monitor_id) VALUES ($1)
ON CONFLICT (monitor_id) DO UPDATE
SET generation = schedule_sync.generation + 1, state = 'pending', updated_at = now()
RETURNING generation`, id).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("recording the schedule change of monitor %d: %w", id, translate(err))
	}
	return gen, nil
}

// ScheduleSyncClaim is what a sync holds while it talks to AWS: the outbox
// row (Generation 0 when there is none) and the monitor as of now (nil when
// it was deleted).
type ScheduleSyncClaim struct {
	Generation int64
	Monitor    *collection.Monitor
}

// ErrScheduleBusy means another sync of the same monitor holds its lock.
var ErrScheduleBusy = errors.New("another sync of this monitor's schedule is in progress")

// ClaimScheduleSync takes monitor id's sync lock for the life of tx (or
// returns ErrScheduleBusy) and reads its outbox generation and the monitor.
// Holding the lock while AWS is called keeps two syncs of one monitor from
// landing out of order; the monitor is read after the lock, so the later
// sync always writes the later state.
func (s *Store) ClaimScheduleSync(ctx context.Context, tx pgx.Tx, id collection.MonitorID) (ScheduleSyncClaim, error) {
	var c ScheduleSyncClaim
	var locked bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, ($2 % 2147483647)::integer)`, scheduleSyncLockClass, int64(id)).Scan(&locked); err != nil {
		return c, fmt.Errorf("locking the schedule of monitor %d: %w", id, err)
	}
	if !locked {
		return c, fmt.Errorf("monitor %d: %w", id, ErrScheduleBusy)
	}
	err := tx.QueryRow(ctx, `SELECT generation FROM schedule_sync WHERE monitor_id = $1`, id).Scan(&c.Generation)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("reading the schedule outbox of monitor %d: %w", id, err)
	}
	m, err := getMonitor(ctx, tx, id)
	switch {
	case errors.Is(err, collection.ErrNotFound):
	case err != nil:
		return c, err
	default:
		c.Monitor = &m
	}
	return c, nil
}

// FinishScheduleSync records the outcome of applying generation gen of
// monitor id's schedule, in the claiming transaction. A success marks the row
// synced (or, for a deleted monitor, removes it); a failure marks it failed
// with the error. Either only when no newer change arrived meanwhile: that
// change has its own job.
func (s *Store) FinishScheduleSync(ctx context.Context, tx pgx.Tx, id collection.MonitorID, gen int64, deleted bool, syncErr error) error {
	var err error
	switch {
	case syncErr != nil:
		msg := syncErr.Error()
		if len(msg) > maxSyncError {
			msg = msg[:maxSyncError]
		}
		_, err = tx.Exec(ctx, `
UPDATE schedule_sync SET state = 'failed', attempts = attempts + 1, last_error = $3, updated_at = now()
WHERE monitor_id = $1 AND generation = $2`, id, gen, msg)
	case deleted:
		_, err = tx.Exec(ctx, `DELETE FROM schedule_sync WHERE monitor_id = $1 AND generation <= $2`, id, gen)
	default:
		_, err = tx.Exec(ctx, `
INSERT INTO schedule_sync (monitor_id, generation, synced_generation, state, synced_at)
VALUES ($1, GREATEST($2, 1), GREATEST($2, 1), 'synced', now())
ON CONFLICT (monitor_id) DO UPDATE
SET state = CASE WHEN schedule_sync.generation = $2 THEN 'synced' ELSE schedule_sync.state END,
    synced_generation = GREATEST(schedule_sync.synced_generation, $2),
    attempts = CASE WHEN schedule_sync.generation = $2 THEN 0 ELSE schedule_sync.attempts END,
    last_error = CASE WHEN schedule_sync.generation = $2 THEN '' ELSE schedule_sync.last_error END,
    synced_at = now(), updated_at = now()`, id, gen)
	}
	if err != nil {
		return fmt.Errorf("recording the schedule sync of monitor %d: %w", id, translate(err))
	}
	return nil
}

// ScheduleSyncs returns the outbox rows of the given monitors (for the API's
// dataloader); monitors without a row are absent from the map.
func (s *Store) ScheduleSyncs(ctx context.Context, ids []collection.MonitorID) (map[collection.MonitorID]*ScheduleSync, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+scheduleSyncColumns+` FROM schedule_sync WHERE monitor_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("loading schedule states: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ScheduleSync, error) { return scanScheduleSync(r) })
	if err != nil {
		return nil, fmt.Errorf("loading schedule states: %w", err)
	}
	out := make(map[collection.MonitorID]*ScheduleSync, len(list))
	for i := range list {
		out[list[i].MonitorID] = &list[i]
	}
	return out, nil
}

// UnsyncedSchedules lists outbox rows not synced, oldest change first, at
// most limit: what the periodic reconcile retries even if its job was lost.
func (s *Store) UnsyncedSchedules(ctx context.Context, limit int) ([]ScheduleSync, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+scheduleSyncColumns+` FROM schedule_sync WHERE state <> 'synced' ORDER BY updated_at LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("listing unsynced schedules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ScheduleSync, error) { return scanScheduleSync(r) })
	if err != nil {
		return nil, fmt.Errorf("listing unsynced schedules: %w", err)
	}
	return out, nil
}

// MonitorIDs returns every monitor id in order (reconcile compares them with
// the schedules AWS holds).
func (s *Store) MonitorIDs(ctx context.Context) ([]collection.MonitorID, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM monitors ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing monitor ids: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[collection.MonitorID])
	if err != nil {
		return nil, fmt.Errorf("listing monitor ids: %w", err)
	}
	return out, nil
}
