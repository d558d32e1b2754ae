package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/catena-monitor/catena/internal/collection"
)

// The dashboard's running totals (migration 015): per monitor and hour, the
// counts and latency histogram of its finished runs queued since the totals
// began, so the card's 24-hour and 7-day figures are the difference of two
// rows plus the raw runs of the hours at the window's ends, whatever the run
// rate. RollUp extends them; MonitorStats reads them.
const (
	// TotalsKeep is how long total rows are kept (the newest older one of
	// each monitor stays as the base of later windows).
	TotalsKeep = 8 * 24 * time.Hour
	// totalsSettle keeps the newest minutes out of the totals: a run whose
	// insert commits late cannot land in an hour already added up.
	totalsSettle = 5 * time.Minute
	// totalsChunk is how many hours one pass reads at a time.
	totalsChunk    = 24 * time.Hour
	latencyBuckets = 150
)

// runTotals are one monitor's totals at an hour boundary, or a window's.
type runTotals struct {
	runs, passed, satisfied, tolerating int64
	latency                             []int64 // runs per catena_latency_bucket
}

func (t *runTotals) add(o *runTotals, sign int64) {
	t.runs += sign * o.runs
	t.passed += sign * o.passed
	t.satisfied += sign * o.satisfied
	t.tolerating += sign * o.tolerating
	if len(o.latency) > len(t.latency) {
		t.latency = append(t.latency, make([]int64, len(o.latency)-len(t.latency))...)
	}
	for b, n := range o.latency {
		t.latency[b] += sign * n
	}
}

func (t *runTotals) addBucket(b int, runs, passed, satisfied, tolerating int64) {
	t.add(&runTotals{runs: runs, passed: passed, satisfied: satisfied, tolerating: tolerating}, 1)
	if b >= len(t.latency) {
		t.latency = append(t.latency, make([]int64, b+1-len(t.latency))...)
	}
	t.latency[b] += runs
}

// p95 is the nearest-rank 95th percentile read from the histogram: the
// geometric middle of the bucket holding it (catena_latency_bucket_ms),
// within 5% of the exact value (0.55 ms under 1.1 ms).
func (t *runTotals) p95() *float64 {
	var total int64
	for _, n := range t.latency {
		total += n
	}
	if total == 0 {
		return nil
	}
	var cum int64
	for b, n := range t.latency {
		cum += n
		if float64(cum) >= 0.95*float64(total) {
			v := 0.55
			if b > 0 {
				v = math.Pow(1.1, float64(b)+0.5)
			}
			return &v
		}
	}
	return nil
}

// totalsProgress reads how far the totals reach; ok is false before the
// first pass.
func totalsProgress(ctx context.Context, db DB) (started, done time.Time, ok bool, err error) {
	err = db.QueryRow(ctx, `SELECT started_at, done_until FROM monitor_totals_progress`).Scan(&started, &done)
	if errors.Is(err, pgx.ErrNoRows) {
		return started, done, false, nil
	}
	return started, done, err == nil, err
}

// rollUpTotals extends the running totals to the last whole hour before now
// (less totalsSettle), but never past the hour of a run still queued or
// running that was queued less than RawWindow ago, so a run finishing late is
// counted once it finishes (older unfinished runs are left out, as from the
// rollups). Then it drops rows older than TotalsKeep. The first pass starts
// TotalsKeep before now.
func (s *Store) rollUpTotals(ctx context.Context, now time.Time) error {
	for {
		more, err := s.rollUpTotalsChunk(ctx, now)
		if err != nil || !more {
			return err
		}
	}
}

func (s *Store) rollUpTotalsChunk(ctx context.Context, now time.Time) (more bool, _ error) {
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		_, done, ok, err := totalsProgress(ctx, tx)
		if err != nil {
			return fmt.Errorf("reading totals progress: %w", err)
		}
		if !ok {
			done = now.Add(-TotalsKeep).UTC().Truncate(time.Hour)
			if _, err := tx.Exec(ctx, `INSERT INTO monitor_totals_progress (started_at, done_until) VALUES ($1, $1)`, done); err != nil {
				return fmt.Errorf("starting the totals: %w", err)
			}
		}
		until := now.Add(-totalsSettle).UTC().Truncate(time.Hour)
		var oldest *time.Time
		if err := tx.QueryRow(ctx, `SELECT min(queued_at) FROM runs WHERE status IN ('queued', 'running') AND queued_at >= $1`,
			now.Add(-RawWindow)).Scan(&oldest); err != nil {
			return fmt.Errorf("finding unfinished runs: %w", err)
		}
		if oldest != nil && oldest.UTC().Truncate(time.Hour).Before(until) {
			until = oldest.UTC().Truncate(time.Hour)
		}
		if !done.Before(until) {
			return nil
		}
		end := until
		if done.Add(totalsChunk).Before(end) {
			end, more = done.Add(totalsChunk), true
		}
		if err := addTotals(ctx, tx, done, end); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE monitor_totals_progress SET done_until = $1`, end); err != nil {
			return fmt.Errorf("recording totals progress: %w", err)
		}
		if !more {
			// Keep, per monitor, the newest row before the cut: it is the
			// base of every window that starts after it.
			if _, err := tx.Exec(ctx, `DELETE FROM monitor_run_totals t WHERE t.at < $1 AND EXISTS (
				SELECT 1 FROM monitor_run_totals u WHERE u.monitor_id = t.monitor_id AND u.at < $1 AND u.at > t.at)`,
				now.Add(-TotalsKeep)); err != nil {
				return fmt.Errorf("pruning totals: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("adding up the dashboard totals: %w", err)
	}
	return more, nil
}

// addTotals writes a row for every monitor and hour of [from, to) that had
// finished runs: the monitor's previous totals plus the hour's runs.
func addTotals(ctx context.Context, tx pgx.Tx, from, to time.Time) error {
	rows, err := tx.Query(ctx, `
SELECT r.monitor_id, date_trunc('hour', r.queued_at, 'UTC') + interval '1 hour', catena_latency_bucket(COALESCE(r.duration_ms, 0)),
    count(*), count(*) FILTER (WHERE r.status = 'passed'),
    count(*) FILTER (WHERE r.status = 'passed' AND r.duration_ms <= m.apdex_t_ms),
    count(*) FILTER (WHERE r.status = 'passed' AND r.duration_ms > m.apdex_t_ms AND r.duration_ms <= 4 * m.apdex_t_ms)
FROM runs r JOIN monitors m ON m.id = r.monitor_id
WHERE r.queued_at >= $1 AND r.queued_at < $2 AND r.`+finishedSQL+`
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, from, to)
	if err != nil {
		return fmt.Errorf("adding up runs: %w", err)
	}
	type hour struct {
		monitor collection.MonitorID
		at      time.Time
		t       runTotals
	}
	var hours []hour
	for rows.Next() {
		var (
			id                            collection.MonitorID
			at                            time.Time
			b                             int
			runs, passed, sat, tolerating int64
		)
		if err := rows.Scan(&id, &at, &b, &runs, &passed, &sat, &tolerating); err != nil {
			rows.Close()
			return fmt.Errorf("adding up runs: %w", err)
		}
		if n := len(hours); n == 0 || hours[n-1].monitor != id || !hours[n-1].at.Equal(at) {
			hours = append(hours, hour{monitor: id, at: at})
		}
		hours[len(hours)-1].t.addBucket(min(b, latencyBuckets-1), runs, passed, sat, tolerating)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("adding up runs: %w", err)
	}
	if len(hours) == 0 {
		return nil
	}
	var ids []int64
	for i, h := range hours {
		if i == 0 || hours[i-1].monitor != h.monitor {
			ids = append(ids, int64(h.monitor))
		}
	}
	base := map[collection.MonitorID]*runTotals{}
	rows, err = tx.Query(ctx, `
SELECT m.id, t.runs, t.passed, t.satisfied, t.tolerating, t.latency
FROM unnest($1::bigint[]) AS m(id)
CROSS JOIN LATERAL (SELECT * FROM monitor_run_totals WHERE monitor_id = m.id AND at <= $2 ORDER BY at DESC LIMIT 1) t`, ids, from)
	if err != nil {
		return fmt.Errorf("reading totals: %w", err)
	}
	for rows.Next() {
		var (
			id collection.MonitorID
			t  runTotals
		)
		if err := rows.Scan(&id, &t.runs, &t.passed, &t.satisfied, &t.tolerating, &t.latency); err != nil {
			rows.Close()
			return fmt.Errorf("reading totals: %w", err)
		}
		base[id] = &t
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading totals: %w", err)
	}
	out := make([][]any, len(hours))
	for i, h := range hours {
		cum := base[h.monitor]
		if cum == nil {
			cum = &runTotals{}
			base[h.monitor] = cum
		}
		cum.add(&h.t, 1)
		lat := make([]int32, len(cum.latency))
		for b, n := range cum.latency {
			lat[b] = int32(n)
		}
		out[i] = []any{int64(h.monitor), h.at, cum.runs, cum.passed, cum.satisfied, cum.tolerating, lat}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"monitor_run_totals"},
		[]string{"monitor_id", "at", "runs", "passed", "satisfied", "tolerating", "latency"}, pgx.CopyFromRows(out)); err != nil {
		return fmt.Errorf("writing totals: %w", err)
	}
	return nil
}

// windowPlan places a window [from, now) on the totals: its figures are the
// totals at their end less those at first (the window's first whole hour),
// plus the raw runs of [from, first) and those not added up yet.
type windowPlan struct {
	from, first time.Time // the window's start, and its first boundary in the totals
}

// rawRange selects the finished runs of monitors $1 queued in [$lo, $hi) as
// range i. Each range is its own scan with scalar bounds, so that the generic
// plan pgx's prepared statement runs keeps the bounds in the index condition
// of runs_monitor_time_cover_idx: with the bounds in an unnested array it read
// every run of the monitors (90 days of them in bench-history, 97,800 rows for
// 100 cards, 70-130 ms) and filtered the ranges in a join.
func rawRange(i, lo, hi int) string {
	return fmt.Sprintf(`SELECT %d AS i, monitor_id, status, duration_ms FROM runs
    WHERE monitor_id = ANY($1) AND queued_at >= $%d AND queued_at < $%d AND `+finishedSQL, i, lo, hi)
}

// infinity is an unbounded end of a raw range.
var infinity = pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}

func ts(t time.Time) pgtype.Timestamptz { return pgtype.Timestamptz{Time: t, Valid: true} }

// monitorStatsFromTotals is MonitorStats's figures over the running totals
// (done is where they end): 7 days and, when the totals reach into it, 24
// hours are totals plus raw edges; a 24-hour window the totals do not reach
// is read raw whole. Counts are exact; p95 is read from the histogram.
func (s *Store) monitorStatsFromTotals(ctx context.Context, out map[collection.MonitorID]*MonitorRunStats, keys []int64,
	week, day windowPlan, done time.Time, dayInTotals bool, recent int) error {
	b := &pgx.Batch{}
	bounds := []time.Time{done, week.first}
	if dayInTotals {
		bounds = append(bounds, day.first)
	}
	b.Queue(`
SELECT m.id, k.i, t.runs, t.passed, t.satisfied, t.tolerating, t.latency
FROM unnest($1::bigint[]) AS m(id)
CROSS JOIN unnest($2::timestamptz[]) WITH ORDINALITY AS k(at, i)
CROSS JOIN LATERAL (SELECT * FROM monitor_run_totals WHERE monitor_id = m.id AND at <= k.at ORDER BY at DESC LIMIT 1) t`, keys, bounds)
	// Raw ranges: 1 the week's partial first hour, 2 the day's (or the
	// whole day), 3 what the totals do not reach yet.
	los := []pgtype.Timestamptz{ts(week.from), ts(day.from), ts(done)}
	his := []pgtype.Timestamptz{ts(week.first), ts(day.first), infinity}
	if !dayInTotals {
		his[1] = infinity
	}
	b.Queue(`
SELECT r.monitor_id, r.i, catena_latency_bucket(COALESCE(r.duration_ms, 0)), count(*), count(*) FILTER (WHERE r.status = 'passed'),
    count(*) FILTER (WHERE r.status = 'passed' AND r.duration_ms <= m.apdex_t_ms),
    count(*) FILTER (WHERE r.status = 'passed' AND r.duration_ms > m.apdex_t_ms AND r.duration_ms <= 4 * m.apdex_t_ms)
FROM (`+rawRange(1, 2, 3)+` UNION ALL `+rawRange(2, 4, 5)+` UNION ALL `+rawRange(3, 6, 7)+`) r
JOIN monitors m ON m.id = r.monitor_id
GROUP BY 1, 2, 3`, keys, los[0], his[0], los[1], his[1], los[2], his[2])
	b.Queue(`SELECT id, slo_target FROM monitors WHERE id = ANY($1)`, keys)
	queueRecentAndLatest(b, keys, week.from, recent)
	br := s.pool.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()

	type acc struct{ at [3]runTotals }
	bound := map[collection.MonitorID]*acc{}
	get := func(m map[collection.MonitorID]*acc, id collection.MonitorID) *acc {
		a := m[id]
		if a == nil {
			a = &acc{}
			m[id] = a
		}
		return a
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	for rows.Next() {
		var (
			id  collection.MonitorID
			i   int
			t   runTotals
			lat []int32
		)
		if err := rows.Scan(&id, &i, &t.runs, &t.passed, &t.satisfied, &t.tolerating, &lat); err != nil {
			rows.Close()
			return err
		}
		t.latency = make([]int64, len(lat))
		for b, n := range lat {
			t.latency[b] = int64(n)
		}
		get(bound, id).at[i-1] = t
	}
	if err := rows.Err(); err != nil {
		return err
	}
	raw := map[collection.MonitorID]*acc{}
	if rows, err = br.Query(); err != nil {
		return err
	}
	for rows.Next() {
		var (
			id                            collection.MonitorID
			i, bucket                     int
			runs, passed, sat, tolerating int64
		)
		if err := rows.Scan(&id, &i, &bucket, &runs, &passed, &sat, &tolerating); err != nil {
			rows.Close()
			return err
		}
		get(raw, id).at[i-1].addBucket(min(bucket, latencyBuckets-1), runs, passed, sat, tolerating)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	slo := map[collection.MonitorID]float64{}
	if rows, err = br.Query(); err != nil {
		return err
	}
	for rows.Next() {
		var id collection.MonitorID
		var v float64
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return err
		}
		slo[id] = v
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, o := range out {
		bt, rw := get(bound, id), get(raw, id)
		var w, d runTotals
		w.add(&bt.at[0], 1)
		w.add(&bt.at[1], -1)
		w.add(&rw.at[0], 1)
		w.add(&rw.at[2], 1)
		d.add(&rw.at[1], 1)
		if dayInTotals {
			d.add(&bt.at[0], 1)
			d.add(&bt.at[2], -1)
			d.add(&rw.at[2], 1)
		}
		o.Runs24h = int(d.runs)
		o.Uptime24h, o.Uptime7d = share(d.passed, d.runs), share(w.passed, w.runs)
		o.P95Ms24h, o.P95Ms7d = d.p95(), w.p95()
		o.Apdex7d, o.ErrorBudgetLeft7d = apdexAndBudget(w.runs, w.passed, w.satisfied, w.tolerating, slo[id])
	}
	return scanRecentAndLatest(br, out)
}

func share(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	f := float64(part) / float64(whole)
	return &f
}

// ceilHour is the first whole UTC hour at or after t.
func ceilHour(t time.Time) time.Time {
	h := t.UTC().Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}
