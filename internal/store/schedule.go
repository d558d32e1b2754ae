package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// The scheduler's SQL: claiming due monitors, moving next_run_at, finding runs
// still in flight, and recording missed slots. Monitor CRUD lives in monitors.go.

// scheduledMonitorColumns are what the scheduler needs to fire a monitor.
const scheduledMonitorColumns = `m.id, m.name, m.schedule, m.time_zone, m.enabled, m.locations, m.next_run_at,
	ARRAY(SELECT mc.collection_id FROM monitor_collections mc WHERE mc.monitor_id = m.id ORDER BY mc.position, mc.collection_id),
	COALESCE((SELECT jsonb_object_agg(mc.collection_id::text, mc.environment)
		FROM monitor_collections mc WHERE mc.monitor_id = m.id AND mc.environment <> ''), '{}')`

func scanScheduledMonitor(row pgx.Row) (collection.Monitor, error) {
	var (
		m    collection.Monitor
		ids  []int64
		envs map[string]string
	)
	if err := row.Scan(&m.ID, &m.Name, &m.Schedule, &m.TimeZone, &m.Enabled, &m.Locations, &m.NextRunAt, &ids, &envs); err != nil {
		return m, err
	}
	m.Environments = monitorEnvironments(envs)
	m.CollectionIDs = make([]collection.CollectionID, len(ids))
	for i, id := range ids {
		m.CollectionIDs[i] = collection.CollectionID(id)
	}
	if m.NextRunAt != nil {
		t := m.NextRunAt.UTC()
		m.NextRunAt = &t
	}
	return m, nil
}

// ClaimDueMonitors locks up to limit enabled monitors whose next_run_at is at
// or before now, oldest first, skipping rows another scheduler holds. The
// returned monitors carry only the scheduling fields (id, schedule, zone,
// enabled, locations, collections, next run); the locks last until tx ends.
func (s *Store) ClaimDueMonitors(ctx context.Context, tx pgx.Tx, now time.Time, limit int) ([]collection.Monitor, error) {
	rows, err := tx.Query(ctx, `SELECT `+scheduledMonitorColumns+`
		FROM monitors m
		WHERE m.enabled AND m.next_run_at <= $1
		ORDER BY m.next_run_at, m.id
		LIMIT $2
		FOR UPDATE OF m SKIP LOCKED`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claiming due monitors: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Monitor, error) { return scanScheduledMonitor(r) })
	if err != nil {
		return nil, fmt.Errorf("claiming due monitors: %w", translate(err))
	}
	return out, nil
}

// DueCollectionIDs lists the collections of up to limit monitors due at now,
// read without locks, so their snapshots can be loaded before a claim.
func (s *Store) DueCollectionIDs(ctx context.Context, db DB, now time.Time, limit int) ([]collection.CollectionID, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT mc.collection_id
		FROM (SELECT id FROM monitors WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2) m
		JOIN monitor_collections mc ON mc.monitor_id = m.id`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("listing due collections: %w", translate(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[collection.CollectionID])
	if err != nil {
		return nil, fmt.Errorf("listing due collections: %w", translate(err))
	}
	return ids, nil
}

// LockScheduledMonitor locks one monitor (waiting for other holders) and
// returns its scheduling fields: concurrent deliveries for the same monitor
// then run one after the other. ErrNotFound when it does not exist.
func (s *Store) LockScheduledMonitor(ctx context.Context, tx pgx.Tx, id collection.MonitorID) (*collection.Monitor, error) {
	m, err := scanScheduledMonitor(tx.QueryRow(ctx, `SELECT `+scheduledMonitorColumns+`
		FROM monitors m WHERE m.id = $1 FOR UPDATE OF m`, id))
	if err != nil {
		return nil, fmt.Errorf("locking monitor %d: %w", id, translate(err))
	}
	return &m, nil
}

// ScheduledMonitor reads one monitor's scheduling fields without locking.
func (s *Store) ScheduledMonitor(ctx context.Context, db DB, id collection.MonitorID) (*collection.Monitor, error) {
	m, err := scanScheduledMonitor(db.QueryRow(ctx, `SELECT `+scheduledMonitorColumns+` FROM monitors m WHERE m.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("reading monitor %d: %w", id, translate(err))
	}
	return &m, nil
}

// SetNextRunAt sets when monitors are next due; a nil time parks a monitor
// (paused, or in EventBridge mode where AWS keeps the clock).
func (s *Store) SetNextRunAt(ctx context.Context, db DB, next map[collection.MonitorID]*time.Time) error {
	if len(next) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(next))
	times := make([]*time.Time, 0, len(next))
	for id, t := range next {
		ids = append(ids, int64(id))
		times = append(times, t)
	}
	_, err := db.Exec(ctx, `UPDATE monitors m SET next_run_at = u.next_run_at
		FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, next_run_at)
		WHERE m.id = u.id`, ids, times)
	if err != nil {
		return fmt.Errorf("setting next run times: %w", translate(err))
	}
	return nil
}

// ActiveRun is a run of a monitor still queued or running.
type ActiveRun struct {
	ID           collection.RunID
	MonitorID    collection.MonitorID
	CollectionID collection.CollectionID
	Location     string
	ScheduledFor *time.Time
	Status       collection.RunStatus
}

// ActiveRuns lists the queued and running runs of the given monitors.
func (s *Store) ActiveRuns(ctx context.Context, db DB, monitors []collection.MonitorID) ([]ActiveRun, error) {
	ids := make([]int64, len(monitors))
	for i, id := range monitors {
		ids[i] = int64(id)
	}
	rows, err := db.Query(ctx, `SELECT id, monitor_id, collection_id, location, scheduled_for, status
		FROM runs
		WHERE monitor_id = ANY($1) AND status IN ('queued', 'running') AND collection_id IS NOT NULL`, ids)
	if err != nil {
		return nil, fmt.Errorf("listing active runs: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ActiveRun, error) {
		var a ActiveRun
		err := r.Scan(&a.ID, &a.MonitorID, &a.CollectionID, &a.Location, &a.ScheduledFor, &a.Status)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing active runs: %w", translate(err))
	}
	return out, nil
}

// MissedRunParams is one slot that ends without running: overlap, stale,
// scheduler_down or dst_gap (collection.Missed*).
type MissedRunParams struct {
	MonitorID      collection.MonitorID
	CollectionID   collection.CollectionID
	Location       string
	ScheduledFor   time.Time
	IdempotencyKey string
	Error          string
	Snapshot       collection.Collection
	At             time.Time // queued_at and finished_at
}

// InsertMissedRuns records missed slots in one statement. A slot whose
// idempotency key already has a row keeps that row: a slot never gets two.
// It returns how many rows were created.
func (s *Store) InsertMissedRuns(ctx context.Context, db DB, runs []MissedRunParams) (int, error) {
	if len(runs) == 0 {
		return 0, nil
	}
	var (
		monitors, colls []int64
		locs, keys      []string
		errs, names     []string
		snaps           []string
		slots, ats      []time.Time
	)
	for _, r := range runs {
		snap, err := json.Marshal(r.Snapshot)
		if err != nil {
			return 0, fmt.Errorf("encoding snapshot of collection %d: %w", r.CollectionID, err)
		}
		monitors = append(monitors, int64(r.MonitorID))
		colls = append(colls, int64(r.CollectionID))
		locs = append(locs, r.Location)
		keys = append(keys, r.IdempotencyKey)
		errs = append(errs, r.Error)
		names = append(names, r.Snapshot.Name)
		snaps = append(snaps, string(snap))
		slots = append(slots, r.ScheduledFor)
		ats = append(ats, r.At)
	}
	tag, err := db.Exec(ctx, `INSERT INTO runs (monitor_id, collection_id, collection_name, location, trigger, status,
			snapshot, idempotency_key, scheduled_for, queued_at, finished_at, duration_ms, error, attempt, collection_version)
		SELECT u.monitor_id, c.id, u.name, u.location, 'schedule', 'missed',
			u.snapshot::jsonb, u.key, u.slot, u.at, u.at, 0, u.error, 0, `+latestCollectionVersion("c.id")+`
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[])
			AS u(monitor_id, collection_id, location, key, error, name, snapshot, slot, at)
		LEFT JOIN collections c ON c.id = u.collection_id
		ON CONFLICT (idempotency_key) DO NOTHING`,
		monitors, colls, locs, keys, errs, names, snaps, slots, ats)
	if err != nil {
		return 0, fmt.Errorf("recording missed runs: %w", translate(err))
	}
	return int(tag.RowsAffected()), nil
}

// CollectionSnapshot loads a whole collection for a run's snapshot on db (a
// pool or the caller's transaction) without opening its secrets (Secrets maps
// names to ""): the scheduler and the Lambda never need the secret key.
// ErrNotFound when it does not exist.
func (s *Store) CollectionSnapshot(ctx context.Context, db DB, id collection.CollectionID) (*collection.Collection, error) {
	return s.loadCollection(ctx, db, id, false)
}

// LeaderLockKey is the advisory lock one active local scheduler holds per database.
const LeaderLockKey int64 = 7_361_000_100

// TryLeaderLock takes the scheduler's session advisory lock on conn without
// waiting. The lock lasts as long as conn's session: a scheduler that dies
// (or whose connection is cut) releases it.
func TryLeaderLock(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, LeaderLockKey).Scan(&ok); err != nil {
		return false, fmt.Errorf("taking the scheduler lock: %w", err)
	}
	return ok, nil
}

// HoldsLeaderLock checks that conn's session still holds the scheduler lock.
func HoldsLeaderLock(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var ok bool
	err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
		WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
		AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1)`, LeaderLockKey).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("checking the scheduler lock: %w", err)
	}
	return ok, nil
}

// ScheduledRunParams is one slot of a monitor's collection at one location,
// to be queued.
type ScheduledRunParams struct {
	MonitorID      collection.MonitorID
	CollectionID   collection.CollectionID
	Location       string
	ScheduledFor   time.Time
	IdempotencyKey string
	// Name is the collection's name as it will run.
	Name string
	// Snapshot indexes Snapshots: runs of one collection share one encoding.
	Snapshot int
	// Environment is the environment the snapshot was made for ("" for none).
	Environment string
}

// CreatedRun is a run InsertScheduledRuns created.
type CreatedRun struct {
	ID             collection.RunID
	Location       string
	IdempotencyKey string
}

// InsertScheduledRuns inserts queued scheduled runs in one statement, whatever
// their number; snapshots holds the collections as JSON without secrets, each
// parsed once, each collection's latest version looked up once. A run whose
// idempotency key already has a row is left as it is
// (a slot never gets two runs) and is not returned: the result lists the runs
// created, whose jobs the caller still has to insert in the same transaction.
// Rows go in key order, so two transactions inserting overlapping slots wait
// on each other instead of deadlocking.
func (s *Store) InsertScheduledRuns(ctx context.Context, db DB, runs []ScheduledRunParams, snapshots [][]byte) ([]CreatedRun, error) {
	if len(runs) == 0 {
		return nil, nil
	}
	var (
		monitors, colls  []int64
		locs, keys, name []string
		envs             []string
		idx              []int32
		slots            []time.Time
	)
	for _, r := range runs {
		if r.Snapshot < 0 || r.Snapshot >= len(snapshots) {
			return nil, fmt.Errorf("queueing monitor %d collection %d: snapshot %d of %d", r.MonitorID, r.CollectionID, r.Snapshot, len(snapshots))
		}
		monitors = append(monitors, int64(r.MonitorID))
		colls = append(colls, int64(r.CollectionID))
		locs = append(locs, r.Location)
		keys = append(keys, r.IdempotencyKey)
		name = append(name, r.Name)
		envs = append(envs, r.Environment)
		idx = append(idx, int32(r.Snapshot+1))
		slots = append(slots, r.ScheduledFor)
	}
	snaps := make([]string, len(snapshots))
	for i, b := range snapshots {
		snaps[i] = string(b)
	}
	rows, err := db.Query(ctx, `
WITH s AS (SELECT ord::int AS ord, snap::jsonb AS snap FROM unnest($8::text[]) WITH ORDINALITY AS s(snap, ord)),
v AS (SELECT c.id, `+latestCollectionVersion("c.id")+` AS version FROM (SELECT DISTINCT unnest($2::bigint[]) AS id) c)
INSERT INTO runs (monitor_id, collection_id, collection_name, location, trigger, status, snapshot, idempotency_key, scheduled_for,
    environment, collection_version)
SELECT u.monitor_id, u.collection_id, u.name, u.location, 'schedule', 'queued', s.snap, u.key, u.slot, u.environment, v.version
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $9::text[])
    AS u(monitor_id, collection_id, name, location, key, snap, slot, environment)
JOIN s ON s.ord = u.snap
JOIN v ON v.id = u.collection_id
ORDER BY u.key
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id, location, idempotency_key`, monitors, colls, name, locs, keys, idx, slots, snaps, envs)
	if err != nil {
		return nil, fmt.Errorf("queueing %d scheduled runs: %w", len(runs), translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CreatedRun, error) {
		var c CreatedRun
		err := r.Scan(&c.ID, &c.Location, &c.IdempotencyKey)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("queueing %d scheduled runs: %w", len(runs), translate(err))
	}
	return out, nil
}
