package store_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// MonitorStats aggregates in SQL what the dashboard used to compute in Go:
// the figures match a reference computation over the same rows (nearest-rank
// p95, passed share, 24h by finish time, 7 days by queue time), runs outside
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
			if !r.finished.Before(now.Add(-24 * time.Hour)) {
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
