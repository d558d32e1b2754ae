package graph_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// Run now enqueues one slot of the monitor (each collection × location, one
// scheduled time, marked manual); an incident is assigned, noted and snoozed,
// by editors only, with bounded input.
func TestRunMonitorNowAndIncidentActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	a, b := e.mkCollection("a"), e.mkCollection("b")
	var cm struct{ CreateMonitor struct{ ID string } }
	e.mustPost(editor, `mutation($a: ID!, $b: ID!) { createMonitor(input: {name: "m", schedule: "every 1h", collectionIds: [$a, $b], locations: ["local", "eu"]}) { id } }`,
		map[string]any{"a": a, "b": b}, &cm)
	mid := cm.CreateMonitor.ID

	if r := e.post(viewer, `mutation($id: ID!) { runMonitorNow(id: $id) { id } }`, map[string]any{"id": mid}); r.code() != "FORBIDDEN" {
		t.Fatalf("viewer ran a monitor: %+v", r.Errors)
	}
	var rn struct {
		RunMonitorNow []struct {
			ID, Status, Trigger, Location string
			ScheduledFor                  *time.Time
			Monitor                       *struct{ ID string }
			Collection                    *struct{ ID string }
		}
	}
	e.mustPost(editor, `mutation($id: ID!) { runMonitorNow(id: $id) { id status trigger location scheduledFor monitor { id } collection { id } } }`, map[string]any{"id": mid}, &rn)
	if len(rn.RunMonitorNow) != 4 {
		t.Fatalf("want 2 collections × 2 locations = 4 runs, got %+v", rn.RunMonitorNow)
	}
	seen := map[string]bool{}
	for _, r := range rn.RunMonitorNow {
		if r.Trigger != "MANUAL" || r.Status != "QUEUED" || r.Monitor == nil || r.Monitor.ID != mid || r.ScheduledFor == nil ||
			!r.ScheduledFor.Equal(*rn.RunMonitorNow[0].ScheduledFor) {
			t.Errorf("run %+v", r)
		}
		seen[r.Collection.ID+"@"+r.Location] = true
	}
	if !seen[a+"@local"] || !seen[a+"@eu"] || !seen[b+"@local"] || !seen[b+"@eu"] {
		t.Fatalf("runs cover %v", seen)
	}

	// An incident on the monitor, as alerting would open it.
	run, _, err := e.store.InsertRun(context.Background(), e.pool, store.InsertRunParams{
		CollectionID: ptr(mustID[collection.CollectionID](t, a)), MonitorID: ptr(mustID[collection.MonitorID](t, mid)), Location: "local",
		Trigger: collection.TriggerSchedule, Status: collection.RunFailed, IdempotencyKey: "inc-run", Snapshot: collection.Collection{Name: "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := e.store.OpenIncident(context.Background(), e.pool, store.OpenIncidentParams{
		MonitorID: mustID[collection.MonitorID](t, mid), CollectionID: mustID[collection.CollectionID](t, a), Kind: "failure", OpenedAt: time.Now(), RunID: run.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	iid := idString(int64(in.ID))
	editorID := idString(int64(e.users[collection.RoleEditor].ID))

	for _, q := range []string{
		`mutation($id: ID!) { assignIncident(id: $id, userId: null) { id } }`,
		`mutation($id: ID!) { snoozeIncident(id: $id, minutes: 30) { id } }`,
		`mutation($id: ID!) { addIncidentNote(id: $id, body: "x") { id } }`,
		`{ assignees { id } }`,
	} {
		if r := e.post(viewer, q, map[string]any{"id": iid}); r.code() != "FORBIDDEN" {
			t.Errorf("viewer: %s: %+v", q, r.Errors)
		}
	}
	var as struct{ Assignees []struct{ ID, Email string } }
	e.mustPost(editor, `{ assignees { id email } }`, nil, &as)
	for _, u := range as.Assignees {
		if u.Email == "viewer@example.com" {
			t.Errorf("a viewer is offered as assignee")
		}
	}
	if len(as.Assignees) != 2 {
		t.Errorf("assignees %+v, want the admin and the editor", as.Assignees)
	}

	var asg struct {
		AssignIncident struct{ Assignee *struct{ ID, Email string } }
	}
	e.mustPost(editor, `mutation($id: ID!, $u: ID) { assignIncident(id: $id, userId: $u) { assignee { id email } } }`, map[string]any{"id": iid, "u": editorID}, &asg)
	if asg.AssignIncident.Assignee == nil || asg.AssignIncident.Assignee.Email != "editor@example.com" {
		t.Fatalf("assigned %+v", asg)
	}
	if r := e.post(editor, `mutation($id: ID!) { assignIncident(id: $id, userId: "999999") { id } }`, map[string]any{"id": iid}); r.code() != "INVALID" {
		t.Fatalf("unknown user: %+v", r.Errors)
	}

	before := time.Now()
	var sn struct {
		SnoozeIncident struct{ SnoozedUntil *time.Time }
	}
	e.mustPost(editor, `mutation($id: ID!) { snoozeIncident(id: $id, minutes: 90) { snoozedUntil } }`, map[string]any{"id": iid}, &sn)
	if u := sn.SnoozeIncident.SnoozedUntil; u == nil || u.Before(before.Add(89*time.Minute)) || u.After(time.Now().Add(91*time.Minute)) {
		t.Fatalf("snoozed until %v", u)
	}
	for _, m := range []int{-1, 7*24*60 + 1} {
		if r := e.post(editor, `mutation($id: ID!, $m: Int!) { snoozeIncident(id: $id, minutes: $m) { id } }`, map[string]any{"id": iid, "m": m}); r.code() != "INVALID" {
			t.Errorf("snooze %d minutes: %+v", m, r.Errors)
		}
	}

	for _, body := range []string{"  ", string(make([]byte, 4001))} {
		if r := e.post(editor, `mutation($id: ID!, $b: String!) { addIncidentNote(id: $id, body: $b) { id } }`, map[string]any{"id": iid, "b": body}); r.code() != "INVALID" {
			t.Errorf("note of %d bytes: %+v", len(body), r.Errors)
		}
	}
	e.mustPost(editor, `mutation($id: ID!) { addIncidentNote(id: $id, body: "looking at the payment provider") { id } }`, map[string]any{"id": iid}, nil)
	e.mustPost(editor, `mutation($id: ID!) { addIncidentNote(id: $id, body: "  fixed upstream  ") { id } }`, map[string]any{"id": iid}, nil)
	var got struct {
		Incidents []struct {
			ID           string
			SnoozedUntil *time.Time
			Assignee     *struct{ Email string }
			Notes        []struct {
				Body   string
				Author *struct{ Email string }
			}
		}
	}
	e.mustPost(viewer, `{ incidents { id snoozedUntil assignee { email } notes { body author { email } } } }`, nil, &got)
	if len(got.Incidents) != 1 || got.Incidents[0].SnoozedUntil == nil || got.Incidents[0].Assignee == nil || len(got.Incidents[0].Notes) != 2 ||
		got.Incidents[0].Notes[1].Body != "fixed upstream" || got.Incidents[0].Notes[0].Author == nil || got.Incidents[0].Notes[0].Author.Email != "editor@example.com" {
		t.Fatalf("incident as read back %+v", got)
	}

	// Ending the snooze and unassigning clear the fields; a resolved incident takes no more.
	e.mustPost(editor, `mutation($id: ID!) { snoozeIncident(id: $id, minutes: 0) { id } assignIncident(id: $id, userId: null) { id } }`, map[string]any{"id": iid}, nil)
	e.mustPost(viewer, `{ incidents { id snoozedUntil assignee { email } notes { body } } }`, nil, &got)
	if got.Incidents[0].SnoozedUntil != nil || got.Incidents[0].Assignee != nil {
		t.Fatalf("cleared %+v", got.Incidents[0])
	}
	if err := e.store.ResolveIncident(context.Background(), e.pool, in.ID, run.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r := e.post(editor, `mutation($id: ID!) { snoozeIncident(id: $id, minutes: 5) { id } }`, map[string]any{"id": iid}); r.code() != "NOT_FOUND" {
		t.Fatalf("snoozed a resolved incident: %+v", r.Errors)
	}
}

func ptr[T any](v T) *T { return &v }

func idString(id int64) string { return strconv.FormatInt(id, 10) }
