package graph_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
)

func TestAuthRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	// A revoked token.
	revokedUser, revoked := e.addUser("revoked@example.com", collection.RoleEditor)
	tokens, err := e.store.ListAPITokens(ctx, revokedUser.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.RevokeAPIToken(ctx, revokedUser.ID, tokens[0].ID); err != nil {
		t.Fatal(err)
	}
	// An expired session.
	expiredTok, expiredHash := auth.NewSessionToken()
	if err := e.store.CreateSession(ctx, e.users[collection.RoleAdmin].ID, expiredHash, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	expired := &http.Cookie{Name: auth.SessionCookie, Value: expiredTok}

	const read = `{ collections { edges { node { id } } } }`
	const write = `mutation { createCollection(input: {name: "x", steps: [{name: "a", method: "GET", url: "http://127.0.0.1:9/"}]}) { id } }`
	for _, tc := range []struct {
		name  string
		rq    request
		query string
		code  string
	}{
		{"no credentials, read", request{}, read, "UNAUTHENTICATED"},
		{"no credentials, write", request{}, write, "UNAUTHENTICATED"},
		{"unknown token", request{token: "cat_notarealtokennotarealtoken"}, read, "UNAUTHENTICATED"},
		{"malformed bearer", request{token: "hello"}, read, "UNAUTHENTICATED"},
		{"revoked token", request{token: revoked}, read, "UNAUTHENTICATED"},
		{"expired session", request{cookie: expired, origin: e.srv.URL}, read, "UNAUTHENTICATED"},
		{"viewer writes", request{token: e.tokens[collection.RoleViewer]}, write, "FORBIDDEN"},
		{"viewer lists users", request{token: e.tokens[collection.RoleViewer]}, `{ users { id } }`, "FORBIDDEN"},
		{"editor lists users", request{token: e.tokens[collection.RoleEditor]}, `{ users { id } }`, "FORBIDDEN"},
		{"editor creates a user", request{token: e.tokens[collection.RoleEditor]}, `mutation { createUser(input: {email: "x@example.com", name: "x", role: ADMIN, password: "longenough"}) { id } }`, "FORBIDDEN"},
		{"anonymous subscription-less query of runs", request{}, `{ runs { edges { node { id } } } }`, "UNAUTHENTICATED"},
		{"editor reads", request{token: e.tokens[collection.RoleEditor]}, read, ""},
	} {
		r := e.do(tc.rq, tc.query, nil)
		if r.code() != tc.code {
			t.Errorf("%s: want code %q, got %+v", tc.name, tc.code, r.Errors)
		}
		if tc.code != "" && (r.Status != http.StatusOK || len(r.Errors[0].Message) == 0) {
			t.Errorf("%s: status %d", tc.name, r.Status)
		}
	}
	// me is null rather than an error for an anonymous caller.
	var me struct{ Me *struct{ Email string } }
	e.mustPost("", `{ me { email } }`, nil, &me)
	if me.Me != nil {
		t.Fatalf("anonymous me: %+v", me.Me)
	}
}

func TestSessionsAndTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.tokens[collection.RoleAdmin]

	// Login sets a hardened cookie.
	if c, r := e.login("viewer@example.com", "wrong password"); c != nil || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("wrong password: cookie %v, %+v", c, r.Errors)
	}
	if c, r := e.login("nobody@example.com", testPassword); c != nil || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("unknown user: cookie %v, %+v", c, r.Errors)
	}
	cookie, r := e.login("Viewer@Example.com", testPassword)
	if cookie == nil {
		t.Fatalf("no session cookie: %+v", r.Errors)
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Fatalf("cookie flags %+v", cookie)
	}
	sess := request{cookie: cookie, origin: e.srv.URL}
	r = e.do(sess, `{ me { email role } }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"role":"VIEWER"`) {
		t.Fatalf("me with cookie: %s %+v", r.Data, r.Errors)
	}

	// Password change ends every other session and keeps this browser signed in.
	other, _ := e.login("viewer@example.com", testPassword)
	r = e.do(sess, `mutation { changePassword(currentPassword: "`+testPassword+`", newPassword: "a new long password") }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("changePassword: %+v", r.Errors)
	}
	if c := e.do(request{cookie: other, origin: e.srv.URL}, `{ collections { edges { cursor } } }`, nil); c.code() != "UNAUTHENTICATED" {
		t.Fatalf("the other session survived a password change: %+v", c.Errors)
	}
	if c := e.do(sess, `{ collections { edges { cursor } } }`, nil); c.code() != "UNAUTHENTICATED" {
		t.Fatalf("the old cookie of this browser survived a password change: %+v", c.Errors)
	}
	var fresh *http.Cookie
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == auth.SessionCookie {
			fresh = c
		}
	}
	if fresh == nil {
		t.Fatal("no fresh cookie after changePassword")
	}
	sess.cookie = fresh
	if c := e.do(sess, `{ collections { edges { cursor } } }`, nil); len(c.Errors) > 0 {
		t.Fatalf("fresh session: %+v", c.Errors)
	}
	if _, r := e.login("viewer@example.com", "a new long password"); len(r.Errors) > 0 {
		t.Fatalf("login with the new password: %+v", r.Errors)
	}

	// Logout ends the session and clears the cookie.
	r = e.do(sess, `mutation { logout }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %+v %q", r.Errors, r.Header.Get("Set-Cookie"))
	}
	if c := e.do(sess, `{ collections { edges { cursor } } }`, nil); c.code() != "UNAUTHENTICATED" {
		t.Fatalf("session survived logout: %+v", c.Errors)
	}

	// API tokens: shown once, listed by prefix, revocable.
	var ct struct {
		CreateApiToken struct {
			Token    string
			ApiToken struct{ ID, Name, Prefix string }
		}
	}
	e.mustPost(e.tokens[collection.RoleEditor], `mutation { createApiToken(name: "ci", expiresInDays: 30) { token apiToken { id name prefix expiresAt } } }`, nil, &ct)
	tok := ct.CreateApiToken
	if !strings.HasPrefix(tok.Token, "cat_") || len(tok.Token) < 40 || !strings.HasPrefix(tok.Token, tok.ApiToken.Prefix) {
		t.Fatalf("token %+v", tok)
	}
	var lt struct{ ApiTokens []struct{ ID, Prefix string } }
	e.mustPost(tok.Token, `{ apiTokens { id prefix } }`, nil, &lt)
	if len(lt.ApiTokens) != 2 { // the env's token and this one
		t.Fatalf("apiTokens %+v", lt)
	}
	if strings.Contains(fmt.Sprint(lt), tok.Token) {
		t.Fatal("the token is listed in clear")
	}
	e.mustPost(tok.Token, `mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }`, map[string]any{"id": tok.ApiToken.ID}, nil)
	if r := e.post(tok.Token, `{ apiTokens { id } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked token still works: %+v", r.Errors)
	}
	// Another user's token cannot be revoked (it is not found).
	if r := e.post(e.tokens[collection.RoleViewer], `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, map[string]any{"id": tok.ApiToken.ID}); r.code() != "NOT_FOUND" {
		t.Fatalf("revoking another's token: %+v", r.Errors)
	}

	// Users (admin): create, update role, delete; the last admin stays.
	var cu struct {
		CreateUser struct{ ID, Email, Role string }
	}
	e.mustPost(admin, `mutation { createUser(input: {email: "New@Example.com", name: "New", role: EDITOR, password: "long enough pw"}) { id email role } }`, nil, &cu)
	if cu.CreateUser.Email != "new@example.com" || cu.CreateUser.Role != "EDITOR" {
		t.Fatalf("createUser %+v", cu)
	}
	if r := e.post(admin, `mutation { createUser(input: {email: "new@example.com", name: "dup", role: VIEWER, password: "long enough pw"}) { id } }`, nil); r.code() != "CONFLICT" {
		t.Fatalf("duplicate email: %+v", r.Errors)
	}
	if r := e.post(admin, `mutation { createUser(input: {email: "not-an-email", name: "", role: VIEWER, password: "short"}) { id } }`, nil); r.code() != "INVALID" || len(r.Errors[0].Extensions["fields"].([]any)) != 3 {
		t.Fatalf("invalid user: %+v", r.Errors)
	}
	newCookie, _ := e.login("new@example.com", "long enough pw")
	e.mustPost(admin, `mutation($id: ID!) { updateUser(id: $id, input: {role: VIEWER}) { role } }`, map[string]any{"id": cu.CreateUser.ID}, nil)
	if c := e.do(request{cookie: newCookie, origin: e.srv.URL}, `{ me { id } collections { edges { cursor } } }`, nil); c.code() != "UNAUTHENTICATED" {
		t.Fatalf("session kept after a role change: %+v", c.Errors)
	}
	var users struct{ Users []struct{ Email string } }
	e.mustPost(admin, `{ users { email } }`, nil, &users)
	if len(users.Users) != 4 {
		t.Fatalf("users %+v", users)
	}
	e.mustPost(admin, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": cu.CreateUser.ID}, nil)
	adminID := fmt.Sprint(e.users[collection.RoleAdmin].ID)
	if r := e.post(admin, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": adminID}); r.code() != "CONFLICT" {
		t.Fatalf("deleting yourself: %+v", r.Errors)
	}
	if r := e.post(admin, `mutation($id: ID!) { updateUser(id: $id, input: {role: EDITOR}) { id } }`, map[string]any{"id": adminID}); r.code() != "CONFLICT" {
		t.Fatalf("demoting the last admin: %+v", r.Errors)
	}
}

func TestSetupCreatesTheFirstAdminOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.noUsers = true; c.withSetup = true })
	var st struct{ SetupRequired bool }
	e.mustPost("", `{ setupRequired }`, nil, &st)
	if !st.SetupRequired {
		t.Fatal("setupRequired is false on an empty instance")
	}
	const m = `mutation($t: String!) { setup(token: $t, email: "root@example.com", name: "Root", password: "a long password") { email role } }`
	if r := e.do(request{origin: e.srv.URL}, m, map[string]any{"t": "wrong"}); r.code() != "FORBIDDEN" {
		t.Fatalf("wrong setup token: %+v", r.Errors)
	}
	r := e.do(request{origin: e.srv.URL}, m, map[string]any{"t": e.setup})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"role":"ADMIN"`) {
		t.Fatalf("setup: %s %+v", r.Data, r.Errors)
	}
	if !strings.Contains(r.Header.Get("Set-Cookie"), auth.SessionCookie) {
		t.Fatal("setup did not sign the admin in")
	}
	if r := e.do(request{origin: e.srv.URL}, m, map[string]any{"t": e.setup}); r.code() != "FORBIDDEN" {
		t.Fatalf("second setup: %+v", r.Errors)
	}
	e.mustPost("", `{ setupRequired }`, nil, &st)
	if st.SetupRequired {
		t.Fatal("setupRequired still true")
	}
}

func TestHTTPGuards(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cookie, _ := e.login("editor@example.com", testPassword)
	const write = `mutation { createCollection(input: {name: "csrf", steps: [{name: "a", method: "GET", url: "http://127.0.0.1:9/"}]}) { id } }`

	// CSRF: a cookie-authenticated mutation must prove it is same-origin.
	if r := e.do(request{cookie: cookie}, write, nil); r.Status != http.StatusForbidden {
		t.Fatalf("cookie POST without Origin/Referer: status %d", r.Status)
	}
	if r := e.do(request{cookie: cookie, origin: "https://evil.example"}, write, nil); r.Status != http.StatusForbidden {
		t.Fatalf("cookie POST from another origin: status %d", r.Status)
	}
	if r := e.do(request{cookie: cookie, referer: "https://evil.example/page"}, write, nil); r.Status != http.StatusForbidden {
		t.Fatalf("cookie POST with a foreign Referer: status %d", r.Status)
	}
	if r := e.do(request{cookie: cookie, origin: e.srv.URL}, write, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("same-origin cookie POST: %d %+v", r.Status, r.Errors)
	}
	if r := e.do(request{cookie: cookie, referer: e.srv.URL + "/collections"}, write, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("same-origin Referer: %d %+v", r.Status, r.Errors)
	}
	if r := e.do(request{cookie: cookie, origin: "https://catena.example.com"}, `{ me { id } }`, nil); r.Status != http.StatusOK {
		t.Fatalf("the public URL's origin: %d", r.Status)
	}
	if r := e.do(request{token: e.tokens[collection.RoleEditor]}, write, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("bearer POST without Origin: %d %+v", r.Status, r.Errors)
	}
	// GET answers queries only.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/graphql?query="+strings.ReplaceAll("mutation{logout}", " ", "%20"), nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[collection.RoleEditor])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("a mutation over GET was accepted")
	}

	// Batches are refused; bodies are capped.
	if r := e.do(request{token: e.tokens[collection.RoleViewer], body: []byte(` [{"query":"{ me { id } }"},{"query":"{ me { id } }"}]`)}, "", nil); r.Status != http.StatusBadRequest {
		t.Fatalf("batch: status %d", r.Status)
	}
	// A lone surrogate would be stored as U+FFFD: refused, naming where it is.
	lone := []byte(`{"query":"mutation($in: CollectionInput!) { createCollection(input: $in) { id } }","variables":{"in":{"name":"x\ud800"}}}`)
	if r := e.do(request{token: e.tokens[collection.RoleEditor], body: lone}, "", nil); r.Status != http.StatusBadRequest ||
		len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, `\ud800 in variables.in.name is half of a UTF-16 surrogate pair`) {
		t.Fatalf("lone surrogate: status %d, %+v", r.Status, r.Errors)
	}
	big := []byte(`{"query":"{ me { id } }","variables":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`)
	if r := e.do(request{token: e.tokens[collection.RoleViewer], body: big}, "", nil); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB body: status %d", r.Status)
	}

	// Complexity: a page of 500 collections with nested lists is too much.
	r := e.post(e.tokens[collection.RoleViewer], `{ collections(first: 500) { edges { node { steps { assertions { target } headers { name } } monitors { collections { id } } } } } }`, nil)
	if r.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("complexity: %+v", r.Errors)
	}

	// Introspection is for admins.
	if r := e.post(e.tokens[collection.RoleViewer], `{ __schema { queryType { name } } }`, nil); len(r.Errors) == 0 {
		t.Fatal("a viewer introspected the schema")
	}
	// docs/api.md: the refusal is FORBIDDEN (it was INTERNAL, logged at ERROR),
	// also when hidden in a fragment; __typename is not introspection.
	for _, q := range []string{
		`{ __schema { queryType { name } } }`,
		`{ __type(name: "Run") { name } }`,
		`query { ...F } fragment F on Query { ... on Query { __schema { types { name } } } }`,
	} {
		for _, role := range []collection.Role{collection.RoleViewer, collection.RoleEditor} {
			if r := e.post(e.tokens[role], q, nil); r.code() != "FORBIDDEN" || len(r.Data) > 0 && string(r.Data) != "null" {
				t.Errorf("%s as %s: %+v data %s, want FORBIDDEN", q, role, r.Errors, r.Data)
			}
		}
	}
	if r := e.post(e.tokens[collection.RoleViewer], `{ __typename }`, nil); len(r.Errors) > 0 {
		t.Errorf("__typename refused: %+v", r.Errors)
	}
	if r := e.post(e.tokens[collection.RoleAdmin], `{ __schema { queryType { name } } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("admin introspection: %+v", r.Errors)
	}
}

func TestLoginRateLimitCountsAliases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b bytes.Buffer
	b.WriteString("mutation {")
	for i := range 8 {
		fmt.Fprintf(&b, ` a%d: login(email: "viewer@example.com", password: "guess %d") { id }`, i, i)
	}
	b.WriteString(" }")
	r := e.do(request{origin: e.srv.URL}, b.String(), nil)
	limited := 0
	for _, er := range r.Errors {
		if er.Extensions["code"] == "RATE_LIMITED" {
			limited++
		}
	}
	if limited < 3 {
		t.Fatalf("8 aliased guesses, %d rate limited: %+v", limited, r.Errors)
	}
	// The right password is refused too while the budget is spent.
	if _, r := e.login("viewer@example.com", testPassword); r.code() != "RATE_LIMITED" {
		t.Fatalf("login right after the burst: %+v", r.Errors)
	}
	// Another account from the same address still has its own budget.
	if c, r := e.login("editor@example.com", testPassword); c == nil {
		t.Fatalf("another account: %+v", r.Errors)
	}
}
