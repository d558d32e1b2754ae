package faulttest

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/schedule"
)

// A scheduler process frozen (SIGSTOP) across two 1-minute slots, then thawed
// (SIGCONT). Its wall and monotonic clocks both moved while it was stopped and
// it kept its leadership, so to it this is being slow, not down: the slot it
// skipped is recorded missed with scheduler_lag (never scheduler_down), the
// latest slot runs, not back to back, and the auditor finds nothing. Long
// (about 3 minutes: slots are at least a minute apart), so not with -short.
func TestSchedulerFrozenRecordsLag(t *testing.T) {
	if testing.Short() {
		t.Skip("needs two 1-minute slots to pass while the scheduler is stopped; run by make test-faults")
	}
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c, err := e.store.CreateCollection(ctx, &collection.Collection{Name: "one step", Steps: []collection.Step{
		{Name: "step1", Method: "GET", URL: e.target.srv.URL + "/step/1", Timeout: collection.Duration(5 * time.Second)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cid := c.ID
	m, err := e.store.CreateMonitor(ctx, &collection.Monitor{
		Name: "every minute", Schedule: "every 1m", TimeZone: "UTC", Enabled: true, CollectionIDs: []collection.CollectionID{cid},
	})
	if err != nil {
		t.Fatal(err)
	}
	local, err := schedule.NewLocal(schedule.LocalConfig{Pool: e.pool, Store: e.store, Queue: e.queue})
	if err != nil {
		t.Fatal(err)
	}
	if err := local.Upsert(ctx, m); err != nil { // sets next_run_at, as the gateway does
		t.Fatal(err)
	}
	e.startRunner("r1")
	sched := e.startProc("scheduler", "scheduler")
	rows := func() []string {
		t.Helper()
		rs, err := e.pool.Query(ctx, `SELECT status || ' ' || COALESCE(error, '') FROM runs WHERE monitor_id = $1 ORDER BY scheduled_for, id`, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var out []string
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	waitFor(t, 90*time.Second, "the first scheduled run", func() (bool, string) {
		r := rows()
		return len(r) > 0, fmt.Sprint(r)
	})
	before := len(rows())
	sched.signal(t, syscall.SIGSTOP)
	stopped := time.Now()
	waitFor(t, 3*time.Minute, "two slots to pass while the scheduler is stopped", func() (bool, string) {
		return time.Since(stopped) > 2*time.Minute+10*time.Second, time.Since(stopped).String()
	})
	if n := len(rows()); n != before {
		t.Fatalf("runs appeared while the only scheduler was stopped: %d, was %d", n, before)
	}
	sched.signal(t, syscall.SIGCONT)
	waitFor(t, 30*time.Second, "a scheduler_lag row after the thaw", func() (bool, string) {
		r := rows()
		return strings.Contains(strings.Join(r, "\n"), "scheduler_lag"), strings.Join(r, " | ")
	})
	all := strings.Join(rows(), "\n")
	if strings.Contains(all, "scheduler_down") {
		t.Errorf("a stopped-but-leading scheduler recorded scheduler_down:\n%s", all)
	}
	e.audit()
	t.Logf("runs:\n%s", all)
}
