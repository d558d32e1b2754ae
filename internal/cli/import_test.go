package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// conduitStandIn is a local stand-in for the endpoints of the RealWorld
// "Conduit" API that its chain calls: sign up, log in, read the user, create,
// read and delete an article. Registration and login hand out different
// tokens, so the chain passes only when the token stored by the login script
// reaches the later requests; a request with another token gets 401.
type conduitStandIn struct {
	mu       sync.Mutex
	email    string
	password string
	token    string
	articles map[string]map[string]any
	deleted  []string
}

func (c *conduitStandIn) handler() http.Handler {
	mux := http.NewServeMux()
	user := func(email, token string) map[string]any {
		return map[string]any{"user": map[string]any{"email": email, "username": "u1", "bio": nil, "image": nil, "token": token}}
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
	type credentials struct {
		User struct{ Email, Password, Username string }
	}
	mux.HandleFunc("POST /api/users", func(w http.ResponseWriter, r *http.Request) {
		var in credentials
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.User.Email == "" || in.User.Password == "" || in.User.Username == "" {
			reply(w, 422, map[string]any{"errors": map[string]any{"body": []string{"email, password and username are required"}}})
			return
		}
		c.mu.Lock()
		c.email, c.password = in.User.Email, in.User.Password
		c.mu.Unlock()
		reply(w, 201, user(in.User.Email, "registration-token"))
	})
	mux.HandleFunc("POST /api/users/login", func(w http.ResponseWriter, r *http.Request) {
		var in credentials
		c.mu.Lock()
		email, password := c.email, c.password
		c.mu.Unlock()
		if json.NewDecoder(r.Body).Decode(&in) != nil || email == "" || in.User.Email != email || in.User.Password != password {
			reply(w, 422, map[string]any{"errors": map[string]any{"email or password": []string{"is invalid"}}})
			return
		}
		c.mu.Lock()
		c.token = "login-token-42"
		c.mu.Unlock()
		reply(w, 200, user(email, "login-token-42"))
	})
	mux.HandleFunc("GET /api/user", func(w http.ResponseWriter, r *http.Request) {
		if !authed(r) {
			reply(w, 401, map[string]any{"errors": "unauthorized"})
			return
		}
		reply(w, 200, user(c.email, "login-token-42"))
	})
	mux.HandleFunc("POST /api/articles", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Article map[string]any }
		if !authed(r) {
			reply(w, 401, map[string]any{"errors": "unauthorized"})
			return
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.Article["title"] == nil {
			reply(w, 422, map[string]any{"errors": map[string]any{"title": []string{"can't be blank"}}})
			return
		}
		c.mu.Lock()
		slug := fmt.Sprintf("how-to-train-your-dragon-%d", len(c.articles)+len(c.deleted)+1)
		a := map[string]any{
			"slug": slug, "title": in.Article["title"], "description": in.Article["description"], "body": in.Article["body"],
			"tagList": in.Article["tagList"], "createdAt": "2026-01-02T03:04:05.678Z", "updatedAt": "2026-01-02T03:04:05.678Z",
			"favorited": false, "favoritesCount": 0, "author": map[string]any{"username": "u1", "following": false},
		}
		c.articles[slug] = a
		c.mu.Unlock()
		reply(w, 201, map[string]any{"article": a})
	})
	article := func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		if !authed(r) {
			reply(w, 401, map[string]any{"errors": "unauthorized"})
			return
		}
		c.mu.Lock()
		a, exists := c.articles[slug]
		if exists && r.Method == http.MethodDelete {
			delete(c.articles, slug)
			c.deleted = append(c.deleted, slug)
		}
		c.mu.Unlock()
		switch {
		case !exists:
			reply(w, 404, map[string]any{"errors": "not found"})
		case r.Method == http.MethodDelete:
			w.WriteHeader(204)
		default:
			reply(w, 200, map[string]any{"article": a})
		}
	}
	mux.HandleFunc("GET /api/articles/{slug}", article)
	mux.HandleFunc("DELETE /api/articles/{slug}", article)
	return mux
}

const conduitFixture = "../collection/postman/testdata/realworld_conduit.postman_collection.json"

// conduitChain is the part of the converted Conduit collection that the
// stand-in serves, in the collection's own order.
var conduitChain = []string{"register", "login_and_remember_token", "current_user", "create_article", "single_article_by_slug", "delete_article"}

// importConduitChain converts the real Conduit collection with catena import
// and keeps the chain's steps, as a user trimming it to what their API serves.
func importConduitChain(t *testing.T) string {
	t.Helper()
	converted := filepath.Join(t.TempDir(), "conduit.yaml")
	r := runCLI(t, "import", conduitFixture, "--out", converted)
	if r.code != 0 {
		t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `imported "Conduit"`) || !strings.Contains(r.stderr, "32 steps") {
		t.Errorf("import summary:\n%s", r.stderr)
	}
	data, err := os.ReadFile(converted)
	if err != nil {
		t.Fatal(err)
	}
	c, err := collection.Parse(data, converted)
	if err != nil {
		t.Fatal(err)
	}
	var kept []collection.Step
	for _, s := range c.Steps {
		if slices.Contains(conduitChain, s.Name) {
			kept = append(kept, s)
		}
	}
	if len(kept) != len(conduitChain) {
		t.Fatalf("the converted collection lacks chain steps: kept %d of %v", len(kept), conduitChain)
	}
	c.Steps = kept
	out, err := collection.Marshal(c, collection.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "chain.yaml", string(out))
}

// TestImportConduitChainRuns runs the converted chain against the stand-in:
// sign up, log in, read the user with the token, create an article, read it,
// delete it, with the collection's own assertions (ISO timestamps, integer
// counts, arrays) judging the answers.
func TestImportConduitChainRuns(t *testing.T) {
	t.Parallel()
	api := &conduitStandIn{articles: map[string]map[string]any{}}
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	chain := importConduitChain(t)
	r := runCLI(t, "run", chain, "--var", "APIURL="+srv.URL+"/api", "--var", "EMAIL=u1@example.test", "--var", "USERNAME=u1", "--var", "PASSWORD=password-1", "--json")
	if r.code != 0 {
		t.Fatalf("run: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	var report struct {
		Status string
		Steps  []struct {
			Name, Status string
			Assertions   []struct{ Passed bool }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("run --json: %v\n%s", err, r.stdout)
	}
	checked := 0
	for _, s := range report.Steps {
		if s.Status != "passed" {
			t.Errorf("step %s: %s", s.Name, s.Status)
		}
		checked += len(s.Assertions)
	}
	if report.Status != "passed" || len(report.Steps) != len(conduitChain) || checked < 45 {
		t.Errorf("run: status %s, %d steps, %d assertions checked", report.Status, len(report.Steps), checked)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.deleted) != 1 || api.deleted[0] != "how-to-train-your-dragon-1" || len(api.articles) != 0 {
		t.Errorf("the article created by the chain should be the one deleted: deleted %v, left %v", api.deleted, api.articles)
	}
}

// TestImportConduitChainFailsWithoutLogin shows the chain test can fail:
// without a password the stand-in refuses the sign-up and the login, and the
// run fails before any article is created.
func TestImportConduitChainFailsWithoutLogin(t *testing.T) {
	t.Parallel()
	api := &conduitStandIn{articles: map[string]map[string]any{}}
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	chain := importConduitChain(t)
	r := runCLI(t, "run", chain, "--var", "APIURL="+srv.URL+"/api", "--var", "EMAIL=u1@example.test", "--var", "USERNAME=u1")
	if r.code == 0 {
		t.Fatalf("run passed without a password:\n%s", r.stdout)
	}
	if len(api.articles)+len(api.deleted) != 0 {
		t.Errorf("no article should be created without a login")
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
		{[]string{"import", curlFile, "--tag", "pets"}, "--tag and --operation apply to OpenAPI documents only"},
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

// TestImportOAuth2ClientCredentialsRuns imports Postman oauth2 client
// credentials as token steps and runs them against a token endpoint that
// checks the client (in the form body, or as a basic header for the folder
// that asks for it); the API answers only the token it issued to that client.
func TestImportOAuth2ClientCredentialsRuns(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var tokenCalls, apiCalls int
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokenCalls++
		mu.Unlock()
		if r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
			http.Error(w, `{"error":"unsupported_grant_type"}`, 400)
			return
		}
		id, secret, basic := r.BasicAuth()
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		switch {
		case id == "my-client" && secret == "s3cret-value" && r.PostForm.Get("scope") == "read write":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"user-token-1","token_type":"Bearer","expires_in":3600}`))
		case basic && id == "admin-client" && secret == "admin-secret-1":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"admin-token-2","token_type":"Bearer"}`))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
		}
	})
	api := func(token string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			apiCalls++
			mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.WriteHeader(401)
				return
			}
			w.WriteHeader(200)
		}
	}
	mux.HandleFunc("GET /a", api("user-token-1"))
	mux.HandleFunc("GET /b", api("user-token-1"))
	mux.HandleFunc("GET /c", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			w.WriteHeader(400) // noauth: nothing inherited
		}
	})
	mux.HandleFunc("GET /admin/stats", api("admin-token-2"))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	converted := filepath.Join(t.TempDir(), "oauth.yaml")
	r := runCLI(t, "import", "../collection/postman/testdata/oauth2_client_credentials.postman_collection.json", "--out", converted)
	if r.code != 0 {
		t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "s3cret-value") || !strings.Contains(r.stderr, "oauth2_client_id, oauth2_client_secret") {
		t.Errorf("the client secret must be a secret, named but never shown:\n%s", r.stderr)
	}
	data, err := os.ReadFile(converted)
	if err != nil {
		t.Fatal(err)
	}
	c, err := collection.Parse(data, converted)
	if err != nil {
		t.Fatal(err)
	}
	// The digest and browser-login requests have no stand-in; a user would drop them.
	c.Steps = slices.DeleteFunc(c.Steps, func(s collection.Step) bool { return s.Name == "digest" || s.Name == "browser_login" })
	out, err := collection.Marshal(c, collection.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	chain := writeFile(t, "oauth-chain.yaml", string(out))
	secrets := []string{"--var", "auth_url=" + srv.URL, "--secret", "oauth2_client_id=my-client", "--secret", "oauth2_client_secret=s3cret-value",
		"--secret", "oauth2_client_basic=Basic YWRtaW4tY2xpZW50OmFkbWluLXNlY3JldC0x"}
	r = runCLI(t, append([]string{"run", chain}, secrets...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "PASSED  6 steps") {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	if tokenCalls != 2 || apiCalls != 3 {
		t.Errorf("token calls %d (want one per client), API calls %d", tokenCalls, apiCalls)
	}
	mu.Unlock()
	// A wrong client secret fails the token step, and the requests after it are skipped.
	secrets[5] = "oauth2_client_secret=wrong"
	if r := runCLI(t, append([]string{"run", chain}, secrets...)...); r.code != 1 || !strings.Contains(r.stdout, "oauth2_token") {
		t.Errorf("a rejected client should fail the run: exit %d\n%s", r.code, r.stdout)
	}
}
