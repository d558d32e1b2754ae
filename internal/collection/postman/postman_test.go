package postman

import (
	"bytes"
	"errors"
	"flag"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/importtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixBoundaries replaces the random multipart boundaries with a fixed text so
// that golden files compare.
func fixBoundaries(c *collection.Collection) {
	for i, s := range c.Steps {
		_, params, err := mime.ParseMediaType(s.Headers["Content-Type"])
		if b := params["boundary"]; err == nil && b != "" {
			c.Steps[i].Body = strings.ReplaceAll(s.Body, b, "BOUNDARY")
			c.Steps[i].Headers["Content-Type"] = strings.ReplaceAll(s.Headers["Content-Type"], b, "BOUNDARY")
		}
	}
}

func TestImportPostmanGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.postman_collection.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least 3 Postman collections in testdata, found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, warnings, err := Import(data)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			fixBoundaries(c)
			got := importtest.Render(t, filepath.Base(file)+" by postman.Import", "go test ./internal/collection/postman -run TestImportPostmanGolden -update", c, warnings)
			golden := strings.TrimSuffix(file, ".postman_collection.json") + ".catena.yaml"
			importtest.Compare(t, golden, got, *update)
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			// The golden file is itself a valid Catena file holding the same collection.
			parsed, err := collection.Parse(want, golden)
			if err != nil {
				t.Fatalf("the golden file does not parse: %v", err)
			}
			noSecrets := *c
			noSecrets.Secrets = nil
			if !reflect.DeepEqual(canonical(parsed), canonical(&noSecrets)) {
				t.Errorf("the golden file parses to a different collection")
			}
			// Secret values never reach the file.
			for _, v := range c.Secrets {
				if bytes.Contains(want, []byte(v)) {
					t.Errorf("secret value %q appears in the exported file", v)
				}
			}
		})
	}
}

// TestImportPostmanShop checks the conversions a user relies on in the shop
// collection, so that a careless -update cannot bless a regression.
func TestImportPostmanShop(t *testing.T) {
	t.Parallel()
	c, warnings, err := Import(readTestdata(t, "shop_api.postman_collection.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range c.Steps {
		names = append(names, s.Name)
	}
	if want := []string{"login", "list_products", "create_order", "get_order", "cancel_order"}; !slices.Equal(names, want) {
		t.Fatalf("steps %v, want %v (folders flattened in order)", names, want)
	}
	login, list, create, get, cancel := c.Steps[0], c.Steps[1], c.Steps[2], c.Steps[3], c.Steps[4]
	if _, ok := login.Headers["Authorization"]; ok {
		t.Errorf("login has noauth but got an Authorization header")
	}
	if login.Body != "{\n  \"email\": \"@<<vars.username>>\",\n  \"password\": \"@<<vars.password>>\"\n}" || login.Headers["Content-Type"] != "application/json" {
		t.Errorf("login body/headers = %q %v", login.Body, login.Headers)
	}
	if got := list.Headers["Authorization"]; got != "Bearer @<<login.body.access_token>>" {
		t.Errorf("{{token}} set by login's script should become a step reference, got %q", got)
	}
	if list.URL != "@<<vars.baseUrl>>/products?limit=@<<vars.pageSize>>&sort=price" {
		t.Errorf("list URL = %q", list.URL)
	}
	if c.Variables["pageSize"] != "10" || c.Variables["orderRef"] != "" {
		t.Errorf("variables = %v", c.Variables)
	}
	if _, ok := c.Variables["unused"]; ok {
		t.Errorf("a disabled variable was imported")
	}
	if create.Body != `{"product_id": "@<<list_products.body.items.0.id>>", "quantity": 1, "reference": "@<<vars.orderRef>>"}` {
		t.Errorf("create body = %q", create.Body)
	}
	if create.Headers["Idempotency-Key"] != "@<<$uuid>>" {
		t.Errorf("{{$guid}} should become @<<$uuid>>: %v", create.Headers)
	}
	if _, ok := create.Headers["X-Debug"]; ok {
		t.Errorf("a disabled header was imported")
	}
	wantCreate := []collection.Assertion{
		{Source: collection.SourceLatency, Comparison: collection.LessThan, Target: "800"}, // from the Orders folder's script
		{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "201"},
		{Source: collection.SourceBody, Property: "status", Comparison: collection.Equals, Target: "pending"},
	}
	if !reflect.DeepEqual(create.Assertions, wantCreate) {
		t.Errorf("create assertions = %+v", create.Assertions)
	}
	if get.URL != "@<<vars.baseUrl>>/orders/@<<create_order.body.id>>" {
		t.Errorf("path variable :orderId = {{orderId}} should become a step reference: %q", get.URL)
	}
	if !slices.Contains(get.Assertions, collection.Assertion{Source: collection.SourceBody, Property: "total", Comparison: collection.TypeIs, Target: "number"}) ||
		!slices.Contains(get.Assertions, collection.Assertion{Source: collection.SourceHeader, Property: "Content-Type", Comparison: collection.Contains, Target: "json"}) {
		t.Errorf("get assertions = %+v", get.Assertions)
	}
	if cancel.Method != "DELETE" || cancel.Assertions[1] != (collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "204"}) {
		t.Errorf("cancel = %+v", cancel)
	}
	for _, want := range []string{
		`"Orders / Create order": pre-request script of "Orders / Create order" not converted`,
		`"Orders / Create order": test script statement not converted: pm.expect(order.lines).to.have.lengthOf(1)`,
		`"Orders / Get order": test script statement not converted: pm.expect(jsonData.id).to.eql(pm.environment.get("orderId"))`,
		`variable {{orderRef}} is not defined in the collection`,
	} {
		if !slices.ContainsFunc(warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
			t.Errorf("missing warning %q in\n%s", want, strings.Join(warnings, "\n"))
		}
	}
}

func TestImportPostmanLegacyCRM(t *testing.T) {
	t.Parallel()
	c, warnings, err := Import(readTestdata(t, "legacy_crm.postman_collection.json"))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]collection.Step{}
	for _, s := range c.Steps {
		byName[s.Name] = s
	}
	if _, ok := byName["link_contacts"]; ok {
		t.Errorf("a LINK request cannot run and should be skipped")
	}
	ping := byName["ping"]
	if ping.Method != "GET" || ping.URL != "http://@<<vars.host>>/ping" || ping.Headers != nil {
		t.Errorf("ping = %+v", ping)
	}
	create := byName["create_contact_form"]
	if create.URL != "http://@<<vars.host>>/v2/contacts?api_key=@<<secrets.api_key>>" {
		t.Errorf("apikey in query from the folder: %q", create.URL)
	}
	if create.Body != "name=Ada+Lovelace&email=%7B%7B%24randomEmail%7D%7D&tenant=@<<vars.tenant>>" {
		t.Errorf("urlencoded body = %q", create.Body)
	}
	if _, ok := create.Headers["Authorization"]; ok {
		t.Errorf("the folder's API key replaces the collection's basic auth")
	}
	if c.Secrets["api_key"] != "k-1234567890" || c.Secrets["basic_auth"] != "Basic Y3JtLW1vbml0b3I6czNjcmV0LXBhc3M=" {
		t.Errorf("literal credentials should become secrets: %v", c.Secrets)
	}
	if me := byName["who_am_i"]; me.Headers["Authorization"] != "@<<secrets.basic_auth>>" {
		t.Errorf("the collection's basic auth should reach a top-level request: %+v", me)
	}
	partner := byName["_2fa_check_partner"]
	if _, ok := partner.Headers["Authorization"]; ok || partner.Name == "" {
		t.Errorf("a request with its own (unsupported) oauth2 auth does not inherit basic auth: %+v", partner)
	}
	if c.Variables["api_url"] != "http://@<<vars.host>>/v2" && c.Variables["api_url"] != "http://127.0.0.1:8081/v2" {
		t.Errorf("variable inside a variable: %q", c.Variables["api_url"])
	}
	get := byName["get_contact"]
	if get.Headers["X-Tenant"] != "@<<vars.tenant>>" || get.URL != "@<<vars.api_url>>/contacts/@<<create_contact_form.body.contact.id>>?api_key=@<<secrets.api_key>>" {
		t.Errorf("get contact = %+v", get)
	}
	if head := byName["get_contact_2"]; head.Method != "HEAD" || head.URL != "@<<create_contact_form.headers.Location>>?api_key=@<<secrets.api_key>>" {
		t.Errorf("duplicate name should get a suffix and the header reference: %+v", head)
	}
	upload := byName["upload_avatar"]
	mt, params, err := mime.ParseMediaType(upload.Headers["Content-Type"])
	if err != nil || mt != "multipart/form-data" || len(params["boundary"]) < 16 {
		t.Fatalf("form data content type %q: %v", upload.Headers["Content-Type"], err)
	}
	form, err := multipart.NewReader(strings.NewReader(upload.Body), params["boundary"]).ReadForm(1 << 20)
	if err != nil || !reflect.DeepEqual(form.Value, map[string][]string{"caption": {"Profile photo"}}) || len(form.File) != 0 {
		t.Errorf("form data = %q (%v): %v", upload.Body, err, form)
	}
	for _, want := range []string{
		`"Contacts / Upload avatar": form field "file" is a file upload`,
		`"Contacts / Import CSV": the body is a file`,
		`"2FA check / partner": oauth2 grant authorization_code needs a person in a browser`,
		`"Link contacts": method LINK is not supported`,
		`"Ping": the URL "@<<vars.host>>/ping" has no scheme`,
		`"Contacts / Create contact (form)": Postman dynamic variable {{$randomEmail}}`,
		`variable {{tenant}} is not defined`,
	} {
		if !slices.ContainsFunc(warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
			t.Errorf("missing warning %q in\n%s", want, strings.Join(warnings, "\n"))
		}
	}
}

func TestImportPostmanErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{"not JSON", "name: x\n", "invalid JSON"},
		{"syntax error", "{\n  \"info\": {,\n}", "2:12: invalid JSON"},
		{"wrong type", "{\"info\": {\"name\": \"x\"},\n \"item\": [\n  {\"name\": 12345}]}", "3:12: not a Postman v2 collection"},
		{"a list", `[{"info": {}}]`, "not a Postman v2 collection: document is a JSON array"},
		{"catena file", `{"name": "x", "steps": []}`, "this is a Catena file"},
		{"postman v1", `{"id": "1", "name": "x", "requests": []}`, "Postman v1 collection"},
		{"no items", `{"info": {"name": "x"}}`, `no "item" list found`},
		{"wrong item type", `{"info": {"name": "x"}, "item": "nope"}`, "item is a JSON string"},
	}
	for _, tt := range tests {
		c, _, err := Import([]byte(tt.doc))
		var pe *collection.ParseError
		if c != nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: c=%v err=%v, want a ParseError containing %q", tt.name, c, err, tt.want)
		}
	}
}

func TestImportPostmanScripts(t *testing.T) {
	t.Parallel()
	aliases := map[string]string{"jsonData": ""}
	tests := []struct {
		stmt string
		want collection.Assertion
	}{
		{`pm.response.to.have.status(200)`, collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}},
		{`pm.response.to.be.ok`, collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}},
		{`pm.expect(pm.response.code).to.eql(201)`, collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "201"}},
		{`pm.expect(pm.response.code).to.not.equal(500)`, collection.Assertion{Source: collection.SourceStatus, Comparison: collection.NotEquals, Target: "500"}},
		{`pm.expect(jsonData.user.name).to.eql("Ada")`, collection.Assertion{Source: collection.SourceBody, Property: "user.name", Comparison: collection.Equals, Target: "Ada"}},
		{`pm.expect(pm.response.json().a.b).to.equal('x "y"')`, collection.Assertion{Source: collection.SourceBody, Property: "a.b", Comparison: collection.Equals, Target: `x "y"`}},
		{`pm.expect(jsonData.items[2].id).to.eql(7)`, collection.Assertion{Source: collection.SourceBody, Property: "items.2.id", Comparison: collection.Equals, Target: "7"}},
		{`pm.expect(jsonData["a.b"]).to.eql(true)`, collection.Assertion{Source: collection.SourceBody, Property: `a\.b`, Comparison: collection.Equals, Target: "true"}},
		{`pm.expect(jsonData.items.length).to.be.at.least(1)`, collection.Assertion{Source: collection.SourceBody, Property: "items.#", Comparison: collection.GreaterOrEqual, Target: "1"}},
		{`pm.expect(jsonData.deleted_at).to.eql(null)`, collection.Assertion{Source: collection.SourceBody, Property: "deleted_at", Comparison: collection.TypeIs, Target: "null"}},
		{`pm.expect(jsonData.note).to.eql("")`, collection.Assertion{Source: collection.SourceBody, Property: "note", Comparison: collection.IsEmpty}},
		{`pm.expect(jsonData.id).to.exist`, collection.Assertion{Source: collection.SourceBody, Property: "id", Comparison: collection.Exists}},
		{`pm.expect(jsonData.tags).to.be.an("array")`, collection.Assertion{Source: collection.SourceBody, Property: "tags", Comparison: collection.TypeIs, Target: "array"}},
		{`pm.expect(pm.response.text()).to.include("ok")`, collection.Assertion{Source: collection.SourceText, Comparison: collection.Contains, Target: "ok"}},
		{`pm.expect(pm.response.responseTime).to.be.below(300)`, collection.Assertion{Source: collection.SourceLatency, Comparison: collection.LessThan, Target: "300"}},
		{`pm.expect(pm.response.headers.get('Cache-Control')).to.not.include("no-store")`, collection.Assertion{Source: collection.SourceHeader, Property: "Cache-Control", Comparison: collection.NotContains, Target: "no-store"}},
		{`pm.response.to.have.header("ETag")`, collection.Assertion{Source: collection.SourceHeader, Property: "ETag", Comparison: collection.Exists}},
		{`pm.expect(jsonData.code).to.match(/^[A-Z]{3}$/)`, collection.Assertion{Source: collection.SourceBody, Property: "code", Comparison: collection.Matches, Target: "^[A-Z]{3}$"}},
	}
	for _, tt := range tests {
		im := &importer{produced: map[string]string{}}
		s := collection.Step{Name: "s"}
		if !im.testStatement(&s, unwrap(tt.stmt), aliases) || len(s.Assertions) != 1 || s.Assertions[0] != tt.want {
			t.Errorf("%s\n got %+v\nwant %+v", tt.stmt, s.Assertions, tt.want)
		}
	}
	for _, stmt := range []string{
		`pm.expect(jsonData.items).to.have.lengthOf(2)`,
		`pm.expect(other.x).to.eql(1)`,
		`pm.expect(pm.response.responseTime).to.be.below(limit)`,
		`pm.expect(pm.response.code).to.be.oneOf([200, 201])`,
		`pm.expect(pm.response.code).to.include("2")`,
		`console.log(jsonData)`,
		`tests["ok"] = responseCode.code === 200`,
	} {
		im := &importer{produced: map[string]string{}}
		if s := (collection.Step{Name: "s"}); im.testStatement(&s, stmt, aliases) {
			t.Errorf("%s should not convert, got %+v", stmt, s.Assertions)
		}
	}
}

func TestImportPostmanStatements(t *testing.T) {
	t.Parallel()
	got := statements([]string{
		`pm.test("a; b", function () { pm.response.to.have.status(200); }); // trailing; comment`,
		`var x = "http://a"; pm.environment.set('t', x.token)`,
	})
	want := []string{`pm.test("a; b", function () { pm.response.to.have.status(200)`, `})`, `var x = "http://a"`, `pm.environment.set('t', x.token)`}
	if !slices.Equal(got, want) {
		t.Errorf("statements = %q\nwant %q", got, want)
	}
	if u := unwrap(`pm.test("Status is 200", () => pm.response.to.have.status(200))`); u != "pm.response.to.have.status(200)" {
		t.Errorf("unwrap = %q", u)
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	im := &importer{names: map[string]bool{}}
	for _, tt := range []struct{ in, want string }{
		{"Login", "login"},
		{"Get user (by id)", "get_user_by_id"},
		{"Get user (by id)", "get_user_by_id_2"},
		{"2FA", "_2fa"},
		{"   ", "request"},
		{"Café ☕ order", "caf_order"},
		{"vars", "vars_request"},
		{"kebab-case-name", "kebab_case_name"},
		{strings.Repeat("long ", 30), strings.TrimSuffix(strings.Repeat("long_", 12), "_")},
	} {
		if got := im.stepName(tt.in); got != tt.want || !collection.ValidStepName(got) {
			t.Errorf("stepName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := sanitize("api url", false); got != "api_url" {
		t.Errorf("variable key = %q", got)
	}
}

// FuzzImportPostman: the importer never panics, and a collection it returns
// without error is valid and survives the Catena file format.
func FuzzImportPostman(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.postman_collection.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"info":{"name":"x"},"item":[{"name":"a","request":"http://127.0.0.1/{{p}}"}]}`))
	f.Add([]byte(`{"info":{"name":"x"},"item":[{"name":"f","item":[{"name":"a","request":{"url":{"host":"h","path":"p"},"auth":{"type":"bearer","bearer":{"token":"t"}}}}]}]}`))
	f.Add([]byte(`{"info":{},"item":[{"request":{"method":"post","body":{"mode":"graphql","graphql":{"query":"{a}","variables":"{"}}}}]}`))
	f.Add([]byte(`{"item":[{"name":"a","event":{"listen":"test","script":{"exec":"if (x) { pm.globals.set('t', pm.response.json().a) }"}},"request":"http://a/{{b.c}}"}]}`))
	f.Add([]byte(`{"item":[{"name":"a","event":[{"listen":"test","script":{"exec":["var d = JSON.parse(responseBody) || {};","tests['a'] = !d.hasOwnProperty('x') && responseTime <= 10;"]}}],"request":{"method":"POST","url":"http://a","body":{"mode":"formdata","formdata":[{"key":"k","value":"v"}]}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, warnings, err := Import(data)
		if err != nil {
			var pe *collection.ParseError
			var ve *collection.ValidationError
			switch {
			case errors.As(err, &pe):
				if c != nil {
					t.Fatalf("a ParseError with a collection")
				}
			case errors.As(err, &ve):
				if c == nil {
					t.Fatalf("a ValidationError without the collection")
				}
			default:
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, w := range warnings {
			if w == "" {
				t.Fatal("empty warning")
			}
		}
		if len(c.Steps) == 0 {
			return
		}
		checkRoundTrip(t, &collection.Collection{Name: c.Name, Description: c.Description, Variables: c.Variables, Steps: c.Steps})
	})
}
