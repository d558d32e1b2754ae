package graph_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

type gqlAuditEntry struct {
	ID          string  `json:"id"`
	Actor       string  `json:"actor"`
	ActorUserID *string `json:"actorUserId"`
	Action      string  `json:"action"`
	ObjectType  string  `json:"objectType"`
	ObjectID    string  `json:"objectId"`
	Outcome     string  `json:"outcome"`
	ErrorCode   string  `json:"errorCode"`
	ClientIP    string  `json:"clientIp"`
	Summary     string  `json:"summary"`
}

const auditQuery = `query($f: AuditFilter, $first: Int, $after: String) { auditLog(filter: $f, first: $first, after: $after) {
  edges { cursor node { id actor actorUserId action objectType objectId outcome errorCode clientIp summary } }
  pageInfo { hasNextPage endCursor } } }`

type auditPage struct {
	AuditLog struct {
		Edges []struct {
			Cursor string        `json:"cursor"`
			Node   gqlAuditEntry `json:"node"`
		} `json:"edges"`
		PageInfo struct {
			HasNextPage bool    `json:"hasNextPage"`
			EndCursor   *string `json:"endCursor"`
		} `json:"pageInfo"`
	} `json:"auditLog"`
}

// auditEntries reads the whole audit log, newest first, as an admin.
func (e *env) auditEntries(filter map[string]any) []gqlAuditEntry {
	e.t.Helper()
	var out []gqlAuditEntry
	var after *string
	for {
		var page auditPage
		e.mustPost(e.tokens[collection.RoleAdmin], auditQuery, map[string]any{"f": filter, "first": 2, "after": after}, &page)
		for _, ed := range page.AuditLog.Edges {
			out = append(out, ed.Node)
		}
		if !page.AuditLog.PageInfo.HasNextPage {
			return out
		}
		after = page.AuditLog.PageInfo.EndCursor
	}
}

// exportAudit GETs /api/audit.jsonl with a bearer token.
func (e *env) exportAudit(token, query string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/audit.jsonl"+query, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestAuditLogIsForAdminsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, role := range []collection.Role{collection.RoleViewer, collection.RoleEditor} {
		if r := e.post(e.tokens[role], auditQuery, nil); r.code() != "FORBIDDEN" {
			t.Errorf("%s reading the audit log: %s %+v; want FORBIDDEN", role, r.Data, r.Errors)
		}
		if status, _ := e.exportAudit(e.tokens[role], ""); status != http.StatusForbidden {
			t.Errorf("%s exporting the audit log: HTTP %d; want 403", role, status)
		}
	}
	if status, _ := e.exportAudit("", ""); status != http.StatusUnauthorized {
		t.Errorf("exporting without a credential: HTTP %d; want 401", status)
	}
	if status, body := e.exportAudit(e.tokens[collection.RoleAdmin], "?since=yesterday"); status != http.StatusBadRequest || !strings.Contains(body, "24h") {
		t.Errorf("a bad since: HTTP %d %s; want 400 with an example", status, body)
	}
	if r := e.post(e.tokens[collection.RoleAdmin], auditQuery, nil); len(r.Errors) > 0 {
		t.Errorf("admin reading the audit log: %+v", r.Errors)
	}
}

// A mutation writes exactly one entry; one refused for the role is recorded
// as refused with its code; sign-in success and failure are both recorded.
func TestEveryMutationWritesOneAuditEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]

	var created struct{ CreateCollection gqlCollection }
	e.mustPost(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": checkoutInput}, &created)
	id := created.CreateCollection.ID
	got := e.auditEntries(nil)
	if len(got) != 1 {
		t.Fatalf("after one mutation the audit log has %d entries: %+v", len(got), got)
	}
	a := got[0]
	if a.Action != "createCollection" || a.Outcome != "OK" || a.ObjectType != "collection" || a.ObjectID != id ||
		a.Actor != "editor@example.com (token test)" || a.ActorUserID == nil || a.ClientIP != "127.0.0.1" {
		t.Errorf("entry = %+v", a)
	}
	var summary map[string]any
	if err := json.Unmarshal([]byte(a.Summary), &summary); err != nil || summary["input"] == nil {
		t.Errorf("summary %s is not the arguments: %v", a.Summary, err)
	}
	if strings.Contains(a.Summary, "hunter2") || !strings.Contains(a.Summary, collection.Redacted) {
		t.Errorf("summary shows the secret: %s", a.Summary)
	}

	// Reads are not audited.
	e.mustPost(editor, `query($id: ID!) { collection(id: $id) { name } }`, map[string]any{"id": id}, nil)
	if r := e.post(viewer, `mutation($id: ID!) { deleteCollection(id: $id) }`, map[string]any{"id": id}); r.code() != "FORBIDDEN" {
		t.Fatalf("viewer deleting: %+v", r.Errors)
	}
	got = e.auditEntries(nil)
	if len(got) != 2 {
		t.Fatalf("after a refused mutation the audit log has %d entries: %+v", len(got), got)
	}
	if a := got[0]; a.Action != "deleteCollection" || a.Outcome != "REFUSED" || a.ErrorCode != "FORBIDDEN" ||
		a.Actor != "viewer@example.com (token test)" || a.ObjectID != id {
		t.Errorf("refused entry = %+v", a)
	}

	if _, r := e.login("editor@example.com", "wrong password"); len(r.Errors) == 0 {
		t.Fatal("a wrong password signed in")
	}
	if c, _ := e.login("EDITOR@example.com", testPassword); c == nil {
		t.Fatal("sign-in failed")
	}
	logins := e.auditEntries(map[string]any{"action": "login"})
	if len(logins) != 2 {
		t.Fatalf("login entries = %+v", logins)
	}
	if ok := logins[0]; ok.Outcome != "OK" || ok.Actor != "editor@example.com" || ok.ActorUserID == nil || *ok.ActorUserID != strings.TrimSpace(ok.ObjectID) {
		t.Errorf("successful sign-in = %+v", ok)
	}
	if bad := logins[1]; bad.Outcome != "FAILED" || bad.ErrorCode != "UNAUTHENTICATED" || bad.ActorUserID != nil || strings.Contains(bad.Summary, "wrong password") {
		t.Errorf("failed sign-in = %+v", bad)
	}
	refused := e.auditEntries(map[string]any{"outcome": "REFUSED"})
	if len(refused) != 1 || refused[0].Action != "deleteCollection" {
		t.Errorf("filter by outcome = %+v", refused)
	}
}

// The hostile secret, given as a collection secret, a channel's webhook
// secret, a password and a setup token, appears in no
// version, no audit entry, no JSON lines export and no API answer about them.
func TestNoSecretInVersionsOrAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, editor := e.tokens[collection.RoleAdmin], e.tokens[collection.RoleEditor]
	hostile := secrettest.Value

	in := map[string]any{
		"name":    "hostile",
		"secrets": []map[string]any{{"name": "key", "value": hostile}},
		"steps": []map[string]any{{
			"name": "a", "method": "GET", "url": "http://127.0.0.1:9/@<<secrets.key>>",
			"headers": []map[string]any{{"name": "Authorization", "value": "Bearer @<<secrets.key>>"}},
		}},
	}
	var created struct{ CreateCollection gqlCollection }
	e.mustPost(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": in}, &created)
	id := created.CreateCollection.ID
	e.mustPost(editor, `mutation($id: ID!, $v: String) { setSecret(collectionId: $id, name: "other", value: $v) { id } }`, map[string]any{"id": id, "v": hostile}, nil)
	in["name"] = "hostile, renamed"
	in["secrets"] = []map[string]any{{"name": "key", "value": hostile + "2"}}
	e.mustPost(editor, `mutation($id: ID!, $in: CollectionInput!) { replaceCollection(id: $id, input: $in) { id } }`, map[string]any{"id": id, "in": in}, nil)
	e.mustPost(editor, `mutation($v: String!) { createAlertChannel(input: {name: "hook", type: WEBHOOK, config: [{key: "url", value: "http://127.0.0.1:9/hook"}, {key: "secret", value: $v}]}) { id } }`,
		map[string]any{"v": hostile}, nil)
	e.mustPost(admin, `mutation($p: String!) { createUser(input: {email: "new@example.com", name: "new", role: VIEWER, password: $p}) { id } }`,
		map[string]any{"p": hostile + "-long-enough"}, nil)
	e.login("new@example.com", hostile)
	e.post("", `mutation($t: String!) { setup(token: $t, email: "x@example.com", name: "x", password: "irrelevant-password") { id } }`, map[string]any{"t": hostile})

	rows, err := e.pool.Query(context.Background(), `SELECT document || diff || summary FROM object_versions`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		n++
		if secrettest.Leaks(text) {
			t.Errorf("a version holds the secret:\n%s", text)
		}
	}
	if rows.Err() != nil || n < 4 {
		t.Fatalf("%d versions, %v; want at least 4", n, rows.Err())
	}
	var audit string
	if err := e.pool.QueryRow(context.Background(), `SELECT string_agg(summary::text || actor || action, E'\n') FROM audit_log`).Scan(&audit); err != nil {
		t.Fatal(err)
	}
	if secrettest.Leaks(audit) || !strings.Contains(audit, "setup") || !strings.Contains(audit, "createAlertChannel") {
		t.Errorf("audit log rows:\n%s", audit)
	}
	status, jsonl := e.exportAudit(admin, "?since=1h")
	if status != http.StatusOK || secrettest.Leaks(jsonl) {
		t.Errorf("export: HTTP %d\n%s", status, jsonl)
	}
	lines := 0
	for sc := bufio.NewScanner(strings.NewReader(jsonl)); sc.Scan(); lines++ {
		var entry map[string]any
		if err := json.Unmarshal(sc.Bytes(), &entry); err != nil || entry["action"] == nil || entry["summary"] == nil {
			t.Errorf("line %q: %v", sc.Text(), err)
		}
	}
	if lines != 7 {
		t.Errorf("export has %d lines; want 7 (one per mutation)", lines)
	}
	r := e.post(admin, `query($id: ID!) { versions(objectType: COLLECTION, objectId: $id) { edges { node { document diff diffToCurrent summary } } } }`, map[string]any{"id": id})
	if len(r.Errors) > 0 || secrettest.Leaks(string(r.Data)) || !strings.Contains(string(r.Data), "secret 'other' added") {
		t.Errorf("versions answer: %s %+v", r.Data, r.Errors)
	}
	if r := e.post(admin, auditQuery, nil); secrettest.Leaks(string(r.Data)) {
		t.Errorf("auditLog answer shows the secret: %s", r.Data)
	}
}

type gqlVersion struct {
	Version       int    `json:"version"`
	Actor         string `json:"actor"`
	Summary       string `json:"summary"`
	Document      string `json:"document"`
	Diff          string `json:"diff"`
	DiffToCurrent string `json:"diffToCurrent"`
}

func (e *env) versions(typ, id string) []gqlVersion {
	e.t.Helper()
	var out struct {
		Versions struct {
			Edges []struct{ Node gqlVersion } `json:"edges"`
		} `json:"versions"`
	}
	e.mustPost(e.tokens[collection.RoleViewer], `query($t: VersionObjectType!, $id: ID!) { versions(objectType: $t, objectId: $id) {
  edges { node { version actor summary document diff diffToCurrent } } } }`, map[string]any{"t": typ, "id": id}, &out)
	vs := make([]gqlVersion, len(out.Versions.Edges))
	for i, ed := range out.Versions.Edges {
		vs[i] = ed.Node
	}
	return vs
}

// Restore v1 of a collection: it equals v1 again, there is one version more,
// a viewer may not do it, and a run links the version it ran.
func TestRestoreCollectionVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	var created struct{ CreateCollection gqlCollection }
	e.mustPost(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": checkoutInput}, &created)
	id := created.CreateCollection.ID
	e.mustPost(editor, `mutation($id: ID!) { updateCollection(id: $id, input: {name: "renamed", variables: [{name: "base", value: "http://127.0.0.1:8"}]}) { id } }`,
		map[string]any{"id": id}, nil)
	before := e.versions("COLLECTION", id)
	if len(before) != 2 || before[0].Summary != `renamed to "renamed"; variables changed` || !strings.Contains(before[1].DiffToCurrent, "+name: renamed") {
		t.Fatalf("versions before restore = %+v", before)
	}

	if r := e.post(viewer, `mutation($id: ID!) { restoreCollectionVersion(id: $id, version: 1) { id } }`, map[string]any{"id": id}); r.code() != "FORBIDDEN" {
		t.Errorf("viewer restoring: %+v; want FORBIDDEN", r.Errors)
	}
	if got := e.versions("COLLECTION", id); len(got) != 2 {
		t.Errorf("a refused restore changed the versions: %d", len(got))
	}
	var restored struct {
		RestoreCollectionVersion struct {
			Name          string `json:"name"`
			LatestVersion int    `json:"latestVersion"`
			Variables     []struct{ Name, Value string }
			Steps         []struct{ Name string }
		}
	}
	e.mustPost(editor, `mutation($id: ID!) { restoreCollectionVersion(id: $id, version: 1) { name latestVersion variables { name value } steps { name } } }`,
		map[string]any{"id": id}, &restored)
	got := restored.RestoreCollectionVersion
	if got.Name != "checkout flow" || got.LatestVersion != 3 || len(got.Variables) != 1 || got.Variables[0].Value != "http://127.0.0.1:9" || len(got.Steps) != 2 {
		t.Errorf("restored = %+v", got)
	}
	after := e.versions("COLLECTION", id)
	if len(after) != 3 || after[0].Summary != "restored version 1" || after[0].Document != before[1].Document || after[0].Actor != "editor@example.com (token test)" {
		t.Errorf("versions after restore = %+v", after)
	}
	if after[2].DiffToCurrent != "" {
		t.Errorf("version 1 differs from the restored current one:\n%s", after[2].DiffToCurrent)
	}
	if r := e.post(editor, `mutation($id: ID!) { restoreCollectionVersion(id: $id, version: 9) { id } }`, map[string]any{"id": id}); r.code() != "NOT_FOUND" {
		t.Errorf("restoring a missing version: %+v; want NOT_FOUND", r.Errors)
	}

	var run struct{ RunCollection struct{ ID string } }
	e.mustPost(editor, `mutation($id: ID!) { runCollection(id: $id) { id } }`, map[string]any{"id": id}, &run)
	var read struct {
		Run struct{ CollectionVersion *int }
	}
	e.mustPost(viewer, `query($id: ID!) { run(id: $id) { collectionVersion } }`, map[string]any{"id": run.RunCollection.ID}, &read)
	if read.Run.CollectionVersion == nil || *read.Run.CollectionVersion != 3 {
		t.Errorf("run's collection version = %v; want 3", read.Run.CollectionVersion)
	}
}

func TestRestoreMonitorVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	var created struct{ CreateCollection gqlCollection }
	e.mustPost(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": checkoutInput}, &created)
	var m struct{ CreateMonitor struct{ ID string } }
	e.mustPost(editor, `mutation($c: ID!) { createMonitor(input: {name: "m", schedule: "every 5m", collectionIds: [$c]}) { id } }`,
		map[string]any{"c": created.CreateCollection.ID}, &m)
	mid := m.CreateMonitor.ID
	e.mustPost(editor, `mutation($id: ID!, $c: ID!) { updateMonitor(id: $id, input: {name: "m", schedule: "every 15m", collectionIds: [$c]}) { id } }`,
		map[string]any{"id": mid, "c": created.CreateCollection.ID}, nil)
	if r := e.post(viewer, `mutation($id: ID!) { restoreMonitorVersion(id: $id, version: 1) { id } }`, map[string]any{"id": mid}); r.code() != "FORBIDDEN" {
		t.Errorf("viewer restoring a monitor: %+v", r.Errors)
	}
	var restored struct{ RestoreMonitorVersion struct{ Schedule string } }
	e.mustPost(editor, `mutation($id: ID!) { restoreMonitorVersion(id: $id, version: 1) { schedule } }`, map[string]any{"id": mid}, &restored)
	if restored.RestoreMonitorVersion.Schedule != "every 5m" {
		t.Errorf("restored schedule = %q", restored.RestoreMonitorVersion.Schedule)
	}
	vs := e.versions("MONITOR", mid)
	if len(vs) != 3 || vs[0].Summary != "restored version 1" || vs[1].Summary != "schedule changed" {
		t.Errorf("monitor versions = %+v", vs)
	}
}
