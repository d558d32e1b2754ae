package statuspage

import (
	"context"
	"net/http"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// BenchmarkPage measures computing a status page of 20 monitors, each with
// 90 days of runs every 10 minutes (259,200 runs) rolled up as in production:
// "compute" is a cache miss (what the database sees at most every 30 s per
// page), "cached" a request served from the cache.
//
//	go test -run '^$' -bench BenchmarkPage -benchtime 20x ./internal/statuspage/
func BenchmarkPage(b *testing.B) {
	f := newFixture(b, nil)
	ctx := context.Background()
	now := f.clock.now()
	var group collection.StatusGroup
	group.Name = "all"
	for i := range 20 {
		m, c := f.monitor("m" + string(rune('a'+i)))
		f.exec(`INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, snapshot, idempotency_key,
			queued_at, started_at, finished_at, duration_ms, attempt)
			SELECT $1::bigint, $2, 'x', 'local', 'schedule', CASE WHEN n % 97 = 0 THEN 'failed' ELSE 'passed' END, '{}', $1::text || '-' || n,
			       q, q, q, 50 + n % 200, 1
			FROM (SELECT n, $3::timestamptz - n * interval '10 minutes' AS q FROM generate_series(1, 90 * 144) n) g`, c, m, now)
		group.Monitors = append(group.Monitors, collection.StatusMonitor{MonitorID: m})
	}
	if _, err := f.store.RollUp(ctx, now); err != nil {
		b.Fatal(err)
	}
	f.page(&collection.StatusPage{Slug: "bench", Title: "Bench", ShowLatency: true, Groups: []collection.StatusGroup{group}})
	h := New(Config{Store: f.store, Now: f.clock.now})

	b.Run("compute", func(b *testing.B) {
		for b.Loop() {
			res, err := h.computePage(ctx, "bench")
			if err != nil || res.status != http.StatusOK {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		f.get("/status/bench") // computes once
		for b.Loop() {
			if res, _ := f.get("/status/bench"); res.StatusCode != http.StatusOK {
				b.Fatal(res.Status)
			}
		}
	})
}
