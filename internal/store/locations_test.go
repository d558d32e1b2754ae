package store_test

import (
	"context"
	"testing"
	"time"
)

func TestLocationsShowQueuedRunsPerLocation(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	// A monitor runs from local and mars; only local has a runner. Two mars
	// runs wait, the oldest for ten minutes; finished and running runs are
	// not a backlog; a manual run queued at "lab" names a location no monitor uses.
	exec(`INSERT INTO monitors (name, schedule, locations) VALUES ('prod', 'every 1m', '{local,mars}'), ('eu', 'every 5m', '{mars}')`)
	old := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Microsecond)
	for i, r := range []struct {
		loc, status string
		at          time.Time
	}{
		{"mars", "queued", old},
		{"mars", "queued", old.Add(5 * time.Minute)},
		{"local", "passed", old},
		{"local", "running", old},
		{"lab", "queued", old.Add(9 * time.Minute)},
	} {
		exec(`INSERT INTO runs (collection_name, location, trigger, status, snapshot, idempotency_key, queued_at, finished_at)
			VALUES ('c', $1, 'manual', $2::text, '{}', $3, $4::timestamptz, CASE WHEN $2 IN ('queued', 'running') THEN NULL ELSE $4 END)`,
			r.loc, r.status, "k"+string(rune('a'+i)), r.at)
	}

	got, err := s.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("locations = %+v; want lab, local, mars", got)
	}
	lab, local, mars := got[0], got[1], got[2]
	if lab.Name != "lab" || lab.Queued != 1 || lab.Monitors != 0 || lab.OldestQueuedAt == nil {
		t.Errorf("lab = %+v", lab)
	}
	if local.Name != "local" || local.Queued != 0 || local.OldestQueuedAt != nil || local.Monitors != 1 {
		t.Errorf("local = %+v", local)
	}
	if mars.Name != "mars" || mars.Queued != 2 || mars.Monitors != 2 || mars.OldestQueuedAt == nil || !mars.OldestQueuedAt.Equal(old) {
		t.Errorf("mars = %+v; want 2 queued since %v", mars, old)
	}
}
