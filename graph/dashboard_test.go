package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// monitorCard is the GUI's MonitorCard fragment (frontend/src/lib/useMonitorPages.ts).
const monitorCard = `id name schedule timeZone enabled state locations nextRunAt tags
	maintenance { window { name mode } windowEndsAt mutedUntil }
	collections { id name }
	stats { uptime24h uptime7d p95LatencyMs24h p95LatencyMs7d apdex7d errorBudgetLeft7d runs24h latencyMs latest { at durationMs status } }`

// The dashboard asks for a page of 100 monitors with their stats, the open
// incidents and the locations; it fits the complexity limit, while 500
// monitors with stats do not.
func TestDashboardOf100MonitorsFitsTheComplexityLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	viewer := e.tokens[collection.RoleViewer]
	dashboard := func(first int) string {
		return fmt.Sprintf(`query($after: String) {
			monitors(first: %d, after: $after) { edges { cursor node { %s } } pageInfo { hasNextPage endCursor } }
			incidents(status: [OPEN, ACKNOWLEDGED], first: 20) { id status kind summary openedAt monitor { id name } collection { id name } lastRun { id } }
			locations { name queuedRuns oldestQueuedAt oldestQueuedSeconds monitors }
		}`, first, monitorCard)
	}
	if r := e.post(viewer, dashboard(100), nil); len(r.Errors) > 0 {
		t.Fatalf("dashboard of 100 monitors refused: %+v", r.Errors)
	}
	if r := e.post(viewer, dashboard(500), nil); r.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("500 monitors with stats: %+v; want COMPLEXITY_LIMIT_EXCEEDED", r.Errors)
	}

	// "Load more" pages with after.
	cid := e.mkCollection("checkout")
	for i := range 3 {
		e.mustPost(e.tokens[collection.RoleEditor], `mutation($c: ID!, $n: String!) { createMonitor(input: {name: $n, schedule: "every 5m", collectionIds: [$c]}) { id } }`,
			map[string]any{"c": cid, "n": fmt.Sprintf("m%d", i)}, nil)
	}
	type page struct {
		Monitors struct {
			Edges    []struct{ Node struct{ Name string } }
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	var p1, p2 page
	e.mustPost(viewer, dashboard(2), nil, &p1)
	if len(p1.Monitors.Edges) != 2 || !p1.Monitors.PageInfo.HasNextPage {
		t.Fatalf("first page %+v", p1)
	}
	e.mustPost(viewer, dashboard(2), map[string]any{"after": p1.Monitors.PageInfo.EndCursor}, &p2)
	if len(p2.Monitors.Edges) != 1 || p2.Monitors.PageInfo.HasNextPage || p2.Monitors.Edges[0].Node.Name != "m2" {
		t.Fatalf("second page %+v", p2)
	}
}

// A channel flagged by a permanent failure says so in the API until a test
// alert succeeds; deliveries without incidentId or channelId list every
// channel's, newest first.
func TestChannelFailureFlagAndAllDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(slack.Close)
	ids := make([]collection.ChannelID, 2)
	for i, name := range []string{"ops", "dev"} {
		var out struct{ CreateAlertChannel struct{ ID string } }
		e.mustPost(editor, `mutation($n: String!, $u: String!) { createAlertChannel(input: {name: $n, type: SLACK, config: [{key: "webhook_url", value: $u}]}) { id } }`,
			map[string]any{"n": name, "u": slack.URL + "/services/T/B/" + name}, &out)
		ids[i] = mustID[collection.ChannelID](t, out.CreateAlertChannel.ID)
	}
	ctx := context.Background()
	if err := e.store.SetChannelError(ctx, ids[0], "the slack channel answered: HTTP 404: no_service"); err != nil {
		t.Fatal(err)
	}
	type channels struct {
		AlertChannels []struct {
			Name, LastError string
			LastErrorAt     *time.Time
		}
	}
	var chs channels
	e.mustPost(viewer, `{ alertChannels { name lastError lastErrorAt } }`, nil, &chs)
	if len(chs.AlertChannels) != 2 || !strings.Contains(chs.AlertChannels[0].LastError, "no_service") || chs.AlertChannels[0].LastErrorAt == nil ||
		chs.AlertChannels[1].LastError != "" || chs.AlertChannels[1].LastErrorAt != nil {
		t.Fatalf("channels %+v", chs)
	}
	var test struct{ TestAlertChannel struct{ Ok bool } }
	e.mustPost(editor, `mutation($id: ID!) { testAlertChannel(id: $id) { ok } }`, map[string]any{"id": fmt.Sprint(ids[0])}, &test)
	e.mustPost(viewer, `{ alertChannels { name lastError lastErrorAt } }`, nil, &chs)
	if !test.TestAlertChannel.Ok || chs.AlertChannels[0].LastError != "" || chs.AlertChannels[0].LastErrorAt != nil {
		t.Fatalf("after a successful test alert: ok=%v %+v", test.TestAlertChannel.Ok, chs)
	}

	for _, ch := range []collection.ChannelID{ids[0], ids[1], ids[0]} {
		if _, err := e.store.InsertDelivery(ctx, e.pool, store.InsertDeliveryParams{ChannelID: ch, Event: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	var all struct {
		Deliveries []struct {
			ID      string
			Channel struct{ Name string }
		}
	}
	e.mustPost(viewer, `{ deliveries { id channel { name } } }`, nil, &all)
	if len(all.Deliveries) != 3 || all.Deliveries[0].Channel.Name != "ops" || all.Deliveries[1].Channel.Name != "dev" {
		t.Fatalf("deliveries across channels %+v", all)
	}
	e.mustPost(viewer, `{ deliveries(first: 2) { id channel { name } } }`, nil, &all)
	if len(all.Deliveries) != 2 {
		t.Fatalf("deliveries(first: 2) returned %d", len(all.Deliveries))
	}
}

// A location no runner serves shows its waiting runs and how long the
// oldest has waited.
func TestLocationsShowWaitingRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cid := e.mkCollection("checkout")
	var cm struct{ CreateMonitor struct{ ID string } }
	e.mustPost(e.tokens[collection.RoleEditor], `mutation($c: ID!) { createMonitor(input: {name: "prod", schedule: "every 5m", locations: ["local", "mars"], collectionIds: [$c]}) { id } }`,
		map[string]any{"c": cid}, &cm)
	mid := mustID[collection.MonitorID](t, cm.CreateMonitor.ID)
	colID := mustID[collection.CollectionID](t, cid)
	ctx := context.Background()
	run, _, err := e.store.InsertRun(ctx, e.pool, store.InsertRunParams{CollectionID: &colID, MonitorID: &mid, Location: "mars",
		Trigger: collection.TriggerSchedule, Snapshot: collection.Collection{Name: "checkout"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE runs SET queued_at = now() - interval '3 minutes' WHERE id = $1`, run.ID); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Locations []struct {
			Name                string
			QueuedRuns          int
			OldestQueuedAt      *time.Time
			OldestQueuedSeconds *int
			Monitors            int
		}
	}
	e.mustPost(e.tokens[collection.RoleViewer], `{ locations { name queuedRuns oldestQueuedAt oldestQueuedSeconds monitors } }`, nil, &out)
	if len(out.Locations) != 2 {
		t.Fatalf("locations %+v", out)
	}
	local, mars := out.Locations[0], out.Locations[1]
	if local.Name != "local" || local.QueuedRuns != 0 || local.OldestQueuedSeconds != nil || local.Monitors != 1 {
		t.Errorf("local %+v", local)
	}
	if mars.Name != "mars" || mars.QueuedRuns != 1 || mars.OldestQueuedAt == nil || mars.OldestQueuedSeconds == nil ||
		*mars.OldestQueuedSeconds < 180 || *mars.OldestQueuedSeconds > 600 || mars.Monitors != 1 {
		t.Errorf("mars %+v", mars)
	}
	if r := e.post("", `{ locations { name } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous locations: %+v", r.Errors)
	}
}
