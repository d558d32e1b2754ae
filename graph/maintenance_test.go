package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// invalidFields lists the field paths of an INVALID answer.
func invalidFields(r *response) []string {
	if r.code() != "INVALID" {
		return nil
	}
	var out []string
	fs, _ := r.Errors[0].Extensions["fields"].([]any)
	for _, f := range fs {
		m, _ := f.(map[string]any)
		p, _ := m["path"].(string)
		out = append(out, p)
	}
	return out
}

// Viewers read windows, mutes and tags; only editors (and admins) create,
// change and delete windows, mute, unmute and set tags.
func TestMaintenanceRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer, admin := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer], e.tokens[collection.RoleAdmin]
	c := e.mkCollection("checkout")
	var cm struct{ CreateMonitor struct{ ID string } }
	e.mustPost(editor, `mutation($c: ID!) { createMonitor(input: {name: "m", schedule: "every 1h", collectionIds: [$c]}) { id } }`, map[string]any{"c": c}, &cm)
	mid := cm.CreateMonitor.ID
	start, end := time.Now().Add(-time.Minute).UTC(), time.Now().Add(time.Hour).UTC()
	vars := map[string]any{"id": mid, "c": c, "s": start, "e": end}

	writes := []string{
		`mutation($id: ID!, $s: Time!, $e: Time!) { createMaintenanceWindow(input: {name: "deploy", startsAt: $s, endsAt: $e, monitorIds: [$id]}) { id } }`,
		`mutation($id: ID!) { muteMonitor(id: $id, minutes: 120) { id } }`,
		`mutation($id: ID!) { unmuteMonitor(id: $id) }`,
		`mutation($id: ID!) { setMonitorTags(id: $id, tags: ["prod"]) { id } }`,
		`mutation($c: ID!) { setCollectionTags(id: $c, tags: ["prod"]) { id } }`,
	}
	for _, q := range writes {
		if r := e.post(viewer, q, vars); r.code() != "FORBIDDEN" {
			t.Errorf("viewer: %s: %+v", q, r.Errors)
		}
	}
	var cw struct{ CreateMaintenanceWindow struct{ ID string } }
	e.mustPost(editor, writes[0], vars, &cw)
	wid := cw.CreateMaintenanceWindow.ID
	for _, q := range []string{
		`mutation($w: ID!, $s: Time!, $e: Time!) { updateMaintenanceWindow(id: $w, input: {name: "x", startsAt: $s, endsAt: $e, tag: "prod"}) { id } }`,
		`mutation($w: ID!) { deleteMaintenanceWindow(id: $w) }`,
	} {
		if r := e.post(viewer, q, map[string]any{"w": wid, "s": start, "e": end}); r.code() != "FORBIDDEN" {
			t.Errorf("viewer: %s: %+v", q, r.Errors)
		}
	}
	if r := e.post("", `{ maintenanceWindows { id } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Errorf("signed out read the windows: %+v", r.Errors)
	}

	// What a viewer sees: the window, the monitor in maintenance.
	var rd struct {
		MaintenanceWindows []struct {
			ID, Name, Mode string
			Active         bool
			Monitors       []struct{ ID string }
			NextOpening    *struct{ Start, End time.Time }
		}
		Monitor struct {
			Maintenance *struct {
				Window       *struct{ Name string }
				WindowEndsAt *time.Time
				MutedUntil   *time.Time
			}
		}
	}
	read := `query($id: ID!) { maintenanceWindows { id name mode active monitors { id } nextOpening { start end } }
		monitor(id: $id) { maintenance { window { name } windowEndsAt mutedUntil } } }`
	e.mustPost(viewer, read, map[string]any{"id": mid}, &rd)
	if len(rd.MaintenanceWindows) != 1 || !rd.MaintenanceWindows[0].Active || rd.MaintenanceWindows[0].Mode != "QUIET" ||
		len(rd.MaintenanceWindows[0].Monitors) != 1 || rd.MaintenanceWindows[0].NextOpening == nil || !rd.MaintenanceWindows[0].NextOpening.End.Equal(end.Truncate(time.Microsecond)) {
		t.Fatalf("windows as a viewer reads them: %+v", rd.MaintenanceWindows)
	}
	if m := rd.Monitor.Maintenance; m == nil || m.Window == nil || m.Window.Name != "deploy" || m.WindowEndsAt == nil || m.MutedUntil != nil {
		t.Fatalf("monitor maintenance %+v", rd.Monitor.Maintenance)
	}

	// Mute for 2 h, then unmute; an admin may too.
	before := time.Now()
	var mu struct {
		MuteMonitor struct {
			Until   time.Time
			Monitor struct{ ID string }
		}
	}
	e.mustPost(admin, `mutation($id: ID!) { muteMonitor(id: $id, minutes: 120) { until monitor { id } } }`, vars, &mu)
	if u := mu.MuteMonitor.Until; u.Before(before.Add(119*time.Minute)) || u.After(time.Now().Add(121*time.Minute)) || mu.MuteMonitor.Monitor.ID != mid {
		t.Fatalf("muted %+v", mu.MuteMonitor)
	}
	e.mustPost(viewer, read, map[string]any{"id": mid}, &rd)
	if m := rd.Monitor.Maintenance; m == nil || m.MutedUntil == nil || !m.MutedUntil.Equal(mu.MuteMonitor.Until) {
		t.Fatalf("after muting: %+v", rd.Monitor.Maintenance)
	}
	var ms struct{ Mutes []struct{ ID string } }
	e.mustPost(viewer, `{ mutes { id } }`, nil, &ms)
	if len(ms.Mutes) != 1 {
		t.Fatalf("mutes in force: %+v", ms.Mutes)
	}
	var um struct{ UnmuteMonitor int }
	e.mustPost(editor, writes[2], vars, &um)
	if um.UnmuteMonitor != 1 {
		t.Fatalf("unmute ended %d mutes, want 1", um.UnmuteMonitor)
	}
	e.mustPost(editor, `mutation($w: ID!) { deleteMaintenanceWindow(id: $w) }`, map[string]any{"w": wid}, nil)
	e.mustPost(viewer, read, map[string]any{"id": mid}, &rd)
	if rd.Monitor.Maintenance != nil || len(rd.MaintenanceWindows) != 0 {
		t.Fatalf("after unmuting and deleting the window: %+v %+v", rd.Monitor.Maintenance, rd.MaintenanceWindows)
	}

	// Bad input names the field.
	for _, tt := range []struct {
		q    string
		want string
	}{
		{`mutation($id: ID!) { muteMonitor(id: $id, minutes: 0) { id } }`, "minutes"},
		{`mutation($id: ID!) { muteMonitor(id: $id) { id } }`, "minutes"},
		{`mutation($id: ID!) { muteMonitor(id: $id, minutes: 43201) { id } }`, "minutes"},
		{`mutation($id: ID!) { createMaintenanceWindow(input: {name: "n", cron: "0 25 * * *", durationMinutes: 60, monitorIds: [$id]}) { id } }`, "cron"},
		{`mutation($id: ID!) { createMaintenanceWindow(input: {name: "n", cron: "0 2 * * *", timeZone: "Nowhere/Land", durationMinutes: 60, monitorIds: [$id]}) { id } }`, "timeZone"},
		{`mutation { createMaintenanceWindow(input: {name: "n", cron: "0 2 * * *", durationMinutes: 60}) { id } }`, "monitorIds"},
		{`mutation { createMaintenanceWindow(input: {name: "n", cron: "0 2 * * *", durationMinutes: 60, monitorIds: ["999999"]}) { id } }`, "monitorIds"},
		{`mutation($id: ID!) { setMonitorTags(id: $id, tags: ["has space"]) { id } }`, "tags[0]"},
		{`{ monitors(tag: "Not A Tag!") { edges { cursor } } }`, "tag"},
	} {
		r := e.post(editor, tt.q, map[string]any{"id": mid})
		if got := invalidFields(r); len(got) == 0 || got[0] != tt.want {
			t.Errorf("%s: fields %v (%+v), want %s", tt.q, got, r.Errors, tt.want)
		}
	}
}

// Tags on monitors and collections filter the lists and the run history; a
// window on a tag covers every monitor carrying it; an incident can be muted.
func TestTagsFilterAndCoverage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	c1, c2 := e.mkCollection("pay"), e.mkCollection("search")
	mk := func(name, c string) string {
		var cm struct{ CreateMonitor struct{ ID string } }
		e.mustPost(editor, `mutation($n: String!, $c: ID!) { createMonitor(input: {name: $n, schedule: "every 1h", collectionIds: [$c]}) { id } }`, map[string]any{"n": name, "c": c}, &cm)
		return cm.CreateMonitor.ID
	}
	m1, m2 := mk("payments", c1), mk("search", c2)
	var st struct{ SetMonitorTags struct{ Tags []string } }
	e.mustPost(editor, `mutation($id: ID!) { setMonitorTags(id: $id, tags: [" Prod ", "team-pay", "prod"]) { tags } }`, map[string]any{"id": m1}, &st)
	if strings.Join(st.SetMonitorTags.Tags, ",") != "prod,team-pay" {
		t.Fatalf("tags saved as %q", st.SetMonitorTags.Tags)
	}
	e.mustPost(editor, `mutation($id: ID!) { setCollectionTags(id: $id, tags: ["search"]) { id } }`, map[string]any{"id": c2}, nil)

	var lists struct {
		Monitors struct {
			Edges []struct{ Node struct{ ID string } }
		}
		Collections struct {
			Edges []struct{ Node struct{ ID string } }
		}
		Tags []string
	}
	e.mustPost(viewer, `{ monitors(tag: "prod") { edges { node { id } } } collections(tag: "search") { edges { node { id } } } tags }`, nil, &lists)
	if len(lists.Monitors.Edges) != 1 || lists.Monitors.Edges[0].Node.ID != m1 {
		t.Errorf("monitors tagged prod: %+v", lists.Monitors.Edges)
	}
	if len(lists.Collections.Edges) != 1 || lists.Collections.Edges[0].Node.ID != c2 {
		t.Errorf("collections tagged search: %+v", lists.Collections.Edges)
	}
	if strings.Join(lists.Tags, ",") != "prod,search,team-pay" {
		t.Errorf("tags %q", lists.Tags)
	}

	// Runs of tagged monitors or collections.
	ctx := context.Background()
	for i, p := range []struct{ c, m, name string }{{c1, m1, "pay"}, {c2, m2, "search"}} {
		if _, _, err := e.store.InsertRun(ctx, e.pool, store.InsertRunParams{
			CollectionID: ptr(mustID[collection.CollectionID](t, p.c)), MonitorID: ptr(mustID[collection.MonitorID](t, p.m)), Location: "local",
			Trigger: collection.TriggerSchedule, Status: collection.RunFailed, IdempotencyKey: "tag-run-" + idString(int64(i)), Snapshot: collection.Collection{Name: p.name},
		}); err != nil {
			t.Fatal(err)
		}
	}
	for tag, want := range map[string]string{"team-pay": "pay", "search": "search"} {
		var rs struct {
			Runs struct {
				Edges []struct {
					Node struct{ CollectionName string }
				}
			}
		}
		e.mustPost(viewer, `query($t: String) { runs(tag: $t) { edges { node { collectionName } } } }`, map[string]any{"t": tag}, &rs)
		if len(rs.Runs.Edges) != 1 || rs.Runs.Edges[0].Node.CollectionName != want {
			t.Errorf("runs tagged %s: %+v", tag, rs.Runs.Edges)
		}
	}

	// A recurring window on the tag covers m1 only.
	var cw struct {
		CreateMaintenanceWindow struct {
			Cron            *string
			DurationMinutes *int
			Tag             *string
			StartsAt        *time.Time
		}
	}
	e.mustPost(editor, `mutation { createMaintenanceWindow(input: {name: "always", cron: "* * * * *", durationMinutes: 5, tag: "prod", mode: SKIP}) { cron durationMinutes tag startsAt } }`, nil, &cw)
	if w := cw.CreateMaintenanceWindow; w.Cron == nil || *w.Cron != "* * * * *" || w.DurationMinutes == nil || *w.DurationMinutes != 5 || w.Tag == nil || w.StartsAt != nil {
		t.Fatalf("recurring window %+v", w)
	}
	var ow struct {
		Monitor struct {
			MaintenanceWindows []struct {
				Openings []struct{ Start, End time.Time }
			}
		}
	}
	from := time.Now().UTC().Truncate(time.Minute)
	e.mustPost(viewer, `query($id: ID!, $f: Time!, $t: Time!) { monitor(id: $id) { maintenanceWindows { openings(from: $f, to: $t) { start end } } } }`,
		map[string]any{"id": m1, "f": from, "t": from.Add(10 * time.Minute)}, &ow)
	if ws := ow.Monitor.MaintenanceWindows; len(ws) != 1 || len(ws[0].Openings) != 14 { // 4 already open at from, 10 starting before to
		t.Errorf("openings over 10 minutes of a 5-minute window every minute: %+v", ws)
	}
	var mm struct {
		A, B struct {
			Maintenance *struct{ Window *struct{ Mode string } }
		}
	}
	e.mustPost(viewer, `query($a: ID!, $b: ID!) { a: monitor(id: $a) { maintenance { window { mode } } } b: monitor(id: $b) { maintenance { window { mode } } } }`, map[string]any{"a": m1, "b": m2}, &mm)
	if mm.A.Maintenance == nil || mm.A.Maintenance.Window == nil || mm.A.Maintenance.Window.Mode != "SKIP" || mm.B.Maintenance != nil {
		t.Errorf("maintenance by tag: tagged %+v, untagged %+v", mm.A.Maintenance, mm.B.Maintenance)
	}

	// Muting an incident holds its collection.
	run, _, err := e.store.InsertRun(ctx, e.pool, store.InsertRunParams{
		CollectionID: ptr(mustID[collection.CollectionID](t, c2)), MonitorID: ptr(mustID[collection.MonitorID](t, m2)), Location: "local",
		Trigger: collection.TriggerSchedule, Status: collection.RunFailed, IdempotencyKey: "mute-inc", Snapshot: collection.Collection{Name: "search"},
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := e.store.OpenIncident(ctx, e.pool, store.OpenIncidentParams{
		MonitorID: mustID[collection.MonitorID](t, m2), CollectionID: mustID[collection.CollectionID](t, c2), Kind: "failure", OpenedAt: time.Now(), RunID: run.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.post(viewer, `mutation($id: ID!) { muteIncident(id: $id, minutes: 60) { id } }`, map[string]any{"id": idString(int64(in.ID))}); r.code() != "FORBIDDEN" {
		t.Errorf("viewer muted an incident: %+v", r.Errors)
	}
	var mi struct {
		MuteIncident struct {
			Monitor    struct{ ID string }
			Collection *struct{ ID string }
			Incident   *struct{ ID string }
		}
	}
	e.mustPost(editor, `mutation($id: ID!) { muteIncident(id: $id, until: "`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`") { monitor { id } collection { id } incident { id } } }`,
		map[string]any{"id": idString(int64(in.ID))}, &mi)
	if mi.MuteIncident.Monitor.ID != m2 || mi.MuteIncident.Collection == nil || mi.MuteIncident.Collection.ID != c2 || mi.MuteIncident.Incident == nil {
		t.Errorf("incident mute %+v", mi.MuteIncident)
	}
}
