package graph_test

import (
	"context"
	"math"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// TestMonitorStatsThroughTheAPI asks for a day's stats, steps and series of a
// monitor whose runs were generated in SQL (one every 10 minutes over the last
// day: every 4th failed, durations 100..400 ms), and changes its objectives.
func TestMonitorStatsThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	viewer, editor := e.tokens[collection.RoleViewer], e.tokens[collection.RoleEditor]
	var mon, coll int64
	if err := e.pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('shop') RETURNING id`).Scan(&coll); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule, apdex_t_ms, slo_target) VALUES ('m', 'every 10m', 200, 0.9) RETURNING id`).Scan(&mon); err != nil {
		t.Fatal(err)
	}
	// 143 runs: i = 1..143 minutes*10 ago, all inside the last 24 hours.
	if _, err := e.pool.Exec(ctx, `
		INSERT INTO runs (collection_id, monitor_id, collection_name, trigger, status, snapshot, idempotency_key,
		                  queued_at, started_at, finished_at, duration_ms, attempt)
		SELECT $1, $2, 'shop', 'schedule', CASE WHEN i % 4 = 0 THEN 'failed' ELSE 'passed' END, '{}', 'g' || i,
		       now() - i * interval '10 minutes', now() - i * interval '10 minutes', now() - i * interval '10 minutes',
		       100 + (i % 4) * 100, 1
		FROM generate_series(1, 143) i`, coll, mon); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO step_results (run_id, attempt, position, name, status, total_us, dns_us)
		SELECT id, 1, 0, 'login', CASE WHEN status = 'failed' THEN 'failed' ELSE 'passed' END, duration_ms * 1000, 5000 FROM runs`); err != nil {
		t.Fatal(err)
	}
	var out struct {
		MonitorStats struct {
			Runs, Passed, Failed int
			Uptime, Apdex        float64
			ErrorBudgetLeft      float64
			ApdexThresholdMs     int
			P50Ms, P95Ms         float64
			PercentilesExact     bool
			Steps                []struct {
				Name     string
				Executed int
				P95Ms    float64
				DNSMs    float64
				Phases   []struct {
					Phase string
					P95Ms *float64
				}
			}
			Series struct {
				StepSeconds int
				Points      []struct{ Runs int }
			}
		}
	}
	e.mustPost(viewer, `query($id: ID!) { monitorStats(monitorId: $id, range: {window: DAY}) {
		runs passed failed uptime apdex errorBudgetLeft apdexThresholdMs p50Ms p95Ms percentilesExact
		steps { name executed p95Ms dnsMs phases { phase p95Ms } } series { stepSeconds points { runs } } } }`, map[string]any{"id": mon}, &out)
	st := out.MonitorStats
	// i%4: 0 failed (400ms), 1 passed 200ms (satisfied), 2 passed 300ms and 3 passed 400ms (tolerating).
	failed := 143 / 4
	satisfied := (143 + 3) / 4 // i%4 == 1 for i in 1..143
	tolerating := 143 - failed - satisfied
	wantApdex := (float64(satisfied) + float64(tolerating)/2) / 143
	if st.Runs != 143 || st.Failed != failed || st.Passed != 143-failed || st.ApdexThresholdMs != 200 || !st.PercentilesExact ||
		math.Abs(st.Apdex-wantApdex) > 1e-9 || math.Abs(st.Uptime-float64(143-failed)/143) > 1e-9 ||
		math.Abs(st.ErrorBudgetLeft-(1-float64(failed)/(0.1*143))) > 1e-9 || st.P50Ms != 300 || st.P95Ms != 400 {
		t.Fatalf("stats %+v (apdex want %v)", st, wantApdex)
	}
	if len(st.Steps) != 1 || st.Steps[0].Name != "login" || st.Steps[0].Executed != 143 || st.Steps[0].P95Ms != 400 || st.Steps[0].DNSMs != 5 {
		t.Fatalf("steps %+v", st.Steps)
	}
	// Per phase, exact over raw rows: DNS always 5 ms, the other phases 0.
	if ph := st.Steps[0].Phases; len(ph) != 4 || ph[0].Phase != "DNS" || ph[0].P95Ms == nil || *ph[0].P95Ms != 5 ||
		ph[3].Phase != "FIRST_BYTE" || ph[3].P95Ms == nil || *ph[3].P95Ms != 0 {
		t.Fatalf("phases %+v", ph)
	}
	total := 0
	for _, p := range st.Series.Points {
		total += p.Runs
	}
	if st.Series.StepSeconds != 15*60 || len(st.Series.Points) != 96 || total != 143 {
		t.Fatalf("series: step %ds, %d points, %d runs", st.Series.StepSeconds, len(st.Series.Points), total)
	}

	if r := e.post(viewer, `mutation($id: ID!) { setMonitorObjectives(monitorId: $id, input: {sloTarget: 0.99}) { sloTarget } }`, map[string]any{"id": mon}); r.code() != "FORBIDDEN" {
		t.Fatalf("a viewer changed objectives: %+v", r.Errors)
	}
	if r := e.post(editor, `mutation($id: ID!) { setMonitorObjectives(monitorId: $id, input: {sloTarget: 1.5, retentionTimingsDays: 1}) { sloTarget } }`, map[string]any{"id": mon}); r.code() != "INVALID" || len(r.Errors[0].Extensions["fields"].([]any)) != 2 {
		t.Fatalf("out-of-range objectives: %+v", r.Errors)
	}
	var set struct {
		SetMonitorObjectives struct {
			SloTarget         float64
			RetentionRunsDays int
		}
	}
	e.mustPost(editor, `mutation($id: ID!) { setMonitorObjectives(monitorId: $id, input: {sloTarget: 0.995, retentionTimingsDays: 30, retentionRunsDays: 30}) { sloTarget retentionRunsDays } }`, map[string]any{"id": mon}, &set)
	if set.SetMonitorObjectives.SloTarget != 0.995 || set.SetMonitorObjectives.RetentionRunsDays != 30 {
		t.Fatalf("objectives after set: %+v", set)
	}
	var runID int64
	if err := e.pool.QueryRow(ctx, `SELECT min(id) FROM runs`).Scan(&runID); err != nil {
		t.Fatal(err)
	}
	var pin struct{ PinRun bool }
	e.mustPost(editor, `mutation($id: ID!) { pinRun(id: $id, pinned: true) }`, map[string]any{"id": runID}, &pin)
	var pinned bool
	if err := e.pool.QueryRow(ctx, `SELECT pinned FROM runs WHERE id = $1`, runID).Scan(&pinned); err != nil || !pinned || !pin.PinRun {
		t.Fatalf("run not pinned: %v %v", pinned, err)
	}
}
