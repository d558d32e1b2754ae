package store_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// MonitorStats aggregates in SQL what the dashboard used to compute in Go:
// the figures match a reference computation over the same rows (nearest-rank
// p95, passed share, both windows by queue time), runs outside
// the window or not finished are left out, and the state follows the latest
// finished run of each current collection × location.
func TestMonitorStatsMatchesAReferenceComputation(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	var a, b collection.CollectionID
	if err := pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('a') RETURNING id`).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('b') RETURNING id`).Scan(&b); err != nil {
		t.Fatal(err)
	}
	var busy, idle, passing collection.MonitorID
	for _, m := range []struct {
		id    *collection.MonitorID
		name  string
		locs  []string
		colls []collection.CollectionID
	}{{&busy, "busy", []string{"local", "eu"}, []collection.CollectionID{a, b}}, {&idle, "idle", []string{"local"}, []collection.CollectionID{a}}, {&passing, "passing", []string{"local"}, []collection.CollectionID{b}}} {
		if err := pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule, locations) VALUES ($1, 'every 1m', $2) RETURNING id`, m.name, m.locs).Scan(m.id); err != nil {
			t.Fatal(err)
		}
		for _, c := range m.colls {
			if _, err := pool.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) VALUES ($1, $2)`, *m.id, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	type row struct {
		monitor    collection.MonitorID
		collection collection.CollectionID
		location   string
		status     collection.RunStatus
		queued     time.Time
		finished   *time.Time
		ms         int64
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []row
	statuses := []collection.RunStatus{collection.RunPassed, collection.RunPassed, collection.RunPassed, collection.RunFailed, collection.RunErrored, collection.RunMissed, collection.RunCancelled}
	for i := range 600 {
		q := now.Add(-time.Duration(rng.Int64N(int64(8 * 24 * time.Hour)))) // some before the window
		r := row{monitor: busy, collection: []collection.CollectionID{a, b}[i%2], location: []string{"local", "eu"}[i/2%2],
			status: statuses[rng.IntN(len(statuses))], queued: q, ms: rng.Int64N(2000)}
		f := q.Add(time.Duration(r.ms) * time.Millisecond)
		r.finished = &f
		rows = append(rows, r)
	}
	// The newest finished runs of passing all pass; a newer queued one does not count.
	for i := range 5 {
		f := now.Add(-time.Duration(i+1) * time.Minute)
		rows = append(rows, row{monitor: passing, collection: b, location: "local", status: collection.RunPassed, queued: f.Add(-time.Second), finished: &f, ms: 1000})
	}
	rows = append(rows, row{monitor: passing, collection: b, location: "local", status: collection.RunQueued, queued: now.Add(-time.Second)})
	// A location the monitor no longer runs from does not make it fail.
	old := now.Add(-time.Hour)
	rows = append(rows, row{monitor: passing, collection: b, location: "gone", status: collection.RunFailed, queued: old, finished: &old, ms: 5})
	for i, r := range rows {
		if _, err := pool.Exec(ctx, `INSERT INTO runs (monitor_id, collection_id, collection_name, location, trigger, status, snapshot,
				idempotency_key, queued_at, started_at, finished_at, duration_ms)
			VALUES ($1, $2, 'c', $3, 'schedule', $4, '{}', $5, $6::timestamptz, CASE WHEN $7::timestamptz IS NULL THEN NULL ELSE $6::timestamptz END, $7, $8)`,
			r.monitor, r.collection, r.location, r.status, "k"+time.Duration(i).String(), r.queued, r.finished, r.ms); err != nil {
			t.Fatal(err)
		}
	}

	got, err := s.MonitorStats(ctx, []collection.MonitorID{busy, idle, passing}, now, 7*24*time.Hour, 50)
	if err != nil {
		t.Fatal(err)
	}
	// The reference: the Go computation the dashboard loader used to make.
	ref := func(id collection.MonitorID) (n24 int, up24, up7, p24, p7 *float64, recent []row) {
		var day, week []row
		for _, r := range rows {
			if r.monitor != id || r.queued.Before(now.Add(-7*24*time.Hour)) || !slices.Contains([]collection.RunStatus{collection.RunPassed, collection.RunFailed, collection.RunErrored}, r.status) {
				continue
			}
			week = append(week, r)
			if !r.queued.Before(now.Add(-24 * time.Hour)) {
				day = append(day, r)
			}
		}
		fig := func(rs []row) (*float64, *float64) {
			if len(rs) == 0 {
				return nil, nil
			}
			var passed int
			d := make([]float64, len(rs))
			for i, r := range rs {
				if r.status == collection.RunPassed {
					passed++
				}
				d[i] = float64(r.ms)
			}
			slices.Sort(d)
			p := d[int(math.Ceil(0.95*float64(len(d))))-1]
			u := float64(passed) / float64(len(rs))
			return &u, &p
		}
		up24, p24 = fig(day)
		up7, p7 = fig(week)
		slices.SortFunc(week, func(x, y row) int { return y.queued.Compare(x.queued) })
		return len(day), up24, up7, p24, p7, week[:min(50, len(week))]
	}
	eq := func(x, y *float64) bool {
		return x == nil && y == nil || x != nil && y != nil && math.Abs(*x-*y) < 1e-9
	}
	for _, id := range []collection.MonitorID{busy, idle, passing} {
		n24, up24, up7, p24, p7, recent := ref(id)
		g := got[id]
		if g == nil || g.Runs24h != n24 || !eq(g.Uptime24h, up24) || !eq(g.Uptime7d, up7) || !eq(g.P95Ms24h, p24) || !eq(g.P95Ms7d, p7) || len(g.Recent) != len(recent) {
			t.Fatalf("monitor %d: got %+v; want runs24h %d uptime %v/%v p95 %v/%v and %d recent", id, g, n24, up24, up7, p24, p7, len(recent))
		}
		for i, r := range recent {
			if g.Recent[i].Status != r.status || g.Recent[i].Duration != time.Duration(r.ms)*time.Millisecond || !g.Recent[i].QueuedAt.Equal(r.queued.Truncate(time.Microsecond)) {
				t.Fatalf("monitor %d recent run %d = %+v; want %+v", id, i, g.Recent[i], r)
			}
		}
	}
	if got[busy].Uptime7d == nil || got[idle].Uptime7d != nil || len(got[idle].Latest) != 0 {
		t.Fatalf("busy %+v idle %+v", got[busy], got[idle])
	}
	// busy's latest finished run of each of its 4 targets; passing's one target passed.
	if len(got[busy].Latest) != 4 {
		t.Errorf("busy latest = %+v; want one per collection × location", got[busy].Latest)
	}
	for _, l := range got[busy].Latest {
		var want *row
		for i, r := range rows {
			if r.monitor == busy && r.collection == *l.CollectionID && r.location == l.Location && !r.queued.Before(now.Add(-7*24*time.Hour)) &&
				slices.Contains([]collection.RunStatus{collection.RunPassed, collection.RunFailed, collection.RunErrored}, r.status) && (want == nil || r.queued.After(want.queued)) {
				want = &rows[i]
			}
		}
		if want == nil || l.Status != want.status {
			t.Errorf("busy latest %d@%s = %s; want %+v", *l.CollectionID, l.Location, l.Status, want)
		}
	}
	if l := got[passing].Latest; len(l) != 1 || l[0].Status != collection.RunPassed || l[0].Location != "local" {
		t.Errorf("passing latest = %+v; want its one target passed (the removed location ignored)", l)
	}
	empty, err := s.MonitorStats(ctx, nil, now, 7*24*time.Hour, 50)
	if err != nil || len(empty) != 0 {
		t.Errorf("no monitors: %v, %v", empty, err)
	}
}

// The running totals give the same card as the raw aggregate: counts,
// uptime, Apdex and budget exact, p95 within 5%, over windows whose ends fall
// inside hours, when added up in several passes, with a retried run left out,
// a run still running holding the totals back until it finishes, and rows
// older than TotalsKeep pruned without changing the figures.
func TestDashboardTotalsMatchTheRawFigures(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 34, 56, 0, time.UTC)
	var c collection.CollectionID
	if err := pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('a') RETURNING id`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	var ids []collection.MonitorID
	for i := range 3 {
		var id collection.MonitorID
		if err := pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule, locations, apdex_t_ms, slo_target) VALUES ($1, 'every 1m', '{local}', $2, 0.99) RETURNING id`,
			"m"+time.Duration(i).String(), 100*(i+1)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) VALUES ($1, $2)`, id, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	statuses := []collection.RunStatus{collection.RunPassed, collection.RunPassed, collection.RunPassed, collection.RunPassed, collection.RunFailed, collection.RunErrored, collection.RunMissed}
	insert := func(key string, m collection.MonitorID, status collection.RunStatus, queued time.Time, ms int64) collection.RunID {
		var id collection.RunID
		var finished any
		if status.Final() {
			finished = queued.Add(time.Duration(ms) * time.Millisecond)
		}
		if err := pool.QueryRow(ctx, `INSERT INTO runs (monitor_id, collection_id, collection_name, location, trigger, status, snapshot,
				idempotency_key, queued_at, started_at, finished_at, duration_ms)
			VALUES ($1, $2, 'a', 'local', 'schedule', $3, '{}', $4, $5, $5, $6, $7) RETURNING id`, m, c, status, key, queued, finished, ms).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	for i := range 1500 {
		m := ids[i%2] // the third monitor has no runs
		q := now.Add(-time.Duration(rng.Int64N(int64(9 * 24 * time.Hour))))
		insert("k"+time.Duration(i).String(), m, statuses[rng.IntN(len(statuses))], q, 1+rng.Int64N(3000))
	}
	retried := insert("retried", ids[0], collection.RunFailed, now.Add(-3*24*time.Hour), 10)
	if err := s.MarkRetried(ctx, pool, retried); err != nil {
		t.Fatal(err)
	}
	running := insert("running", ids[1], collection.RunRunning, now.Add(-5*time.Hour-10*time.Minute), 0)

	exact := func() map[collection.MonitorID]*store.MonitorRunStats {
		t.Helper()
		got, err := s.MonitorStats(ctx, ids, now, 7*24*time.Hour, 50)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// raw is the card from the raw aggregate, with the totals hidden.
	raw := func() map[collection.MonitorID]*store.MonitorRunStats {
		t.Helper()
		var started, done *time.Time
		_ = pool.QueryRow(ctx, `SELECT started_at, done_until FROM monitor_totals_progress`).Scan(&started, &done)
		if _, err := pool.Exec(ctx, `DELETE FROM monitor_totals_progress`); err != nil {
			t.Fatal(err)
		}
		got := exact()
		if started != nil {
			if _, err := pool.Exec(ctx, `INSERT INTO monitor_totals_progress (started_at, done_until) VALUES ($1, $2)`, started, done); err != nil {
				t.Fatal(err)
			}
		}
		return got
	}
	var ref map[collection.MonitorID]*store.MonitorRunStats
	compare := func(when string) {
		t.Helper()
		ref = raw()
		got := exact()
		for _, id := range ids {
			g, w := got[id], ref[id]
			same := func(x, y *float64, tol float64) bool {
				return x == nil && y == nil || x != nil && y != nil && math.Abs(*x-*y) <= tol*math.Max(1, math.Abs(*y))
			}
			if g.Runs24h != w.Runs24h || !same(g.Uptime24h, w.Uptime24h, 1e-9) || !same(g.Uptime7d, w.Uptime7d, 1e-9) ||
				!same(g.Apdex7d, w.Apdex7d, 1e-9) || !same(g.ErrorBudgetLeft7d, w.ErrorBudgetLeft7d, 1e-9) ||
				!same(g.P95Ms24h, w.P95Ms24h, 0.05) || !same(g.P95Ms7d, w.P95Ms7d, 0.05) || len(g.Recent) != len(w.Recent) || len(g.Latest) != len(w.Latest) {
				t.Fatalf("%s, monitor %d: %+v\nwant (raw) %+v", when, id, g, w)
			}
		}
	}
	// Two passes: the first (an hour and a half ago) starts the totals, the
	// second extends them, up to the running run's hour.
	for _, at := range []time.Time{now.Add(-90 * time.Minute), now} {
		if _, err := s.RollUp(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	var done time.Time
	if err := pool.QueryRow(ctx, `SELECT done_until FROM monitor_totals_progress`).Scan(&done); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC); !done.Equal(want) {
		t.Fatalf("totals reach %s; want %s, the hour of the run still running", done, want)
	}
	compare("added up")
	if got := exact()[ids[0]]; *got.P95Ms7d == *ref[ids[0]].P95Ms7d {
		t.Errorf("p95 %v equals the exact one: the totals were not read", *got.P95Ms7d)
	}

	// It finishes: counted at once (raw), and once added up.
	if _, err := pool.Exec(ctx, `UPDATE runs SET status = 'passed', finished_at = $2, duration_ms = 20 WHERE id = $1`, running, now); err != nil {
		t.Fatal(err)
	}
	compare("finished")
	// A pass a day later adds the rest up and prunes the oldest rows; the
	// figures of the window a day later still match the raw ones.
	now = now.Add(24 * time.Hour)
	if _, err := s.RollUp(ctx, now); err != nil {
		t.Fatal(err)
	}
	var oldest time.Time
	if err := pool.QueryRow(ctx, `SELECT min(at) FROM monitor_run_totals WHERE monitor_id = $1`, ids[0]).Scan(&oldest); err != nil {
		t.Fatal(err)
	}
	if cut := now.Add(-store.TotalsKeep); !oldest.Before(cut) || oldest.Before(cut.Add(-3*time.Hour)) {
		t.Errorf("oldest totals row %s; want the last one before %s", oldest, cut)
	}
	compare("a day later")
}
