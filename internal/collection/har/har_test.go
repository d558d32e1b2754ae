package har

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/importtest"
)

func TestImportHAR(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/orders.har")
	if err != nil {
		t.Fatal(err)
	}
	c, warnings, err := Import(data, "Orders session")
	if err != nil {
		t.Fatalf("Import: %v (%q)", err, warnings)
	}
	var names []string
	for _, s := range c.Steps {
		names = append(names, s.Name)
	}
	if want := []string{"post_login", "post_orders", "get_orders", "delete_orders"}; !slices.Equal(names, want) {
		t.Fatalf("steps %v, want %v", names, want)
	}
	login, create, get, del := c.Steps[0], c.Steps[1], c.Steps[2], c.Steps[3]
	if !reflect.DeepEqual(login.Headers, map[string]string{"Accept": "application/json", "Content-Type": "application/json"}) {
		t.Errorf("login headers = %v (pseudo, cookie and sec- headers are dropped)", login.Headers)
	}
	if create.Headers["Authorization"] != "Bearer @<<post_login.body.token>>" {
		t.Errorf("the token from the login response should become a reference: %q", create.Headers["Authorization"])
	}
	if create.Body != `{"owner": "@<<post_login.body.user.id>>", "qty": 2}` {
		t.Errorf("create body = %q", create.Body)
	}
	// The whole recorded Location is the longest match, so it wins over the id.
	if get.URL != "@<<post_orders.headers.Location>>?expand=lines" {
		t.Errorf("get URL = %q", get.URL)
	}
	if del.URL != "@<<post_orders.headers.Location>>" {
		t.Errorf("delete URL = %q, want the Location of the created order", del.URL)
	}
	if !reflect.DeepEqual(del.Assertions, []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "204"}}) {
		t.Errorf("delete assertions = %+v", del.Assertions)
	}
	for _, want := range []string{
		"entry 5 (CONNECT http://127.0.0.1:8090): method CONNECT is not supported by Catena; left out",
		"1 requests for static assets (images, scripts, styles, fonts) were left out",
	} {
		if !slices.Contains(warnings, want) {
			t.Errorf("missing warning %q in %q", want, warnings)
		}
	}
}

func TestImportHARRefusals(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"info": {}}`:              `no "log" object`,
		`{"log": {"entries": []}}`:  "no API request",
		`{"log": {"entries": [{]}}`: "not a HAR file",
		`{"log": {"entries": [{"request": {"method": "GET", "url": "http://a/@<<x>>"}}]}}`: "no API request",
	} {
		if _, _, err := Import([]byte(in), ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", in, err, want)
		}
	}
	big := make([]byte, collection.MaxFileBytes+1)
	if _, _, err := Import(big, ""); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("oversized input: %v", err)
	}
}

func FuzzImport(f *testing.F) {
	data, err := os.ReadFile("testdata/orders.har")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	if rec, err := os.ReadFile("testdata/chromium_demo.har"); err == nil {
		f.Add(rec)
	} else {
		f.Fatal(err)
	}
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"POST","url":"http://a/x","postData":{"text":"{}"}},"response":{"status":200,"content":{"mimeType":"application/json","text":"{\"a\":\"abcdefgh\"}"}}},{"request":{"method":"GET","url":"http://a/abcdefgh"}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := Import(data, "fuzz")
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Import returned no error but the collection is invalid: %v", verr)
			}
		}
	})
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestImportHARGolden imports the HAR that frontend/e2e/import.spec.ts
// recorded in Chromium from the demo API (and our hand-written one) and
// compares steps, assertions, references and warnings with the golden files.
func TestImportHARGolden(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"chromium_demo.har", "orders.har"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			c, warnings, err := Import(data, "")
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			got := importtest.Render(t, file+" by har.Import", "go test ./internal/collection/har -run TestImportHARGolden -update", c, warnings)
			importtest.Compare(t, filepath.Join("testdata", strings.TrimSuffix(file, ".har")+".catena.yaml"), got, *update)
		})
	}
}

// TestImportChromiumRecording checks what the recorded chain must keep: the
// login token and the created order's id become references, and the origin,
// plain words ("Bearer") and whole paths stay as recorded.
func TestImportChromiumRecording(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/chromium_demo.har")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := Import(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Steps) != 5 {
		t.Fatalf("steps = %d, want 5 (index, login, me, create, read)", len(c.Steps))
	}
	me, read := c.Steps[2], c.Steps[4]
	if me.Headers["Authorization"] != "Bearer @<<post_login.body.token>>" {
		t.Errorf("me Authorization = %q", me.Headers["Authorization"])
	}
	if !strings.HasPrefix(read.URL, "http://127.0.0.1:") || !strings.HasSuffix(read.URL, "/orders/@<<post_orders.body.id>>") {
		t.Errorf("read URL = %q", read.URL)
	}
}
