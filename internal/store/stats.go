package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// StatsParams select what stats are about: a monitor's runs, optionally of
// one collection, queued in [From, To).
type StatsParams struct {
	MonitorID    collection.MonitorID
	CollectionID *collection.CollectionID
	From, To     time.Time
}

// Stats summarise a monitor's runs over a window. Counts, uptime and the
// error budget are exact. Apdex is exact for raw rows and uses the T in force
// when an hour was rolled up for older hours. Percentiles are exact
// (nearest rank) when the window lies wholly within raw rows (Exact), else
// read from merged 10% buckets: within 5% of the true value.
type Stats struct {
	Runs, Passed, Failed, Errored, Missed, Cancelled int
	// Uptime is passed / (passed + failed + errored); nil without such runs.
	Uptime *float64
	// Apdex is (satisfied + tolerating/2) / executed runs, where satisfied
	// passed within T, tolerating passed within 4T, failed and errored runs
	// frustrated; nil without executed runs.
	Apdex  *float64
	ApdexT time.Duration
	// SLOTarget is the monitor's target (0.999); ErrorBudgetLeft is
	// 1 - bad/allowed, where allowed = (1 - SLOTarget) × executed runs: 1
	// untouched, 0 spent, negative overspent. nil without executed runs.
	SLOTarget       float64
	ErrorBudgetLeft *float64
	// P50, P95, P99 are run durations (ms) of executed runs.
	P50, P95, P99 *float64
	Exact         bool
	// Seam is where raw rows begin; the window before it is read from rollups
	// (whole hours: a window starting before the seam starts at its hour).
	// Zero while nothing is rolled up.
	Seam time.Time
}

// statsSeam is where raw rows begin: RawWindow ago (to the hour), or earlier
// as far as the rollups do not reach yet.
const statsSeam = `least(date_trunc('hour', $5::timestamptz - interval '48 hours'),
	COALESCE((SELECT done_until FROM rollup_progress), '-infinity'::timestamptz))`

// rollupsCTE defines rollup ranges and the roll CTE of a stats query: the
// rollup rows of monitor $1 (collection $2 if set) for the whole hours from
// $3's hour to min($4, seam). Whole UTC days in between come from the daily
// table (when dailyOK, an SQL condition, holds and the days are merged),
// the hours before and after them from the hourly one: three index range
// scans that never overlap.
func rollupsCTE(hourly, daily, dailyOK string) string {
	const filter = `.monitor_id = $1 AND ($2::bigint IS NULL OR x.collection_id = $2)`
	return `rg AS (
    SELECT h0, hend, d0, CASE WHEN ` + dailyOK + ` THEN greatest(d0, least(date_trunc('day', hend, 'UTC'),
               COALESCE((SELECT daily_until FROM rollup_progress), '-infinity'::timestamptz))) ELSE d0 END AS d1
    FROM (SELECT h0, hend, date_trunc('day', h0 + interval '1 day' - interval '1 microsecond', 'UTC') AS d0
          FROM (SELECT date_trunc('hour', $3::timestamptz) AS h0, least($4::timestamptz, seam.at) AS hend FROM seam) a) b
),
roll AS (
    SELECT x.* FROM ` + hourly + ` x, rg WHERE x` + filter + ` AND x.bucket_start >= rg.h0 AND x.bucket_start < least(rg.d0, rg.hend)
    UNION ALL
    SELECT x.* FROM ` + daily + ` x, rg WHERE x` + filter + ` AND x.bucket_start >= rg.d0 AND x.bucket_start < rg.d1
    UNION ALL
    SELECT x.* FROM ` + hourly + ` x, rg WHERE x` + filter + ` AND x.bucket_start >= greatest(rg.d1, rg.h0) AND x.bucket_start < rg.hend
)`
}

var runStatsSQL = `
WITH seam AS (SELECT ` + statsSeam + ` AS at),
raw AS (
    SELECT r.status, r.duration_ms FROM runs r, seam
    WHERE r.monitor_id = $1 AND ($2::bigint IS NULL OR r.collection_id = $2)
      AND r.queued_at >= greatest($3, seam.at) AND r.queued_at < $4
      AND r.status IN ('passed', 'failed', 'errored', 'missed', 'cancelled')
),
` + rollupsCTE("run_rollups", "run_rollups_daily", "true") + `,
m AS (SELECT apdex_t_ms, slo_target FROM monitors WHERE id = $1),
counts AS (
    SELECT count(*) AS runs,
           count(*) FILTER (WHERE status = 'passed') AS passed,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'errored') AS errored,
           count(*) FILTER (WHERE status = 'missed') AS missed,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE status = 'passed' AND duration_ms <= (SELECT apdex_t_ms FROM m)) AS satisfied,
           count(*) FILTER (WHERE status = 'passed' AND duration_ms > (SELECT apdex_t_ms FROM m)
                                  AND duration_ms <= 4 * (SELECT apdex_t_ms FROM m)) AS tolerating
    FROM raw
    UNION ALL
    SELECT sum(runs), sum(passed), sum(failed), sum(errored), sum(missed), sum(cancelled), sum(satisfied), sum(tolerating)
    FROM roll
),
hist AS (
    SELECT b, sum(c) AS c FROM (
        SELECT catena_latency_bucket(duration_ms) AS b, count(*) AS c FROM raw
        WHERE status IN ('passed', 'failed', 'errored') AND duration_ms IS NOT NULL GROUP BY 1
        UNION ALL
        SELECT u.b, u.c FROM roll, unnest(roll.latency_buckets, roll.latency_counts) AS u(b, c)
    ) x GROUP BY b
),
cum AS (SELECT b, sum(c) OVER (ORDER BY b) AS cs, sum(c) OVER () AS total FROM hist),
exact AS (
    SELECT percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS p
    FROM raw WHERE status IN ('passed', 'failed', 'errored') AND duration_ms IS NOT NULL
)
SELECT COALESCE(sum(runs), 0)::bigint, COALESCE(sum(passed), 0)::bigint, COALESCE(sum(failed), 0)::bigint,
       COALESCE(sum(errored), 0)::bigint, COALESCE(sum(missed), 0)::bigint, COALESCE(sum(cancelled), 0)::bigint,
       COALESCE(sum(satisfied), 0)::bigint, COALESCE(sum(tolerating), 0)::bigint,
       (SELECT apdex_t_ms FROM m), (SELECT slo_target FROM m),
       NOT EXISTS (SELECT 1 FROM roll),
       (SELECT p FROM exact)::float8[],
       ARRAY[(SELECT catena_latency_bucket_ms(min(b)) FROM cum WHERE cs >= 0.5 * total),
             (SELECT catena_latency_bucket_ms(min(b)) FROM cum WHERE cs >= 0.95 * total),
             (SELECT catena_latency_bucket_ms(min(b)) FROM cum WHERE cs >= 0.99 * total)],
       (SELECT CASE WHEN isfinite(at) THEN at END FROM seam)
FROM counts`

// WindowStats computes a monitor's stats over p's window, in one query over
// raw rows and rollups. now places the seam (time.Now in production).
func (s *Store) WindowStats(ctx context.Context, p StatsParams, now time.Time) (*Stats, error) {
	var (
		st                    Stats
		satisfied, tolerating int
		apdexT                *int
		slo                   *float64
		exact                 bool
		exactP, approxP       []*float64
		seam                  *time.Time
	)
	err := s.pool.QueryRow(ctx, runStatsSQL, p.MonitorID, p.CollectionID, p.From, p.To, now).Scan(
		&st.Runs, &st.Passed, &st.Failed, &st.Errored, &st.Missed, &st.Cancelled, &satisfied, &tolerating,
		&apdexT, &slo, &exact, &exactP, &approxP, &seam)
	if err != nil {
		return nil, fmt.Errorf("computing stats of monitor %d: %w", p.MonitorID, err)
	}
	if apdexT == nil || slo == nil {
		return nil, fmt.Errorf("monitor %d: %w", p.MonitorID, collection.ErrNotFound)
	}
	st.ApdexT, st.SLOTarget, st.Exact = time.Duration(*apdexT)*time.Millisecond, *slo, exact
	if seam != nil {
		st.Seam = *seam
	}
	executed := st.Passed + st.Failed + st.Errored
	if executed > 0 {
		up := float64(st.Passed) / float64(executed)
		st.Uptime = &up
		st.Apdex, st.ErrorBudgetLeft = apdexAndBudget(executed, st.Passed, satisfied, tolerating, st.SLOTarget)
		ps := approxP
		if exact {
			ps = exactP
		}
		if len(ps) == 3 {
			st.P50, st.P95, st.P99 = ps[0], ps[1], ps[2]
		}
	}
	return &st, nil
}

// StepStats are one step's figures over a window (ms). Phases are averages
// over executed tries' last exchange, exact; percentiles as in Stats.
type StepStats struct {
	Name                              string
	Executed, Passed, Failed, Errored int
	P50, P95, P99                     *float64
	DNS, Connect, TLS, FirstByte      float64 // averages
	// Phases holds the p50, p95 and p99 of each phase, in Phases order
	// (nil where hours rolled up before phase histograms were kept).
	Phases [4]Percentiles
	Exact  bool
}

// Percentiles are a p50, p95 and p99 in milliseconds.
type Percentiles struct{ P50, P95, P99 *float64 }

// Phases name the request phases StepStats.Phases reports, in order.
var Phases = [4]string{"dns", "connect", "tls", "first_byte"}

// stepPhasesSQL turns a raw step row into rows (phase, ms): 0 the request
// time, then Phases.
const stepPhasesSQL = `CROSS JOIN LATERAL (VALUES (0, raw.ms), (1, raw.dns_us / 1000.0), (2, raw.connect_us / 1000.0),
        (3, raw.tls_us / 1000.0), (4, raw.first_byte_us / 1000.0)) AS ph(phase, ms)`

var stepStatsSQL = `
WITH seam AS (SELECT ` + statsSeam + ` AS at),
raw AS (
    SELECT s.name, s.status, s.total_us / 1000.0 AS ms, s.dns_us, s.connect_us, s.tls_us, s.first_byte_us
    FROM runs r, seam, step_results s
    WHERE r.monitor_id = $1 AND ($2::bigint IS NULL OR r.collection_id = $2)
      AND r.queued_at >= greatest($3, seam.at) AND r.queued_at < $4
      AND r.status IN ('passed', 'failed', 'errored', 'cancelled')
      AND s.run_id = r.id AND s.attempt = r.attempt AND s.status IN ('passed', 'failed', 'errored')
),
` + rollupsCTE("step_rollups", "step_rollups_daily", "true") + `,
counts AS (
    SELECT name, count(*) AS executed, count(*) FILTER (WHERE status = 'passed') AS passed,
           count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'errored') AS errored,
           sum(dns_us) AS dns, sum(connect_us) AS connect, sum(tls_us) AS tls, sum(first_byte_us) AS fb
    FROM raw GROUP BY name
    UNION ALL
    SELECT step_name, sum(executed), sum(passed), sum(failed), sum(errored),
           sum(dns_us_sum), sum(connect_us_sum), sum(tls_us_sum), sum(first_byte_us_sum)
    FROM roll GROUP BY step_name
),
totals AS (
    SELECT name, sum(executed) AS executed, sum(passed) AS passed, sum(failed) AS failed, sum(errored) AS errored,
           sum(dns) AS dns, sum(connect) AS connect, sum(tls) AS tls, sum(fb) AS fb
    FROM counts GROUP BY name
),
hist AS (
    SELECT name, phase, b, sum(c) AS c FROM (
        SELECT raw.name, ph.phase, catena_latency_bucket(ph.ms) AS b, count(*) AS c FROM raw ` + stepPhasesSQL + ` GROUP BY 1, 2, 3
        UNION ALL
        SELECT x.step_name, u.phase, u.b, u.c FROM roll x ` + phaseUnnest + `
    ) x GROUP BY name, phase, b
),
cum AS (
    SELECT name, phase, b, sum(c) OVER (PARTITION BY name, phase ORDER BY b) AS cs, sum(c) OVER (PARTITION BY name, phase) AS total
    FROM hist
),
approx AS (
    SELECT name, phase, ARRAY[catena_latency_bucket_ms(min(b) FILTER (WHERE cs >= 0.5 * total)),
                              catena_latency_bucket_ms(min(b) FILTER (WHERE cs >= 0.95 * total)),
                              catena_latency_bucket_ms(min(b) FILTER (WHERE cs >= 0.99 * total))] AS p
    FROM cum GROUP BY name, phase
),
exact AS (
    SELECT raw.name, ph.phase, percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ph.ms)::float8[] AS p
    FROM raw ` + stepPhasesSQL + ` GROUP BY 1, 2
),
rolled AS (SELECT NOT EXISTS (SELECT 1 FROM roll) AS exact)
SELECT t.name, t.executed::bigint, t.passed::bigint, t.failed::bigint, t.errored::bigint,
       (t.dns / t.executed / 1000.0)::float8, (t.connect / t.executed / 1000.0)::float8,
       (t.tls / t.executed / 1000.0)::float8, (t.fb / t.executed / 1000.0)::float8, rolled.exact,
       ARRAY(SELECT u.v FROM generate_series(0, 4) g(phase)
             LEFT JOIN exact e ON e.name = t.name AND e.phase = g.phase AND rolled.exact
             LEFT JOIN approx a ON a.name = t.name AND a.phase = g.phase AND NOT rolled.exact
             CROSS JOIN LATERAL unnest(COALESCE(e.p, a.p::float8[], ARRAY[NULL, NULL, NULL]::float8[])) WITH ORDINALITY AS u(v, o)
             ORDER BY g.phase, u.o)
FROM totals t, rolled
WHERE t.executed > 0
ORDER BY t.name`

// MonitorStepStats computes per-step stats of a monitor over p's window.
func (s *Store) MonitorStepStats(ctx context.Context, p StatsParams, now time.Time) ([]StepStats, error) {
	rows, err := s.pool.Query(ctx, stepStatsSQL, p.MonitorID, p.CollectionID, p.From, p.To, now)
	if err != nil {
		return nil, fmt.Errorf("computing step stats of monitor %d: %w", p.MonitorID, err)
	}
	defer rows.Close()
	var out []StepStats
	for rows.Next() {
		var st StepStats
		var ps []*float64
		if err := rows.Scan(&st.Name, &st.Executed, &st.Passed, &st.Failed, &st.Errored,
			&st.DNS, &st.Connect, &st.TLS, &st.FirstByte, &st.Exact, &ps); err != nil {
			return nil, fmt.Errorf("computing step stats of monitor %d: %w", p.MonitorID, err)
		}
		if len(ps) != 15 {
			return nil, fmt.Errorf("computing step stats of monitor %d: %d percentiles, want 15", p.MonitorID, len(ps))
		}
		st.P50, st.P95, st.P99 = ps[0], ps[1], ps[2]
		for i := range st.Phases {
			st.Phases[i] = Percentiles{P50: ps[3+3*i], P95: ps[4+3*i], P99: ps[5+3*i]}
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("computing step stats of monitor %d: %w", p.MonitorID, err)
	}
	return out, nil
}

// StatsPoint is one interval of a stats time series.
type StatsPoint struct {
	At                                       time.Time
	Runs, Passed, Failed, Errored, Satisfied int
	Tolerating                               int
	// AvgDuration is the executed runs' mean duration (ms); nil without any.
	AvgDuration *float64
}

// Uptime of the point, nil without executed runs.
func (p StatsPoint) Uptime() *float64 {
	n := p.Passed + p.Failed + p.Errored
	if n == 0 {
		return nil
	}
	u := float64(p.Passed) / float64(n)
	return &u
}

// Apdex of the point, nil without executed runs.
func (p StatsPoint) Apdex() *float64 {
	n := p.Passed + p.Failed + p.Errored
	if n == 0 {
		return nil
	}
	a, _ := apdexAndBudget(n, p.Passed, p.Satisfied, p.Tolerating, 0)
	return a
}

// apdexAndBudget are the Apdex, (satisfied + tolerating/2) / executed, and
// the error budget left against SLO target slo, 1 - failures / allowed
// failures, of executed runs of which passed passed; both nil without runs.
func apdexAndBudget[N int | int64](executed, passed, satisfied, tolerating N, slo float64) (apdex, left *float64) {
	if executed == 0 {
		return nil, nil
	}
	a := (float64(satisfied) + float64(tolerating)/2) / float64(executed)
	l := 1 - float64(executed-passed)/((1-slo)*float64(executed))
	return &a, &l
}

// seriesSQL reads daily rollups only when a point is whole days starting at
// a UTC midnight ($7).
var seriesSQL = `
WITH seam AS (SELECT ` + statsSeam + ` AS at),
` + rollupsCTE("run_rollups", "run_rollups_daily", "$7::boolean") + `,
m AS (SELECT apdex_t_ms FROM monitors WHERE id = $1),
raw AS (
    SELECT date_bin($6::interval, r.queued_at, $3) AS at, r.status, r.duration_ms FROM runs r, seam
    WHERE r.monitor_id = $1 AND ($2::bigint IS NULL OR r.collection_id = $2)
      AND r.queued_at >= greatest($3, seam.at) AND r.queued_at < $4
      AND r.status IN ('passed', 'failed', 'errored', 'missed', 'cancelled')
),
points AS (
    SELECT at, count(*) AS runs, count(*) FILTER (WHERE status = 'passed') AS passed,
           count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'errored') AS errored,
           count(*) FILTER (WHERE status = 'passed' AND duration_ms <= (SELECT apdex_t_ms FROM m)) AS satisfied,
           count(*) FILTER (WHERE status = 'passed' AND duration_ms > (SELECT apdex_t_ms FROM m)
                                  AND duration_ms <= 4 * (SELECT apdex_t_ms FROM m)) AS tolerating,
           COALESCE(sum(duration_ms) FILTER (WHERE status IN ('passed', 'failed', 'errored')), 0) AS dur
    FROM raw GROUP BY at
    UNION ALL
    SELECT date_bin($6::interval, roll.bucket_start, $3), sum(runs), sum(passed), sum(failed), sum(errored),
           sum(satisfied), sum(tolerating), sum(duration_ms_sum)
    FROM roll
    GROUP BY 1
),
grid AS (SELECT generate_series($3::timestamptz, $4::timestamptz - interval '1 microsecond', $6::interval) AS at)
SELECT g.at, COALESCE(sum(p.runs), 0)::bigint, COALESCE(sum(p.passed), 0)::bigint, COALESCE(sum(p.failed), 0)::bigint,
       COALESCE(sum(p.errored), 0)::bigint, COALESCE(sum(p.satisfied), 0)::bigint, COALESCE(sum(p.tolerating), 0)::bigint,
       COALESCE(sum(p.dur), 0)::float8
FROM grid g LEFT JOIN points p ON p.at = g.at
GROUP BY g.at ORDER BY g.at`

// maxSeriesPoints bounds a series; SeriesStep picks steps that stay under it.
const maxSeriesPoints = 500

// SeriesStep is the resolution that fits a window: about 60 to 170 points,
// never finer than an hour where the window reaches into rolled-up hours.
func SeriesStep(from, to, seam time.Time) time.Duration {
	w := to.Sub(from)
	var step time.Duration
	switch {
	case w <= time.Hour:
		step = time.Minute
	case w <= 6*time.Hour:
		step = 5 * time.Minute
	case w <= 24*time.Hour:
		step = 15 * time.Minute
	case w <= 7*24*time.Hour:
		step = time.Hour
	case w <= 30*24*time.Hour:
		step = 6 * time.Hour
	case w <= 180*24*time.Hour:
		step = 24 * time.Hour
	default:
		step = 7 * 24 * time.Hour
	}
	if from.Before(seam) && step < time.Hour {
		step = time.Hour
	}
	for w/step > maxSeriesPoints {
		step *= 2
	}
	return step
}

// MonitorSeries is the window's stats per step-long interval starting at
// From (every interval is present, empty ones with zero counts).
func (s *Store) MonitorSeries(ctx context.Context, p StatsParams, step time.Duration, now time.Time) ([]StatsPoint, error) {
	if step <= 0 || p.To.Sub(p.From)/step > maxSeriesPoints {
		return nil, fmt.Errorf("a series of %s in steps of %s: %w", p.To.Sub(p.From), step, collection.ErrInvalid)
	}
	daily := step%(24*time.Hour) == 0 && p.From.Equal(p.From.UTC().Truncate(24*time.Hour))
	rows, err := s.pool.Query(ctx, seriesSQL, p.MonitorID, p.CollectionID, p.From, p.To, now, step, daily)
	if err != nil {
		return nil, fmt.Errorf("computing the series of monitor %d: %w", p.MonitorID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatsPoint, error) {
		var pt StatsPoint
		var dur float64
		if err := r.Scan(&pt.At, &pt.Runs, &pt.Passed, &pt.Failed, &pt.Errored, &pt.Satisfied, &pt.Tolerating, &dur); err != nil {
			return pt, err
		}
		if n := pt.Passed + pt.Failed + pt.Errored; n > 0 {
			avg := dur / float64(n)
			pt.AvgDuration = &avg
		}
		return pt, nil
	})
	if err != nil {
		return nil, fmt.Errorf("computing the series of monitor %d: %w", p.MonitorID, err)
	}
	return out, nil
}
