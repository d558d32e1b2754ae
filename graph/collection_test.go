package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

const collectionFields = `id name description variables { name value } secrets { name isSet }
	steps { id name method url headers { name value } body timeoutMs alwaysRun continueOnFailure followRedirects insecure
		retry { attempts intervalMs } assertions { source property comparison target } }
	lastRun { id } monitors { id }`

type gqlStep struct {
	ID         string
	Name       string
	Method     string
	URL        string
	Headers    []struct{ Name, Value string }
	TimeoutMs  *int
	Assertions []struct{ Source, Property, Comparison, Target string }
}

type gqlCollection struct {
	ID          string
	Name        string
	Description string
	Variables   []struct{ Name, Value string }
	Secrets     []struct {
		Name  string
		IsSet bool
	}
	Steps    []gqlStep
	LastRun  *struct{ ID string }
	Monitors []struct{ ID string }
}

var checkoutInput = map[string]any{
	"name":        "checkout flow",
	"description": "log in, then read the profile",
	"variables":   []map[string]any{{"name": "base", "value": "http://127.0.0.1:9"}},
	"secrets":     []map[string]any{{"name": "password", "value": "hunter2-very-secret"}},
	"steps": []map[string]any{
		{
			"name": "login", "method": "POST", "url": "@<<vars.base>>/login",
			"headers":    []map[string]any{{"name": "Content-Type", "value": "application/json"}},
			"body":       `{"user":"demo","password":"@<<secrets.password>>"}`,
			"timeoutMs":  5000,
			"assertions": []map[string]any{{"source": "STATUS", "comparison": "EQUALS", "target": "200"}, {"source": "BODY", "property": "token", "comparison": "EXISTS"}},
		},
		{
			"name": "me", "method": "GET", "url": "@<<vars.base>>/users/me",
			"headers":    []map[string]any{{"name": "Authorization", "value": "Bearer @<<login.body.token>>"}},
			"assertions": []map[string]any{{"source": "HEADER", "property": "content-type", "comparison": "CONTAINS", "target": "json"}},
		},
	},
}

func TestCollectionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor := e.tokens[collection.RoleEditor]

	// Create: the secret is write-only.
	raw := e.post(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { `+collectionFields+` } }`, map[string]any{"in": checkoutInput})
	if len(raw.Errors) > 0 {
		t.Fatalf("create: %+v", raw.Errors)
	}
	if strings.Contains(string(raw.Data), "hunter2") {
		t.Fatalf("the secret value came back: %s", raw.Data)
	}
	var created struct{ CreateCollection gqlCollection }
	if err := json.Unmarshal(raw.Data, &created); err != nil {
		t.Fatal(err)
	}
	c := created.CreateCollection
	if c.Name != "checkout flow" || len(c.Steps) != 2 || c.Steps[1].Name != "me" || c.LastRun != nil {
		t.Fatalf("created %+v", c)
	}
	if len(c.Secrets) != 1 || c.Secrets[0].Name != "password" || !c.Secrets[0].IsSet {
		t.Fatalf("secrets %+v", c.Secrets)
	}
	if c.Steps[0].TimeoutMs == nil || *c.Steps[0].TimeoutMs != 5000 || c.Steps[0].Assertions[1].Comparison != "EXISTS" {
		t.Fatalf("step 0 %+v", c.Steps[0])
	}

	// A reference that cannot resolve is refused with the path in extensions.
	bad := map[string]any{"name": "broken", "steps": []map[string]any{
		{"name": "a", "method": "GET", "url": "http://127.0.0.1:9/a"},
		{"name": "b", "method": "GET", "url": "http://127.0.0.1:9/@<<nope.body.id>>"},
	}}
	r := e.post(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": bad})
	if r.code() != "INVALID" {
		t.Fatalf("want INVALID, got %+v", r.Errors)
	}
	fields, _ := r.Errors[0].Extensions["fields"].([]any)
	if len(fields) == 0 {
		t.Fatalf("no fields in %+v", r.Errors[0].Extensions)
	}
	f0 := fields[0].(map[string]any)
	if !strings.HasPrefix(f0["path"].(string), "steps[1]") || f0["step"] != "b" || !strings.Contains(f0["message"].(string), "unknown step 'nope'") {
		t.Fatalf("field error %+v", f0)
	}

	// Read one, with children.
	var got struct{ Collection *gqlCollection }
	e.mustPost(e.tokens[collection.RoleViewer], `query($id: ID!) { collection(id: $id) { `+collectionFields+` } }`, map[string]any{"id": c.ID}, &got)
	if got.Collection == nil || len(got.Collection.Steps) != 2 || got.Collection.Variables[0].Value != "http://127.0.0.1:9" {
		t.Fatalf("collection %+v", got.Collection)
	}

	// Update own fields.
	var upd struct{ UpdateCollection gqlCollection }
	e.mustPost(editor, `mutation($id: ID!) { updateCollection(id: $id, input: {name: "checkout v2", variables: [{name: "base", value: "http://127.0.0.1:8"}]}) { name variables { name value } } }`,
		map[string]any{"id": c.ID}, &upd)
	if upd.UpdateCollection.Name != "checkout v2" || upd.UpdateCollection.Variables[0].Value != "http://127.0.0.1:8" {
		t.Fatalf("updated %+v", upd.UpdateCollection)
	}

	// Steps: add at the front, update, move to the end, delete.
	var add struct{ AddStep gqlStep }
	e.mustPost(editor, `mutation($id: ID!) { addStep(collectionId: $id, position: 0, input: {name: "health", method: "GET", url: "@<<vars.base>>/health"}) { id name } }`,
		map[string]any{"id": c.ID}, &add)
	var us struct{ UpdateStep gqlStep }
	e.mustPost(editor, `mutation($id: ID!) { updateStep(id: $id, input: {name: "health", method: "HEAD", url: "@<<vars.base>>/healthz"}) { id method url } }`,
		map[string]any{"id": add.AddStep.ID}, &us)
	if us.UpdateStep.Method != "HEAD" || us.UpdateStep.URL != "@<<vars.base>>/healthz" {
		t.Fatalf("updateStep %+v", us.UpdateStep)
	}
	var mv struct{ MoveStep gqlCollection }
	e.mustPost(editor, `mutation($c: ID!, $s: ID!) { moveStep(collectionId: $c, id: $s, position: 2) { steps { name } } }`,
		map[string]any{"c": c.ID, "s": add.AddStep.ID}, &mv)
	if names := stepNames(mv.MoveStep); names != "login,me,health" {
		t.Fatalf("after move: %s", names)
	}
	// Moving a step through another collection's id is refused.
	var other struct{ CreateCollection gqlCollection }
	e.mustPost(editor, `mutation { createCollection(input: {name: "other", steps: [{name: "x", method: "GET", url: "http://127.0.0.1:9/"}]}) { id } }`, nil, &other)
	if r := e.post(editor, `mutation($c: ID!, $s: ID!) { moveStep(collectionId: $c, id: $s, position: 0) { id } }`,
		map[string]any{"c": other.CreateCollection.ID, "s": add.AddStep.ID}); r.code() != "NOT_FOUND" {
		t.Fatalf("cross-collection move: %+v", r.Errors)
	}
	e.mustPost(editor, `mutation($id: ID!) { deleteStep(id: $id) }`, map[string]any{"id": add.AddStep.ID}, nil)

	// Secrets: set another, delete it; values never come back.
	var ss struct{ SetSecret gqlCollection }
	e.mustPost(editor, `mutation($id: ID!) { setSecret(collectionId: $id, name: "apikey", value: "k-123456") { secrets { name isSet } } }`, map[string]any{"id": c.ID}, &ss)
	if len(ss.SetSecret.Secrets) != 2 {
		t.Fatalf("secrets %+v", ss.SetSecret.Secrets)
	}
	e.mustPost(editor, `mutation($id: ID!) { setSecret(collectionId: $id, name: "apikey", value: null) { id } }`, map[string]any{"id": c.ID}, nil)

	// Replace whole: stored secrets are kept unless deleted.
	var rep struct{ ReplaceCollection gqlCollection }
	e.mustPost(editor, `mutation($id: ID!, $in: CollectionInput!) { replaceCollection(id: $id, input: $in) { name steps { name } secrets { name } } }`,
		map[string]any{"id": c.ID, "in": map[string]any{
			"name": "replaced", "variables": []map[string]any{{"name": "base", "value": "http://127.0.0.1:7"}},
			"steps": []map[string]any{{"name": "only", "method": "POST", "url": "@<<vars.base>>/x", "body": "@<<secrets.password>>"}},
		}}, &rep)
	if rep.ReplaceCollection.Name != "replaced" || stepNames(rep.ReplaceCollection) != "only" || len(rep.ReplaceCollection.Secrets) != 1 {
		t.Fatalf("replaced %+v", rep.ReplaceCollection)
	}

	// Export, then import the export as a new collection.
	var ex struct{ ExportCollection string }
	e.mustPost(e.tokens[collection.RoleViewer], `query($id: ID!) { exportCollection(id: $id) }`, map[string]any{"id": c.ID}, &ex)
	if !strings.Contains(ex.ExportCollection, "name: replaced") || strings.Contains(ex.ExportCollection, "hunter2") {
		t.Fatalf("export:\n%s", ex.ExportCollection)
	}
	var exj struct{ ExportCollection string }
	e.mustPost(editor, `query($id: ID!) { exportCollection(id: $id, format: JSON) }`, map[string]any{"id": c.ID}, &exj)
	if !json.Valid([]byte(exj.ExportCollection)) {
		t.Fatalf("JSON export is not JSON: %s", exj.ExportCollection)
	}
	doc := strings.ReplaceAll(ex.ExportCollection, "@<<secrets.password>>", "plain")
	var im struct {
		ImportCollection struct {
			Collection gqlCollection
			Warnings   []string
		}
	}
	e.mustPost(editor, `mutation($d: String!) { importCollection(format: CATENA, document: $d) { collection { id name steps { name } } warnings } }`, map[string]any{"d": doc}, &im)
	if im.ImportCollection.Collection.Name != "replaced" || im.ImportCollection.Collection.ID == c.ID {
		t.Fatalf("import %+v", im.ImportCollection)
	}
	// A malformed file is INVALID and says where.
	if r := e.post(editor, `mutation { importCollection(format: CATENA, document: "name: [unclosed") { collection { id } } }`, nil); r.code() != "INVALID" {
		t.Fatalf("malformed import: %+v", r.Errors)
	}

	// Paging: first 2, then the rest.
	var page struct {
		Collections struct {
			Edges []struct {
				Cursor string
				Node   gqlCollection
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	e.mustPost(e.tokens[collection.RoleViewer], `{ collections(first: 2) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }`, nil, &page)
	if len(page.Collections.Edges) != 2 || !page.Collections.PageInfo.HasNextPage {
		t.Fatalf("page 1 %+v", page)
	}
	e.mustPost(e.tokens[collection.RoleViewer], `query($a: String) { collections(first: 2, after: $a) { edges { node { id name } } pageInfo { hasNextPage } } }`,
		map[string]any{"a": page.Collections.PageInfo.EndCursor}, &page)
	if len(page.Collections.Edges) != 1 || page.Collections.PageInfo.HasNextPage {
		t.Fatalf("page 2 %+v", page)
	}
	var search struct {
		Collections struct {
			Edges []struct{ Node gqlCollection }
		}
	}
	e.mustPost(editor, `{ collections(search: "OTH") { edges { node { name } } } }`, nil, &search)
	if len(search.Collections.Edges) != 1 || search.Collections.Edges[0].Node.Name != "other" {
		t.Fatalf("search %+v", search)
	}

	// Delete: gone for reads, NOT_FOUND for writes.
	e.mustPost(editor, `mutation($id: ID!) { deleteCollection(id: $id) }`, map[string]any{"id": c.ID}, nil)
	e.mustPost(editor, `query($id: ID!) { collection(id: $id) { id } }`, map[string]any{"id": c.ID}, &got)
	if got.Collection != nil {
		t.Fatal("deleted collection still readable")
	}
	if r := e.post(editor, `mutation($id: ID!) { updateCollection(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": c.ID}); r.code() != "NOT_FOUND" {
		t.Fatalf("update deleted: %+v", r.Errors)
	}
}

func TestImportPostman(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := `{
	  "info": {"name": "pm demo", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
	  "variable": [{"key": "base", "value": "http://127.0.0.1:9"}],
	  "item": [
	    {"name": "Auth", "item": [
	      {"name": "login", "request": {"method": "POST", "url": "{{base}}/login", "body": {"mode": "raw", "raw": "{}"}},
	       "event": [{"listen": "test", "script": {"exec": ["pm.test(\"ok\", function () { pm.response.to.have.status(200); });"]}}]}
	    ]},
	    {"name": "me", "request": {"method": "GET", "url": "{{base}}/me"},
	     "event": [{"listen": "test", "script": {"exec": ["console.log(pm.response.json().whatever.deep());"]}}]}
	  ]
	}`
	var out struct {
		ImportCollection struct {
			Collection gqlCollection
			Warnings   []string
		}
	}
	e.mustPost(e.tokens[collection.RoleEditor], `mutation($d: String!) { importCollection(format: POSTMAN, document: $d) {
		collection { name variables { name value } steps { name url assertions { source comparison target } } } warnings } }`,
		map[string]any{"d": doc}, &out)
	c := out.ImportCollection.Collection
	if c.Name != "pm demo" || stepNames(c) != "login,me" || c.Steps[0].URL != "@<<vars.base>>/login" {
		t.Fatalf("imported %+v", c)
	}
	if len(c.Steps[0].Assertions) == 0 || c.Steps[0].Assertions[0].Target != "200" {
		t.Fatalf("status check not converted: %+v", c.Steps[0].Assertions)
	}
	if len(out.ImportCollection.Warnings) == 0 {
		t.Fatal("the unconvertible script produced no warning")
	}
	// A Catena file sent as Postman is refused with a hint.
	r := e.post(e.tokens[collection.RoleEditor], `mutation { importCollection(format: POSTMAN, document: "{\"name\":\"x\",\"steps\":[]}") { collection { id } } }`, nil)
	if r.code() != "INVALID" || !strings.Contains(r.Errors[0].Message, "format CATENA") {
		t.Fatalf("%+v", r.Errors)
	}
}

func TestImportCurlAndHAR(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var out struct {
		ImportCollection struct {
			Collection gqlCollection
			Warnings   []string
		}
	}
	q := `mutation($f: ImportFormat!, $d: String!) { importCollection(format: $f, document: $d) {
		collection { name steps { name url assertions { source comparison target } } } warnings } }`
	e.mustPost(e.tokens[collection.RoleEditor], q, map[string]any{"f": "CURL", "d": "curl -X POST http://127.0.0.1:9/items -d a=1 --frobnicate"}, &out)
	if c := out.ImportCollection.Collection; c.Name != "Imported from curl" || stepNames(c) != "post_items" || len(out.ImportCollection.Warnings) != 1 {
		t.Fatalf("curl import: %+v %q", c, out.ImportCollection.Warnings)
	}
	har := `{"log":{"entries":[{"request":{"method":"GET","url":"http://127.0.0.1:9/x"},"response":{"status":200,"content":{"mimeType":"application/json","text":"{}"}}}]}}`
	e.mustPost(e.tokens[collection.RoleEditor], q, map[string]any{"f": "HAR", "d": har}, &out)
	if c := out.ImportCollection.Collection; stepNames(c) != "get_x" || len(c.Steps[0].Assertions) != 1 || c.Steps[0].Assertions[0].Target != "200" {
		t.Fatalf("HAR import: %+v", c)
	}
	oas := `{"openapi":"3.0.3","info":{"title":"oas","version":"1"},"servers":[{"url":"http://127.0.0.1:9"}],"paths":{"/ping":{"get":{"responses":{"200":{"description":"ok"}}}}}}`
	e.mustPost(e.tokens[collection.RoleEditor], q, map[string]any{"f": "OPENAPI", "d": oas}, &out)
	if c := out.ImportCollection.Collection; c.Name != "oas" || stepNames(c) != "get_ping" || c.Steps[0].URL != "@<<vars.base_url>>/ping" {
		t.Fatalf("OpenAPI import: %+v", c)
	}
	if r := e.post(e.tokens[collection.RoleEditor], q, map[string]any{"f": "CURL", "d": "wget http://a"}); r.code() != "INVALID" {
		t.Fatalf("a non-curl document: %+v", r.Errors)
	}
	// Options: an OpenAPI tag or chosen operations, a name for curl and HAR;
	// an option that does not apply to the format is refused.
	qo := `mutation($f: ImportFormat!, $d: String!, $o: ImportOptions) { importCollection(format: $f, document: $d, options: $o) {
		collection { name steps { name url assertions { source comparison target } } } warnings } }`
	oas2 := `{"openapi":"3.0.3","info":{"title":"oas","version":"1"},"servers":[{"url":"http://127.0.0.1:9"}],"paths":{
		"/ping":{"get":{"operationId":"ping","tags":["health"],"responses":{"200":{"description":"ok"}}}},
		"/items":{"get":{"operationId":"listItems","tags":["items"],"responses":{"200":{"description":"ok"}}},"post":{"tags":["items"],"responses":{"201":{"description":"ok"}}}}}}`
	e.mustPost(e.tokens[collection.RoleEditor], qo, map[string]any{"f": "OPENAPI", "d": oas2, "o": map[string]any{"tag": "items"}}, &out)
	if c := out.ImportCollection.Collection; c.Name != "oas – items" || stepNames(c) != "list_items,post_items" {
		t.Fatalf("OpenAPI by tag: %+v", c)
	}
	e.mustPost(e.tokens[collection.RoleEditor], qo, map[string]any{"f": "OPENAPI", "d": oas2, "o": map[string]any{"operations": []string{"ping", "POST /items"}}}, &out)
	if c := out.ImportCollection.Collection; stepNames(c) != "post_items,ping" {
		t.Fatalf("OpenAPI chosen operations: %+v", c)
	}
	e.mustPost(e.tokens[collection.RoleEditor], qo, map[string]any{"f": "CURL", "d": "curl http://127.0.0.1:9/items", "o": map[string]any{"name": "Items"}}, &out)
	if c := out.ImportCollection.Collection; c.Name != "Items" {
		t.Fatalf("curl with a name: %+v", c)
	}
	for _, tt := range []struct {
		f, d string
		o    map[string]any
	}{
		{"CURL", "curl http://127.0.0.1:9/x", map[string]any{"tag": "items"}},
		{"OPENAPI", oas2, map[string]any{"name": "x"}},
		{"OPENAPI", oas2, map[string]any{"operations": []string{"nope"}}},
	} {
		if r := e.post(e.tokens[collection.RoleEditor], qo, map[string]any{"f": tt.f, "d": tt.d, "o": tt.o}); r.code() != "INVALID" {
			t.Errorf("%s with %v: %+v", tt.f, tt.o, r.Errors)
		}
	}
}

func stepNames(c gqlCollection) string {
	names := make([]string, len(c.Steps))
	for i, s := range c.Steps {
		names[i] = s.Name
	}
	return strings.Join(names, ",")
}
