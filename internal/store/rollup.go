package store

import (
	"context"
	"errors"
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
// attempts, with a histogram of the request time and of each phase.
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
), ph AS (
    SELECT h, monitor_id, collection_id, location, name, p.phase, catena_latency_bucket(p.us / 1000.0)::smallint AS b, count(*)::integer AS c
    FROM base CROSS JOIN LATERAL (VALUES (0, total_us), (1, dns_us), (2, connect_us), (3, tls_us), (4, first_byte_us)) AS p(phase, us)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
), hist AS (
    SELECT h, monitor_id, collection_id, location, name, ` + phaseHistograms + `
    FROM ph GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO step_rollups (bucket_start, monitor_id, collection_id, location, step_name, executed, passed, failed,
    errored, total_us_sum, dns_us_sum, connect_us_sum, tls_us_sum, first_byte_us_sum, latency_buckets, latency_counts,
    dns_buckets, dns_counts, connect_buckets, connect_counts, tls_buckets, tls_counts, first_byte_buckets, first_byte_counts)
SELECT a.h, a.monitor_id, a.collection_id, a.location, a.name, a.executed, a.passed, a.failed, a.errored,
       a.total_us_sum, a.dns_us_sum, a.connect_us_sum, a.tls_us_sum, a.first_byte_us_sum, ` + phaseColumns + `
FROM agg a JOIN hist hi USING (h, monitor_id, collection_id, location, name)
ON CONFLICT (monitor_id, bucket_start, collection_id, location, step_name) DO UPDATE SET
    executed = EXCLUDED.executed, passed = EXCLUDED.passed, failed = EXCLUDED.failed, errored = EXCLUDED.errored,
    total_us_sum = EXCLUDED.total_us_sum, dns_us_sum = EXCLUDED.dns_us_sum, connect_us_sum = EXCLUDED.connect_us_sum,
    tls_us_sum = EXCLUDED.tls_us_sum, first_byte_us_sum = EXCLUDED.first_byte_us_sum,
    latency_buckets = EXCLUDED.latency_buckets, latency_counts = EXCLUDED.latency_counts,
    dns_buckets = EXCLUDED.dns_buckets, dns_counts = EXCLUDED.dns_counts,
    connect_buckets = EXCLUDED.connect_buckets, connect_counts = EXCLUDED.connect_counts,
    tls_buckets = EXCLUDED.tls_buckets, tls_counts = EXCLUDED.tls_counts,
    first_byte_buckets = EXCLUDED.first_byte_buckets, first_byte_counts = EXCLUDED.first_byte_counts`

// Phase histograms: phase 0 is the request time (latency_*), then dns,
// connect, tls and first_byte. phaseHistograms pivots rows (phase, b, c)
// into one bucket and one count array per phase; phaseColumns selects them
// in the tables' column order; phaseUnnest turns a rollup row x back into
// rows (phase, b, c).
const (
	phaseHistograms = `
        array_agg(b ORDER BY b) FILTER (WHERE phase = 0) AS bs0, array_agg(c ORDER BY b) FILTER (WHERE phase = 0) AS cs0,
        array_agg(b ORDER BY b) FILTER (WHERE phase = 1) AS bs1, array_agg(c ORDER BY b) FILTER (WHERE phase = 1) AS cs1,
        array_agg(b ORDER BY b) FILTER (WHERE phase = 2) AS bs2, array_agg(c ORDER BY b) FILTER (WHERE phase = 2) AS cs2,
        array_agg(b ORDER BY b) FILTER (WHERE phase = 3) AS bs3, array_agg(c ORDER BY b) FILTER (WHERE phase = 3) AS cs3,
        array_agg(b ORDER BY b) FILTER (WHERE phase = 4) AS bs4, array_agg(c ORDER BY b) FILTER (WHERE phase = 4) AS cs4`
	phaseColumns = `COALESCE(hi.bs0, '{}'), COALESCE(hi.cs0, '{}'), hi.bs1, hi.cs1, hi.bs2, hi.cs2, hi.bs3, hi.cs3, hi.bs4, hi.cs4`
	phaseUnnest  = `CROSS JOIN LATERAL (
        SELECT 0 AS phase, b, c FROM unnest(x.latency_buckets, x.latency_counts) AS u(b, c)
        UNION ALL SELECT 1, b, c FROM unnest(x.dns_buckets, x.dns_counts) AS u(b, c)
        UNION ALL SELECT 2, b, c FROM unnest(x.connect_buckets, x.connect_counts) AS u(b, c)
        UNION ALL SELECT 3, b, c FROM unnest(x.tls_buckets, x.tls_counts) AS u(b, c)
        UNION ALL SELECT 4, b, c FROM unnest(x.first_byte_buckets, x.first_byte_counts) AS u(b, c)) AS u`
)

// dailyChunk is how many days one daily roll-up transaction covers.
const dailyChunk = 30 * 24 * time.Hour

// rollupDailyRunsSQL merges the final hourly run rollups of [$1, $2) (whole
// UTC days) into run_rollups_daily.
const rollupDailyRunsSQL = `
WITH h AS (
    SELECT date_trunc('day', bucket_start, 'UTC') AS d, * FROM run_rollups
    WHERE bucket_start >= $1 AND bucket_start < $2
), agg AS (
    SELECT d, monitor_id, collection_id, location, sum(runs) AS runs, sum(passed) AS passed, sum(failed) AS failed,
           sum(errored) AS errored, sum(missed) AS missed, sum(cancelled) AS cancelled, sum(satisfied) AS satisfied,
           sum(tolerating) AS tolerating, sum(duration_ms_sum) AS duration_ms_sum
    FROM h GROUP BY 1, 2, 3, 4
), hb AS (
    SELECT d, monitor_id, collection_id, location, u.b, sum(u.c)::integer AS c
    FROM h, unnest(h.latency_buckets, h.latency_counts) AS u(b, c) GROUP BY 1, 2, 3, 4, 5
), hist AS (
    SELECT d, monitor_id, collection_id, location, array_agg(b ORDER BY b) AS bs, array_agg(c ORDER BY b) AS cs
    FROM hb GROUP BY 1, 2, 3, 4
)
INSERT INTO run_rollups_daily
SELECT a.d, a.monitor_id, a.collection_id, a.location, a.runs, a.passed, a.failed, a.errored, a.missed, a.cancelled,
       a.satisfied, a.tolerating, a.duration_ms_sum, COALESCE(hi.bs, '{}'), COALESCE(hi.cs, '{}')
FROM agg a LEFT JOIN hist hi USING (d, monitor_id, collection_id, location)`

// rollupDailyStepsSQL does the same for step rollups, phase by phase.
const rollupDailyStepsSQL = `
WITH h AS (
    SELECT date_trunc('day', bucket_start, 'UTC') AS d, * FROM step_rollups
    WHERE bucket_start >= $1 AND bucket_start < $2
), agg AS (
    SELECT d, monitor_id, collection_id, location, step_name, sum(executed) AS executed, sum(passed) AS passed,
           sum(failed) AS failed, sum(errored) AS errored, sum(total_us_sum) AS total_us_sum, sum(dns_us_sum) AS dns_us_sum,
           sum(connect_us_sum) AS connect_us_sum, sum(tls_us_sum) AS tls_us_sum, sum(first_byte_us_sum) AS first_byte_us_sum
    FROM h GROUP BY 1, 2, 3, 4, 5
), ph AS (
    SELECT x.d, x.monitor_id, x.collection_id, x.location, x.step_name, u.phase, u.b, sum(u.c)::integer AS c
    FROM h x ` + phaseUnnest + `
    GROUP BY 1, 2, 3, 4, 5, 6, 7
), hist AS (
    SELECT d, monitor_id, collection_id, location, step_name, ` + phaseHistograms + `
    FROM ph GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO step_rollups_daily
SELECT a.d, a.monitor_id, a.collection_id, a.location, a.step_name, a.executed, a.passed, a.failed, a.errored,
       a.total_us_sum, a.dns_us_sum, a.connect_us_sum, a.tls_us_sum, a.first_byte_us_sum, ` + phaseColumns + `
FROM agg a LEFT JOIN hist hi USING (d, monitor_id, collection_id, location, step_name)`

// RollUp aggregates every whole hour older than RawWindow before now that is
// not rolled up yet, a day per transaction, and moves rollup_progress with
// each (so a stats query sees an hour either raw or rolled up, never both).
// Then it merges the hours of whole UTC days into the daily rollups. First
// it extends the dashboard's running totals (totals.go). It returns how far
// the hourly rollups reach.
func (s *Store) RollUp(ctx context.Context, now time.Time) (time.Time, error) {
	if err := s.rollUpTotals(ctx, now); err != nil {
		return time.Time{}, err
	}
	reached, err := s.rollUpFinal(ctx, now)
	if err != nil {
		return reached, err
	}
	return reached, s.rollUpDays(ctx)
}

func (s *Store) rollUpFinal(ctx context.Context, now time.Time) (time.Time, error) {
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
			// An hour rolled up again is replaced whole, keys that lost
			// their runs included.
			if _, err := tx.Exec(ctx, `DELETE FROM run_rollups WHERE bucket_start >= $1 AND bucket_start < $2`, at, end); err != nil {
				return fmt.Errorf("replacing run rollups: %w", err)
			}
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

// rollUpDays merges the final hourly rollups of every whole UTC day before
// done_until not merged yet into the daily tables, a month per transaction.
func (s *Store) rollUpDays(ctx context.Context) error {
	var from, until *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(daily_until, (SELECT date_trunc('day', min(bucket_start), 'UTC') FROM run_rollups)),
		date_trunc('day', done_until, 'UTC') FROM rollup_progress`).Scan(&from, &until); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return fmt.Errorf("reading daily rollup progress: %w", err)
	}
	if until == nil {
		return nil
	}
	if from == nil || from.After(*until) {
		from = until
	}
	for at := *from; ; {
		end := at.Add(dailyChunk)
		if end.After(*until) {
			end = *until
		}
		err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
			if at.Before(end) {
				for _, q := range []string{`DELETE FROM run_rollups_daily WHERE bucket_start >= $1 AND bucket_start < $2`,
					`DELETE FROM step_rollups_daily WHERE bucket_start >= $1 AND bucket_start < $2`, rollupDailyRunsSQL, rollupDailyStepsSQL} {
					if _, err := tx.Exec(ctx, q, at, end); err != nil {
						return fmt.Errorf("rolling up days: %w", err)
					}
				}
			}
			_, err := tx.Exec(ctx, `UPDATE rollup_progress SET daily_until = $1`, end)
			return err
		})
		if err != nil {
			return fmt.Errorf("rolling up the days %s to %s: %w", at.Format(time.DateOnly), end.Format(time.DateOnly), err)
		}
		if !end.Before(*until) {
			return nil
		}
		at = end
	}
}
