package store_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// history is a generated run history with known answers: one run every 10
// minutes for 5 days before now. Run i fails when i%10 == 0, errors when
// i%10 == 1, is missed when i%25 == 2 (and not failed or errored), passes
// otherwise; executed runs last 50 + (i%20)·10 ms, and their one step
// "login" 40% of that.
type history struct {
	now      time.Time
	monitor  collection.MonitorID
	coll     collection.CollectionID
	queuedAt func(i int) time.Time
	n        int
}

const historyRuns = 5 * 24 * 6

func status(i int) collection.RunStatus {
	switch {
	case i%10 == 0:
		return collection.RunFailed
	case i%10 == 1:
		return collection.RunErrored
	case i%25 == 2:
		return collection.RunMissed
	}
	return collection.RunPassed
}

func durationMs(i int) int { return 50 + (i%20)*10 }

func newHistory(t *testing.T, s *store.Store, pool *pgxpool.Pool) *history {
	t.Helper()
	ctx := context.Background()
	c := mustCreate(t, s, plainCollection("checkout", 1))
	m, err := s.CreateMonitor(ctx, &collection.Monitor{Name: "shop", Schedule: "every 10m", TimeZone: "UTC", Enabled: true,
		Locations: []string{"eu"}, CollectionIDs: []collection.CollectionID{c.ID}, Policy: collection.DefaultAlertPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE monitors SET apdex_t_ms = 100, slo_target = 0.99 WHERE id = $1`, m.ID); err != nil {
		t.Fatal(err)
	}
	h := &history{now: time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC), monitor: m.ID, coll: c.ID, n: historyRuns}
	start := h.now.Add(-5 * 24 * time.Hour)
	h.queuedAt = func(i int) time.Time { return start.Add(time.Duration(i) * 10 * time.Minute) }
	_, err = pool.Exec(ctx, `
		INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, snapshot,
		                  idempotency_key, queued_at, started_at, finished_at, duration_ms, attempt)
		SELECT $1, $2, 'checkout', 'eu', 'schedule', st, '{}', 'hist-' || i, q,
		       CASE WHEN st = 'missed' THEN NULL ELSE q END,
		       q + CASE WHEN st = 'missed' THEN interval '0' ELSE (50 + (i % 20) * 10) * interval '1 millisecond' END,
		       CASE WHEN st = 'missed' THEN NULL ELSE 50 + (i % 20) * 10 END,
		       CASE WHEN st = 'missed' THEN 0 ELSE 1 END
		FROM (SELECT i, $3::timestamptz + i * interval '10 minutes' AS q,
		             CASE WHEN i % 10 = 0 THEN 'failed' WHEN i % 10 = 1 THEN 'errored'
		                  WHEN i % 25 = 2 THEN 'missed' ELSE 'passed' END AS st
		      FROM generate_series(0, $4 - 1) i) g`, c.ID, m.ID, start, h.n)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `
		INSERT INTO step_results (run_id, attempt, position, name, status, total_us, dns_us, connect_us, first_byte_us)
		SELECT id, 1, 0, 'login', status, duration_ms * 400, 1000, 2000, duration_ms * 300
		FROM runs WHERE monitor_id = $1 AND status <> 'missed'`, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// want computes the answers for runs queued in [from, to) from the generator.
type answers struct {
	runs, passed, failed, errored, missed int
	uptime, apdex, budget                 float64
	p50, p95, p99                         float64
	stepP95                               float64
}

func (h *history) want(from, to time.Time) answers {
	var a answers
	var durs, steps []float64
	satisfied, tolerating := 0, 0
	for i := range h.n {
		if q := h.queuedAt(i); q.Before(from) || !q.Before(to) {
			continue
		}
		a.runs++
		switch status(i) {
		case collection.RunPassed:
			a.passed++
			if d := durationMs(i); d <= 100 {
				satisfied++
			} else if d <= 400 {
				tolerating++
			}
		case collection.RunFailed:
			a.failed++
		case collection.RunErrored:
			a.errored++
		case collection.RunMissed:
			a.missed++
			continue
		}
		durs = append(durs, float64(durationMs(i)))
		steps = append(steps, float64(durationMs(i))*0.4)
	}
	exec := float64(a.passed + a.failed + a.errored)
	a.uptime = float64(a.passed) / exec
	a.apdex = (float64(satisfied) + float64(tolerating)/2) / exec
	a.budget = 1 - float64(a.failed+a.errored)/(0.01*exec)
	a.p50, a.p95, a.p99 = nearestRank(durs, 0.5), nearestRank(durs, 0.95), nearestRank(durs, 0.99)
	a.stepP95 = nearestRank(steps, 0.95)
	return a
}

func nearestRank(v []float64, p float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[int(math.Ceil(p*float64(len(s))))-1]
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func checkStats(t *testing.T, what string, got *store.Stats, want answers, exact bool) {
	t.Helper()
	if got.Runs != want.runs || got.Passed != want.passed || got.Failed != want.failed || got.Errored != want.errored || got.Missed != want.missed {
		t.Errorf("%s: counts %d/%d/%d/%d/%d, want %d/%d/%d/%d/%d", what, got.Runs, got.Passed, got.Failed, got.Errored, got.Missed,
			want.runs, want.passed, want.failed, want.errored, want.missed)
	}
	if got.Uptime == nil || !near(*got.Uptime, want.uptime, 1e-9) || got.Apdex == nil || !near(*got.Apdex, want.apdex, 1e-9) ||
		got.ErrorBudgetLeft == nil || !near(*got.ErrorBudgetLeft, want.budget, 1e-6) {
		t.Errorf("%s: uptime %v apdex %v budget %v, want %v %v %v", what, deref(got.Uptime), deref(got.Apdex), deref(got.ErrorBudgetLeft), want.uptime, want.apdex, want.budget)
	}
	if got.Exact != exact {
		t.Errorf("%s: exact %v, want %v", what, got.Exact, exact)
	}
	tol := 0.0
	if !exact {
		tol = 0.05 // the documented bound of bucketed percentiles
	}
	for _, p := range []struct {
		name      string
		got       *float64
		want      float64
		tolerance float64
	}{{"p50", got.P50, want.p50, tol}, {"p95", got.P95, want.p95, tol}, {"p99", got.P99, want.p99, tol}} {
		if p.got == nil || math.Abs(*p.got-p.want) > p.tolerance*p.want+1e-9 {
			t.Errorf("%s: %s = %v, want %v (±%.0f%%)", what, p.name, deref(p.got), p.want, p.tolerance*100)
		}
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// TestStatsOverRawAndRollups checks stats against the generated history's
// known answers: first all raw, then with everything older than 48 hours
// rolled up, across the seam, before it and after it.
func TestStatsOverRawAndRollups(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	h := newHistory(t, s, pool)
	all := store.StatsParams{MonitorID: h.monitor, From: h.now.Add(-5 * 24 * time.Hour), To: h.now}

	raw, err := s.WindowStats(ctx, all, h.now)
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, "5 days, raw", raw, h.want(all.From, all.To), true)

	reached, err := s.RollUp(ctx, h.now)
	if err != nil {
		t.Fatal(err)
	}
	seam := h.now.Add(-48 * time.Hour)
	if !reached.Equal(seam) {
		t.Fatalf("rolled up to %s, want %s", reached, seam)
	}
	// Hours before the seam; whole UTC days before the seam's day in the
	// daily table.
	lastDay := seam.Truncate(24 * time.Hour)
	checkRollups := func(when string) {
		t.Helper()
		for _, c := range []struct {
			what, sql string
			from, to  time.Time
		}{
			{"final hourly", `SELECT COALESCE(sum(runs), 0) FROM run_rollups WHERE monitor_id = $1 AND bucket_start < $3 AND $2::timestamptz IS NOT NULL`, all.From, seam},
			{"after the seam", `SELECT COALESCE(sum(runs), 0) FROM run_rollups WHERE monitor_id = $1 AND bucket_start >= $2 AND $3::timestamptz IS NOT NULL`, seam, seam},
			{"daily", `SELECT COALESCE(sum(runs), 0) FROM run_rollups_daily WHERE monitor_id = $1 AND bucket_start >= date_trunc('day', $2::timestamptz) AND bucket_start < $3`, all.From, lastDay},
			{"daily steps", `SELECT COALESCE(sum(executed), 0) FROM step_rollups_daily WHERE monitor_id = $1 AND bucket_start >= date_trunc('day', $2::timestamptz) AND bucket_start < $3`, all.From, lastDay},
		} {
			var got int
			if err := pool.QueryRow(ctx, c.sql, h.monitor, c.from, c.to).Scan(&got); err != nil {
				t.Fatal(err)
			}
			want := 0 // nothing is rolled up after the seam
			if c.from.Before(c.to) {
				w := h.want(c.from, c.to)
				want = w.runs
				if c.what == "daily steps" {
					want = w.passed + w.failed + w.errored
				}
			}
			if got != want {
				t.Fatalf("%s: %s rollups hold %d, want %d (runs queued in [%s, %s))", when, c.what, got, want, c.from, c.to)
			}
		}
	}
	checkRollups("first pass")
	// RollUp again is a no-op: nothing doubles.
	if _, err := s.RollUp(ctx, h.now); err != nil {
		t.Fatal(err)
	}
	checkRollups("second pass")

	for _, w := range []struct {
		name     string
		from, to time.Time
		exact    bool
	}{
		{"5 days across the seam", all.From, all.To, false},
		{"24 hours, raw only", h.now.Add(-24 * time.Hour), h.now, true},
		{"before the seam, rollups only", all.From, seam, false},
		{"6 hours either side of the seam", seam.Add(-6 * time.Hour), seam.Add(6 * time.Hour), false},
		// hours of June 6, the whole of June 7 from the daily table, hours of
		// June 8 up to the seam, then raw rows
		{"hourly, daily, hourly and raw", time.Date(2026, 6, 6, 5, 0, 0, 0, time.UTC), seam.Add(6 * time.Hour), false},
		{"within one day before the seam", time.Date(2026, 6, 7, 3, 0, 0, 0, time.UTC), time.Date(2026, 6, 7, 9, 0, 0, 0, time.UTC), false},
	} {
		got, err := s.WindowStats(ctx, store.StatsParams{MonitorID: h.monitor, From: w.from, To: w.to}, h.now)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Seam.Equal(seam) {
			t.Errorf("%s: seam %s, want %s", w.name, got.Seam, seam)
		}
		checkStats(t, w.name, got, h.want(w.from, w.to), w.exact)
	}

	steps, err := s.MonitorStepStats(ctx, all, h.now)
	if err != nil {
		t.Fatal(err)
	}
	want := h.want(all.From, all.To)
	if len(steps) != 1 || steps[0].Name != "login" || steps[0].Executed != want.passed+want.failed+want.errored ||
		steps[0].Passed != want.passed || steps[0].P95 == nil || math.Abs(*steps[0].P95-want.stepP95) > 0.05*want.stepP95 ||
		!near(steps[0].DNS, 1, 1e-9) || !near(steps[0].Connect, 2, 1e-9) {
		t.Fatalf("step stats: %+v (p95 %v, want %v)", steps, deref(steps[0].P95), want.stepP95)
	}
	// Phases across the seam, from the rollups' phase histograms and raw
	// rows: connect is always 2 ms, first byte 30% of the run's duration;
	// TLS is 0, which falls in the lowest bucket (under 1.1 ms).
	within := func(what string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 0.05*want+1e-9 {
			t.Errorf("%s = %v, want %v ± 5%%", what, deref(got), want)
		}
	}
	ph := steps[0].Phases
	within("connect p50", ph[1].P50, 2)
	within("connect p99", ph[1].P99, 2)
	within("first byte p95", ph[3].P95, 0.3*want.p95)
	within("first byte p50", ph[3].P50, 0.3*want.p50)
	if ph[2].P95 == nil || *ph[2].P95 >= 1.1 {
		t.Errorf("tls p95 = %v, want the lowest bucket", deref(ph[2].P95))
	}
	// Within raw rows the phase percentiles are exact.
	day := store.StatsParams{MonitorID: h.monitor, From: h.now.Add(-24 * time.Hour), To: h.now}
	rawSteps, err := s.MonitorStepStats(ctx, day, h.now)
	if err != nil {
		t.Fatal(err)
	}
	wd := h.want(day.From, day.To)
	if len(rawSteps) != 1 || !rawSteps[0].Exact {
		t.Fatalf("24 h step stats: %+v, want one exact step", rawSteps)
	}
	rp := rawSteps[0].Phases
	for _, c := range []struct {
		what string
		got  *float64
		want float64
	}{{"dns p95", rp[0].P95, 1}, {"connect p50", rp[1].P50, 2}, {"tls p99", rp[2].P99, 0},
		{"first byte p95", rp[3].P95, 0.3 * wd.p95}, {"first byte p99", rp[3].P99, 0.3 * wd.p99}} {
		if c.got == nil || !near(*c.got, c.want, 1e-9) {
			t.Errorf("24 h %s = %v, want exactly %v", c.what, deref(c.got), c.want)
		}
	}

	step := store.SeriesStep(all.From, all.To, seam)
	if step != time.Hour {
		t.Fatalf("5-day series step %s, want 1h", step)
	}
	points, err := s.MonitorSeries(ctx, all, step, h.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 5*24 {
		t.Fatalf("%d points, want %d", len(points), 5*24)
	}
	total, passed := 0, 0
	for _, p := range points {
		total += p.Runs
		passed += p.Passed
		if p.Runs != 6 {
			t.Errorf("point %s has %d runs, want 6 (one every 10 minutes)", p.At, p.Runs)
		}
	}
	if total != want.runs || passed != want.passed {
		t.Fatalf("series sums %d runs, %d passed; want %d, %d", total, passed, want.runs, want.passed)
	}

	// Daily points on UTC midnights read the daily rollups for June 5–7,
	// hours of June 8 and raw rows after the seam.
	days := store.StatsParams{MonitorID: h.monitor, From: time.Date(2026, 6, 5, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)}
	points, err = s.MonitorSeries(ctx, days, 24*time.Hour, h.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 5 {
		t.Fatalf("%d daily points, want 5", len(points))
	}
	for _, p := range points {
		w := h.want(p.At, p.At.Add(24*time.Hour))
		if p.Runs != w.runs || p.Passed != w.passed || p.Failed != w.failed || p.Apdex() == nil || !near(*p.Apdex(), w.apdex, 1e-9) {
			t.Errorf("day %s: %+v, want %d runs, %d passed, %d failed, apdex %v", p.At, p, w.runs, w.passed, w.failed, w.apdex)
		}
	}
}

// TestDashboardCardFigures checks the dashboard's figures, Apdex and error
// budget over 7 days included, against the generated history's known answers
// once RollUp has added the history up into the running totals (counts
// exact, p95 within the histogram's 5%), and that a run queued long before it
// finishes is counted once it finishes.
func TestDashboardCardFigures(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	h := newHistory(t, s, pool)
	// A run queued at 09:05 that is still running when the totals are added up.
	var late collection.RunID
	if err := pool.QueryRow(ctx, `INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, snapshot,
		idempotency_key, queued_at, started_at, attempt)
		VALUES ($1, $2, 'checkout', 'eu', 'schedule', 'running', '{}', 'late', $3, $3, 1) RETURNING id`,
		h.coll, h.monitor, time.Date(2026, 6, 10, 9, 5, 0, 0, time.UTC)).Scan(&late); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RollUp(ctx, h.now); err != nil {
		t.Fatal(err)
	}
	check := func(when string, extra int) {
		t.Helper()
		got, err := s.MonitorStats(ctx, []collection.MonitorID{h.monitor}, h.now, 7*24*time.Hour, 50)
		if err != nil {
			t.Fatal(err)
		}
		g := got[h.monitor]
		day, week := h.want(h.now.Add(-24*time.Hour), h.now), h.want(h.now.Add(-7*24*time.Hour), h.now)
		day.passed += extra
		week.passed += extra
		exec := week.passed + week.failed + week.errored
		up7 := float64(week.passed) / float64(exec)
		budget := 1 - float64(week.failed+week.errored)/(0.01*float64(exec))
		up24 := float64(day.passed) / float64(day.passed+day.failed+day.errored)
		if g.Runs24h != day.passed+day.failed+day.errored || g.Uptime24h == nil || !near(*g.Uptime24h, up24, 1e-9) ||
			g.Uptime7d == nil || !near(*g.Uptime7d, up7, 1e-9) || g.ErrorBudgetLeft7d == nil || !near(*g.ErrorBudgetLeft7d, budget, 1e-9) {
			t.Fatalf("%s: runs24h %d, uptime %v / %v, budget %v; want %d, %v / %v, %v", when, g.Runs24h, deref(g.Uptime24h), deref(g.Uptime7d),
				deref(g.ErrorBudgetLeft7d), day.passed+day.failed+day.errored, up24, up7, budget)
		}
		if extra == 0 && (g.Apdex7d == nil || !near(*g.Apdex7d, week.apdex, 1e-9)) {
			t.Errorf("%s: apdex %v, want %v", when, deref(g.Apdex7d), week.apdex)
		}
		for _, p := range []struct {
			got  *float64
			want float64
		}{{g.P95Ms24h, day.p95}, {g.P95Ms7d, week.p95}} {
			if p.got == nil || math.Abs(*p.got-p.want) > 0.05*p.want {
				t.Errorf("%s: p95 %v, want %v within 5%%", when, deref(p.got), p.want)
			}
		}
	}
	check("added up", 0)

	// The late run finishes now; the totals stopped before its hour.
	if _, err := pool.Exec(ctx, `UPDATE runs SET status = 'passed', finished_at = $2, duration_ms = 80 WHERE id = $1`, late, h.now); err != nil {
		t.Fatal(err)
	}
	check("with a late run", 1)
	if _, err := s.RollUp(ctx, h.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("added up with the late run", 1)
}

func TestSeriesStepFitsTheWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	seam := now.Add(-48 * time.Hour)
	for _, tt := range []struct {
		window time.Duration
		want   time.Duration
	}{
		{time.Hour, time.Minute}, {24 * time.Hour, 15 * time.Minute}, {7 * 24 * time.Hour, time.Hour},
		{30 * 24 * time.Hour, 6 * time.Hour}, {90 * 24 * time.Hour, 24 * time.Hour}, {400 * 24 * time.Hour, 7 * 24 * time.Hour},
	} {
		if got := store.SeriesStep(now.Add(-tt.window), now, seam); got != tt.want {
			t.Errorf("window %s: step %s, want %s", tt.window, got, tt.want)
		}
	}
	// A short window before the seam reads hourly rollups: never finer than an hour.
	if got := store.SeriesStep(seam.Add(-2*time.Hour), seam.Add(-time.Hour), seam); got != time.Hour {
		t.Errorf("an hour before the seam: step %s, want 1h", got)
	}
}

// TestRetentionPrunesInBatchesAndKeepsStats applies short retention to the
// generated history: bodies go after a day, step rows after three days, runs
// after four; manual and pinned runs stay whole; stats of the kept window are
// unchanged because the rollups hold them.
func TestRetentionPrunesInBatchesAndKeepsStats(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	h := newHistory(t, s, pool)
	if _, err := pool.Exec(ctx, `UPDATE monitors SET retention_bodies_days = 1, retention_timings_days = 3, retention_runs_days = 4 WHERE id = $1`, h.monitor); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE step_results SET response_body = 'secret-free body', response_headers = '{"a": ["b"]}'`); err != nil {
		t.Fatal(err)
	}
	// The oldest two runs: one manual, one pinned.
	if _, err := pool.Exec(ctx, `UPDATE runs SET trigger = 'manual' WHERE idempotency_key = 'hist-3'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE runs SET pinned = true WHERE idempotency_key = 'hist-4'`); err != nil {
		t.Fatal(err)
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	stepsBefore := count(`SELECT count(*) FROM step_results`)

	// Nothing is rolled up yet: bodies may go, step rows and runs may not.
	res, err := s.Prune(ctx, h.now, 50, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if res.StepsDeleted != 0 || res.RunsDeleted != 0 || count(`SELECT count(*) FROM step_results`) != stepsBefore {
		t.Fatalf("pruned timings or runs before they were rolled up: %+v", res)
	}
	if _, err := s.RollUp(ctx, h.now); err != nil {
		t.Fatal(err)
	}
	want := h.want(h.now.Add(-4*24*time.Hour), h.now)
	res, err = s.Prune(ctx, h.now, 50, 1000)
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	if n := count(`SELECT count(*) FROM runs WHERE queued_at < $1 AND trigger <> 'manual' AND NOT pinned`, h.now.Add(-4*day)); n != 0 || res.RunsDeleted == 0 {
		t.Errorf("%d runs older than 4 days left (deleted %d)", n, res.RunsDeleted)
	}
	if n := count(`SELECT count(*) FROM step_results s JOIN runs r ON r.id = s.run_id WHERE r.queued_at < $1 AND r.trigger <> 'manual' AND NOT r.pinned`, h.now.Add(-3*day)); n != 0 {
		t.Errorf("%d step rows of runs older than 3 days left", n)
	}
	if n := count(`SELECT count(*) FROM step_results s JOIN runs r ON r.id = s.run_id WHERE r.queued_at < $1 AND s.response_body IS NOT NULL AND r.trigger <> 'manual' AND NOT r.pinned`, h.now.Add(-day)); n != 0 {
		t.Errorf("%d bodies older than a day left", n)
	}
	if n := count(`SELECT count(*) FROM step_results s JOIN runs r ON r.id = s.run_id WHERE r.queued_at >= $1 AND s.response_body IS NOT NULL`, h.now.Add(-day)); n == 0 {
		t.Error("bodies younger than a day were dropped")
	}
	for _, key := range []string{"hist-3", "hist-4"} {
		if n := count(`SELECT count(*) FROM step_results s JOIN runs r ON r.id = s.run_id WHERE r.idempotency_key = $1 AND s.response_body IS NOT NULL`, key); n != 1 {
			t.Errorf("kept run %s lost its step (%d)", key, n)
		}
	}
	// The kept four days read the same as before pruning (manual runs have a
	// monitor too here, so the two kept runs older than that do not count).
	got, err := s.WindowStats(ctx, store.StatsParams{MonitorID: h.monitor, From: h.now.Add(-4 * day), To: h.now}, h.now)
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, "4 days after pruning", got, want, false)
	// A second pass finds nothing more.
	again, err := s.Prune(ctx, h.now, 50, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if again != (store.PruneResult{}) {
		t.Errorf("second pass pruned %+v", again)
	}
}
