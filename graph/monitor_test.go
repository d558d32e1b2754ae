package graph_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// mkCollection creates a one-step collection and returns its id.
func (e *env) mkCollection(name string) string {
	e.t.Helper()
	var out struct{ CreateCollection struct{ ID string } }
	e.mustPost(e.tokens[collection.RoleEditor], `mutation($n: String!) { createCollection(input: {name: $n, steps: [{name: "ping", method: "GET", url: "http://127.0.0.1:9/ping", timeoutMs: 2000}]}) { id } }`,
		map[string]any{"n": name}, &out)
	return out.CreateCollection.ID
}

type gqlRun struct {
	ID             string
	Status         string
	CollectionName string
	Location       string
	Trigger        string
	Collection     *struct{ ID string }
	Steps          []struct {
		Position int
		Name     string
		Status   string
		Error    string
		Timings  struct{ TotalMs float64 }
	}
}

func TestRunsQueueCancelAndPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	cid := e.mkCollection("pinger")

	var ids []string
	for range 3 {
		var out struct{ RunCollection gqlRun }
		e.mustPost(editor, `mutation($id: ID!) { runCollection(id: $id) { id status collectionName location trigger collection { id } steps { name } } }`,
			map[string]any{"id": cid}, &out)
		r := out.RunCollection
		if r.Status != "QUEUED" || r.CollectionName != "pinger" || r.Location != "local" || r.Trigger != "MANUAL" || r.Collection == nil || r.Collection.ID != cid {
			t.Fatalf("queued run %+v", r)
		}
		ids = append(ids, r.ID)
	}
	if r := e.post(viewer, `mutation($id: ID!) { runCollection(id: $id) { id } }`, map[string]any{"id": cid}); r.code() != "FORBIDDEN" {
		t.Fatalf("viewer ran a collection: %+v", r.Errors)
	}
	if r := e.post(editor, `mutation($id: ID!) { runCollection(id: $id, location: "Not A Location!") { id } }`, map[string]any{"id": cid}); r.code() != "INVALID" {
		t.Fatalf("bad location: %+v", r.Errors)
	}

	var cancelled struct{ CancelRun gqlRun }
	e.mustPost(editor, `mutation($id: ID!) { cancelRun(id: $id) { id status } }`, map[string]any{"id": ids[0]}, &cancelled)
	if cancelled.CancelRun.Status != "CANCELLED" {
		t.Fatalf("cancel: %+v", cancelled)
	}

	type page struct {
		Runs struct {
			Edges []struct {
				Cursor string
				Node   gqlRun
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	var p1, p2, filtered page
	e.mustPost(viewer, `query($c: ID) { runs(collectionId: $c, first: 2) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"c": cid}, &p1)
	if len(p1.Runs.Edges) != 2 || !p1.Runs.PageInfo.HasNextPage || p1.Runs.Edges[0].Node.ID != ids[2] {
		t.Fatalf("page 1 (newest first) %+v", p1)
	}
	e.mustPost(viewer, `query($c: ID, $a: String) { runs(collectionId: $c, first: 2, after: $a) { edges { node { id status } } pageInfo { hasNextPage } } }`,
		map[string]any{"c": cid, "a": p1.Runs.PageInfo.EndCursor}, &p2)
	if len(p2.Runs.Edges) != 1 || p2.Runs.PageInfo.HasNextPage || p2.Runs.Edges[0].Node.ID != ids[0] {
		t.Fatalf("page 2 %+v", p2)
	}
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	e.mustPost(viewer, `query($s: Time) { runs(status: [CANCELLED], location: "local", since: $s) { edges { node { id status } } } }`, map[string]any{"s": since}, &filtered)
	if len(filtered.Runs.Edges) != 1 || filtered.Runs.Edges[0].Node.ID != ids[0] {
		t.Fatalf("filtered %+v", filtered)
	}
	var one struct{ Run *gqlRun }
	e.mustPost(viewer, `query($id: ID!) { run(id: $id) { id status steps { name } } }`, map[string]any{"id": ids[1]}, &one)
	if one.Run == nil || one.Run.Status != "QUEUED" {
		t.Fatalf("run %+v", one.Run)
	}
	e.mustPost(viewer, `{ run(id: "999999") { id } }`, nil, &one)
	if one.Run != nil {
		t.Fatal("unknown run should be null")
	}
	if r := e.post(editor, `mutation { runCollection(id: "999999") { id } }`, nil); r.code() != "NOT_FOUND" {
		t.Fatalf("run unknown collection: %+v", r.Errors)
	}
}

type gqlMonitor struct {
	ID          string
	Name        string
	Schedule    string
	TimeZone    string
	Enabled     bool
	Locations   []string
	NextRunAt   *time.Time
	State       string
	Collections []struct{ ID, Name string }
	Channels    []struct{ ID, Name string }
	Policy      struct {
		FailureThreshold, RecoveryThreshold, ReminderIntervalMinutes, MinFailedLocations int
		RecoveryEnabled                                                                  bool
		ErroredMode                                                                      string
	}
	Stats struct {
		Uptime24h, Uptime7d, P95LatencyMs24h *float64
		Runs24h                              int
		Latency                              []struct {
			DurationMs int
			Status     string
		}
		LatencyMs []int
		Latest    *struct {
			DurationMs int
			Status     string
		}
	}
}

const monitorFields = `id name schedule timeZone enabled locations nextRunAt state
	collections { id name } channels { id name }
	policy { failureThreshold recoveryEnabled recoveryThreshold reminderIntervalMinutes erroredMode minFailedLocations }
	stats { uptime24h uptime7d p95LatencyMs24h runs24h latency { durationMs status } latencyMs latest { durationMs status } }`

func TestMonitorsAndChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	cid := e.mkCollection("checkout")

	// A fake Slack that records what it receives.
	var got atomic.Int32
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if len(b) > 0 {
			got.Add(1)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(slack.Close)
	hook := slack.URL + "/services/T000/B000/XXXXXXXXXXXXXXXXXXXX"

	if r := e.post(editor, `mutation { createAlertChannel(input: {name: "ops", type: SLACK, config: [{key: "webhook_url", value: "not a url"}]}) { id } }`, nil); r.code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "webhook_url") {
		t.Fatalf("bad slack URL: %+v", r.Errors)
	}
	var ch struct {
		CreateAlertChannel struct {
			ID, Name, Type string
			Config         []struct{ Key, Value string }
		}
	}
	e.mustPost(editor, `mutation($u: String!) { createAlertChannel(input: {name: "ops", type: SLACK, config: [{key: "webhook_url", value: $u}]}) { id name type config { key value } } }`,
		map[string]any{"u": hook}, &ch)
	c := ch.CreateAlertChannel
	if c.Type != "SLACK" || len(c.Config) != 1 || strings.Contains(c.Config[0].Value, "XXXX") || !strings.HasSuffix(c.Config[0].Value, "/••••") {
		t.Fatalf("channel config not masked: %+v", c)
	}
	// Editing with a null value keeps the stored URL.
	e.mustPost(editor, `mutation($id: ID!) { updateAlertChannel(id: $id, input: {name: "ops-renamed", type: SLACK, config: [{key: "webhook_url", value: null}]}) { id } }`,
		map[string]any{"id": c.ID}, nil)
	var test struct {
		TestAlertChannel struct {
			Ok      bool
			Message string
		}
	}
	e.mustPost(editor, `mutation($id: ID!) { testAlertChannel(id: $id) { ok message } }`, map[string]any{"id": c.ID}, &test)
	if !test.TestAlertChannel.Ok || got.Load() != 1 {
		t.Fatalf("test alert: %+v, fake slack got %d", test.TestAlertChannel, got.Load())
	}
	if r := e.post(viewer, `mutation($id: ID!) { testAlertChannel(id: $id) { ok } }`, map[string]any{"id": c.ID}); r.code() != "FORBIDDEN" {
		t.Fatalf("viewer tested a channel: %+v", r.Errors)
	}
	var chans struct {
		AlertChannels []struct{ Name string }
		AlertChannel  *struct{ Name string }
	}
	e.mustPost(viewer, `query($id: ID!) { alertChannels { name } alertChannel(id: $id) { name } }`, map[string]any{"id": c.ID}, &chans)
	if len(chans.AlertChannels) != 1 || chans.AlertChannel == nil || chans.AlertChannel.Name != "ops-renamed" {
		t.Fatalf("channels %+v", chans)
	}

	// Schedule preview.
	var prev struct{ SchedulePreview []time.Time }
	e.mustPost(viewer, `{ schedulePreview(schedule: "every 5m") }`, nil, &prev)
	if len(prev.SchedulePreview) != 5 || prev.SchedulePreview[1].Sub(prev.SchedulePreview[0]) != 5*time.Minute {
		t.Fatalf("preview %v", prev.SchedulePreview)
	}
	e.mustPost(viewer, `{ schedulePreview(schedule: "30 2 * * *", timeZone: "America/New_York", count: 3) }`, nil, &prev)
	if len(prev.SchedulePreview) != 3 || prev.SchedulePreview[0].In(mustZone(t, "America/New_York")).Hour() != 2 {
		t.Fatalf("cron preview %v", prev.SchedulePreview)
	}
	if r := e.post(viewer, `{ schedulePreview(schedule: "every fortnight") }`, nil); r.code() != "INVALID" {
		t.Fatalf("bad schedule preview: %+v", r.Errors)
	}

	// Create a monitor; an unparsable schedule is refused with its field.
	if r := e.post(editor, `mutation($c: ID!) { createMonitor(input: {name: "bad", schedule: "every now and then", collectionIds: [$c]}) { id } }`, map[string]any{"c": cid}); r.code() != "INVALID" {
		t.Fatalf("bad schedule: %+v", r.Errors)
	}
	// A collection with no steps (a draft) cannot be monitored: it would pass having checked nothing.
	var draft struct{ CreateCollection struct{ ID string } }
	e.mustPost(editor, `mutation { createCollection(input: {name: "draft"}) { id } }`, nil, &draft)
	if r := e.post(editor, `mutation($c: ID!) { createMonitor(input: {name: "empty", schedule: "every 5m", collectionIds: [$c]}) { id } }`,
		map[string]any{"c": draft.CreateCollection.ID}); r.code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "has no steps") {
		t.Fatalf("monitor of a stepless collection: %+v", r.Errors)
	}
	var cm struct{ CreateMonitor gqlMonitor }
	e.mustPost(editor, `mutation($c: ID!, $ch: ID!) { createMonitor(input: {name: "checkout every 5m", schedule: "every 5m", timeZone: "Europe/Paris",
		locations: ["local"], collectionIds: [$c], channelIds: [$ch],
		policy: {failureThreshold: 3, recoveryEnabled: true, recoveryThreshold: 2, reminderIntervalMinutes: 60, erroredMode: SEPARATE, minFailedLocations: 1}}) { `+monitorFields+` } }`,
		map[string]any{"c": cid, "ch": c.ID}, &cm)
	m := cm.CreateMonitor
	if !m.Enabled || m.NextRunAt == nil || m.State != "NO_DATA" || m.TimeZone != "Europe/Paris" || len(m.Collections) != 1 || len(m.Channels) != 1 {
		t.Fatalf("monitor %+v", m)
	}
	if m.Policy.FailureThreshold != 3 || m.Policy.ReminderIntervalMinutes != 60 || m.Policy.ErroredMode != "SEPARATE" || m.Stats.Uptime24h != nil {
		t.Fatalf("policy/stats %+v", m)
	}

	// Finished runs feed the dashboard figures.
	mid := mustID[collection.MonitorID](t, m.ID)
	colID := mustID[collection.CollectionID](t, cid)
	var lastRun collection.RunID
	for i, st := range []collection.RunStatus{collection.RunPassed, collection.RunPassed, collection.RunPassed, collection.RunFailed} {
		run, _, err := e.store.InsertRun(context.Background(), e.pool, store.InsertRunParams{
			CollectionID: &colID, MonitorID: &mid, Location: "local", Trigger: collection.TriggerSchedule, Status: st,
			IdempotencyKey: "stats-" + string(rune('a'+i)), Snapshot: collection.Collection{Name: "checkout"},
		})
		if err != nil {
			t.Fatal(err)
		}
		lastRun = run.ID
	}
	var one struct{ Monitor *gqlMonitor }
	e.mustPost(viewer, `query($id: ID!) { monitor(id: $id) { `+monitorFields+` } }`, map[string]any{"id": m.ID}, &one)
	if one.Monitor == nil || one.Monitor.Stats.Uptime24h == nil || *one.Monitor.Stats.Uptime24h != 0.75 || one.Monitor.Stats.Runs24h != 4 || len(one.Monitor.Stats.Latency) != 4 {
		t.Fatalf("stats %+v", one.Monitor)
	}
	if one.Monitor.State != "FAILING" {
		t.Fatalf("state after a failed latest run: %s", one.Monitor.State)
	}
	// The compact sparkline: the same durations, oldest first, and the newest run.
	st := one.Monitor.Stats
	if len(st.LatencyMs) != len(st.Latency) || st.Latest == nil || *st.Latest != st.Latency[len(st.Latency)-1] || st.Latest.Status != "FAILED" {
		t.Fatalf("latencyMs %v, latest %+v; want the durations of %+v and its last point", st.LatencyMs, st.Latest, st.Latency)
	}
	for i, p := range st.Latency {
		if st.LatencyMs[i] != p.DurationMs {
			t.Fatalf("latencyMs %v differs from latency %+v", st.LatencyMs, st.Latency)
		}
	}

	// Pause and resume.
	var pm struct{ PauseMonitor gqlMonitor }
	e.mustPost(editor, `mutation($id: ID!) { pauseMonitor(id: $id) { enabled state } }`, map[string]any{"id": m.ID}, &pm)
	if pm.PauseMonitor.Enabled || pm.PauseMonitor.State != "PAUSED" {
		t.Fatalf("paused %+v", pm.PauseMonitor)
	}
	var rm struct{ ResumeMonitor gqlMonitor }
	e.mustPost(editor, `mutation($id: ID!) { resumeMonitor(id: $id) { enabled nextRunAt } }`, map[string]any{"id": m.ID}, &rm)
	if !rm.ResumeMonitor.Enabled || rm.ResumeMonitor.NextRunAt == nil || rm.ResumeMonitor.NextRunAt.Before(time.Now()) {
		t.Fatalf("resumed %+v", rm.ResumeMonitor)
	}

	// Update, list, and the collection's view of its monitors.
	var um struct{ UpdateMonitor gqlMonitor }
	e.mustPost(editor, `mutation($id: ID!, $c: ID!) { updateMonitor(id: $id, input: {name: "renamed", schedule: "*/10 * * * *", collectionIds: [$c]}) { name schedule channels { id } policy { failureThreshold } } }`,
		map[string]any{"id": m.ID, "c": cid}, &um)
	if um.UpdateMonitor.Name != "renamed" || len(um.UpdateMonitor.Channels) != 0 || um.UpdateMonitor.Policy.FailureThreshold != 2 {
		t.Fatalf("updated %+v", um.UpdateMonitor)
	}
	var list struct {
		Monitors struct {
			Edges []struct{ Node gqlMonitor }
		}
		Collection struct{ Monitors []struct{ ID string } }
	}
	e.mustPost(viewer, `query($c: ID!) { monitors { edges { node { id state } } } collection(id: $c) { monitors { id } } }`, map[string]any{"c": cid}, &list)
	if len(list.Monitors.Edges) != 1 || len(list.Collection.Monitors) != 1 || list.Collection.Monitors[0].ID != m.ID {
		t.Fatalf("lists %+v", list)
	}

	// Incidents (alerting opens them; here the store does) and deliveries.
	opened, err := e.store.OpenIncident(context.Background(), e.pool, store.OpenIncidentParams{
		MonitorID: mid, CollectionID: colID, Kind: "failure", Summary: "step 0 \"ping\" failed", OpenedAt: time.Now(), RunID: lastRun,
	})
	if err != nil {
		t.Fatal(err)
	}
	var inc struct {
		Incidents []struct {
			ID, Status, Kind, Summary string
			Monitor                   struct{ Name string }
			Collection                struct{ Name string }
			FirstRun                  *struct{ ID string }
			Deliveries                []struct{ ID string }
		}
		Deliveries []struct{ ID string }
	}
	e.mustPost(viewer, `query($m: ID, $ch: ID) { incidents(monitorId: $m, status: [OPEN]) { id status kind summary monitor { name } collection { name } firstRun { id } deliveries { id } }
		deliveries(channelId: $ch) { id status channel { name } } }`, map[string]any{"m": m.ID, "ch": c.ID}, &inc)
	if len(inc.Incidents) != 1 || inc.Incidents[0].Monitor.Name != "renamed" || inc.Incidents[0].Collection.Name != "checkout" || inc.Deliveries == nil {
		t.Fatalf("incidents/deliveries %+v", inc)
	}
	if r := e.post(viewer, `mutation($id: ID!) { acknowledgeIncident(id: $id) { status } }`, map[string]any{"id": inc.Incidents[0].ID}); r.code() != "FORBIDDEN" {
		t.Fatalf("viewer acknowledged: %+v", r.Errors)
	}
	var ack struct{ AcknowledgeIncident struct{ Status string } }
	e.mustPost(editor, `mutation($id: ID!) { acknowledgeIncident(id: $id) { status acknowledgedAt } }`, map[string]any{"id": inc.Incidents[0].ID}, &ack)
	if ack.AcknowledgeIncident.Status != "ACKNOWLEDGED" || opened.ID == 0 {
		t.Fatalf("acknowledge %+v", ack)
	}
	var byInc struct{ Deliveries []struct{ ID string } }
	e.mustPost(viewer, `query($i: ID) { deliveries(incidentId: $i) { id } }`, map[string]any{"i": inc.Incidents[0].ID}, &byInc)
	if byInc.Deliveries == nil {
		t.Fatal("deliveries(incidentId) is null")
	}

	// Delete.
	if r := e.post(viewer, `mutation($id: ID!) { deleteMonitor(id: $id) }`, map[string]any{"id": m.ID}); r.code() != "FORBIDDEN" {
		t.Fatalf("viewer deleted a monitor: %+v", r.Errors)
	}
	e.mustPost(editor, `mutation($id: ID!) { deleteMonitor(id: $id) }`, map[string]any{"id": m.ID}, nil)
	e.mustPost(editor, `mutation($id: ID!) { deleteAlertChannel(id: $id) }`, map[string]any{"id": c.ID}, nil)
	e.mustPost(viewer, `query($id: ID!) { monitor(id: $id) { id } }`, map[string]any{"id": m.ID}, &one)
	if one.Monitor != nil {
		t.Fatal("deleted monitor still readable")
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustID[T ~int64](t *testing.T, s string) T {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("id %q is not numeric", s)
		}
		n = n*10 + int64(c-'0')
	}
	return T(n)
}
