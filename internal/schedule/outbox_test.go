package schedule_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/schedule/schedulertest"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

const group = "catena"

// outboxHarness is a fresh database, the Scheduler API stand-in and an Outbox
// between them.
type outboxHarness struct {
	t      *testing.T
	pool   *pgxpool.Pool
	store  *store.Store
	queue  *queue.Client
	aws    *schedulertest.Server
	eb     *schedule.EventBridge
	outbox *schedule.Outbox
	coll   collection.CollectionID
}

func newOutboxHarness(t *testing.T, groups ...string) *outboxHarness {
	t.Helper()
	pool := dbtest.NewDB(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	h := &outboxHarness{t: t, pool: pool, store: store.New(pool, box), aws: schedulertest.New(t, groups...)}
	if h.queue, err = queue.New(h.store, nil, queue.Config{}); err != nil {
		t.Fatal(err)
	}
	h.eb, err = schedule.NewEventBridge(schedule.EventBridgeConfig{
		Client: h.aws.Client(), Group: group,
		LambdaARN:   "arn:aws:lambda:us-east-1:123456789012:function:catena-scheduler",
		RoleARN:     "arn:aws:iam::123456789012:role/catena-scheduler",
		CallTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.outbox = h.newOutbox(h.queue.River())
	c, err := h.store.CreateCollection(context.Background(), &collection.Collection{Name: "c", Steps: []collection.Step{
		{Name: "ping", Method: "GET", URL: "http://127.0.0.1:9/ping"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	h.coll = c.ID
	return h
}

func (h *outboxHarness) newOutbox(jobs schedule.JobInserter) *schedule.Outbox {
	o, err := schedule.NewOutbox(schedule.OutboxConfig{Pool: h.pool, Store: h.store, EventBridge: h.eb, Jobs: jobs})
	if err != nil {
		h.t.Fatal(err)
	}
	return o
}

// create creates a monitor as the gateway does in EventBridge mode.
func (h *outboxHarness) create(sched string) *collection.Monitor {
	h.t.Helper()
	m, err := h.store.CreateMonitor(context.Background(), &collection.Monitor{
		Name: "m", Schedule: sched, TimeZone: "UTC", Enabled: true, CollectionIDs: []collection.CollectionID{h.coll},
	}, h.outbox.MonitorChanged)
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

func (h *outboxHarness) syncRow(id collection.MonitorID) *store.ScheduleSync {
	h.t.Helper()
	rows, err := h.store.ScheduleSyncs(context.Background(), []collection.MonitorID{id})
	if err != nil {
		h.t.Fatal(err)
	}
	return rows[id]
}

func (h *outboxHarness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// checkOne asserts AWS holds exactly one schedule, monitor m's, with expr and state.
func (h *outboxHarness) checkOne(m *collection.Monitor, expr, state string) {
	h.t.Helper()
	got := h.aws.Schedules(group)
	sc, ok := got[schedule.ScheduleName(m.ID)]
	if len(got) != 1 || !ok {
		h.t.Fatalf("AWS holds %v; want exactly %s", got, schedule.ScheduleName(m.ID))
	}
	if sc.ScheduleExpression != expr || sc.State != state {
		h.t.Errorf("schedule = %s %s, want %s %s", sc.ScheduleExpression, sc.State, expr, state)
	}
}

func TestOutboxRefusedThenRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newOutboxHarness(t, group)
	h.aws.Fail(schedulertest.Refuse, -1)

	m := h.create("every 5m")
	// The row and its pending change committed together, with one job.
	if row := h.syncRow(m.ID); row == nil || row.State != store.SchedulePending || row.Generation != 1 {
		t.Fatalf("outbox row = %+v, want pending generation 1", row)
	}
	if n := h.count(`SELECT count(*) FROM river_job WHERE kind = 'schedule_sync' AND (args->>'monitor_id')::bigint = $1`, m.ID); n != 1 {
		t.Fatalf("sync jobs = %d, want 1", n)
	}

	err := h.outbox.Sync(ctx, m.ID)
	if err == nil || !strings.Contains(err.Error(), "InternalServerException") {
		t.Fatalf("Sync against a refusing API: err = %v", err)
	}
	row := h.syncRow(m.ID)
	if row.State != store.ScheduleFailed || row.Attempts != 1 || !strings.Contains(row.LastError, "saving EventBridge schedule") {
		t.Errorf("after a refusal the row = %+v, want failed with the error", row)
	}
	if got := h.aws.Schedules(group); len(got) != 0 {
		t.Errorf("a refused call left schedules %v", got)
	}

	h.aws.Fail(schedulertest.None, 0)
	if err := h.outbox.Sync(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if row := h.syncRow(m.ID); row.State != store.ScheduleSynced || row.SyncedGeneration != 1 || row.LastError != "" || row.Attempts != 0 {
		t.Errorf("after the retry the row = %+v, want synced", row)
	}
	h.checkOne(m, "rate(5 minutes)", "ENABLED")
	if n := h.count(`SELECT count(*) FROM monitors`); n != 1 {
		t.Errorf("monitors = %d, want 1 (no duplicate)", n)
	}
}

// failingJobs refuses every insert, as a database that fails mid-transaction.
type failingJobs struct{}

func (failingJobs) InsertTx(context.Context, pgx.Tx, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return nil, errors.New("insert refused")
}

// When the change cannot be recorded, the monitor is not saved either.
func TestOutboxNoMonitorWithoutItsChange(t *testing.T) {
	t.Parallel()
	h := newOutboxHarness(t, group)
	broken := h.newOutbox(failingJobs{})
	_, err := h.store.CreateMonitor(context.Background(), &collection.Monitor{
		Name: "m", Schedule: "every 5m", TimeZone: "UTC", Enabled: true, CollectionIDs: []collection.CollectionID{h.coll},
	}, broken.MonitorChanged)
	if err == nil || !strings.Contains(err.Error(), "insert refused") {
		t.Fatalf("CreateMonitor err = %v", err)
	}
	if n := h.count(`SELECT count(*) FROM monitors`); n != 0 {
		t.Errorf("an orphan monitor was committed (%d rows)", n)
	}
	if n := h.count(`SELECT count(*) FROM schedule_sync`); n != 0 {
		t.Errorf("an outbox row was committed without its monitor (%d rows)", n)
	}
}

// A create that times out on the client but lands on the server is not
// created twice: the retry finds it and updates it.
func TestOutboxTimeoutThatSucceededLate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newOutboxHarness(t, group)
	h.aws.Fail(schedulertest.Late, 1, http.MethodPost)
	m := h.create("every 10m")

	err := h.outbox.Sync(ctx, m.ID)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sync with a late answer: err = %v, want the call's deadline", err)
	}
	if row := h.syncRow(m.ID); row.State != store.ScheduleFailed {
		t.Errorf("row = %+v, want failed", row)
	}
	h.checkOne(m, "rate(10 minutes)", "ENABLED") // it landed anyway

	if err := h.outbox.Sync(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	h.checkOne(m, "rate(10 minutes)", "ENABLED")
	if row := h.syncRow(m.ID); row.State != store.ScheduleSynced {
		t.Errorf("row = %+v, want synced", row)
	}
	var posts int
	for _, c := range h.aws.Calls() {
		if strings.HasPrefix(c, "POST /schedules/") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("CreateSchedule called %d times, want 1 (the retry updates): %v", posts, h.aws.Calls())
	}
}

func TestOutboxCreatesMissingGroup(t *testing.T) {
	t.Parallel()
	h := newOutboxHarness(t) // no group at all
	m := h.create("every 1h")
	if err := h.outbox.Sync(context.Background(), m.ID); err != nil {
		t.Fatal(err)
	}
	if !h.aws.HasGroup(group) {
		t.Fatal("the schedule group was not created")
	}
	h.checkOne(m, "rate(1 hour)", "ENABLED")
}

func TestOutboxPauseEditDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newOutboxHarness(t, group)
	m := h.create("every 5m")
	if err := h.outbox.Sync(ctx, m.ID); err != nil {
		t.Fatal(err)
	}

	if err := h.store.SetMonitorEnabled(ctx, m.ID, false, h.outbox.MonitorChanged); err != nil {
		t.Fatal(err)
	}
	if row := h.syncRow(m.ID); row.State != store.SchedulePending || row.Generation != 2 {
		t.Fatalf("after pause row = %+v", row)
	}
	if err := h.outbox.Sync(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	h.checkOne(m, "rate(5 minutes)", "DISABLED")

	m.Enabled, m.Schedule = true, "*/15 * * * *"
	if _, err := h.store.UpdateMonitor(ctx, m, h.outbox.MonitorChanged); err != nil {
		t.Fatal(err)
	}
	if err := h.outbox.Sync(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	h.checkOne(m, "cron(0/15 * * * ? *)", "ENABLED")

	if err := h.store.DeleteMonitor(ctx, m.ID, h.outbox.MonitorChanged); err != nil {
		t.Fatal(err)
	}
	if err := h.outbox.Sync(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if got := h.aws.Schedules(group); len(got) != 0 {
		t.Errorf("the deleted monitor's schedule is still there: %v", got)
	}
	if row := h.syncRow(m.ID); row != nil {
		t.Errorf("the deleted monitor's outbox row is left: %+v", row)
	}
}

// A sync that started from an older state cannot mark a newer one synced.
func TestOutboxOlderSyncDoesNotHideNewerChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newOutboxHarness(t, group)
	m := h.create("every 5m")
	tx, err := h.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	claim, err := h.store.ClaimScheduleSync(ctx, tx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	// While this claim is held, a second sync is refused, not run out of order.
	if err := h.outbox.Sync(ctx, m.ID); !errors.Is(err, store.ErrScheduleBusy) {
		t.Fatalf("concurrent Sync err = %v, want ErrScheduleBusy", err)
	}
	// The monitor changes meanwhile (generation 2)...
	m.Schedule = "every 10m"
	if _, err := h.store.UpdateMonitor(ctx, m, h.outbox.MonitorChanged); err != nil {
		t.Fatal(err)
	}
	// ...and the old claim finishes: generation 1 applied, the row stays pending.
	if err := h.store.FinishScheduleSync(ctx, tx, m.ID, claim.Generation, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if row := h.syncRow(m.ID); row.State != store.SchedulePending || row.Generation != 2 || row.SyncedGeneration != 1 {
		t.Fatalf("row = %+v, want pending generation 2, synced 1", row)
	}
	if err := h.outbox.Sync(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	h.checkOne(m, "rate(10 minutes)", "ENABLED")
}

func TestReconcileRepairsDriftBothWays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newOutboxHarness(t, group)
	a, b, c := h.create("every 5m"), h.create("every 10m"), h.create("every 1h")
	for _, m := range []*collection.Monitor{a, b, c} {
		if err := h.outbox.Sync(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Out-of-band changes: a's schedule deleted, b's edited, a stray one added.
	h.aws.Remove(group, schedule.ScheduleName(a.ID))
	edited := h.aws.Schedules(group)[schedule.ScheduleName(b.ID)]
	edited.ScheduleExpression = "rate(1 day)"
	h.aws.Put(edited)
	stray := edited
	stray.Name = schedule.ScheduleName(99999)
	h.aws.Put(stray)

	rep, err := h.outbox.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Orphans, []collection.MonitorID{99999}) || !slices.Equal(rep.Drifted, []collection.MonitorID{a.ID, b.ID}) || len(rep.Failed) != 0 {
		t.Fatalf("report = %+v; want orphan 99999, drifted %d and %d", rep, a.ID, b.ID)
	}
	got := h.aws.Schedules(group)
	want := map[string]string{
		schedule.ScheduleName(a.ID): "rate(5 minutes)", schedule.ScheduleName(b.ID): "rate(10 minutes)", schedule.ScheduleName(c.ID): "rate(1 hour)",
	}
	if len(got) != len(want) {
		t.Errorf("after reconcile AWS holds %v", got)
	}
	for name, expr := range want {
		if got[name].ScheduleExpression != expr {
			t.Errorf("%s = %q, want %q", name, got[name].ScheduleExpression, expr)
		}
	}
	rep, err = h.outbox.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Orphans)+len(rep.Drifted)+len(rep.Failed) != 0 || rep.Monitors != 3 || rep.Schedules != 3 {
		t.Errorf("a second reconcile should find nothing: %+v", rep)
	}
}

// Reconcile also finishes a deletion whose job gave up.
func TestReconcileFinishesLostDeletion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newOutboxHarness(t, group)
	m := h.create("every 5m")
	if err := h.outbox.Sync(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	h.aws.Fail(schedulertest.Refuse, -1)
	if err := h.store.DeleteMonitor(ctx, m.ID, h.outbox.MonitorChanged); err != nil {
		t.Fatal(err)
	}
	if err := h.outbox.Sync(ctx, m.ID); err == nil {
		t.Fatal("Sync succeeded against a refusing API")
	}
	h.aws.Fail(schedulertest.None, 0)
	rep, err := h.outbox.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Orphans, []collection.MonitorID{m.ID}) {
		t.Errorf("report = %+v, want the deleted monitor's schedule removed", rep)
	}
	if got := h.aws.Schedules(group); len(got) != 0 {
		t.Errorf("AWS still holds %v", got)
	}
	if n := h.count(`SELECT count(*) FROM schedule_sync`); n != 0 {
		t.Errorf("outbox rows left: %d", n)
	}
}

// The whole path through River: the job retries a refusal until AWS accepts.
func TestOutboxJobRetriesThroughRiver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newOutboxHarness(t, group)
	workers := river.NewWorkers()
	if err := schedule.RegisterWorkers(workers, h.outbox); err != nil {
		t.Fatal(err)
	}
	worker, err := queue.New(h.store, nil, queue.Config{
		Workers: workers, Queues: map[string]river.QueueConfig{schedule.SyncQueue: {MaxWorkers: 2}},
		FetchPollInterval: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.aws.Fail(schedulertest.Refuse, 1)
	m := h.create("every 5m")
	if err := worker.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = worker.Stop(stopCtx)
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if row := h.syncRow(m.ID); row != nil && row.State == store.ScheduleSynced {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not synced in time: row %+v, calls %v", h.syncRow(m.ID), h.aws.Calls())
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.checkOne(m, "rate(5 minutes)", "ENABLED")
}
