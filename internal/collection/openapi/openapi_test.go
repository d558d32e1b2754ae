package openapi

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

func TestImportOpenAPI(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/pets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, warnings, err := Import(data, "")
	if err != nil {
		t.Fatalf("Import: %v (%q)", err, warnings)
	}
	var names []string
	for _, s := range c.Steps {
		names = append(names, s.Name)
	}
	if want := []string{"post_admin_reindex", "list_pets", "create_pet", "show_pet_by_id"}; !slices.Equal(names, want) {
		t.Fatalf("steps %v, want %v", names, want)
	}
	reindex, list, create, show := c.Steps[0], c.Steps[1], c.Steps[2], c.Steps[3]
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
	if !slices.ContainsFunc(warnings, func(w string) bool {
		return strings.HasPrefix(w, `POST /admin/reindex: security scheme "oauth" (oauth2) is not converted`)
	}) {
		t.Errorf("warnings = %q", warnings)
	}
	if _, ok := c.Secrets["bearerAuth"]; !ok {
		t.Errorf("secrets = %v", c.Secrets)
	}
	// One collection per tag.
	pets, _, err := Import(data, "pets")
	if err != nil || len(pets.Steps) != 3 || pets.Name != "Pets – pets" {
		t.Errorf("tag pets: %v %+v", err, pets)
	}
	if _, _, err := Import(data, "nope"); err == nil || !strings.Contains(err.Error(), "no operation to import with tag nope") {
		t.Errorf("unknown tag: %v", err)
	}
	if _, _, err := Import([]byte(`{"swagger": "2.0"}`), ""); err == nil {
		t.Errorf("swagger 2.0 accepted")
	}
}

func FuzzImport(f *testing.F) {
	data, err := os.ReadFile("testdata/pets.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"openapi":"3.0.0","info":{"title":"x","version":"1"},"paths":{"/a/{b}":{"get":{"parameters":[{"name":"b","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := Import(data, "")
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Import returned no error but the collection is invalid: %v", verr)
			}
		}
	})
}
