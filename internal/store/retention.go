package store

import (
	"context"
	"fmt"
	"time"
)

// Default retention, for runs no monitor started (and the column defaults).
const (
	DefaultRetentionBodies  = 14 * 24 * time.Hour
	DefaultRetentionTimings = 90 * 24 * time.Hour
	DefaultRetentionRuns    = 400 * 24 * time.Hour
)

// PruneResult counts what one Prune call did.
type PruneResult struct {
	BodiesDropped int // runs whose step bodies and headers were dropped
	StepsDeleted  int // runs whose step rows were deleted
	RunsDeleted   int
	RollupsPruned int
}

// prunable selects up to $2 runs of one prune level past their monitor's
// retention as of $1 (the monitors column is filled in from a fixed list),
// oldest first, skipping rows another transaction holds. $3 is the shortest
// such retention of any monitor, which bounds the index scan.
// Levels past 0 also wait for the rollups (step rows and runs are only
// removed once their hour is rolled up).
const prunable = `
    SELECT r.id FROM runs r LEFT JOIN monitors m ON m.id = r.monitor_id
    WHERE r.prune_level = %d AND NOT r.pinned AND r.trigger <> 'manual'
      AND r.status IN ('passed', 'failed', 'errored', 'missed', 'cancelled')
      AND r.queued_at < $1::timestamptz - $3::interval
      AND r.queued_at < $1::timestamptz - make_interval(days => COALESCE(m.%s, %d))
      %s
    ORDER BY r.prune_level, r.queued_at, r.id
    LIMIT $2
    FOR UPDATE OF r SKIP LOCKED`

const rolledUpOnly = `AND r.queued_at < COALESCE((SELECT done_until FROM rollup_progress), '-infinity'::timestamptz)`

var (
	pruneBodiesSQL = `WITH victims AS (` + fmt.Sprintf(prunable, 0, "retention_bodies_days", 14, "") + `),
	steps AS (
	    UPDATE step_results s SET response_body = NULL, response_headers = NULL, request = s.request - 'headers' - 'body'
	    FROM victims v WHERE s.run_id = v.id
	)
	UPDATE runs r SET prune_level = 1 FROM victims v WHERE r.id = v.id`
	pruneStepsSQL = `WITH victims AS (` + fmt.Sprintf(prunable, 1, "retention_timings_days", 90, rolledUpOnly) + `),
	steps AS (DELETE FROM step_results s USING victims v WHERE s.run_id = v.id)
	UPDATE runs r SET prune_level = 2 FROM victims v WHERE r.id = v.id`
	pruneRunsSQL = `DELETE FROM runs WHERE id IN (` + fmt.Sprintf(prunable, 2, "retention_runs_days", 400, rolledUpOnly) + `)`
)

// minRetention is the shortest retention of one kind over all monitors and
// the default.
func (s *Store) minRetention(ctx context.Context, column string, def time.Duration) (time.Duration, error) {
	var days int
	err := s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT LEAST(COALESCE(min(%s), $1), $1) FROM monitors`, column), int(def/(24*time.Hour))).Scan(&days)
	if err != nil {
		return 0, fmt.Errorf("reading the shortest %s: %w", column, err)
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// Prune applies retention as of now, in transactions of at most batch runs
// each (so no lock is held long and inserts are never blocked), until nothing
// is left or maxBatches transactions ran: step bodies and headers past the
// monitor's retention_bodies_days are dropped, step rows past
// retention_timings_days deleted, runs past retention_runs_days deleted, and
// rollups past it too. Manual and pinned runs are kept whole.
func (s *Store) Prune(ctx context.Context, now time.Time, batch, maxBatches int) (PruneResult, error) {
	var res PruneResult
	for _, step := range []struct {
		sql    string
		column string
		def    time.Duration
		count  *int
	}{
		{pruneBodiesSQL, "retention_bodies_days", DefaultRetentionBodies, &res.BodiesDropped},
		{pruneStepsSQL, "retention_timings_days", DefaultRetentionTimings, &res.StepsDeleted},
		{pruneRunsSQL, "retention_runs_days", DefaultRetentionRuns, &res.RunsDeleted},
	} {
		bound, err := s.minRetention(ctx, step.column, step.def)
		if err != nil {
			return res, err
		}
		for range maxBatches {
			tag, err := s.pool.Exec(ctx, step.sql, now, batch, bound)
			if err != nil {
				return res, fmt.Errorf("pruning runs past %s: %w", step.column, err)
			}
			*step.count += int(tag.RowsAffected())
			if tag.RowsAffected() < int64(batch) {
				break
			}
		}
	}
	for range maxBatches {
		// Per monitor through the primary key (monitor_id, bucket_start, …),
		// so a batch reads only what is due.
		tag, err := s.pool.Exec(ctx, `DELETE FROM run_rollups WHERE ctid IN (
			SELECT ru.ctid FROM monitors m CROSS JOIN LATERAL (
				SELECT ctid FROM run_rollups WHERE monitor_id = m.id
				  AND bucket_start < $1::timestamptz - make_interval(days => m.retention_runs_days) LIMIT $2) ru
			LIMIT $2)`, now, batch)
		if err != nil {
			return res, fmt.Errorf("pruning run rollups: %w", err)
		}
		tag2, err := s.pool.Exec(ctx, `DELETE FROM step_rollups WHERE ctid IN (
			SELECT sr.ctid FROM monitors m CROSS JOIN LATERAL (
				SELECT ctid FROM step_rollups WHERE monitor_id = m.id
				  AND bucket_start < $1::timestamptz - make_interval(days => m.retention_runs_days) LIMIT $2) sr
			LIMIT $2)`, now, batch)
		if err != nil {
			return res, fmt.Errorf("pruning step rollups: %w", err)
		}
		res.RollupsPruned += int(tag.RowsAffected() + tag2.RowsAffected())
		if tag.RowsAffected() < int64(batch) && tag2.RowsAffected() < int64(batch) {
			break
		}
	}
	return res, nil
}
