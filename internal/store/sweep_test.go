package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/store"
)

// sweepEnv is a fresh database (the sweeper reads River's table and commits).
type sweepEnv struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *store.Store
	river *river.Client[pgx.Tx]
}

func newSweepEnv(t *testing.T) *sweepEnv {
	t.Helper()
	pool := dbtest.NewDB(t)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &sweepEnv{t: t, pool: pool, store: store.New(pool, nil), river: rc}
}

// queued inserts a queued run of one step and its job, as queue.EnqueueRun does.
func (e *sweepEnv) queued() collection.RunID {
	e.t.Helper()
	return e.queuedSteps(1)
}

// queuedSteps is queued with n steps in the snapshot.
func (e *sweepEnv) queuedSteps(n int) collection.RunID {
	e.t.Helper()
	steps := make([]collection.Step, n)
	for i := range steps {
		steps[i] = collection.Step{Name: fmt.Sprintf("step%d", i+1), Method: "GET", URL: "http://127.0.0.1:1/"}
	}
	ctx := context.Background()
	var id collection.RunID
	err := store.WithTx(ctx, e.pool, func(tx pgx.Tx) error {
		run, _, err := e.store.InsertRun(ctx, tx, store.InsertRunParams{
			Location: "local", Trigger: collection.TriggerManual,
			IdempotencyKey: fmt.Sprintf("sweep-%d", time.Now().UnixNano()),
			Snapshot:       collection.Collection{Name: "c", Steps: steps},
		})
		if err != nil {
			return err
		}
		id = run.ID
		_, err = e.river.InsertTx(ctx, tx, collection.RunJob{RunID: run.ID}, &river.InsertOpts{Queue: "runs_local", MaxAttempts: 2})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// running starts attempt of the run with a lease until `until` and puts its
// job in the running state of that attempt, as a runner taking it would.
func (e *sweepEnv) running(id collection.RunID, attempt int, until time.Time) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.store.StartRun(ctx, id, attempt, until); err != nil {
		e.t.Fatal(err)
	}
	e.setJob(id, "running", attempt)
}

func (e *sweepEnv) setJob(id collection.RunID, state string, attempt int) {
	e.t.Helper()
	tag, err := e.pool.Exec(context.Background(), `
		UPDATE river_job SET state = $2::river_job_state, attempt = $3, attempted_at = now(),
		    finalized_at = CASE WHEN $2 IN ('completed', 'cancelled', 'discarded') THEN now() END
		WHERE kind = 'catena_run' AND args @> jsonb_build_object('run_id', $1::bigint)`, id, state, attempt)
	if err != nil || tag.RowsAffected() != 1 {
		e.t.Fatalf("setting the job of run %d: %v (%d rows)", id, err, tag.RowsAffected())
	}
}

func (e *sweepEnv) jobState(id collection.RunID) string {
	e.t.Helper()
	var state string
	if err := e.pool.QueryRow(context.Background(),
		`SELECT state FROM river_job WHERE kind = 'catena_run' AND args @> jsonb_build_object('run_id', $1::bigint)`, id).Scan(&state); err != nil {
		e.t.Fatal(err)
	}
	return state
}

func (e *sweepEnv) run(id collection.RunID) *collection.Run {
	e.t.Helper()
	r, err := e.store.GetRun(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func TestHeartbeatRunExtendsTheLeaseAndReportsCancel(t *testing.T) {
	t.Parallel()
	e := newSweepEnv(t)
	ctx := context.Background()
	id := e.queued()
	e.running(id, 1, time.Now().Add(time.Second))

	cancel, err := e.store.HeartbeatRun(ctx, id, 1, time.Now().Add(time.Hour))
	if err != nil || cancel {
		t.Fatalf("heartbeat: cancel=%v err=%v", cancel, err)
	}
	var lease time.Time
	if err := e.pool.QueryRow(ctx, `SELECT lease_expires_at FROM runs WHERE id = $1`, id).Scan(&lease); err != nil || time.Until(lease) < 50*time.Minute {
		t.Errorf("lease %v not extended (%v)", lease, err)
	}
	if _, _, err := e.store.CancelRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	if cancel, err := e.store.HeartbeatRun(ctx, id, 1, time.Now().Add(time.Hour)); err != nil || !cancel {
		t.Errorf("after a cancel request: cancel=%v err=%v, want true", cancel, err)
	}
	if _, err := e.store.StartRun(ctx, id, 2, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.HeartbeatRun(ctx, id, 1, time.Now().Add(time.Hour)); !errors.Is(err, collection.ErrConflict) {
		t.Errorf("heartbeat of a fenced-out attempt: %v, want a conflict", err)
	}
}

func TestSweepEndsOnlyRunsNoRunnerWillFinish(t *testing.T) {
	t.Parallel()
	e := newSweepEnv(t)
	ctx := context.Background()
	expired := time.Now().Add(-time.Second)

	lost := e.queued() // lease expired, job discarded after its last attempt
	e.running(lost, 2, expired)
	e.setJob(lost, "discarded", 2)
	retrying := e.queued() // lease expired, job waiting for its retry
	e.running(retrying, 1, expired)
	e.setJob(retrying, "retryable", 1)
	leased := e.queued() // job discarded but the lease is live (a runner still works it)
	e.running(leased, 1, time.Now().Add(time.Minute))
	e.setJob(leased, "discarded", 1)
	fresh := e.queued() // queued, job available

	ids, err := e.store.SweepLostRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != lost {
		t.Fatalf("swept %v, want only run %d", ids, lost)
	}
	got := e.run(lost)
	if got.Status != collection.RunErrored || got.Error != store.ReasonRunnerLost || got.FinishedAt == nil || got.Attempt != 2 {
		t.Errorf("lost run: %s (%q) finished %v attempt %d; want errored runner_lost", got.Status, got.Error, got.FinishedAt, got.Attempt)
	}
	for _, id := range []collection.RunID{retrying, leased, fresh} {
		if r := e.run(id); r.Status.Final() {
			t.Errorf("run %d was swept to %s; its job or lease is alive", id, r.Status)
		}
	}
	if ids, _ := e.store.SweepLostRuns(ctx); len(ids) != 0 {
		t.Errorf("a second sweep ended %v again", ids)
	}
}

func TestRequeueExpiredRunsRetriesThenDiscards(t *testing.T) {
	t.Parallel()
	e := newSweepEnv(t)
	ctx := context.Background()
	expired := time.Now().Add(-time.Second)

	first := e.queued() // runner lost on attempt 1 of 2: retried
	e.running(first, 1, expired)
	last := e.queued() // runner lost on attempt 2 of 2: discarded, then swept
	e.running(last, 2, expired)
	alive := e.queued() // heartbeating: untouched
	e.running(alive, 1, time.Now().Add(time.Minute))

	ids, err := e.store.RequeueExpiredRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 {
		t.Fatalf("requeued %v, want runs %d and %d", ids, first, last)
	}
	if s := e.jobState(first); s != "available" {
		t.Errorf("job of a run lost on attempt 1 is %s, want available", s)
	}
	if s := e.jobState(last); s != "discarded" {
		t.Errorf("job of a run lost on its last attempt is %s, want discarded", s)
	}
	if s := e.jobState(alive); s != "running" {
		t.Errorf("job of a leased run is %s, want running", s)
	}
	if ids, _ := e.store.RequeueExpiredRuns(ctx); len(ids) != 0 {
		t.Errorf("a second pass requeued %v again", ids)
	}
	swept, err := e.store.SweepLostRuns(ctx)
	if err != nil || len(swept) != 1 || swept[0] != last {
		t.Errorf("swept %v (%v), want only run %d", swept, err, last)
	}
	// The retry of the first run starts attempt 2, which fences attempt 1 out.
	if _, err := e.store.StartRun(ctx, first, 2, time.Now().Add(time.Minute)); err != nil {
		t.Errorf("attempt 2 could not start after the requeue: %v", err)
	}
}

// The sweeper and a runner's final write race (scenario 4 of docs/reliability.md): exactly
// one wins, and the run never carries both outcomes.
func TestSweepAndFinishRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	e := newSweepEnv(t)
	ctx := context.Background()
	for i := range 30 {
		id := e.queued()
		e.running(id, 2, time.Now().Add(-time.Second))
		e.setJob(id, "discarded", 2)
		var finishErr, sweepErr error
		var swept []collection.RunID
		var wg sync.WaitGroup
		wg.Go(func() {
			finishErr = store.WithTx(ctx, e.pool, func(tx pgx.Tx) error {
				return e.store.FinishRun(ctx, tx, collection.FinishRunParams{
					ID: id, Attempt: 2, Status: collection.RunPassed, FinishedAt: time.Now(), Duration: time.Millisecond,
					Steps: []collection.StepResult{{Position: 0, Name: "a", Status: collection.StepPassed, StartedAt: time.Now()}},
				})
			})
		})
		wg.Go(func() { swept, sweepErr = e.store.SweepLostRuns(ctx) })
		wg.Wait()
		if sweepErr != nil {
			t.Fatal(sweepErr)
		}
		got := e.run(id)
		switch {
		case finishErr == nil && len(swept) == 0:
			if got.Status != collection.RunPassed || len(got.Steps) != 1 {
				t.Errorf("iteration %d: the finish won but the run is %s with %d steps", i, got.Status, len(got.Steps))
			}
		case errors.Is(finishErr, collection.ErrConflict) && len(swept) == 1:
			// The sweep keeps none of the finish's steps and invents none.
			if got.Status != collection.RunErrored || got.Error != store.ReasonRunnerLost || len(got.Steps) != 0 {
				t.Errorf("iteration %d: the sweep won but the run is %s (%q) with steps %+v", i, got.Status, got.Error, got.Steps)
			}
		default:
			t.Errorf("iteration %d: finish returned %v and the sweep ended %v; the run is %s", i, finishErr, swept, got.Status)
		}
	}
}

// stepStatuses returns "position:status" of the step rows of one attempt.
func (e *sweepEnv) stepStatuses(id collection.RunID, attempt int) []string {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(), `
		SELECT position || ':' || status || CASE WHEN error <> '' THEN ':' || error ELSE '' END
		FROM step_results WHERE run_id = $1 AND attempt = $2 ORDER BY position`, id, attempt)
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// A lost attempt keeps exactly the steps it recorded: the sweep invents no
// step row (it cannot know what ran after the last heartbeat), whether the run
// is retried or ended, and a lost attempt that recorded nothing has no rows.
func TestSweepKeepsOnlyWhatTheLostAttemptRecorded(t *testing.T) {
	t.Parallel()
	e := newSweepEnv(t)
	ctx := context.Background()
	expired := time.Now().Add(-time.Second)
	done := func(pos int) collection.StepResult {
		return collection.StepResult{Position: pos, Name: fmt.Sprintf("step%d", pos+1), Status: collection.StepPassed, StartedAt: time.Now()}
	}

	id := e.queuedSteps(4)
	e.running(id, 1, time.Now().Add(time.Minute))
	if err := e.store.RecordSteps(ctx, id, 1, []collection.StepResult{done(0), done(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE runs SET lease_expires_at = $2 WHERE id = $1`, id, expired); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RequeueExpiredRuns(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.stepStatuses(id, 1); !slices.Equal(got, []string{"0:passed", "1:passed"}) {
		t.Errorf("attempt 1 after the requeue: %q, want steps 1-2 as recorded and nothing invented", got)
	}
	// The retry is lost too, before it recorded anything (killed within its
	// first heartbeat): the run ends, and attempt 2 shows no step at all
	// rather than a made-up "step1 interrupted".
	e.running(id, 2, expired)
	if _, err := e.store.RequeueExpiredRuns(ctx); err != nil { // last attempt: discarded
		t.Fatal(err)
	}
	if ids, err := e.store.SweepLostRuns(ctx); err != nil || len(ids) != 1 {
		t.Fatalf("swept %v (%v), want run %d", ids, err, id)
	}
	if got := e.stepStatuses(id, 2); len(got) != 0 {
		t.Errorf("attempt 2 after the sweep: %q, want no step rows", got)
	}
	if got := e.stepStatuses(id, 1); len(got) != 2 {
		t.Errorf("attempt 1 changed by the sweep: %q", got)
	}
	r := e.run(id)
	if r.Status != collection.RunErrored || r.Error != store.ReasonRunnerLost || len(r.Steps) != 0 {
		t.Errorf("run: %s (%q) with steps %+v, want errored runner_lost with no step of attempt 2", r.Status, r.Error, r.Steps)
	}

	// A run lost while queued never had an attempt.
	queued := e.queuedSteps(2)
	e.setJob(queued, "discarded", 0)
	if _, err := e.pool.Exec(ctx, `UPDATE runs SET queued_at = now() - interval '1 hour' WHERE id = $1`, queued); err != nil {
		t.Fatal(err)
	}
	if ids, err := e.store.SweepLostRuns(ctx); err != nil || len(ids) != 1 {
		t.Fatalf("swept %v (%v), want run %d", ids, err, queued)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM step_results WHERE run_id = $1`, queued).Scan(&n); err != nil || n != 0 {
		t.Errorf("run lost while queued has %d step rows (%v), want none", n, err)
	}
	if vs, err := store.Audit(ctx, e.pool); err != nil || len(vs) != 0 {
		t.Errorf("audit: %v (%v), want clean", vs, err)
	}
}

// A runner stopped on purpose gives its attempt back, fenced by attempt.
func TestRefundAttemptIsFenced(t *testing.T) {
	t.Parallel()
	e := newSweepEnv(t)
	ctx := context.Background()
	id := e.queued()
	e.running(id, 1, time.Now().Add(time.Minute))
	var jobID int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM river_job WHERE args @> jsonb_build_object('run_id', $1::bigint)`, id).Scan(&jobID); err != nil {
		t.Fatal(err)
	}
	maxAttempts := func() int {
		var n int
		if err := e.pool.QueryRow(ctx, `SELECT max_attempts FROM river_job WHERE id = $1`, jobID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := e.store.RefundAttempt(ctx, id, 2, jobID); !errors.Is(err, collection.ErrConflict) {
		t.Fatalf("refund by an attempt that does not own the run: err = %v; want ErrConflict", err)
	}
	if got := maxAttempts(); got != 2 {
		t.Fatalf("a fenced-out refund changed max_attempts to %d", got)
	}
	if err := e.store.RefundAttempt(ctx, id, 1, jobID); err != nil {
		t.Fatal(err)
	}
	if got := maxAttempts(); got != 3 {
		t.Fatalf("max_attempts = %d after the refund; want 3", got)
	}
}
