package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RawWindow is how far back stats always read raw rows; hours older than it
// are read from the rollups once RollUp has covered them.
const RawWindow = 48 * time.Hour

// rollupChunk is how many hours one RollUp transaction covers.
const rollupChunk = 24 * time.Hour

// rollupRunsSQL aggregates the final runs of monitors queued in [$1, $2)
// into run_rollups (recomputed when the hour was rolled up before).
const rollupRunsSQL = `
WITH base AS (
    SELECT date_trunc('hour', r.queued_at) AS h, r.monitor_id, r.collection_id, r.location, r.status,
           r.duration_ms, m.apdex_t_ms
    FROM runs r JOIN monitors m ON m.id = r.monitor_id
    WHERE r.queued_at >= $1 AND r.queued_at < $2 AND r.collection_id IS NOT NULL
      AND r.status IN ('passed', 'failed', 'errored', 'missed', 'cancelled')
), agg AS (
    SELECT h, monitor_id, collection_id, location, count(*) AS runs,
           count(*) FILTER (WHERE status = 'passed') AS passed,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'errored') AS errored,
           count(*) FILTER (WHERE status = 'missed') AS missed,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE status = 'passed' AND duration_ms <= apdex_t_ms) AS satisfied,
           count(*) FILTER (WHERE status = 'passed' AND duration_ms > apdex_t_ms AND duration_ms <= 4 * apdex_t_ms) AS tolerating,
           COALESCE(sum(duration_ms) FILTER (WHERE status IN ('passed', 'failed', 'errored')), 0) AS duration_ms_sum
    FROM base GROUP BY 1, 2, 3, 4
), hb AS (
    SELECT h, monitor_id, collection_id, location, catena_latency_bucket(duration_ms)::smallint AS b, count(*)::integer AS c
    FROM base WHERE status IN ('passed', 'failed', 'errored') AND duration_ms IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
), hist AS (
    SELECT h, monitor_id, collection_id, location, array_agg(b ORDER BY b) AS bs, array_agg(c ORDER BY b) AS cs
    FROM hb GROUP BY 1, 2, 3, 4
)
INSERT INTO run_rollups (bucket_start, monitor_id, collection_id, location, runs, passed, failed, errored,
    missed, cancelled, satisfied, tolerating, duration_ms_sum, latency_buckets, latency_counts)
SELECT a.h, a.monitor_id, a.collection_id, a.location, a.runs, a.passed, a.failed, a.errored,
       a.missed, a.cancelled, a.satisfied, a.tolerating, a.duration_ms_sum,
       COALESCE(hi.bs, '{}'), COALESCE(hi.cs, '{}')
FROM agg a LEFT JOIN hist hi USING (h, monitor_id, collection_id, location)
ON CONFLICT (monitor_id, bucket_start, collection_id, location) DO UPDATE SET
    runs = EXCLUDED.runs, passed = EXCLUDED.passed, failed = EXCLUDED.failed, errored = EXCLUDED.errored,
    missed = EXCLUDED.missed, cancelled = EXCLUDED.cancelled, satisfied = EXCLUDED.satisfied,
    tolerating = EXCLUDED.tolerating, duration_ms_sum = EXCLUDED.duration_ms_sum,
    latency_buckets = EXCLUDED.latency_buckets, latency_counts = EXCLUDED.latency_counts`

// rollupStepsSQL does the same for the executed steps of the runs' final
// attempts.
const rollupStepsSQL = `
WITH base AS (
    SELECT date_trunc('hour', r.queued_at) AS h, r.monitor_id, r.collection_id, r.location, s.name, s.status,
           s.total_us, s.dns_us, s.connect_us, s.tls_us, s.first_byte_us
    FROM runs r
    JOIN step_results s ON s.run_id = r.id AND s.attempt = r.attempt
    WHERE r.queued_at >= $1 AND r.queued_at < $2 AND r.monitor_id IS NOT NULL AND r.collection_id IS NOT NULL
      AND r.status IN ('passed', 'failed', 'errored', 'cancelled') AND s.status IN ('passed', 'failed', 'errored')
), agg AS (
    SELECT h, monitor_id, collection_id, location, name, count(*) AS executed,
           count(*) FILTER (WHERE status = 'passed') AS passed,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'errored') AS errored,
           sum(total_us) AS total_us_sum, sum(dns_us) AS dns_us_sum, sum(connect_us) AS connect_us_sum,
           sum(tls_us) AS tls_us_sum, sum(first_byte_us) AS first_byte_us_sum
    FROM base GROUP BY 1, 2, 3, 4, 5
), hb AS (
    SELECT h, monitor_id, collection_id, location, name, catena_latency_bucket(total_us / 1000.0)::smallint AS b, count(*)::integer AS c
    FROM base GROUP BY 1, 2, 3, 4, 5, 6
), hist AS (
    SELECT h, monitor_id, collection_id, location, name, array_agg(b ORDER BY b) AS bs, array_agg(c ORDER BY b) AS cs
    FROM hb GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO step_rollups (bucket_start, monitor_id, collection_id, location, step_name, executed, passed, failed,
    errored, total_us_sum, dns_us_sum, connect_us_sum, tls_us_sum, first_byte_us_sum, latency_buckets, latency_counts)
SELECT a.h, a.monitor_id, a.collection_id, a.location, a.name, a.executed, a.passed, a.failed, a.errored,
       a.total_us_sum, a.dns_us_sum, a.connect_us_sum, a.tls_us_sum, a.first_byte_us_sum, hi.bs, hi.cs
FROM agg a JOIN hist hi USING (h, monitor_id, collection_id, location, name)
ON CONFLICT (monitor_id, bucket_start, collection_id, location, step_name) DO UPDATE SET
    executed = EXCLUDED.executed, passed = EXCLUDED.passed, failed = EXCLUDED.failed, errored = EXCLUDED.errored,
    total_us_sum = EXCLUDED.total_us_sum, dns_us_sum = EXCLUDED.dns_us_sum, connect_us_sum = EXCLUDED.connect_us_sum,
    tls_us_sum = EXCLUDED.tls_us_sum, first_byte_us_sum = EXCLUDED.first_byte_us_sum,
    latency_buckets = EXCLUDED.latency_buckets, latency_counts = EXCLUDED.latency_counts`

// RollUp aggregates every whole hour older than RawWindow before now that is
// not rolled up yet, a day per transaction, and moves rollup_progress with
// each (so a stats query sees an hour either raw or rolled up, never both).
// It returns how far the rollups reach.
func (s *Store) RollUp(ctx context.Context, now time.Time) (time.Time, error) {
	until := now.Add(-RawWindow).UTC().Truncate(time.Hour)
	var from *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE((SELECT done_until FROM rollup_progress),
		(SELECT date_trunc('hour', min(queued_at)) FROM runs WHERE monitor_id IS NOT NULL))`).Scan(&from); err != nil {
		return time.Time{}, fmt.Errorf("reading rollup progress: %w", err)
	}
	if from == nil { // no run yet: everything before until is (vacuously) rolled up
		from = &until
	}
	at := *from
	for at.Before(until) {
		end := at.Add(rollupChunk)
		if end.After(until) {
			end = until
		}
		err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, rollupRunsSQL, at, end); err != nil {
				return fmt.Errorf("rolling up runs: %w", err)
			}
			if _, err := tx.Exec(ctx, rollupStepsSQL, at, end); err != nil {
				return fmt.Errorf("rolling up steps: %w", err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO rollup_progress (done_until) VALUES ($1)
				ON CONFLICT (id) DO UPDATE SET done_until = EXCLUDED.done_until`, end)
			return err
		})
		if err != nil {
			return at, fmt.Errorf("rolling up %s to %s: %w", at.Format(time.RFC3339), end.Format(time.RFC3339), err)
		}
		at = end
	}
	if from.Equal(until) || from.After(until) {
		_, err := s.pool.Exec(ctx, `INSERT INTO rollup_progress (done_until) VALUES ($1)
			ON CONFLICT (id) DO UPDATE SET done_until = greatest(rollup_progress.done_until, EXCLUDED.done_until)`, *from)
		if err != nil {
			return at, fmt.Errorf("recording rollup progress: %w", err)
		}
	}
	return at, nil
}
