package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	maskToken  = "tok-98765-abcdef"
	maskCookie = "sess-4f9a2b77"
)

// loginAPI hands out a session cookie and a token, and echoes both back.
func loginAPI(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: maskCookie, HttpOnly: true})
			fmt.Fprintf(w, `{"token": %q}`, maskToken)
		default:
			c, _ := r.Cookie("session")
			cookie := ""
			if c != nil {
				cookie = c.Value
			}
			fmt.Fprintf(w, `{"echo": %q, "cookie": %q}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), cookie)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func loginCollection(t *testing.T, base string) string {
	return writeFile(t, "login.yaml", fmt.Sprintf(`name: login flow
steps:
  - name: login
    method: POST
    url: %[1]s/login
    assertions:
      - {source: body, property: token, comparison: is_not_empty}
      - {source: header, property: set-cookie, comparison: contains, target: session}
  - name: me
    url: %[1]s/me
    headers: {Authorization: "Bearer @<<login.body.token>>"}
    assertions:
      - {source: body, property: echo, comparison: equals, target: "@<<login.body.token>>"}
      - {source: status, comparison: equals, target: "200"}
  - name: down
    url: http://127.0.0.1:1/
`, base))
}

// Values from secret-bearing response headers are masked in every output;
// --sensitive masks a chosen response value, --redact-values every one.
func TestRunMasksResponseValues(t *testing.T) {
	t.Parallel()
	file := loginCollection(t, loginAPI(t))
	outputs := func(extra ...string) (string, string) {
		report := filepath.Join(t.TempDir(), "junit.xml")
		human := runCLI(t, append([]string{"run", file, "--junit", report}, extra...)...)
		asJSON := runCLI(t, append([]string{"run", file, "--json"}, extra...)...)
		b, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		return human.stdout + human.stderr + string(b), asJSON.stdout + asJSON.stderr
	}

	text, js := outputs()
	for _, out := range []string{text, js} {
		if strings.Contains(out, maskCookie) {
			t.Errorf("the session cookie a response set is in the output:\n%s", out)
		}
	}
	if !strings.Contains(js, maskToken) {
		t.Errorf("without --sensitive the (unmarked) token is shown; the test would prove nothing:\n%s", js)
	}

	text, js = outputs("--sensitive", "login.body.token")
	for _, out := range []string{text, js} {
		if strings.Contains(out, maskToken) || strings.Contains(out, maskCookie) {
			t.Errorf("--sensitive login.body.token: a value leaked:\n%s", out)
		}
	}
	if !strings.Contains(js, `"actual":"200"`) {
		t.Errorf("status values stay visible:\n%s", js)
	}

	text, js = outputs("--redact-values")
	for _, out := range []string{text, js} {
		if strings.Contains(out, maskToken) || strings.Contains(out, maskCookie) {
			t.Errorf("--redact-values: a value leaked:\n%s", out)
		}
	}

	if r := runCLI(t, "run", file, "--sensitive", "vars.base"); r.code != 2 || !strings.Contains(r.stderr, "STEP.body.PATH") {
		t.Errorf("--sensitive on a variable: exit %d, %q", r.code, r.stderr)
	}
}

// --json carries each step's stable error_code.
func TestRunJSONErrorCode(t *testing.T) {
	t.Parallel()
	file := loginCollection(t, loginAPI(t))
	r := runCLI(t, "run", file, "--json")
	var out jsonRun
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	codes := map[string]string{}
	for _, s := range out.Steps {
		codes[s.Name] = s.ErrorCode
	}
	if codes["login"] != "" || codes["me"] != "" || codes["down"] != "connection_refused" {
		t.Errorf("error codes %v; want only down: connection_refused", codes)
	}
	if !strings.Contains(r.stdout, `"error_code":""`) {
		t.Errorf("error_code is always present (empty when none): %s", r.stdout)
	}
}
