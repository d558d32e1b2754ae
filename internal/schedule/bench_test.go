package schedule_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// benchJitter is the jitter window the scale figures were measured with
// (the old 2 s default): all 10,000 monitors due within 2 s of their slot.
const benchJitter = 2 * time.Second

// BenchmarkLocalSameMinute: 10,000 monitors (`every 1m`, 10 collections) due
// in the same minute, fired by the local scheduler's Run loop with its
// default settings (250ms poll, 3 workers × 500 per transaction;
// BENCH_WORKERS, BENCH_BATCH and BENCH_POLL override them) and a 2s jitter
// window (benchJitter).
// It reports enqueue throughput and the lag from the slot to the moment each
// run is committed (seen by a poller every 20ms), p50/p99/max, both from the
// slot itself and from the monitor's jittered due time.
//
//	go test -run '^$' -bench LocalSameMinute -benchtime 1x ./internal/schedule/
func BenchmarkLocalSameMinute(b *testing.B) {
	const monitors, collections = 10_000, 10
	for range b.N {
		b.StopTimer()
		ctx := context.Background()
		pool := dbtest.NewDB(b)
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		box, _ := secret.New(key)
		st := store.New(pool, box)
		var cids []int64
		for i := range collections {
			c, err := st.CreateCollection(ctx, &collection.Collection{Name: fmt.Sprintf("c%d", i), Steps: []collection.Step{
				{Name: "ping", Method: "GET", URL: "http://127.0.0.1:9/ping"},
			}})
			if err != nil {
				b.Fatal(err)
			}
			cids = append(cids, int64(c.ID))
		}
		if _, err := pool.Exec(ctx, `INSERT INTO monitors (name, schedule, time_zone, enabled, locations)
			SELECT 'bench-' || g, 'every 1m', 'UTC', true, ARRAY['local'] FROM generate_series(1, $1) g`, monitors); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id)
			SELECT m.id, ($1::bigint[])[1 + m.id % $2] FROM monitors m`, cids, collections); err != nil {
			b.Fatal(err)
		}
		sched, _ := schedulespec.Parse("every 1m", "UTC")
		slot := time.Now().Truncate(time.Minute).Add(time.Minute)
		next := map[collection.MonitorID]*time.Time{}
		jitter := map[collection.MonitorID]time.Duration{}
		rows, err := pool.Query(ctx, `SELECT id FROM monitors`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id collection.MonitorID
			_ = rows.Scan(&id)
			j := schedulespec.Jitter(id, sched, benchJitter)
			at := slot.Add(j)
			next[id], jitter[id] = &at, j
		}
		rows.Close()
		if err := st.SetNextRunAt(ctx, pool, next); err != nil {
			b.Fatal(err)
		}
		q, err := queue.New(st, nil, queue.Config{})
		if err != nil {
			b.Fatal(err)
		}
		// The scheduler's clock reads 1.5s before the slot now.
		var offset atomic.Int64
		offset.Store(int64(time.Until(slot.Add(-1500 * time.Millisecond))))
		now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		cfg := schedule.LocalConfig{Pool: pool, Store: st, Queue: q, Now: now, JitterMax: benchJitter}
		if w, _ := strconv.Atoi(os.Getenv("BENCH_WORKERS")); w > 0 {
			cfg.Workers = w
		}
		if n, _ := strconv.Atoi(os.Getenv("BENCH_BATCH")); n > 0 {
			cfg.Batch = n
		}
		if p, _ := time.ParseDuration(os.Getenv("BENCH_POLL")); p > 0 {
			cfg.PollInterval = p
		}
		l, err := schedule.NewLocal(cfg)
		if err != nil {
			b.Fatal(err)
		}
		slotReal := time.Now().Add(1500 * time.Millisecond) // the slot on the real clock

		b.StartTimer()
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- l.Run(runCtx) }()
		var fromSlot, fromDue []time.Duration
		var first, last time.Time
		seen, lastID := 0, int64(0)
		counted := map[int64]bool{}
		deadline := time.Now().Add(2 * time.Minute)
		for seen < monitors && time.Now().Before(deadline) {
			// Transactions commit out of id order: look back past the last id seen
			// by more than two batches and skip ids already counted.
			rows, err := pool.Query(ctx, `SELECT id, monitor_id FROM runs WHERE id > $1 AND scheduled_for = $2`, lastID-5000, slot)
			if err != nil {
				b.Fatal(err)
			}
			t := time.Now()
			for rows.Next() {
				var id int64
				var mid collection.MonitorID
				_ = rows.Scan(&id, &mid)
				if counted[id] {
					continue
				}
				counted[id] = true
				lastID = max(lastID, id)
				seen++
				fromSlot = append(fromSlot, t.Sub(slotReal))
				fromDue = append(fromDue, t.Sub(slotReal.Add(jitter[mid])))
				if first.IsZero() {
					first = t
				}
				last = t
			}
			rows.Close()
			time.Sleep(20 * time.Millisecond) // the poller's sampling period
		}
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if seen != monitors {
			b.Fatalf("%d of %d runs enqueued within 2 minutes", seen, monitors)
		}
		slices.Sort(fromSlot)
		slices.Sort(fromDue)
		pct := func(xs []time.Duration, p float64) float64 {
			return float64(xs[int(p*float64(len(xs)-1))]) / float64(time.Millisecond)
		}
		b.ReportMetric(float64(monitors)/max(last.Sub(first).Seconds(), 0.02), "runs/s")
		b.ReportMetric(pct(fromSlot, 0.5), "p50_slot_lag_ms")
		b.ReportMetric(pct(fromSlot, 0.99), "p99_slot_lag_ms")
		b.ReportMetric(pct(fromSlot, 1), "max_slot_lag_ms")
		b.ReportMetric(pct(fromDue, 0.5), "p50_due_lag_ms")
		b.ReportMetric(pct(fromDue, 0.99), "p99_due_lag_ms")
		var jobs int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&jobs)
		if jobs < monitors {
			b.Errorf("jobs = %d, want %d", jobs, monitors)
		}
	}
}
