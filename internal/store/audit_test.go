package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/store"
)

// auditRow is a hand-made run with step rows per attempt, written straight
// into the tables so it can break the invariants the store itself keeps.
type auditRow struct {
	status   string
	attempt  int
	lease    string // interval from now, e.g. "-1 minute"; "" for none
	finished bool
	steps    int // steps in the snapshot
	// rows are step rows: attempt → statuses by position ("" leaves a gap).
	rows    map[int][]string
	monitor int64 // with slot: a scheduled run
	slot    string
}

func (r auditRow) insert(t *testing.T, tx pgx.Tx, n int) int64 {
	t.Helper()
	ctx := context.Background()
	steps := make([]string, r.steps)
	for i := range steps {
		steps[i] = fmt.Sprintf(`{"name": "s%d", "method": "GET", "url": "http://127.0.0.1:1/"}`, i)
	}
	var lease, finished, slot, monitor any
	if r.lease != "" {
		lease = r.lease
	}
	if r.finished {
		finished = true
	}
	if r.slot != "" {
		slot, monitor = r.slot, r.monitor
	}
	var id int64
	err := tx.QueryRow(ctx, `
INSERT INTO runs (collection_name, trigger, status, snapshot, idempotency_key, attempt, lease_expires_at,
    started_at, finished_at, monitor_id, scheduled_for)
VALUES ('c', 'manual', $1, jsonb_build_object('name', 'c', 'steps', $2::jsonb), $3, $4,
    now() + $5::interval, CASE WHEN $4 > 0 THEN now() - interval '1 minute' END,
    CASE WHEN $6::boolean THEN now() END, $7, $8::timestamptz)
RETURNING id`, r.status, "["+strings.Join(steps, ",")+"]", fmt.Sprintf("audit-%d-%d", n, time.Now().UnixNano()),
		r.attempt, lease, finished, monitor, slot).Scan(&id)
	if err != nil {
		t.Fatalf("inserting run: %v", err)
	}
	for attempt, statuses := range r.rows {
		for pos, st := range statuses {
			if st == "" {
				continue
			}
			reason := ""
			if st == "skipped" {
				reason = "skipped: an earlier step failed"
			}
			if st == "skipped-no-reason" {
				st = "skipped"
			}
			if _, err := tx.Exec(ctx, `INSERT INTO step_results (run_id, attempt, position, name, status, error)
				VALUES ($1, $2, $3, $4, $5, $6)`, id, attempt, pos, fmt.Sprintf("s%d", pos), st, reason); err != nil {
				t.Fatalf("inserting step row: %v", err)
			}
		}
	}
	return id
}

func TestAuditFindsBrokenInvariants(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewDB(t)
	ctx := context.Background()
	// This database is the test's own: let it hold rows the constraints forbid,
	// to check the auditor does not rely on them.
	if _, err := pool.Exec(ctx, `ALTER TABLE runs DROP CONSTRAINT runs_final_has_finished,
		DROP CONSTRAINT runs_monitor_id_fkey`); err != nil {
		t.Fatal(err)
	}
	passed := func(n int) []string { return slices.Repeat([]string{"passed"}, n) }
	cases := []struct {
		name string
		runs []auditRow
		want []string // "invariant check" per violation, in order
	}{
		{name: "clean runs", runs: []auditRow{
			{status: "queued", steps: 3},
			{status: "running", attempt: 1, lease: "30 seconds", steps: 3, rows: map[int][]string{1: passed(1)}},
			{status: "running", attempt: 1, lease: "-2 seconds", steps: 3}, // within the grace
			{status: "passed", attempt: 1, finished: true, steps: 3, rows: map[int][]string{1: passed(3)}},
			{status: "failed", attempt: 1, finished: true, steps: 3, rows: map[int][]string{1: {"passed", "failed", "skipped"}}},
			{status: "passed", attempt: 2, finished: true, steps: 3, rows: map[int][]string{1: {"passed", "interrupted"}, 2: passed(3)}},
			{status: "errored", attempt: 2, finished: true, steps: 3, rows: map[int][]string{1: {"passed"}, 2: {"interrupted"}}},
			{status: "cancelled", finished: true, steps: 3},
			{status: "missed", finished: true, steps: 3, monitor: 1, slot: "2026-01-01T00:00:00Z"},
			{status: "passed", attempt: 1, finished: true, steps: 1, rows: map[int][]string{1: passed(1)}, monitor: 1, slot: "2026-01-01T00:01:00Z"},
		}},
		{name: "running past its lease", runs: []auditRow{{status: "running", attempt: 1, lease: "-1 minute", steps: 2}},
			want: []string{"I2 expired_lease"}},
		{name: "running without a lease", runs: []auditRow{{status: "running", attempt: 1, steps: 2}},
			want: []string{"I2 expired_lease"}},
		{name: "final without finished_at", runs: []auditRow{{status: "errored", attempt: 1, steps: 2}},
			want: []string{"I1 final_without_finished_at"}},
		{name: "final holding a lease", runs: []auditRow{{status: "errored", attempt: 1, lease: "1 minute", finished: true, steps: 2}},
			want: []string{"I1 final_with_lease"}},
		{name: "two runs for one slot", runs: []auditRow{
			{status: "passed", attempt: 1, finished: true, steps: 1, rows: map[int][]string{1: passed(1)}, monitor: 7, slot: "2026-01-01T00:00:00Z"},
			{status: "queued", steps: 1, monitor: 7, slot: "2026-01-01T00:00:00Z"},
		}, want: []string{"I1 duplicate_slot"}},
		{name: "gap in the steps of an attempt", runs: []auditRow{
			{status: "errored", attempt: 1, finished: true, steps: 4, rows: map[int][]string{1: {"passed", "", "passed"}}},
		}, want: []string{"I3 step_gap"}},
		{name: "step beyond the snapshot", runs: []auditRow{
			{status: "errored", attempt: 1, finished: true, steps: 1, rows: map[int][]string{1: {"passed", "passed"}}},
		}, want: []string{"I3 step_beyond_snapshot"}},
		{name: "step after an interrupted one", runs: []auditRow{
			{status: "errored", attempt: 1, finished: true, steps: 3, rows: map[int][]string{1: {"interrupted", "passed"}}},
		}, want: []string{"I3 step_after_interrupted"}},
		{name: "skipped without a reason", runs: []auditRow{
			{status: "failed", attempt: 1, finished: true, steps: 2, rows: map[int][]string{1: {"failed", "skipped-no-reason"}}},
		}, want: []string{"I3 skipped_without_reason"}},
		{name: "passed with missing steps", runs: []auditRow{
			{status: "passed", attempt: 1, finished: true, steps: 3, rows: map[int][]string{1: passed(2)}},
		}, want: []string{"I3 incomplete_result"}},
		{name: "steps of an attempt the run never reached", runs: []auditRow{
			{status: "running", attempt: 1, lease: "1 minute", steps: 2, rows: map[int][]string{2: passed(1)}},
		}, want: []string{"I6 step_from_future_attempt"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(ctx) }()
			for j, r := range tc.runs {
				r.insert(t, tx, i*100+j)
			}
			vs, err := store.AuditWithGrace(ctx, tx, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.Invariant+" "+v.Check)
				if v.Detail == "" || (v.RunID == 0 && v.Check != "duplicate_slot") {
					t.Errorf("violation %s does not say where or what", v)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("violations %q, want %q; all: %v", got, tc.want, vs)
			}
		})
	}
}

// A database the store alone wrote is clean.
func TestAuditOfStoreWrittenRunsIsClean(t *testing.T) {
	t.Parallel()
	e := newSweepEnv(t)
	ctx := context.Background()
	lost := e.queued()
	e.running(lost, 1, time.Now().Add(-time.Minute))
	e.queued()
	if _, err := e.store.RequeueExpiredRuns(ctx); err != nil {
		t.Fatal(err)
	}
	vs, err := store.Audit(ctx, e.pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Check != "expired_lease" || int64(vs[0].RunID) != int64(lost) {
		t.Errorf("before the retry starts, want only run %d's expired lease; got %v", lost, vs)
	}
	if _, err := e.store.StartRun(ctx, lost, 2, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if vs, err := store.Audit(ctx, e.pool); err != nil || len(vs) != 0 {
		t.Errorf("audit after the retry started: %v (%v), want clean", vs, err)
	}
}

// The alerting invariants: an incident is announced (I4), every delivery
// finishes within the retry window and a dead one says why (I4), one
// incident's messages share one dedup key and a resolve follows its trigger
// on every channel (I5). Each case breaks one, in a transaction rolled back.
func TestAuditFindsAlertingViolations(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewDB(t)
	ctx := context.Background()
	type delivery struct {
		event, status, lastError, dedup, age string
		attempts                             int
		delivered                            bool
	}
	ok := func(event string) delivery {
		return delivery{event: event, status: "delivered", dedup: "catena-1-1", attempts: 1, delivered: true, age: "1 minute"}
	}
	cases := []struct {
		name     string
		resolved bool
		ds       []delivery
		want     []string
	}{
		{name: "announced and resolved", resolved: true, ds: []delivery{ok("trigger"), ok("resolve")}},
		{name: "open, retrying within the window", ds: []delivery{{event: "trigger", status: "retrying", dedup: "catena-1-1", attempts: 3, lastError: "HTTP 500", age: "1 hour"}}},
		{name: "dead with its reason", ds: []delivery{{event: "trigger", status: "failed", dedup: "catena-1-1", attempts: 1, lastError: "permanent: HTTP 400", age: "1 minute"}}},
		{name: "never announced", want: []string{"I4 incident_without_trigger"}},
		{name: "stuck past the retry window", ds: []delivery{{event: "trigger", status: "pending", dedup: "catena-1-1", age: "25 hours"}},
			want: []string{"I4 delivery_unfinished"}},
		{name: "dead without a reason", ds: []delivery{{event: "trigger", status: "failed", dedup: "catena-1-1", attempts: 15, age: "1 minute"}},
			want: []string{"I4 dead_without_reason"}},
		{name: "delivered without a time", ds: []delivery{{event: "trigger", status: "delivered", dedup: "catena-1-1", attempts: 1, age: "1 minute"}},
			want: []string{"I4 delivered_without_time"}},
		{name: "resolve with another key", resolved: true, ds: []delivery{ok("trigger"), {event: "resolve", status: "delivered", dedup: "catena-1-2", attempts: 1, delivered: true, age: "1 minute"}},
			want: []string{"I5 dedup_key_mismatch"}},
		{name: "resolved without a resolve", resolved: true, ds: []delivery{ok("trigger")},
			want: []string{"I5 resolve_missing"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(ctx) }()
			var coll, mon, ch, run, inc int64
			q := func(dst *int64, sql string, args ...any) {
				t.Helper()
				if err := tx.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
			q(&coll, `INSERT INTO collections (name) VALUES ('c') RETURNING id`)
			q(&mon, `INSERT INTO monitors (name, schedule) VALUES ('m', 'every 1m') RETURNING id`)
			q(&ch, `INSERT INTO alert_channels (name, type, config_ciphertext, key_id, created_at) VALUES ('ops', 'webhook', '\x00', 'k', now() - interval '1 day') RETURNING id`)
			if _, err := tx.Exec(ctx, `INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ($1, $2)`, mon, ch); err != nil {
				t.Fatal(err)
			}
			run = auditRow{status: "failed", attempt: 1, finished: true, steps: 1, rows: map[int][]string{1: {"failed"}}}.insert(t, tx, 0)
			status, resolvedAt := "open", any(nil)
			if tc.resolved {
				status, resolvedAt = "resolved", time.Now()
			}
			q(&inc, `INSERT INTO incidents (monitor_id, collection_id, status, resolved_at, first_run_id, last_run_id)
				VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, mon, coll, status, resolvedAt, run)
			for _, d := range tc.ds {
				var deliveredAt any
				if d.delivered {
					deliveredAt = time.Now()
				}
				if _, err := tx.Exec(ctx, `INSERT INTO alert_deliveries (incident_id, channel_id, event, status, attempts, last_error, payload, created_at, delivered_at)
					VALUES ($1, $2, $3, $4, $5, $6, jsonb_build_object('dedup_key', $7::text), now() - $8::interval, $9)`,
					inc, ch, d.event, d.status, d.attempts, d.lastError, d.dedup, d.age, deliveredAt); err != nil {
					t.Fatal(err)
				}
			}
			vs, err := store.AuditWith(ctx, tx, store.AuditOptions{Grace: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.Invariant+" "+v.Check)
				if v.RunID != collection.RunID(run) {
					t.Errorf("violation %s does not name run %d", v, run)
				}
				if v.Check != "incident_without_trigger" && v.DeliveryID == 0 {
					t.Errorf("violation %s does not name its delivery", v)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("violations %q, want %q; all: %v", got, tc.want, vs)
			}
			// --since: an old problem is outside a short window.
			if len(tc.want) > 0 {
				if _, err := tx.Exec(ctx, `UPDATE alert_deliveries SET created_at = created_at - interval '30 days'; UPDATE incidents SET opened_at = now() - interval '30 days'; UPDATE runs SET queued_at = now() - interval '30 days'`); err != nil {
					t.Fatal(err)
				}
				if vs, err := store.AuditWith(ctx, tx, store.AuditOptions{Since: 24 * time.Hour}); err != nil || len(vs) != 0 {
					t.Errorf("with since=24h: %v (%v); want nothing older", vs, err)
				}
			}
		})
	}
}

// A run of a collection with no steps is stored with "steps": null in its
// snapshot; the auditor must read it as zero steps, not fail the whole audit.
func TestAuditReadsStepsNullAsNoSteps(t *testing.T) {
	t.Parallel()
	tx := dbtest.TestTx(t)
	ctx := context.Background()
	if _, err := tx.Exec(ctx, `
INSERT INTO runs (collection_name, trigger, status, snapshot, idempotency_key, attempt, started_at, finished_at)
VALUES ('c', 'manual', 'passed', '{"name": "c", "steps": null}', 'audit-null-steps', 1, now() - interval '1 second', now())`); err != nil {
		t.Fatal(err)
	}
	vs, err := store.Audit(ctx, tx)
	if err != nil {
		t.Fatalf("audit with a stepless snapshot: %v", err)
	}
	if len(vs) != 0 {
		t.Errorf("a finished run with no steps and no step rows breaks nothing; got %v", vs)
	}
}
