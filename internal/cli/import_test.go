package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// conduitStandIn is a local stand-in for the endpoints the Conduit-like
// collection calls. Registration and login hand out different tokens, so the
// chain passes only when the token stored by the login script reaches the
// later requests.
type conduitStandIn struct {
	mu       sync.Mutex
	token    string
	articles map[string]bool
	deleted  []string
}

func (c *conduitStandIn) handler() http.Handler {
	mux := http.NewServeMux()
	user := func(token string) map[string]any {
		return map[string]any{"user": map[string]any{"email": "u1@example.test", "username": "u1", "bio": nil, "image": nil, "token": token}}
	}
	reply := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	authed := func(r *http.Request) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.token != "" && r.Header.Get("Authorization") == "Token "+c.token
	}
	mux.HandleFunc("POST /api/users", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, 200, user("registration-token"))
	})
	mux.HandleFunc("POST /api/users/login", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			User struct{ Email, Password string }
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.User.Email != "u1@example.test" || in.User.Password != "password-1" {
			reply(w, 422, map[string]any{"errors": map[string]any{"email or password": []string{"is invalid"}}})
			return
		}
		c.mu.Lock()
		c.token = "login-token-42"
		c.mu.Unlock()
		reply(w, 200, user("login-token-42"))
	})
	mux.HandleFunc("GET /api/user", func(w http.ResponseWriter, r *http.Request) {
		if !authed(r) {
			reply(w, 401, map[string]any{"errors": "unauthorized"})
			return
		}
		reply(w, 200, user("login-token-42"))
	})
	mux.HandleFunc("POST /api/articles", func(w http.ResponseWriter, r *http.Request) {
		if !authed(r) {
			reply(w, 401, map[string]any{"errors": "unauthorized"})
			return
		}
		c.mu.Lock()
		slug := fmt.Sprintf("how-to-train-your-dragon-%d", len(c.articles)+1)
		c.articles[slug] = true
		c.mu.Unlock()
		reply(w, 201, map[string]any{"article": map[string]any{"slug": slug, "title": "How to train your dragon", "tagList": []string{"dragons", "training"}}})
	})
	article := func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		c.mu.Lock()
		exists := c.articles[slug]
		if exists && r.Method == http.MethodDelete {
			delete(c.articles, slug)
			c.deleted = append(c.deleted, slug)
		}
		c.mu.Unlock()
		switch {
		case !authed(r):
			reply(w, 401, map[string]any{"errors": "unauthorized"})
		case !exists:
			reply(w, 404, map[string]any{"errors": "not found"})
		case r.Method == http.MethodDelete:
			w.WriteHeader(200)
		default:
			reply(w, 200, map[string]any{"article": map[string]any{"slug": slug, "title": "How to train your dragon"}})
		}
	}
	mux.HandleFunc("GET /api/articles/{slug}", article)
	mux.HandleFunc("DELETE /api/articles/{slug}", article)
	return mux
}

const conduitFixture = "../collection/postman/testdata/conduit_like.postman_collection.json"

// TestImportConduitChainRuns converts the Conduit-like collection with catena
// import and runs the result against the stand-in: sign up, log in, read the
// user with the token, create an article, read it, delete it.
func TestImportConduitChainRuns(t *testing.T) {
	t.Parallel()
	api := &conduitStandIn{articles: map[string]bool{}}
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "conduit.yaml")
	r := runCLI(t, "import", conduitFixture, "--out", out)
	if r.code != 0 {
		t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `imported "Conduit-like API"`) || !strings.Contains(r.stderr, "6 steps") {
		t.Errorf("import summary:\n%s", r.stderr)
	}
	r = runCLI(t, "run", out, "--var", "APIURL="+srv.URL+"/api")
	if r.code != 0 {
		t.Fatalf("run: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "PASSED  6 steps") {
		t.Errorf("run output:\n%s", r.stdout)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.deleted) != 1 || api.deleted[0] != "how-to-train-your-dragon-1" || len(api.articles) != 0 {
		t.Errorf("the article created by the chain should be the one deleted: deleted %v, left %v", api.deleted, api.articles)
	}
}

// TestImportConduitChainFailsWithoutLogin shows the chain test can fail: a
// stand-in whose login rejects the credentials fails the run.
func TestImportConduitChainFailsWithoutLogin(t *testing.T) {
	t.Parallel()
	api := &conduitStandIn{articles: map[string]bool{}}
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "conduit.yaml")
	if r := runCLI(t, "import", conduitFixture, "--out", out); r.code != 0 {
		t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
	}
	r := runCLI(t, "run", out, "--var", "APIURL="+srv.URL+"/api", "--var", "PASSWORD=wrong")
	if r.code == 0 {
		t.Fatalf("run passed with a rejected login:\n%s", r.stdout)
	}
}

func TestImportCLIFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	curlFile := writeFile(t, "req.sh", "curl -X POST https://api.example.test/v1/items -H 'Authorization: Bearer s3cr3t-value' -d '{\"a\":1}'\n")
	r := runCLI(t, "import", curlFile, "--name", "Items")
	if r.code != 0 || !strings.Contains(r.stdout, "name: Items") || !strings.Contains(r.stdout, "@<<secrets.authorization>>") {
		t.Fatalf("curl import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "s3cr3t-value") {
		t.Errorf("a secret value reached the output:\n%s%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "secrets (values not written; pass them to catena run with --secret NAME=VALUE): authorization") {
		t.Errorf("the secret names should be listed:\n%s", r.stderr)
	}
	// The written file is a valid Catena file.
	out := filepath.Join(dir, "items.json")
	if r := runCLI(t, "import", curlFile, "--out", out); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collection.Parse(data, out); err != nil || collection.DetectFormat(data) != collection.FormatJSON {
		t.Errorf("the written JSON does not parse: %v", err)
	}
	harFile := writeFile(t, "s.har", `{"log":{"entries":[{"request":{"method":"GET","url":"http://127.0.0.1:1/x","headers":[]},"response":{"status":200,"content":{"mimeType":"application/json","text":"{}"}}}]}}`)
	if r := runCLI(t, "import", harFile); r.code != 0 || !strings.Contains(r.stdout, "name: get_x") {
		t.Errorf("HAR import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "import", "../collection/openapi/testdata/pets.yaml", "--tag", "pets")
	if r.code != 0 || !strings.Contains(r.stdout, "name: Pets – pets") || !strings.Contains(r.stdout, "comparison: json_schema") || !strings.Contains(r.stderr, "(openapi): 3 steps") {
		t.Errorf("OpenAPI import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Postman with an environment file: secret-looking keys become secrets.
	env := writeFile(t, "dev.postman_environment.json", `{"name":"dev","values":[{"key":"APIURL","value":"http://127.0.0.1:9/api","enabled":true},{"key":"PASSWORD","value":"from-env","enabled":true}]}`)
	r = runCLI(t, "import", conduitFixture, "--env", env)
	if r.code != 0 || !strings.Contains(r.stdout, "APIURL: http://127.0.0.1:9/api") || !strings.Contains(r.stdout, "@<<secrets.PASSWORD>>") || strings.Contains(r.stdout, "from-env") {
		t.Errorf("postman import with an environment: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "environments:\n  dev:\n") || !strings.Contains(r.stderr, "environment dev: secrets") {
		t.Errorf("the environment file should become environment dev of the collection:\n%s%s", r.stdout, r.stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import", writeFile(t, "x.txt", "hello")}, "cannot tell the format"},
		{[]string{"import", curlFile, "--format", "soap"}, `unknown format "soap"`},
		{[]string{"import", curlFile, "--tag", "pets"}, "--tag applies to OpenAPI documents only"},
		{[]string{"import", curlFile, "--env", env}, "--env applies to Postman collections only"},
		{[]string{"import", writeFile(t, "big.json", strings.Repeat(" ", collection.MaxFileBytes+1))}, "the most Catena imports"},
		{[]string{"import"}, "exactly one input file"},
	} {
		r := runCLI(t, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, want 2 and %q in\n%s", tt.args, r.code, tt.want, r.stderr)
		}
	}
}
