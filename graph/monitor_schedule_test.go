package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/graph"
	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/schedule/schedulertest"
	"github.com/catena-monitor/catena/internal/store"
)

type gqlScheduleStatus struct {
	State    string
	Error    *string
	Attempts int
}

// withOutbox runs the API in EventBridge mode against the Scheduler API
// stand-in; the returned pointer is filled with the Outbox once env is built.
func withOutbox(aws *schedulertest.Server, out **schedule.Outbox) envOption {
	return func(c *envConfig) {
		c.scheduler = func(pool *pgxpool.Pool, st *store.Store, q *queue.Client) graph.MonitorScheduler {
			eb, err := schedule.NewEventBridge(schedule.EventBridgeConfig{
				Client: aws.Client(), Group: "catena",
				LambdaARN:   "arn:aws:lambda:us-east-1:123456789012:function:catena-scheduler",
				RoleARN:     "arn:aws:iam::123456789012:role/catena-scheduler",
				CallTimeout: 2 * time.Second,
			})
			if err != nil {
				panic(err)
			}
			o, err := schedule.NewOutbox(schedule.OutboxConfig{Pool: pool, Store: st, EventBridge: eb, Jobs: q.River()})
			if err != nil {
				panic(err)
			}
			*out = o
			return o
		}
	}
}

const monitorWithStatus = `{ id name scheduleStatus { state error attempts } }`

func TestCreateMonitorEventBridgeRefusedIsPendingNotLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	aws := schedulertest.New(t) // no group yet: the sync creates it
	var outbox *schedule.Outbox
	e := newEnv(t, withOutbox(aws, &outbox))
	editor := e.tokens[collection.RoleEditor]
	cid := e.mkCollection("checkout")
	aws.Fail(schedulertest.Refuse, -1)

	var created struct {
		CreateMonitor struct {
			ID             string
			ScheduleStatus *gqlScheduleStatus
		}
	}
	e.mustPost(editor, `mutation($c: ID!) { createMonitor(input: {name: "m", schedule: "every 5m", collectionIds: [$c]}) `+monitorWithStatus+` }`,
		map[string]any{"c": cid}, &created)
	if s := created.CreateMonitor.ScheduleStatus; s == nil || s.State != "PENDING" {
		t.Fatalf("a refused schedule: createMonitor answered status %+v, want PENDING", s)
	}
	mid, err := model.ParseID[collection.MonitorID](created.CreateMonitor.ID)
	if err != nil {
		t.Fatal(err)
	}

	// The job's first attempt is refused: the API shows it.
	if err := outbox.Sync(ctx, mid); err == nil {
		t.Fatal("Sync succeeded against a refusing API")
	}
	var got struct {
		Monitor struct{ ScheduleStatus *gqlScheduleStatus }
	}
	e.mustPost(editor, `query($id: ID!) { monitor(id: $id) `+monitorWithStatus+` }`, map[string]any{"id": created.CreateMonitor.ID}, &got)
	if s := got.Monitor.ScheduleStatus; s == nil || s.State != "FAILED" || s.Error == nil || !strings.Contains(*s.Error, "InternalServerException") || s.Attempts != 1 {
		t.Fatalf("after a refused attempt status = %+v", s)
	}

	aws.Fail(schedulertest.None, 0)
	if err := outbox.Sync(ctx, mid); err != nil {
		t.Fatal(err)
	}
	e.mustPost(editor, `query($id: ID!) { monitor(id: $id) `+monitorWithStatus+` }`, map[string]any{"id": created.CreateMonitor.ID}, &got)
	if s := got.Monitor.ScheduleStatus; s == nil || s.State != "SYNCED" || s.Error != nil {
		t.Fatalf("after the retry status = %+v, want SYNCED", s)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM monitors`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("monitors = %d (%v), want exactly 1", n, err)
	}
	if list := aws.Schedules("catena"); len(list) != 1 || list[schedule.ScheduleName(mid)].State != "ENABLED" {
		t.Fatalf("AWS holds %v, want one enabled schedule", list)
	}

	// Pause, then delete: each recorded with the write, applied by the sync.
	e.mustPost(editor, `mutation($id: ID!) { pauseMonitor(id: $id) { id } }`, map[string]any{"id": created.CreateMonitor.ID}, nil)
	if err := outbox.Sync(ctx, mid); err != nil {
		t.Fatal(err)
	}
	if s := aws.Schedules("catena")[schedule.ScheduleName(mid)]; s.State != "DISABLED" {
		t.Fatalf("after pause the schedule is %+v", s)
	}
	e.mustPost(editor, `mutation($id: ID!) { deleteMonitor(id: $id) }`, map[string]any{"id": created.CreateMonitor.ID}, nil)
	if err := outbox.Sync(ctx, mid); err != nil {
		t.Fatal(err)
	}
	if list := aws.Schedules("catena"); len(list) != 0 {
		t.Fatalf("after delete AWS holds %v", list)
	}
}

func TestCreateMonitorEventBridgeRefusesSubMinute(t *testing.T) {
	t.Parallel()
	aws := schedulertest.New(t, "catena")
	var outbox *schedule.Outbox
	e := newEnv(t, withOutbox(aws, &outbox))
	cid := e.mkCollection("fast")
	r := e.post(e.tokens[collection.RoleEditor], `mutation($c: ID!) { createMonitor(input: {name: "m", schedule: "every 30s", collectionIds: [$c]}) { id } }`,
		map[string]any{"c": cid})
	if r.code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "at most once a minute") {
		t.Fatalf("errors = %+v; want INVALID naming the one-minute limit", r.Errors)
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM monitors`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("monitors = %d (%v), want none", n, err)
	}
}

func TestScheduleStatusNullInLocalMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cid := e.mkCollection("c")
	var created struct {
		CreateMonitor struct{ ScheduleStatus *gqlScheduleStatus }
	}
	e.mustPost(e.tokens[collection.RoleEditor], `mutation($c: ID!) { createMonitor(input: {name: "m", schedule: "every 5m", collectionIds: [$c]}) `+monitorWithStatus+` }`,
		map[string]any{"c": cid}, &created)
	if created.CreateMonitor.ScheduleStatus != nil {
		t.Fatalf("local mode: scheduleStatus = %+v, want null", created.CreateMonitor.ScheduleStatus)
	}
}
