package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/store"
)

// newRun inserts a queued run of a fresh checkout collection.
func newRun(t testing.TB, s *store.Store, pool *pgxpool.Pool) (collection.Run, *collection.Collection) {
	t.Helper()
	ctx := context.Background()
	c, err := s.CreateCollection(ctx, checkoutCollection())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.GetCollection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, created, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerManual, Snapshot: *snap})
	if err != nil || !created {
		t.Fatalf("InsertRun = %v, %v", created, err)
	}
	return r, snap
}

// stepResults builds the results of a run of n steps with k assertions each.
func stepResults(n, k int, secret string) []collection.StepResult {
	started := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	out := make([]collection.StepResult, n)
	for i := range out {
		st := collection.StepResult{
			Position: i, Name: fmt.Sprintf("step%d", i+1), Status: collection.StepPassed,
			Request:  collection.RequestRecord{Method: "POST", URL: "http://127.0.0.1:9/x", Headers: map[string]string{"Authorization": collection.Redacted}, Body: `{"password":"` + collection.Redacted + `"}`},
			Response: &collection.ResponseRecord{Status: 200, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: `{"ok":true}`, Size: 11},
			Timings:  collection.Timings{DNS: time.Millisecond, Connect: 2 * time.Millisecond, TLS: 0, FirstByte: 10 * time.Millisecond, Total: 12 * time.Millisecond},
			TraceID:  "4bf92f3577b34da6a3ce929d0e0e4736", Tries: 1, StartedAt: started.Add(time.Duration(i) * time.Second),
		}
		if i == n-1 && secret != "" {
			st.Status, st.ErrorCode, st.Error, st.Response = collection.StepErrored, "timeout", "no answer within 5s", nil
		}
		for j := range k {
			a := collection.AssertionResult{
				Assertion: collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"},
				Expected:  "200", Actual: "200", Passed: true, Reason: fmt.Sprintf("assertion %d holds", j),
			}
			if j == 1 { // every field set, none alike, so a field stored in another's place shows
				a = collection.AssertionResult{
					Assertion: collection.Assertion{Source: collection.SourceBody, Property: "data.id", Comparison: collection.Matches, Target: `^\d+"$`},
					Expected:  "matches ^\\d+$", Actual: `"42"`, Passed: false, Reason: "data.id is \"42\", not a match",
				}
			}
			st.Assertions = append(st.Assertions, a)
		}
		out[i] = st
	}
	return out
}

func finish(t testing.TB, s *store.Store, pool *pgxpool.Pool, p collection.FinishRunParams) error {
	t.Helper()
	return store.WithTx(context.Background(), pool, func(tx pgx.Tx) error { return s.FinishRun(context.Background(), tx, p) })
}

func countRows(t testing.TB, pool *pgxpool.Pool, table string, id collection.RunID) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE run_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInsertRunIsIdempotentAndSnapshotHasNoSecrets(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c := mustCreate(t, s, checkoutCollection())
	snap, err := s.GetCollection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Even a snapshot handed a secret value (GetCollection opens none) must not store it.
	snap.Secrets["password"] = testSecretValue
	slot := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := store.InsertRunParams{CollectionID: &c.ID, Location: "eu-west-1", Trigger: collection.TriggerSchedule,
		IdempotencyKey: "slot-1", ScheduledFor: &slot, Snapshot: *snap}
	first, created, err := s.InsertRun(ctx, pool, p)
	if err != nil || !created {
		t.Fatalf("first insert: %v, %v", created, err)
	}
	if first.Status != collection.RunQueued || first.Location != "eu-west-1" || first.Attempt != 0 || first.QueuedAt.IsZero() ||
		!first.ScheduledFor.Equal(slot) || first.Snapshot.Name != "checkout flow" || len(first.Snapshot.Steps) != 4 {
		t.Errorf("inserted run = %+v", first)
	}
	if first.Snapshot.Secrets != nil {
		t.Errorf("returned snapshot carries secrets: %v", first.Snapshot.Secrets)
	}

	// Same key, sequentially and concurrently: one row, the first one.
	var wg sync.WaitGroup
	results := make(chan collection.RunID, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, created, err := s.InsertRun(ctx, pool, p)
			if err != nil || created {
				t.Errorf("repeat insert: created=%v err=%v", created, err)
			}
			results <- r.ID
		}()
	}
	wg.Wait()
	close(results)
	for id := range results {
		if id != first.ID {
			t.Errorf("repeat insert returned run %d; want %d", id, first.ID)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM runs WHERE idempotency_key = 'slot-1'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows for the key, %v; want 1", n, err)
	}

	var raw string
	if err := pool.QueryRow(ctx, `SELECT snapshot::text FROM runs WHERE id = $1`, first.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, testSecretValue) {
		t.Errorf("the stored snapshot contains the secret value: %s", raw)
	}
	if !strings.Contains(raw, "@<<secrets.password>>") {
		t.Errorf("the snapshot lost the secret reference: %s", raw)
	}

	// Without a key every insert is a new run; a final status records a missed slot.
	a, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{Trigger: collection.TriggerCLI, Snapshot: *snap})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{Trigger: collection.TriggerCLI, Snapshot: *snap, Status: collection.RunMissed, Error: collection.MissedOverlap})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || a.IdempotencyKey == b.IdempotencyKey || a.Location != collection.DefaultLocation {
		t.Errorf("keyless inserts: %+v and %+v", a, b)
	}
	if b.Status != collection.RunMissed || b.Error != collection.MissedOverlap || b.FinishedAt == nil {
		t.Errorf("missed run = %+v", b)
	}
	if _, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{Trigger: "bogus", Snapshot: *snap}); !errors.Is(err, collection.ErrInvalid) {
		t.Errorf("bad trigger: %v; want ErrInvalid", err)
	}
}

func TestRunLifecycle(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	run, snap := newRun(t, s, pool)

	lease := time.Now().Add(time.Minute).Truncate(time.Microsecond)
	started, err := s.StartRun(ctx, run.ID, 1, lease)
	if err != nil {
		t.Fatal(err)
	}
	if started.Status != collection.RunRunning || started.Attempt != 1 || started.StartedAt == nil || started.Snapshot.Name != snap.Name {
		t.Errorf("started = %+v", started)
	}
	if err := s.ExtendLease(ctx, run.ID, 1, lease.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	// Progress: the first two steps, then the first again (an upsert).
	steps := stepResults(4, 3, "x")
	if err := s.RecordSteps(ctx, run.ID, 1, steps[:2]); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSteps(ctx, run.ID, 1, steps[:1]); err != nil {
		t.Fatal(err)
	}
	mid, err := s.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(mid.Steps) != 2 || len(mid.Steps[0].Assertions) != 3 {
		t.Errorf("in progress: %d steps (%+v)", len(mid.Steps), mid.Steps)
	}

	finishedAt := started.StartedAt.Add(1500 * time.Millisecond)
	if err := finish(t, s, pool, collection.FinishRunParams{ID: run.ID, Attempt: 1, Status: collection.RunErrored,
		Error: "step4 timed out", FinishedAt: finishedAt, Duration: 1500 * time.Millisecond, Steps: steps}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != collection.RunErrored || got.Error != "step4 timed out" || got.Duration != 1500*time.Millisecond ||
		got.FinishedAt == nil || !got.FinishedAt.Equal(finishedAt) || got.Snapshot.Name != snap.Name {
		t.Errorf("finished run = %+v", got)
	}
	want := slices.Clone(steps)
	for i := range want {
		want[i].RunID, want[i].Attempt = run.ID, 1
	}
	if !reflect.DeepEqual(normalizeTimes(got.Steps), normalizeTimes(want)) {
		t.Errorf("stored steps differ:\n got %+v\nwant %+v", got.Steps, want)
	}
	var lease2 *time.Time
	if err := pool.QueryRow(ctx, `SELECT lease_expires_at FROM runs WHERE id = $1`, run.ID).Scan(&lease2); err != nil || lease2 != nil {
		t.Errorf("lease after finish = %v, %v; want cleared", lease2, err)
	}

	// A final run takes no more writes.
	for name, err := range map[string]error{
		"finish again": finish(t, s, pool, collection.FinishRunParams{ID: run.ID, Attempt: 1, Status: collection.RunPassed}),
		"start again":  mustErr(s.StartRun(ctx, run.ID, 2, lease)),
		"extend":       s.ExtendLease(ctx, run.ID, 1, lease),
		"record":       s.RecordSteps(ctx, run.ID, 1, steps[:1]),
	} {
		if !errors.Is(err, collection.ErrConflict) {
			t.Errorf("%s on a finished run: %v; want ErrConflict", name, err)
		}
	}
	if err := finish(t, s, pool, collection.FinishRunParams{ID: run.ID, Attempt: 1, Status: collection.RunRunning}); !errors.Is(err, collection.ErrInvalid) {
		t.Errorf("finishing with a non-final status: %v; want ErrInvalid", err)
	}
	if _, err := s.GetRun(ctx, 123456789); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("GetRun(missing): %v", err)
	}
	if _, err := s.StartRun(ctx, 123456789, 1, lease); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("StartRun(missing): %v", err)
	}
}

// normalizeTimes puts times in UTC so DeepEqual compares instants.
func normalizeTimes(steps []collection.StepResult) []collection.StepResult {
	out := slices.Clone(steps)
	for i := range out {
		out[i].StartedAt = out[i].StartedAt.UTC()
	}
	return out
}

// TestFinishRunFencedByAttempt: once attempt 2 has started, a late write of
// attempt 1 changes nothing and says so.
func TestFinishRunFencedByAttempt(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	run, _ := newRun(t, s, pool)
	lease := time.Now().Add(time.Minute)
	if _, err := s.StartRun(ctx, run.ID, 1, lease); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(ctx, run.ID, 2, lease); err != nil { // the rescue
		t.Fatal(err)
	}
	steps := stepResults(3, 2, "")
	for name, err := range map[string]error{
		"finish": finish(t, s, pool, collection.FinishRunParams{ID: run.ID, Attempt: 1, Status: collection.RunPassed, Steps: steps}),
		"record": s.RecordSteps(ctx, run.ID, 1, steps),
		"extend": s.ExtendLease(ctx, run.ID, 1, lease),
		"start":  mustErr(s.StartRun(ctx, run.ID, 1, lease)),
		"start2": mustErr(s.StartRun(ctx, run.ID, 2, lease)),
	} {
		if !errors.Is(err, collection.ErrConflict) {
			t.Errorf("%s by attempt 1: %v; want ErrConflict", name, err)
		}
		if (name == "finish" || name == "record") && !strings.Contains(fmt.Sprint(err), "attempt 1 is fenced out (the run is at attempt 2)") {
			t.Errorf("%s by attempt 1: %q; want it to name the run's current attempt", name, err)
		}
	}
	// FinishRun reports the conflict without aborting the caller's transaction.
	err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
		if err := s.FinishRun(ctx, tx, collection.FinishRunParams{ID: run.ID, Attempt: 1, Status: collection.RunFailed, Steps: steps}); !errors.Is(err, collection.ErrConflict) {
			t.Errorf("fenced FinishRun in tx: %v", err)
		}
		_, err := tx.Exec(ctx, `SELECT 1`)
		return err
	})
	if err != nil {
		t.Errorf("the caller's transaction is unusable after a fenced FinishRun: %v", err)
	}
	if n := countRows(t, pool, "step_results", run.ID); n != 0 {
		t.Errorf("%d result rows written by the fenced attempt; want 0", n)
	}
	got, err := s.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != collection.RunRunning || got.Attempt != 2 || got.FinishedAt != nil {
		t.Errorf("run after fenced writes = %+v; want still running at attempt 2", got)
	}
	// The current attempt finishes normally, and GetRun shows only its steps.
	if err := finish(t, s, pool, collection.FinishRunParams{ID: run.ID, Attempt: 2, Status: collection.RunPassed, Steps: steps[:1]}); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetRun(ctx, run.ID)
	if err != nil || got.Status != collection.RunPassed || len(got.Steps) != 1 || got.Steps[0].Attempt != 2 {
		t.Errorf("after attempt 2 finished: %+v, %v", got, err)
	}
	// A final run takes no more writes, even from its own attempt, and the
	// error says the run is final.
	for name, err := range map[string]error{
		"finish": finish(t, s, pool, collection.FinishRunParams{ID: run.ID, Attempt: 2, Status: collection.RunFailed, Steps: steps}),
		"record": s.RecordSteps(ctx, run.ID, 2, steps),
	} {
		if !errors.Is(err, collection.ErrConflict) || !strings.Contains(err.Error(), "is already passed") {
			t.Errorf("%s by attempt 2 after it passed: %v; want ErrConflict saying the run is already passed", name, err)
		}
	}
	got, err = s.GetRun(ctx, run.ID)
	if err != nil || got.Status != collection.RunPassed || len(got.Steps) != 1 {
		t.Errorf("a finished run changed: %+v, %v", got, err)
	}
	if err := finish(t, s, pool, collection.FinishRunParams{ID: run.ID + 1000, Attempt: 1, Status: collection.RunPassed}); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("finishing a run that does not exist: %v; want ErrNotFound", err)
	}
}

func TestGetRunShowsTheLatestAttempt(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	run, _ := newRun(t, s, pool)
	lease := time.Now().Add(time.Minute)
	if _, err := s.StartRun(ctx, run.ID, 1, lease); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSteps(ctx, run.ID, 1, stepResults(3, 1, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(ctx, run.ID, 2, lease); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, run.ID)
	if err != nil || len(got.Steps) != 0 {
		t.Fatalf("attempt 2 just started: %d steps shown, %v; want 0 (attempt 1's are kept apart)", len(got.Steps), err)
	}
	if err := s.RecordSteps(ctx, run.ID, 2, stepResults(1, 2, "")); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetRun(ctx, run.ID)
	if err != nil || len(got.Steps) != 1 || got.Steps[0].Attempt != 2 || len(got.Steps[0].Assertions) != 2 {
		t.Errorf("GetRun = %+v, %v", got, err)
	}
	if n := countRows(t, pool, "step_results", run.ID); n != 4 {
		t.Errorf("%d step rows; want 3 of attempt 1 kept and 1 of attempt 2", n)
	}
}

func TestCancelRun(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	lease := time.Now().Add(time.Minute)
	for _, tc := range []struct {
		name          string
		prepare       func(t *testing.T, id collection.RunID)
		wantStatus    collection.RunStatus
		wantRequested bool
		wantEnded     bool // this call ended the run (only a queued one)
		wantErr       error
	}{
		{"queued is cancelled at once", func(*testing.T, collection.RunID) {}, collection.RunCancelled, true, true, nil},
		{"running is flagged", func(t *testing.T, id collection.RunID) {
			if _, err := s.StartRun(ctx, id, 1, lease); err != nil {
				t.Fatal(err)
			}
		}, collection.RunRunning, true, false, nil},
		{"cancelled stays cancelled", func(t *testing.T, id collection.RunID) {
			if _, _, err := s.CancelRun(ctx, id); err != nil {
				t.Fatal(err)
			}
		}, collection.RunCancelled, true, false, nil},
		{"finished is a conflict", func(t *testing.T, id collection.RunID) {
			if _, err := s.StartRun(ctx, id, 1, lease); err != nil {
				t.Fatal(err)
			}
			if err := finish(t, s, pool, collection.FinishRunParams{ID: id, Attempt: 1, Status: collection.RunPassed}); err != nil {
				t.Fatal(err)
			}
		}, collection.RunPassed, false, false, collection.ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run, _ := newRun(t, s, pool)
			tc.prepare(t, run.ID)
			got, ended, err := s.CancelRun(ctx, run.ID)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("CancelRun err = %v; want %v", err, tc.wantErr)
			}
			if ended != tc.wantEnded {
				t.Errorf("CancelRun ended = %v; want %v", ended, tc.wantEnded)
			}
			if err == nil && got.Status != tc.wantStatus {
				t.Errorf("CancelRun returned status %s; want %s", got.Status, tc.wantStatus)
			}
			stored, err := s.GetRun(ctx, run.ID)
			if err != nil || stored.Status != tc.wantStatus {
				t.Errorf("stored status %v, %v; want %s", stored.Status, err, tc.wantStatus)
			}
			req, err := s.CancelRequested(ctx, run.ID)
			if err != nil || req != tc.wantRequested {
				t.Errorf("CancelRequested = %v, %v; want %v", req, err, tc.wantRequested)
			}
		})
	}
	t.Run("a cancelled queued run never starts", func(t *testing.T) {
		t.Parallel()
		run, _ := newRun(t, s, pool)
		if _, _, err := s.CancelRun(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartRun(ctx, run.ID, 1, lease); !errors.Is(err, collection.ErrConflict) {
			t.Errorf("StartRun after cancel: %v; want ErrConflict", err)
		}
	})
	t.Run("the runner ends a flagged run cancelled", func(t *testing.T) {
		t.Parallel()
		run, _ := newRun(t, s, pool)
		if _, err := s.StartRun(ctx, run.ID, 1, lease); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CancelRun(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		if err := finish(t, s, pool, collection.FinishRunParams{ID: run.ID, Attempt: 1, Status: collection.RunCancelled, Error: "cancelled"}); err != nil {
			t.Fatal(err)
		}
	})
	if _, _, err := s.CancelRun(ctx, 55555555); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("CancelRun(missing): %v", err)
	}
	if _, err := s.CancelRequested(ctx, 55555555); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("CancelRequested(missing): %v", err)
	}
}

func TestRunCursorEncodeDecode(t *testing.T) {
	t.Parallel()
	c := store.RunCursor{QueuedAt: time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC), ID: 42}
	got, err := store.DecodeRunCursor(c.Encode())
	if err != nil || !got.QueuedAt.Equal(c.QueuedAt) || got.ID != c.ID {
		t.Errorf("round trip = %+v, %v; want %+v", got, err, c)
	}
	for _, bad := range []string{"", "!!!", "eDox", c.Encode()[:5]} {
		if _, err := store.DecodeRunCursor(bad); !errors.Is(err, collection.ErrInvalid) {
			t.Errorf("DecodeRunCursor(%q) err = %v; want ErrInvalid", bad, err)
		}
	}
}

// TestListRunsKeyset pages through runs, including several queued at the same
// instant, and checks every run comes back exactly once, newest first, under
// each filter.
func TestListRunsKeyset(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, plainCollection("a", 1))
	b := mustCreate(t, s, plainCollection("b", 1))
	m, err := s.CreateMonitor(ctx, &collection.Monitor{Name: "m", Schedule: "every 5m", Enabled: true, CollectionIDs: []collection.CollectionID{a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	type row struct {
		id       collection.RunID
		coll     collection.CollectionID
		monitor  bool
		status   collection.RunStatus
		location string
		at       time.Time
	}
	var all []row
	for i := range 23 {
		r := row{coll: a.ID, status: collection.RunQueued, location: "local", at: base.Add(time.Duration(i/3) * time.Minute)} // three per instant
		if i%2 == 1 {
			r.coll = b.ID
		}
		if i%3 == 0 {
			r.monitor = true
		}
		if i%4 == 0 {
			r.status = collection.RunMissed
		}
		if i%5 == 0 {
			r.location = "eu"
		}
		p := store.InsertRunParams{CollectionID: &r.coll, Trigger: collection.TriggerManual, Location: r.location, Status: r.status, Snapshot: collection.Collection{Name: "x"}}
		if r.monitor {
			p.MonitorID = &m.ID
		}
		run, _, err := s.InsertRun(ctx, pool, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `UPDATE runs SET queued_at = $2::timestamptz, finished_at = CASE WHEN finished_at IS NULL THEN NULL ELSE $2::timestamptz END WHERE id = $1`, run.ID, r.at); err != nil {
			t.Fatal(err)
		}
		r.id = run.ID
		all = append(all, r)
	}
	since, until := base.Add(2*time.Minute), base.Add(5*time.Minute)
	for _, tc := range []struct {
		name string
		p    store.ListRunsParams
		keep func(r row) bool
	}{
		{"all", store.ListRunsParams{}, func(row) bool { return true }},
		{"collection", store.ListRunsParams{CollectionID: &b.ID}, func(r row) bool { return r.coll == b.ID }},
		{"monitor", store.ListRunsParams{MonitorID: &m.ID}, func(r row) bool { return r.monitor }},
		{"statuses", store.ListRunsParams{Statuses: []collection.RunStatus{collection.RunMissed, collection.RunPassed}}, func(r row) bool { return r.status == collection.RunMissed }},
		{"location", store.ListRunsParams{Location: "eu"}, func(r row) bool { return r.location == "eu" }},
		{"since until", store.ListRunsParams{Since: &since, Until: &until}, func(r row) bool { return !r.at.Before(since) && r.at.Before(until) }},
		{"combined", store.ListRunsParams{CollectionID: &a.ID, Statuses: []collection.RunStatus{collection.RunQueued}}, func(r row) bool { return r.coll == a.ID && r.status == collection.RunQueued }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var want []collection.RunID
			for i := len(all) - 1; i >= 0; i-- { // newest first; ids break ties, descending
				if tc.keep(all[i]) {
					want = append(want, all[i].id)
				}
			}
			for _, size := range []int{1, 4, 7, 100} {
				var got []collection.RunID
				p := tc.p
				p.First = size
				for pages := 0; ; pages++ {
					if pages > 30 {
						t.Fatal("paging does not end")
					}
					page, err := s.ListRuns(ctx, p)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range page {
						got = append(got, r.ID)
						if r.Snapshot.Name != "x" || r.Steps != nil {
							t.Errorf("listed run %d: snapshot name %q, %d steps", r.ID, r.Snapshot.Name, len(r.Steps))
						}
					}
					if len(page) < size {
						break
					}
					cur, err := store.DecodeRunCursor(store.CursorOf(page[len(page)-1]).Encode())
					if err != nil {
						t.Fatal(err)
					}
					p.After = &cur
				}
				if !slices.Equal(got, want) {
					t.Errorf("page size %d: got %v; want %v", size, got, want)
				}
			}
		})
	}
}

func TestLatestRuns(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, plainCollection("a", 1))
	b := mustCreate(t, s, plainCollection("b", 1))
	none := mustCreate(t, s, plainCollection("none", 1))
	var last collection.RunID
	for i := range 3 {
		r, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &a.ID, Trigger: collection.TriggerManual, Snapshot: *a})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `UPDATE runs SET queued_at = now() - make_interval(mins => $2) WHERE id = $1`, r.ID, 10-i); err != nil {
			t.Fatal(err)
		}
		last = r.ID
	}
	rb, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &b.ID, Trigger: collection.TriggerManual, Snapshot: *b})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.LatestRuns(ctx, []collection.CollectionID{a.ID, b.ID, none.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[a.ID].ID != last || got[b.ID].ID != rb.ID {
		t.Errorf("LatestRuns = %+v; want a→%d b→%d", got, last, rb.ID)
	}
}

// BenchmarkFinishRun finishes runs of 10 steps × 3 assertions, each in its own
// transaction (BEGIN, one batch, COMMIT: three round trips).
func BenchmarkFinishRun(b *testing.B) {
	s, pool := newTestStore(b)
	ctx := context.Background()
	c, err := s.CreateCollection(ctx, plainCollection("bench", 10))
	if err != nil {
		b.Fatal(err)
	}
	steps := stepResults(10, 3, "")
	rows, err := pool.Query(ctx, `
INSERT INTO runs (collection_id, collection_name, trigger, status, snapshot, idempotency_key, attempt, started_at)
SELECT $1, 'bench', 'manual', 'running', '{}', 'bench-' || g, 1, now() FROM generate_series(1, $2) g
RETURNING id`, c.ID, b.N)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[collection.RunID])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	pgBefore := dbtest.SamplePostgresCPU(pool.Config().ConnConfig.Database)
	b.ResetTimer()
	for i := range b.N {
		err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
			return s.FinishRun(ctx, tx, collection.FinishRunParams{ID: ids[i], Attempt: 1, Status: collection.RunPassed, Duration: time.Second, Steps: steps})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	pgCPU := dbtest.SamplePostgresCPU(pool.Config().ConnConfig.Database).Since(pgBefore)
	b.ReportMetric(float64(pgCPU.Microseconds())/float64(b.N), "pg-cpu-µs/run")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "steps/s")
}
