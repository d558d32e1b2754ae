package graph_test

import (
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// Browser steps through the API: created with kind and actions (JSON file
// form), read back the same, and a malformed or unknown action refused
// naming the step, the action's index and the field.
func TestBrowserStepThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor := e.tokens[collection.RoleEditor]
	in := map[string]any{"name": "shop", "steps": []map[string]any{
		{"name": "login", "method": "POST", "url": "http://127.0.0.1:9/api/login"},
		{"name": "page", "method": "", "kind": "BROWSER", "url": "http://127.0.0.1:9/orders",
			"actions":    []string{`{"set_cookie":"session","value":"@<<login.body.token>>"}`, `{"extract":"order_id","selector":".order","attribute":"data-id"}`},
			"assertions": []map[string]any{{"source": "EXTRACTED", "property": "order_id", "comparison": "MATCHES", "target": "^[0-9]+$"}}},
		{"name": "order", "method": "GET", "url": "http://127.0.0.1:9/api/orders/@<<page.extracted.order_id>>"},
	}}
	var got struct {
		CreateCollection struct {
			ID    string
			Steps []struct {
				Name, Kind, Method string
				Actions            []string
				Assertions         []struct{ Source string }
			}
		}
	}
	e.mustPost(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id steps { name kind method actions assertions { source } } } }`, map[string]any{"in": in}, &got)
	st := got.CreateCollection.Steps[1]
	if st.Kind != "BROWSER" || st.Method != "" || len(st.Actions) != 2 || st.Actions[0] != `{"set_cookie":"session","value":"@<<login.body.token>>"}` || st.Assertions[0].Source != "EXTRACTED" {
		t.Fatalf("browser step read back as %+v", st)
	}
	if got.CreateCollection.Steps[0].Kind != "HTTP" {
		t.Errorf("HTTP step kind = %q", got.CreateCollection.Steps[0].Kind)
	}

	for _, tc := range []struct{ action, path, msg string }{
		{`{"hover": "#menu"}`, "steps[0].actions[1]", "no action found (keys: hover)"},
		{`["click"]`, "steps[0].actions[1]", "a browser action is a mapping"},
		{`{"click": ""}`, "steps[0].actions[1].click", "click needs a CSS selector"},
	} {
		bad := map[string]any{"name": "bad", "steps": []map[string]any{{"name": "page", "method": "", "kind": "BROWSER", "url": "http://127.0.0.1:9/",
			"actions": []string{`{"click": "a"}`, tc.action}}}}
		r := e.post(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": bad})
		if r.code() != "INVALID" {
			t.Fatalf("%s: want INVALID, got %+v", tc.action, r.Errors)
		}
		f0 := r.Errors[0].Extensions["fields"].([]any)[0].(map[string]any)
		if f0["path"] != tc.path || f0["step"] != "page" || !strings.Contains(f0["message"].(string), tc.msg) {
			t.Errorf("%s: field error %+v", tc.action, f0)
		}
	}
}
