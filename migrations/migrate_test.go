package migrations_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/migrations"
)

func tableExists(t *testing.T, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// Up, down and up again leave the schema whole; status reports each step.
func TestUpDownStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.NewDB(t) // migrated from the template
	st, err := migrations.Current(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if !st.UpToDate() || st.Current == 0 || st.RiverCurrent == 0 {
		t.Fatalf("fresh database not up to date: %+v", st)
	}
	if err := migrations.Check(ctx, pool); err != nil {
		t.Fatalf("Check on an up-to-date schema: %v", err)
	}
	for range st.Latest {
		if err := migrations.Down(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
	if tableExists(t, pool, "runs") {
		t.Fatal("runs still exists after rolling everything back")
	}
	if !tableExists(t, pool, "river_job") {
		t.Fatal("rolling back Catena's schema must leave River's queue alone")
	}
	if err := migrations.Check(ctx, pool); err == nil {
		t.Fatal("Check accepted an out-of-date schema")
	}
	if err := migrations.Down(ctx, pool); err == nil {
		t.Fatal("Down with nothing applied must say so")
	}
	if err := migrations.Up(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Up(ctx, pool); err != nil {
		t.Fatalf("a second Up must be a no-op: %v", err)
	}
	if !tableExists(t, pool, "runs") {
		t.Fatal("runs missing after Up")
	}
}

// Migration 013 moves each step's assertion_results rows into the step's
// assertions column, in order, and rolling it back restores the rows.
func TestStepAssertionsMoveIntoTheirStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.NewDB(t)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	downTo(t, pool, 12)
	var runID int64
	if err := pool.QueryRow(ctx, `INSERT INTO runs (collection_name, trigger, status, snapshot, idempotency_key, attempt)
		VALUES ('c', 'manual', 'running', '{}', 'k', 1) RETURNING id`).Scan(&runID); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO step_results (run_id, attempt, position, name, status) VALUES ($1, 1, 0, 'a', 'failed'), ($1, 1, 1, 'b', 'passed')`, runID)
	exec(`INSERT INTO assertion_results (run_id, attempt, step_position, position, source, property, comparison, target, expected, actual, passed, reason)
		VALUES ($1, 1, 0, 1, 'body', 'id', 'exists', '', '', '7', true, ''),
		       ($1, 1, 0, 0, 'status', '', 'equals', '200', '200', '500', false, 'status 500, want 200')`, runID)
	if err := migrations.Up(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if tableExists(t, pool, "assertion_results") {
		t.Error("assertion_results still exists after migration 013")
	}
	got := map[int]string{}
	rows, err := pool.Query(ctx, `SELECT position, assertions::text FROM step_results WHERE run_id = $1`, runID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var pos int
		var as string
		if err := rows.Scan(&pos, &as); err != nil {
			t.Fatal(err)
		}
		got[pos] = as
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[int]string{
		0: `[["status", "", "equals", "200", "200", "500", false, "status 500, want 200"], ["body", "id", "exists", "", "", "7", true, ""]]`,
		1: `[]`,
	}
	for pos, w := range want {
		if got[pos] != w {
			t.Errorf("step %d assertions = %s\nwant %s", pos, got[pos], w)
		}
	}
	downTo(t, pool, 12)
	var back string
	if err := pool.QueryRow(ctx, `SELECT string_agg(concat_ws('|', step_position, position, source, property, comparison, target, expected, actual, passed, reason), ';'
		ORDER BY step_position, position) FROM assertion_results WHERE run_id = $1`, runID).Scan(&back); err != nil {
		t.Fatal(err)
	}
	if w := "0|0|status||equals|200|200|500|f|status 500, want 200;0|1|body|id|exists|||7|t|"; back != w {
		t.Errorf("rolled back assertion_results = %q\nwant %q", back, w)
	}
}

// downTo rolls Catena's migrations back to version, whatever came after it.
func downTo(t *testing.T, pool *pgxpool.Pool, version int32) {
	t.Helper()
	ctx := context.Background()
	for {
		st, err := migrations.Current(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		if st.Current <= version {
			return
		}
		if err := migrations.Down(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
}
