package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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

// pruneYield is the pause between two pruning transactions: it lets the
// inserts and finishes queued behind the batch's WAL flush and I/O through
// first.
const pruneYield = 5 * time.Millisecond

// pruneExec runs one pruning statement in a transaction of its own with
// synchronous_commit off: a batch lost in a crash is done again by the next
// pass, and no insert waits behind its WAL flush.
func (s *Store) pruneExec(ctx context.Context, sql string, args ...any) (int64, error) {
	var n int64
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, sql, args...)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// pause waits pruneYield, or returns the context's error.
func pause(ctx context.Context) error {
	t := time.NewTimer(pruneYield)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pruneRollupsSQL deletes up to $2 rows of a rollup table older than their
// monitor's run retention as of $1, per monitor through the primary key
// (monitor_id, bucket_start, …), so a batch reads only what is due.
const pruneRollupsSQL = `DELETE FROM %[1]s WHERE ctid IN (
	SELECT x.ctid FROM monitors m CROSS JOIN LATERAL (
		SELECT ctid FROM %[1]s WHERE monitor_id = m.id
		  AND bucket_start < $1::timestamptz - make_interval(days => m.retention_runs_days) LIMIT $2) x
	LIMIT $2)`

// Prune applies retention as of now, in transactions of at most batch runs
// each (so no lock is held long and inserts are never blocked), until nothing
// is left or maxBatches transactions ran: step bodies and headers past the
// monitor's retention_bodies_days are dropped, step rows past
// retention_timings_days deleted, runs past retention_runs_days deleted, and
// rollups (hourly and daily) past it too. Manual and pinned runs are kept
// whole.
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
			n, err := s.pruneExec(ctx, step.sql, now, batch, bound)
			if err != nil {
				return res, fmt.Errorf("pruning runs past %s: %w", step.column, err)
			}
			*step.count += int(n)
			if n < int64(batch) {
				break
			}
			if err := pause(ctx); err != nil {
				return res, err
			}
		}
	}
	for _, table := range []string{"run_rollups", "step_rollups", "run_rollups_daily", "step_rollups_daily"} {
		for range maxBatches {
			n, err := s.pruneExec(ctx, fmt.Sprintf(pruneRollupsSQL, table), now, batch)
			if err != nil {
				return res, fmt.Errorf("pruning %s: %w", table, err)
			}
			res.RollupsPruned += int(n)
			if n < int64(batch) {
				break
			}
			if err := pause(ctx); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}
