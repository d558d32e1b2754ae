package collection

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestBrowserStepRoundTrip(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/browser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "browser.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	s := c.Steps[1]
	if !s.Browser() || s.Method != "" || len(s.Actions) != 14 {
		t.Fatalf("browser step read as kind %q method %q with %d actions", s.Kind, s.Method, len(s.Actions))
	}
	want := []Action{
		{Type: ActionSetCookie, Name: "session", Value: "@<<login.body.token>>"},
		{Type: ActionNavigate, URL: "@<<vars.web>>/login"},
		{Type: ActionFill, Selector: "#email", Value: "demo@example.com"},
	}
	for i, w := range want {
		if !reflect.DeepEqual(s.Actions[i], w) {
			t.Errorf("action %d = %+v, want %+v", i, s.Actions[i], w)
		}
	}
	if a := s.Actions[8]; a.Text != "Welcome" || a.Selector != ".banner" {
		t.Errorf("wait_for text = %+v", a)
	}
	if a := s.Actions[7]; a.Selector != ".order-list" || a.Timeout.String() != "5s" {
		t.Errorf("wait_for selector = %+v", a)
	}
	if !s.Actions[10].NetworkIdle || s.Actions[9].URL != "/orders" {
		t.Errorf("wait_for url/network idle = %+v %+v", s.Actions[9], s.Actions[10])
	}
	if got := s.Extracts(); !reflect.DeepEqual(got, []string{"order_id", "banner"}) {
		t.Errorf("Extracts() = %v", got)
	}
	if c.Steps[2].Method != "GET" || c.Steps[2].Kind != "" {
		t.Errorf("an HTTP step after a browser step: kind %q method %q", c.Steps[2].Kind, c.Steps[2].Method)
	}
	for _, f := range []Format{FormatYAML, FormatJSON} {
		out, err := Marshal(c, f)
		if err != nil {
			t.Fatalf("Marshal %s: %v", f, err)
		}
		back, err := Parse(out, "again."+string(f))
		if err != nil {
			t.Fatalf("re-Parse %s: %v\n%s", f, err, out)
		}
		if !reflect.DeepEqual(back.Steps, c.Steps) {
			t.Errorf("%s round trip changed the steps:\n%s", f, out)
		}
		if strings.Contains(string(out), "method: \"\"") || strings.Contains(string(out), `"method": ""`) {
			t.Errorf("%s output writes an empty method for the browser step:\n%s", f, out)
		}
	}
}

// browserCollection is valid; each case in TestValidateBrowser breaks one thing.
func browserCollection() *Collection {
	return &Collection{
		Name:      "shop",
		Variables: map[string]string{"web": "http://127.0.0.1:8080"},
		Steps: []Step{
			{Name: "login", Method: "POST", URL: "@<<vars.web>>/api/login"},
			{Name: "page", Kind: KindBrowser, URL: "@<<vars.web>>/login", Actions: []Action{
				{Type: ActionSetCookie, Name: "session", Value: "@<<login.body.token>>"},
				{Type: ActionFill, Selector: "#email", Value: "demo"},
				{Type: ActionClick, Selector: "button"},
				{Type: ActionExtract, Name: "order_id", Selector: ".order", Attribute: "data-id"},
			}, Assertions: []Assertion{
				{Source: SourceExtracted, Property: "order_id", Comparison: Matches, Target: "^[0-9]+$"},
				{Source: SourceText, Property: ".banner", Comparison: NotContains, Target: "error"},
				{Source: SourceURL, Comparison: Contains, Target: "/orders"},
			}},
			{Name: "order", Method: "GET", URL: "@<<vars.web>>/api/orders/@<<page.extracted.order_id>>"},
		},
	}
}

func TestValidateBrowser(t *testing.T) {
	t.Parallel()
	if err := browserCollection().Validate(); err != nil {
		t.Fatalf("the base collection is invalid: %v", err)
	}
	tests := []struct {
		name       string
		change     func(c *Collection)
		path, step string
		msg        string
	}{
		{"empty action list", func(c *Collection) { c.Steps[1].Actions, c.Steps[1].Assertions, c.Steps = nil, nil, c.Steps[:2] }, "steps[1].actions", "page", "needs at least one action"},
		{"missing selector", func(c *Collection) { c.Steps[1].Actions[2].Selector = "" }, "steps[1].actions[2].click", "page", "click needs a CSS selector"},
		{"extract name used twice", func(c *Collection) {
			c.Steps[1].Actions = append(c.Steps[1].Actions, Action{Type: ActionExtract, Name: "order_id", Selector: ".x"})
		}, "steps[1].actions[4].extract", "page", `extract name "order_id" is already used by action 3`},
		{"reference to a value no step extracts", func(c *Collection) {
			c.Steps[2].URL = "@<<vars.web>>/api/orders/@<<page.extracted.order>>"
		}, "steps[2].url", "order", `step 'page' extracts no value named "order" in @<<page.extracted.order>>; it extracts: order_id`},
		{"extracted from an HTTP step", func(c *Collection) {
			c.Steps[2].URL = "@<<vars.web>>/x/@<<login.extracted.id>>"
		}, "steps[2].url", "order", "step 'login' is an HTTP step and extracts nothing"},
		{"body of a browser step", func(c *Collection) {
			c.Steps[2].URL = "@<<vars.web>>/x/@<<page.body.id>>"
		}, "steps[2].url", "order", "step 'page' is a browser step; it offers only extracted values"},
		{"assertion on a name not extracted", func(c *Collection) { c.Steps[1].Assertions[0].Property = "nope" },
			"steps[1].assertions[0].property", "page", `no extract action of this step is named "nope"`},
		{"HTTP source in a browser step", func(c *Collection) { c.Steps[1].Assertions[0].Source = SourceStatus },
			"steps[1].assertions[0].source", "page", "not one of a browser step's sources"},
		{"method on a browser step", func(c *Collection) { c.Steps[1].Method = "POST" }, "steps[1].method", "page", "a browser step has no method"},
		{"action ref to a later step", func(c *Collection) { c.Steps[1].Actions[1].Value = "@<<order.body.x>>" },
			"steps[1].actions[1].value", "page", "runs later"},
		{"navigate to a file URL", func(c *Collection) {
			c.Steps[1].Actions[0] = Action{Type: ActionNavigate, URL: "file:///etc/passwd"}
		}, "steps[1].actions[0].navigate", "page", `uses scheme "file"`},
		{"wait_for two things", func(c *Collection) {
			c.Steps[1].Actions[0] = Action{Type: ActionWaitFor, URL: "/x", NetworkIdle: true}
		}, "steps[1].actions[0].wait_for", "page", "exactly one thing"},
		{"actions on an HTTP step", func(c *Collection) { c.Steps[0].Actions = []Action{{Type: ActionClick, Selector: "a"}} },
			"steps[0].actions", "login", "an HTTP step has no actions"},
		{"unknown kind", func(c *Collection) { c.Steps[0].Kind = "grpc" }, "steps[0].kind", "login", `kind "grpc" is not http or browser`},
		// Browser values are text: type_is and json_schema are HTTP-only.
		{"type_is on extracted text", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceExtracted, Property: "order_id", Comparison: TypeIs, Target: "number"}
		}, "steps[1].assertions[0].comparison", "page", "comparison \"type_is\" cannot be used with source extracted"},
		{"json_schema on the page text", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceText, Comparison: JSONSchema, Target: `{"type":"object"}`}
		}, "steps[1].assertions[0].comparison", "page", "comparison \"json_schema\" cannot be used with source text"},
		// The target checks are the HTTP steps' (one checkTarget for both).
		{"bad pattern on the URL", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceURL, Comparison: Matches, Target: "(unclosed"}
		}, "steps[1].assertions[0].target", "page", "invalid regular expression"},
		{"number comparison on extracted text", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceExtracted, Property: "order_id", Comparison: GreaterThan, Target: "many"}
		}, "steps[1].assertions[0].target", "page", `greater_than compares numbers; "many" is not a number`},
		{"missing target", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceURL, Comparison: Contains}
		}, "steps[1].assertions[0].target", "page", "comparison contains needs a target value"},
		{"HTTP json_schema still checked", func(c *Collection) {
			c.Steps[0].Assertions = []Assertion{{Source: SourceBody, Comparison: JSONSchema, Target: `[1]`}}
		}, "steps[0].assertions[0].target", "login", "a JSON Schema is an object"},
		{"HTTP type_is still checked", func(c *Collection) {
			c.Steps[0].Assertions = []Assertion{{Source: SourceBody, Property: "id", Comparison: TypeIs, Target: "integer"}}
		}, "steps[0].assertions[0].target", "login", `type "integer" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := browserCollection()
			tt.change(c)
			err := c.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			if len(ve.Fields) != 1 {
				t.Errorf("want exactly one problem, got %d: %v", len(ve.Fields), err)
			}
			f := ve.Fields[0]
			if f.Path != tt.path || f.Step != tt.step || !strings.Contains(f.Message, tt.msg) {
				t.Errorf("got  %#v\nwant path %q step %q message containing %q", f, tt.path, tt.step, tt.msg)
			}
		})
	}
}

// Problems found while reading an action are reported by Validate, naming
// the step, the action's index and the field, in YAML and JSON alike.
func TestParseBrowserActionProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, json, path, msg string
	}{
		{"unknown action", `{hover: "#menu"}`, `{"hover": "#menu"}`, "steps[0].actions[1]", "no action found (keys: hover); an action is one of navigate, click"},
		{"javascript", `{evaluate: "alert(1)"}`, `{"evaluate": "alert(1)"}`, "steps[0].actions[1]", "no action found"},
		{"two actions in one", `{click: a, fill: b}`, `{"click": "a", "fill": "b"}`, "steps[0].actions[1]", "one action per entry, found click and fill"},
		{"unknown field", `{click: a, value: b}`, `{"click": "a", "value": "b"}`, "steps[0].actions[1].value", `click takes no field "value" (only timeout)`},
		{"bad timeout", `{click: a, timeout: soon}`, `{"click": "a", "timeout": "soon"}`, "steps[0].actions[1].timeout", `timeout "soon" is not a duration`},
		{"wait_for unknown", `{wait_for: {title: x}}`, `{"wait_for": {"title": "x"}}`, "steps[0].actions[1].wait_for.title", `wait_for has no field "title"`},
		{"fill without selector", `{fill: "", value: x}`, `{"fill": "", "value": "x"}`, "steps[0].actions[1].fill", "fill needs a CSS selector"},
		{"value not text", `{fill: a, value: [1]}`, `{"fill": "a", "value": [1]}`, "steps[0].actions[1].value", "value must be text, not a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs := map[Format]string{
				FormatYAML: "name: c\nsteps:\n  - name: page\n    kind: browser\n    url: http://127.0.0.1:1/\n    actions:\n      - {click: a}\n      - " + tt.yaml + "\n",
				FormatJSON: `{"name": "c", "steps": [{"name": "page", "kind": "browser", "url": "http://127.0.0.1:1/", "actions": [{"click": "a"}, ` + tt.json + `]}]}`,
			}
			for f, doc := range docs {
				_, err := Parse([]byte(doc), "x")
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("%s: Parse() = %v, want a *ValidationError", f, err)
				}
				fe := ve.Fields[0]
				if fe.Path != tt.path || fe.Step != "page" || !strings.Contains(fe.Message, tt.msg) {
					t.Errorf("%s: got %#v, want path %q message containing %q", f, fe, tt.path, tt.msg)
				}
			}
		})
	}
}
