package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/secret"
)

// shopSites serves an API (login returns a token, orders by id) and a web
// page that shows the orders to a browser holding the token as a cookie.
func shopSites(t *testing.T) (api, web string) {
	t.Helper()
	a := http.NewServeMux()
	a.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token": "tok-7"}`)
	})
	a.HandleFunc("/api/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": %q, "state": "paid"}`, r.PathValue("id"))
	})
	w := http.NewServeMux()
	w.HandleFunc("/orders", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html")
		if c, err := r.Cookie("session"); err != nil || c.Value != "tok-7" {
			fmt.Fprint(rw, `<!doctype html><p class="banner">error: please sign in</p>`)
			return
		}
		fmt.Fprint(rw, `<!doctype html><p class="banner">Your orders</p><ul><li class="order" data-id="4711">4711</li></ul>`)
	})
	as, ws := httptest.NewServer(a), httptest.NewServer(w)
	t.Cleanup(as.Close)
	t.Cleanup(ws.Close)
	return as.URL, ws.URL
}

// mixedCollection: HTTP login → browser step using the token → HTTP step
// using the value the browser step extracted.
func mixedCollection(api, web string, secret bool) string {
	body := ""
	if secret {
		body = `
    body: '{"password": "@<<secrets.password>>"}'`
	}
	return `name: mixed
variables: {api: "` + api + `", web: "` + web + `"}
steps:
  - name: login
    method: POST
    url: "@<<vars.api>>/api/login"` + body + `
    assertions:
      - {source: body, property: token, comparison: exists}
  - name: orders_page
    kind: browser
    url: "@<<vars.web>>/orders"
    actions:
      - {set_cookie: session, value: "@<<login.body.token>>"}
      - {wait_for: ".order"}
      - {extract: order_id, selector: ".order", attribute: data-id}
      - {screenshot: orders}
    assertions:
      - {source: text, property: ".banner", comparison: not_contains, target: error}
      - {source: extracted, property: order_id, comparison: matches, target: "^[0-9]+$"}
  - name: order
    url: "@<<vars.api>>/api/orders/@<<orders_page.extracted.order_id>>"
    assertions:
      - {source: body, property: state, comparison: equals, target: paid}
`
}

func TestRunBrowserStepJSON(t *testing.T) {
	t.Parallel()
	api, web := shopSites(t)
	file := writeFile(t, "mixed.yaml", mixedCollection(api, web, true))
	shots := t.TempDir()
	r := runCLI(t, "run", "--json", "--screenshots", shots, "--secret", "password=hunter2-pw", file)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	var out struct {
		Status string
		Steps  []struct {
			Name, Status string
			Browser      *struct {
				FinalURL    string            `json:"final_url"`
				Extracted   map[string]string `json:"extracted"`
				Actions     []struct{ Status string }
				Screenshots []struct {
					Name string
					Size int
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	b := out.Steps[1].Browser
	if out.Status != "passed" || b == nil || b.Extracted["order_id"] != "4711" || !strings.HasSuffix(b.FinalURL, "/orders") ||
		len(b.Actions) != 5 || len(b.Screenshots) != 1 || b.Screenshots[0].Size == 0 {
		t.Fatalf("run = %s", r.stdout)
	}
	if out.Steps[0].Browser != nil || out.Steps[2].Browser != nil {
		t.Error("HTTP steps carry a browser object")
	}
	if strings.Contains(r.stdout+r.stderr, "hunter2-pw") {
		t.Error("the secret was printed")
	}
	data, err := os.ReadFile(filepath.Join(shots, "mixed-orders_page-0-orders.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("the saved screenshot is not a JPEG: %v", err)
	}
}

func TestRunBrowserOff(t *testing.T) {
	t.Parallel()
	api, web := shopSites(t)
	file := writeFile(t, "mixed.yaml", mixedCollection(api, web, true))
	var out, errb bytes.Buffer
	e := env{getenv: envOf(map[string]string{"CATENA_BROWSER": "off"}), stdout: &out, stderr: &errb}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := runRun(ctx, e, []string{"--json", "--secret", "password=x", file})
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 2 {
		t.Fatalf("exit = %v, want 2", err)
	}
	if !strings.Contains(out.String(), "browser steps are off on this runner (CATENA_BROWSER=off)") {
		t.Errorf("stdout = %s", out.String())
	}
}

// The same collection through the all-in-one server's runner: imported over
// the API, run, and its screenshot read back from the API.
func TestServeBrowserStepScreenshotFromAPI(t *testing.T) {
	t.Parallel()
	api, web := shopSites(t)
	_, dbURL := dbtest.NewDBURL(t)
	base, stdout := startServe(t, map[string]string{"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": secret.NewKey(), "CATENA_LOG_LEVEL": "error"})
	link := `/setup?token=`
	poll(t, "the setup link", func() bool { return strings.Contains(stdout.String(), link) })
	s := stdout.String()
	token := s[strings.Index(s, link)+len(link):]
	token = token[:strings.IndexFunc(token, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})]
	gql, _ := browser(t, base)
	gql(`mutation($t: String!) { setup(token: $t, email: "root@example.com", name: "Root", password: "a long password") { id } }`, map[string]any{"t": token})
	imp := gql(`mutation($d: String!) { importCollection(format: CATENA, document: $d) { collection { id steps { name kind actions } } } }`,
		map[string]any{"d": mixedCollection(api, web, false)})
	col := imp["importCollection"].(map[string]any)["collection"].(map[string]any)
	steps := col["steps"].([]any)
	if st := steps[1].(map[string]any); st["kind"] != "BROWSER" || len(st["actions"].([]any)) != 4 {
		t.Fatalf("imported browser step = %v", st)
	}
	cid := col["id"]
	r := gql(`mutation($id: ID!) { runCollection(id: $id) { id } }`, map[string]any{"id": cid})
	rid := r["runCollection"].(map[string]any)["id"]
	var run map[string]any
	poll(t, "the run to end", func() bool {
		run = gql(`query($id: ID!) { run(id: $id) { status steps { name status error browser { finalUrl extracted { name value }
			actions { index action status durationMs } consoleErrors failedRequests { url } timings { domContentLoadedMs loadMs lcpMs }
			screenshots { runId stepPosition position name mime size auto } } } } }`, map[string]any{"id": rid})["run"].(map[string]any)
		return !slices.Contains([]any{"QUEUED", "RUNNING"}, run["status"])
	})
	if run["status"] != "PASSED" {
		t.Fatalf("run = %v", run)
	}
	br := run["steps"].([]any)[1].(map[string]any)["browser"].(map[string]any)
	shots := br["screenshots"].([]any)
	if len(shots) != 1 || br["extracted"].([]any)[0].(map[string]any)["value"] != "4711" {
		t.Fatalf("browser = %v", br)
	}
	sh := gql(`query($id: ID!) { run(id: $id) { steps { browser { screenshots { name dataUrl } } } } }`, map[string]any{"id": rid})
	url := sh["run"].(map[string]any)["steps"].([]any)[1].(map[string]any)["browser"].(map[string]any)["screenshots"].([]any)[0].(map[string]any)["dataUrl"].(string)
	b64, ok := strings.CutPrefix(url, "data:image/jpeg;base64,")
	if !ok {
		t.Fatalf("dataUrl = %.60s…", url)
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("the screenshot from the API is not a JPEG: %v", err)
	}
}
