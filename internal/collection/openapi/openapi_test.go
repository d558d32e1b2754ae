package openapi

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/importtest"
)

func TestImportOpenAPI(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/pets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, warnings, err := Import(data, Options{})
	if err != nil {
		t.Fatalf("Import: %v (%q)", err, warnings)
	}
	var names []string
	for _, s := range c.Steps {
		names = append(names, s.Name)
	}
	if want := []string{"oauth_token", "post_admin_reindex", "list_pets", "create_pet", "show_pet_by_id"}; !slices.Equal(names, want) {
		t.Fatalf("steps %v, want %v", names, want)
	}
	token, reindex, list, create, show := c.Steps[0], c.Steps[1], c.Steps[2], c.Steps[3], c.Steps[4]
	if c.Variables["base_url"] != "https://api.pets.example.test/v1" {
		t.Errorf("base_url = %q (server variables expanded)", c.Variables["base_url"])
	}
	if list.URL != "@<<vars.base_url>>/pets?limit=@<<vars.limit>>" || c.Variables["limit"] != "10" || list.Headers["Authorization"] != "Bearer @<<secrets.bearerAuth>>" {
		t.Errorf("list = %+v, vars %v", list, c.Variables)
	}
	if len(list.Assertions) != 2 || list.Assertions[0] != (collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}) ||
		list.Assertions[1].Comparison != collection.JSONSchema || !strings.Contains(list.Assertions[1].Target, `"type":"array"`) {
		t.Errorf("list assertions = %+v", list.Assertions)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(create.Body), &body); err != nil || body["name"] != "Rex" || create.Headers["X-API-Key"] != "@<<secrets.apiKey>>" {
		t.Errorf("create = %+v (%v)", create, err)
	}
	if create.Assertions[0].Target != "201" {
		t.Errorf("create status = %+v", create.Assertions)
	}
	if show.URL != "@<<vars.base_url>>/pets/@<<vars.petId>>" || c.Variables["petId"] != "p-1" {
		t.Errorf("show URL = %q", show.URL)
	}
	if reindex.Assertions[0].Target != "202" || len(reindex.Assertions) != 1 {
		t.Errorf("reindex = %+v", reindex.Assertions)
	}
	// oauth2 client credentials: a token step, then the operation sends its token.
	if token.Method != "POST" || token.URL != "https://auth.example.test/token" ||
		token.Body != "grant_type=client_credentials&client_id=@<<secrets.oauth_client_id>>&client_secret=@<<secrets.oauth_client_secret>>" ||
		reindex.Headers["Authorization"] != "Bearer @<<oauth_token.body.access_token>>" {
		t.Errorf("token step %+v, reindex headers %v", token, reindex.Headers)
	}
	if _, ok := c.Secrets["bearerAuth"]; !ok {
		t.Errorf("secrets = %v", c.Secrets)
	}
	// One collection per tag, or a chosen set of operations.
	pets, _, err := Import(data, Options{Tag: "pets"})
	if err != nil || len(pets.Steps) != 3 || pets.Name != "Pets – pets" {
		t.Errorf("tag pets: %v %+v", err, pets)
	}
	chosen, _, err := Import(data, Options{Operations: []string{"showPetById", "post /admin/reindex"}})
	if err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, s := range chosen.Steps {
		names = append(names, s.Name)
	}
	if want := []string{"oauth_token", "post_admin_reindex", "show_pet_by_id"}; !slices.Equal(names, want) {
		t.Errorf("chosen operations: %v, want %v", names, want)
	}
	for _, tt := range []struct {
		opts Options
		want string
	}{
		{Options{Tag: "nope"}, `no operation has tag "nope"; the document's tags: admin, pets`},
		{Options{Operations: []string{"listPets", "deletePet"}}, "operations deletePet are not in the document"},
		{Options{Tag: "admin", Operations: []string{"listPets"}}, "no operation to import with tag admin"},
	} {
		if _, _, err := Import(data, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.opts, err, tt.want)
		}
	}
	if _, _, err := Import([]byte(`{"swagger": "2.0"}`), Options{}); err == nil {
		t.Errorf("swagger 2.0 accepted")
	}
}

func FuzzImport(f *testing.F) {
	data, err := os.ReadFile("testdata/pets.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	for _, name := range []string{"testdata/swagger_petstore.yaml", "testdata/oai_petstore.yaml"} {
		real, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(real)
	}
	f.Add([]byte(`{"openapi":"3.0.0","info":{"title":"x","version":"1"},"paths":{"/a/{b}":{"get":{"parameters":[{"name":"b","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := Import(data, Options{})
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Import returned no error but the collection is invalid: %v", verr)
			}
		}
	})
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestImportOpenAPIGolden imports the real Petstore documents (and our own)
// and compares steps, assertions and warnings with the golden files.
func TestImportOpenAPIGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file string
		opts Options
	}{
		{"swagger_petstore.yaml", Options{}},
		{"swagger_petstore.yaml", Options{Tag: "store"}},
		{"oai_petstore.yaml", Options{}},
		{"pets.yaml", Options{}},
	} {
		golden := strings.TrimSuffix(tt.file, ".yaml") + ".catena.yaml"
		if tt.opts.Tag != "" {
			golden = strings.TrimSuffix(tt.file, ".yaml") + "." + tt.opts.Tag + ".catena.yaml"
		}
		t.Run(golden, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			c, warnings, err := Import(data, tt.opts)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			src := tt.file + " by openapi.Import"
			if tt.opts.Tag != "" {
				src += " with tag " + tt.opts.Tag
			}
			got := importtest.Render(t, src, "go test ./internal/collection/openapi -run TestImportOpenAPIGolden -update", c, warnings)
			importtest.Compare(t, filepath.Join("testdata", golden), got, *update)
		})
	}
}

// TestImportPetstore checks what the Petstore golden file must keep, so that
// a careless -update cannot bless a regression: every operation is a step,
// response schemas are standalone (their components under $defs) and hold
// against a real answer, and each security scheme becomes a credential.
func TestImportPetstore(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/swagger_petstore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, warnings, err := Import(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]collection.Step{}
	for _, s := range c.Steps {
		byName[s.Name] = s
	}
	if len(c.Steps) != 19 {
		t.Errorf("steps = %d, want the 19 operations", len(c.Steps))
	}
	get := byName["get_pet_by_id"]
	if get.URL != "@<<vars.base_url>>/pet/@<<vars.petId>>" || get.Headers["api_key"] != "@<<secrets.api_key>>" {
		t.Errorf("get_pet_by_id: %+v", get)
	}
	var schema map[string]any
	if len(get.Assertions) != 2 || json.Unmarshal([]byte(get.Assertions[1].Target), &schema) != nil {
		t.Fatalf("get_pet_by_id assertions: %+v", get.Assertions)
	}
	if schema["$ref"] != "#/$defs/Pet" || schema["$defs"].(map[string]any)["Category"] == nil || strings.Contains(get.Assertions[1].Target, "#/components/") || strings.Contains(get.Assertions[1].Target, `"xml"`) {
		t.Errorf("the schema must stand alone: %s", get.Assertions[1].Target)
	}
	// The schema holds for an answer the Petstore gives, and not for a wrong one.
	compiler := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(get.Assertions[1].Target))
	if err != nil || compiler.AddResource("urn:pet", doc) != nil {
		t.Fatal(err)
	}
	pet, err := compiler.Compile("urn:pet")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	var good, bad any
	_ = json.Unmarshal([]byte(`{"id":10,"name":"doggie","category":{"id":1,"name":"Dogs"},"photoUrls":["u"],"tags":[{"id":0,"name":"t"}],"status":"available"}`), &good)
	_ = json.Unmarshal([]byte(`{"id":10,"name":"doggie","photoUrls":["u"],"tags":[{"id":"zero"}]}`), &bad)
	if err := pet.Validate(good); err != nil {
		t.Errorf("a Petstore answer fails the schema: %v", err)
	}
	if pet.Validate(bad) == nil {
		t.Errorf("a tag with a string id passes the schema")
	}
	if add := byName["add_pet"]; add.Headers["Authorization"] != "Bearer @<<secrets.petstore_auth_token>>" || !strings.Contains(add.Body, `"name":"doggie"`) {
		t.Errorf("add_pet: %+v", add)
	}
	if !slices.ContainsFunc(warnings, func(w string) bool {
		return strings.HasPrefix(w, `POST /pet: security scheme "petstore_auth" (oauth2) needs a person to sign in`)
	}) {
		t.Errorf("the implicit oauth2 flow must be flagged: %q", warnings)
	}
}
