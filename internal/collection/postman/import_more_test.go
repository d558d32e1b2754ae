package postman

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

func hasWarning(warnings []string, prefix string) bool {
	return slices.ContainsFunc(warnings, func(w string) bool { return strings.HasPrefix(w, prefix) })
}

// TestImportPostmanConduit checks what the real RealWorld "Conduit"
// collection relies on: legacy tests[] assignments, named conditions
// (`var is200Response = responseCode.code === 200`), regular expression tests
// and Number.isInteger become assertions, and the token stored inside an if
// guard reaches the authenticated requests.
func TestImportPostmanConduit(t *testing.T) {
	t.Parallel()
	c, warnings, err := Import(readTestdata(t, "realworld_conduit.postman_collection.json"))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]collection.Step{}
	n := 0
	for _, s := range c.Steps {
		byName[s.Name] = s
		n += len(s.Assertions)
	}
	if len(c.Steps) != 32 || n < 350 || len(warnings) > 25 {
		t.Errorf("steps %d, assertions %d, warnings %d: want 32 steps, most of the 475 test statements as assertions and few warnings", len(c.Steps), n, len(warnings))
	}
	login, create, read, all := byName["login_and_remember_token"], byName["create_article"], byName["single_article_by_slug"], byName["all_articles"]
	if !slices.Contains(login.Assertions, collection.Assertion{Source: collection.SourceBody, Property: "user.token", Comparison: collection.Exists}) {
		t.Errorf("login lacks user.token exists: %+v", login.Assertions)
	}
	if h := byName["current_user"].Headers["Authorization"]; h != "Token @<<login_and_remember_token.body.user.token>>" {
		t.Errorf("the token set in an if guard should become a reference: %q", h)
	}
	if read.URL != "@<<vars.APIURL>>/articles/@<<create_article.body.article.slug>>" {
		t.Errorf("the slug stored by create_article: %q", read.URL)
	}
	for _, want := range []collection.Assertion{
		{Source: collection.SourceBody, Property: "article.tagList", Comparison: collection.TypeIs, Target: "array"},
		{Source: collection.SourceBody, Property: "article.favoritesCount", Comparison: collection.JSONSchema, Target: `{"type":"integer"}`},
		{Source: collection.SourceBody, Property: "article.createdAt", Comparison: collection.Matches, Target: `^\d{4,}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d.\d+(?:[+-][0-2]\d:[0-5]\d|Z)$`},
	} {
		if !slices.Contains(create.Assertions, want) {
			t.Errorf("create_article lacks %+v", want)
		}
	}
	// var is200Response = responseCode.code === 200; tests[…] = is200Response; if (is200Response) {…}
	for _, want := range []collection.Assertion{
		{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"},
		{Source: collection.SourceBody, Property: "articles.#", Comparison: collection.GreaterThan, Target: "0"},
		{Source: collection.SourceBody, Property: "articles.0.slug", Comparison: collection.Exists},
	} {
		if !slices.Contains(all.Assertions, want) {
			t.Errorf("all_articles lacks %+v: %+v", want, all.Assertions)
		}
	}
	if !hasWarning(warnings, "\"Auth / Register\": test script: the guard `if (!(environment.isIntegrationTest))` could not be converted") ||
		!hasWarning(warnings, "\"Articles / All Articles\": test script: the else branch of `if (responseJSON.articles.length)` is not converted") {
		t.Errorf("an unconvertible guard and an else branch must be flagged:\n%s", strings.Join(warnings, "\n"))
	}
	if _, ok := c.Variables["token"]; ok {
		t.Errorf("a variable produced by a script should not be added as an empty variable")
	}
}

// TestImportPostmanDottedInherited covers the shapes that used to refuse a
// whole file: dotted and spaced variable names, no info.schema, an event given
// as an object, folder auth/variables/events, and one request that cannot
// become a step.
func TestImportPostmanDottedInherited(t *testing.T) {
	t.Parallel()
	c, warnings, err := Import(readTestdata(t, "dotted_inherited.postman_collection.json"))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]collection.Step{}
	for _, s := range c.Steps {
		byName[s.Name] = s
	}
	if len(c.Steps) != 5 {
		t.Errorf("steps = %d, want 5 (the bad request left out, the rest kept)", len(c.Steps))
	}
	in := byName["inherits_folder"]
	if in.URL != "@<<vars.host_1>>@<<vars.folder_path>>?q=@<<vars.my_var>>" || c.Variables["host_1"] != "http://127.0.0.1:8080" || c.Variables["my_var"] != "spaced value" {
		t.Errorf("dotted/spaced variables: %q %v", in.URL, c.Variables)
	}
	if in.Headers["Authorization"] != "@<<secrets.basic_auth>>" || c.Secrets["basic_auth"] != "Basic YWxpY2U6d29uZGVy" {
		t.Errorf("folder basic auth should be inherited: %v", in.Headers)
	}
	for _, want := range []collection.Assertion{
		{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}, // collection event given as an object
		{Source: collection.SourceHeader, Property: "X-Folder", Comparison: collection.Exists},
	} {
		if !slices.Contains(in.Assertions, want) {
			t.Errorf("inherited event assertion %+v missing: %+v", want, in.Assertions)
		}
	}
	if top := byName["top"]; top.Headers["Authorization"] != "Bearer @<<vars.collection_token>>" {
		t.Errorf("top-level request keeps the collection's bearer auth: %v", top.Headers)
	}
	if u := byName["uses_id"]; u.URL != "@<<vars.host_1>>/items/@<<top.body.id>>" {
		t.Errorf("set inside an if with an else: %q", u.URL)
	}
	for _, want := range []string{
		`"Folder / Bad URL": the request was left out, it does not make a valid step: steps[2].url:`,
		"\"Top\": test script: the else branch of `if (responseCode.code === 201)` is not converted",
		`"Top": test script statement not converted: postman.setNextRequest('x')`,
		`"Broken script": test script is not valid JavaScript`,
	} {
		if !hasWarning(warnings, want) {
			t.Errorf("missing warning %q in\n%s", want, strings.Join(warnings, "\n"))
		}
	}
}

func TestImportPostmanEnvironment(t *testing.T) {
	t.Parallel()
	globals := []byte(`{"name":"g","_postman_variable_scope":"globals","values":[{"key":"APIURL","value":"http://globals.invalid","enabled":true},{"key":"unused","value":"x","enabled":false}]}`)
	env := []byte(`{"name":"dev","_postman_variable_scope":"environment","values":[
		{"key":"APIURL","value":"http://127.0.0.1:3000/api","enabled":true},
		{"key":"PASSWORD","value":"env-pass","enabled":true},
		{"key":"signing","value":"s-1","type":"secret"},
		{"key":"api_key","value":"k-9"}]}`)
	c, _, err := ImportWithEnvironments(readTestdata(t, "conduit_like_env.json"), globals, env)
	if err != nil {
		t.Fatal(err)
	}
	dev, ok := c.Environments["dev"]
	if !ok {
		t.Fatalf("the environment file should become environment dev; environments: %v", c.EnvironmentNames())
	}
	if dev.Variables["APIURL"] != "http://127.0.0.1:3000/api" || c.Variables["APIURL"] != "http://globals.invalid" {
		t.Errorf("dev's APIURL %q should override the globals' %q kept by the collection", dev.Variables["APIURL"], c.Variables["APIURL"])
	}
	if _, ok := c.Variables["PASSWORD"]; ok || dev.SecretValues["PASSWORD"] != "env-pass" || dev.SecretValues["signing"] != "s-1" || dev.SecretValues["api_key"] != "k-9" {
		t.Errorf("secret-looking keys should become dev's secrets: vars %v, dev %+v", c.Variables, dev)
	}
	if !slices.Equal(dev.Secrets, []string{"PASSWORD", "signing", "api_key"}) {
		t.Errorf("dev's secret names %q", dev.Secrets)
	}
	if c.Secrets["PASSWORD"] != "password-1" {
		t.Errorf("the collection's own PASSWORD should stay, as a secret, for runs without an environment: %v", c.Secrets)
	}
	if _, ok := c.Variables["unused"]; ok {
		t.Errorf("a disabled environment value was imported")
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the imported collection is invalid: %v", err)
	}
	if !strings.Contains(c.Steps[0].Body, `"password":"@<<secrets.PASSWORD>>"`) {
		t.Errorf("a request using a secret variable should reference the secret: %s", c.Steps[0].Body)
	}
	if _, _, err := ImportWithEnvironments(readTestdata(t, "realworld_conduit.postman_collection.json"), []byte(`{"name":"x"}`)); err == nil || !strings.Contains(err.Error(), "environment file 1: not a Postman environment") {
		t.Errorf("a file without values: %v", err)
	}
}

// TestImportPostmanLarge imports a collection close to the size limit (bounded
// by the linear importer; no timing is asserted) and refuses one past it.
func TestImportPostmanLarge(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"info":{"name":"big"},"item":[`)
	item := `{"name":"r","event":[{"listen":"test","script":{"exec":["pm.test('s', function () { pm.response.to.have.status(200); });","tests['x'] = responseCode.code === 200;"]}}],"request":{"method":"GET","url":"http://127.0.0.1/{{p}}"}}`
	for i := 0; b.Len() < collection.MaxFileBytes-len(item)-10; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(item)
	}
	b.WriteString("]}")
	c, warnings, err := Import([]byte(b.String()))
	if err != nil {
		t.Fatalf("near-limit import: %v", err)
	}
	if len(c.Steps) != collection.MaxSteps || !hasWarning(warnings, fmt.Sprintf("a collection holds at most %d steps:", collection.MaxSteps)) {
		t.Errorf("steps = %d, want %d and a warning naming the requests left out", len(c.Steps), collection.MaxSteps)
	}
	over := []byte(b.String() + strings.Repeat(" ", collection.MaxFileBytes))
	if _, _, err := Import(over); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("past the limit: %v", err)
	}
}
