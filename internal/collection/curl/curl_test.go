package curl

import (
	"mime"
	"mime/multipart"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{`curl 'http://a/b?x=1&y=2' -H "X-A: \"q\""`, []string{"curl", "http://a/b?x=1&y=2", "-H", `X-A: "q"`}},
		{"curl \\\n  -X POST \\\r\n http://a", []string{"curl", "-X", "POST", "http://a"}},
		{`curl $'{"a":"b\nc"}' it\'s`, []string{"curl", "{\"a\":\"b\nc\"}", "it's"}},
		{"curl a # comment\ncurl b", []string{"curl", "a", "curl", "b"}},
		{`curl ""`, []string{"curl", ""}},
	} {
		got, err := Split(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`curl 'x`, `curl "x`, `curl $'x`} {
		if _, err := Split(bad); err == nil {
			t.Errorf("Split(%q): want an error for the open quote", bad)
		}
	}
}

func TestImportCurl(t *testing.T) {
	t.Parallel()
	cmd := `curl -X POST 'https://api.example.test/v1/users?team=7' \
  -H 'Content-Type: application/json' -H 'Authorization: Bearer abc.def.ghi' \
  -H 'Content-Length: 99' --data-raw '{"name":"ada"}' --compressed -s
curl -u alice:wonder https://api.example.test/v1/me -k
curl -G https://api.example.test/search --data-urlencode 'q=a b' -d page=2
curl https://api.example.test/upload -F caption=hi -F file=@a.png
curl --json '{"x":1}' https://api.example.test/v1/items --frobnicate
curl -I example.test/health`
	c, warnings, err := Import([]byte(cmd), "Users")
	if err != nil {
		t.Fatalf("Import: %v (warnings %q)", err, warnings)
	}
	if len(c.Steps) != 6 {
		t.Fatalf("steps = %d, want 6: %+v", len(c.Steps), c.Steps)
	}
	create, me, search, upload, items, health := c.Steps[0], c.Steps[1], c.Steps[2], c.Steps[3], c.Steps[4], c.Steps[5]
	if create.Name != "post_users" || create.Method != "POST" || create.URL != "https://api.example.test/v1/users?team=7" ||
		create.Body != `{"name":"ada"}` || create.Headers["Content-Type"] != "application/json" ||
		create.Headers["Authorization"] != "@<<secrets.authorization>>" || c.Secrets["authorization"] != "Bearer abc.def.ghi" {
		t.Errorf("create = %+v, secrets %v", create, c.Secrets)
	}
	if _, ok := create.Headers["Content-Length"]; ok {
		t.Errorf("a client-managed header was kept")
	}
	if me.Method != "GET" || !me.Insecure || me.Headers["Authorization"] != "@<<secrets.basic_auth>>" || c.Secrets["basic_auth"] != "Basic YWxpY2U6d29uZGVy" {
		t.Errorf("me = %+v", me)
	}
	if search.Method != "GET" || search.URL != "https://api.example.test/search?q=a+b&page=2" || search.Body != "" {
		t.Errorf("search = %+v", search)
	}
	_, params, err := mime.ParseMediaType(upload.Headers["Content-Type"])
	if err != nil || upload.Method != "POST" {
		t.Fatalf("upload = %+v", upload)
	}
	form, err := multipart.NewReader(strings.NewReader(upload.Body), params["boundary"]).ReadForm(1 << 20)
	if err != nil || !reflect.DeepEqual(form.Value, map[string][]string{"caption": {"hi"}}) {
		t.Errorf("upload form = %v, %v", form, err)
	}
	if items.Method != "POST" || items.Headers["Content-Type"] != "application/json" || items.Body != `{"x":1}` {
		t.Errorf("items = %+v", items)
	}
	if health.Method != "HEAD" || health.URL != "http://example.test/health" {
		t.Errorf("health = %+v", health)
	}
	for _, want := range []string{
		"curl command 1: header Content-Length is set by Catena's HTTP client; ignored",
		`curl command 4: form field "file" uploads a file, which Catena cannot send; left out`,
		"curl command 5: option --frobnicate is not converted; ignored",
	} {
		if !slices.Contains(warnings, want) {
			t.Errorf("missing warning %q in %q", want, warnings)
		}
	}
	// Secret values never reach the exported file.
	out, err := collection.Marshal(c, collection.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "abc.def.ghi") || strings.Contains(string(out), "YWxpY2U6d29uZGVy") {
		t.Errorf("a secret value is in the file:\n%s", out)
	}
}

func TestImportCurlRefusals(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"wget http://a":         "not a curl command line",
		"":                      "no curl command found",
		"curl -X LINK http://a": "",
		"curl 'http://a":        "single quote is not closed",
	} {
		c, warnings, err := Import([]byte(in), "")
		if want == "" {
			if err == nil || c != nil || !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, "method LINK") }) {
				t.Errorf("%q: want the step left out with a warning, got %v %q", in, err, warnings)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
	big := make([]byte, collection.MaxFileBytes+1)
	if _, _, err := Import(big, ""); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("oversized input: %v", err)
	}
}

func FuzzImport(f *testing.F) {
	for _, s := range []string{
		`curl -X POST https://a.test/x -H 'A: b' -d 'x=1'`,
		`curl -u a:b --json '{}' a.test`,
		"curl \\\n -F a=b $'x\\ny' \"q\\\"\"",
		`curl -G -d a=1 --data-urlencode b=c http://a`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := Import(data, "fuzz")
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Import returned no error but the collection is invalid: %v", verr)
			}
		}
	})
}
