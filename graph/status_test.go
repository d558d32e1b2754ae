package graph_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/statuspage"
	"github.com/catena-monitor/catena/internal/store"
)

const createStatusPage = `mutation($in: StatusPageInput!) { createStatusPage(input: $in) { id slug path title showLatency
	groups { name monitors { monitorId displayName monitor { id name } } } } }`

type statusPageData struct {
	ID, Slug, Path, Title string
	ShowLatency           bool
	Groups                []struct {
		Name     string
		Monitors []struct {
			MonitorID, DisplayName string
			Monitor                struct{ ID, Name string }
		}
	}
}

// Only admins publish, change and delete status pages, turn badges on and
// write public notes; editors and viewers are refused, and everyone signed in
// reads the settings. What an admin publishes is served signed out.
func TestStatusPagesAndBadgesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, editor, viewer := e.tokens[collection.RoleAdmin], e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	c := e.mkCollection("checkout")
	var cm struct{ CreateMonitor struct{ ID string } }
	e.mustPost(editor, `mutation($c: ID!) { createMonitor(input: {name: "checkout-internal", schedule: "every 1h", collectionIds: [$c]}) { id } }`,
		map[string]any{"c": c}, &cm)
	mid := cm.CreateMonitor.ID
	input := map[string]any{"slug": "acme", "title": "Acme", "groups": []any{
		map[string]any{"name": "Shop", "monitors": []any{map[string]any{"monitorId": mid, "displayName": " Checkout "}}},
	}}

	for _, tok := range []string{editor, viewer} {
		for _, q := range []struct {
			query string
			vars  map[string]any
		}{
			{createStatusPage, map[string]any{"in": input}},
			{`mutation($id: ID!) { setMonitorBadge(id: $id, enabled: true) { id } }`, map[string]any{"id": mid}},
		} {
			if r := e.post(tok, q.query, q.vars); r.code() != "FORBIDDEN" {
				t.Errorf("a non-admin: %s: %+v", q.query, r.Errors)
			}
		}
	}
	if r := e.post("", `{ statusPages { id } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Errorf("signed out read the settings: %+v", r.Errors)
	}

	var cp struct{ CreateStatusPage statusPageData }
	e.mustPost(admin, createStatusPage, map[string]any{"in": input}, &cp)
	page := cp.CreateStatusPage
	if page.Path != "/status/acme" || page.ShowLatency || len(page.Groups) != 1 || page.Groups[0].Monitors[0].DisplayName != "Checkout" ||
		page.Groups[0].Monitors[0].Monitor.Name != "checkout-internal" {
		t.Fatalf("created %+v", page)
	}

	for _, tok := range []string{editor, viewer} {
		for _, q := range []string{
			`mutation($id: ID!, $in: StatusPageInput!) { updateStatusPage(id: $id, input: $in) { id } }`,
			`mutation($id: ID!) { deleteStatusPage(id: $id) }`,
		} {
			if r := e.post(tok, q, map[string]any{"id": page.ID, "in": input}); r.code() != "FORBIDDEN" {
				t.Errorf("a non-admin: %s: %+v", q, r.Errors)
			}
		}
		var list struct{ StatusPages []struct{ Slug string } }
		e.mustPost(tok, `{ statusPages { slug } }`, nil, &list)
		if len(list.StatusPages) != 1 || list.StatusPages[0].Slug != "acme" {
			t.Errorf("reading pages: %+v", list)
		}
	}

	// Bad settings are refused, each naming its field.
	bad := func(mut func(map[string]any)) map[string]any {
		in := map[string]any{"slug": "other", "title": "T", "groups": []any{}}
		mut(in)
		return in
	}
	for _, tc := range []struct {
		name, code, field string
		in                map[string]any
	}{
		{"uppercase slug", "INVALID", "slug", bad(func(in map[string]any) { in["slug"] = "Acme" })},
		{"short slug", "INVALID", "slug", bad(func(in map[string]any) { in["slug"] = "ab" })},
		{"slug with a dash at the end", "INVALID", "slug", bad(func(in map[string]any) { in["slug"] = "acme-" })},
		{"taken slug", "CONFLICT", "slug", bad(func(in map[string]any) { in["slug"] = "acme" })},
		{"no title", "INVALID", "title", bad(func(in map[string]any) { in["title"] = "  " })},
		{"unknown monitor", "INVALID", "groups", bad(func(in map[string]any) {
			in["groups"] = []any{map[string]any{"name": "g", "monitors": []any{map[string]any{"monitorId": "999999"}}}}
		})},
		{"malformed monitor id", "INVALID", "groups[0].monitors[0].monitorId", bad(func(in map[string]any) {
			in["groups"] = []any{map[string]any{"name": "g", "monitors": []any{map[string]any{"monitorId": "x"}}}}
		})},
		{"a monitor twice", "INVALID", "groups[1].monitors[0].monitorId", bad(func(in map[string]any) {
			in["groups"] = []any{map[string]any{"name": "a", "monitors": []any{map[string]any{"monitorId": mid}}},
				map[string]any{"name": "b", "monitors": []any{map[string]any{"monitorId": mid}}}}
		})},
	} {
		r := e.post(admin, createStatusPage, map[string]any{"in": tc.in})
		if r.code() != tc.code || !strings.Contains(strings.ToLower(r.Errors[0].Message), strings.ToLower(strings.Split(tc.field, ".")[0])) {
			t.Errorf("%s: %+v, want %s naming %s", tc.name, r.Errors, tc.code, tc.field)
		}
	}

	// Badges: off by default, on with a random key, off again.
	var mb struct {
		Monitor struct{ Badge *struct{ Key, Path string } }
	}
	e.mustPost(viewer, `query($id: ID!) { monitor(id: $id) { badge { key path } } }`, map[string]any{"id": mid}, &mb)
	if mb.Monitor.Badge != nil {
		t.Fatalf("a new monitor has a badge: %+v", mb.Monitor.Badge)
	}
	var sb struct {
		SetMonitorBadge struct{ Badge *struct{ Key, Path string } }
	}
	e.mustPost(admin, `mutation($id: ID!) { setMonitorBadge(id: $id, enabled: true) { badge { key path } } }`, map[string]any{"id": mid}, &sb)
	badge := sb.SetMonitorBadge.Badge
	if badge == nil || len(badge.Key) != 26 || badge.Path != "/badge/"+badge.Key+".svg" || strings.Contains(badge.Key, mid) {
		t.Fatalf("badge %+v", badge)
	}

	// An incident with an internal summary and an admin's public note.
	run, _, err := e.store.InsertRun(context.Background(), e.pool, store.InsertRunParams{
		CollectionID: ptr(mustID[collection.CollectionID](t, c)), MonitorID: ptr(mustID[collection.MonitorID](t, mid)),
		Trigger: collection.TriggerSchedule, Status: collection.RunFailed, IdempotencyKey: "status-run", Snapshot: collection.Collection{Name: "checkout"},
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := e.store.OpenIncident(context.Background(), e.pool, store.OpenIncidentParams{
		MonitorID: mustID[collection.MonitorID](t, mid), CollectionID: mustID[collection.CollectionID](t, c), Kind: "failure",
		Summary: "step ping: GET http://127.0.0.1:9/ping refused", OpenedAt: time.Now(), RunID: run.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	iid := idString(int64(in.ID))
	setNote := `mutation($id: ID!, $n: String!) { setIncidentPublicNote(id: $id, note: $n) { publicNote { body updatedAt } } }`
	if r := e.post(editor, setNote, map[string]any{"id": iid, "n": "x"}); r.code() != "FORBIDDEN" {
		t.Errorf("an editor wrote a public note: %+v", r.Errors)
	}
	if r := e.post(admin, setNote, map[string]any{"id": iid, "n": strings.Repeat("x", 4001)}); r.code() != "INVALID" {
		t.Errorf("a 4001-byte note: %+v", r.Errors)
	}
	var sn struct {
		SetIncidentPublicNote struct {
			PublicNote *struct {
				Body      string
				UpdatedAt time.Time
			}
		}
	}
	e.mustPost(admin, setNote, map[string]any{"id": iid, "n": " Payments are slow; a fix is rolling out. "}, &sn)
	if n := sn.SetIncidentPublicNote.PublicNote; n == nil || n.Body != "Payments are slow; a fix is rolling out." || n.UpdatedAt.IsZero() {
		t.Fatalf("public note %+v", n)
	}
	var pn struct{ IncidentPublicNote *struct{ Body string } }
	e.mustPost(viewer, `query($id: ID!) { incidentPublicNote(incidentId: $id) { body } }`, map[string]any{"id": iid}, &pn)
	if pn.IncidentPublicNote == nil || pn.IncidentPublicNote.Body != "Payments are slow; a fix is rolling out." {
		t.Fatalf("incidentPublicNote %+v", pn)
	}

	// Signed out, the page and the badge show what the admin chose.
	pub := httptest.NewServer(func() http.Handler {
		mux := http.NewServeMux()
		statuspage.New(statuspage.Config{Store: e.store}).Mount(mux)
		return mux
	}())
	defer pub.Close()
	get := func(path string) (int, string) {
		res, err := http.Get(pub.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := get(page.Path)
	if code != http.StatusOK || !strings.Contains(body, "Checkout") || !strings.Contains(body, "Payments are slow; a fix is rolling out.") ||
		!strings.Contains(body, ">Down<") {
		t.Fatalf("public page %d:\n%s", code, body)
	}
	for _, hidden := range []string{"checkout-internal", "127.0.0.1", "ping", "refused"} {
		if strings.Contains(body, hidden) {
			t.Errorf("the public page shows %q", hidden)
		}
	}
	if code, body := get(badge.Path); code != http.StatusOK || !strings.Contains(body, "status: down") {
		t.Errorf("badge %d: %s", code, body)
	}

	e.mustPost(admin, `mutation($id: ID!) { setMonitorBadge(id: $id, enabled: false) { badge { key } } }`, map[string]any{"id": mid}, &sb)
	if sb.SetMonitorBadge.Badge != nil {
		t.Errorf("badge still on: %+v", sb.SetMonitorBadge.Badge)
	}
	var del struct{ DeleteStatusPage string }
	e.mustPost(admin, `mutation($id: ID!) { deleteStatusPage(id: $id) }`, map[string]any{"id": page.ID}, &del)
	var one struct{ StatusPage *struct{ ID string } }
	e.mustPost(viewer, `query($id: ID!) { statusPage(id: $id) { id } }`, map[string]any{"id": page.ID}, &one)
	if one.StatusPage != nil {
		t.Errorf("deleted page still readable")
	}
}
