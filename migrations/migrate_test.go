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
