package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/demoapi"
)

// cliResult is what a person sees from one command.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs a subcommand in-process with captured output and returns the
// exit code main would use.
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
	i := slices.IndexFunc(commands(), func(c command) bool { return c.name == args[0] })
	if i < 0 {
		t.Fatalf("no command %q", args[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := commands()[i].run(ctx, e, args[1:])
	code := 0
	if err != nil {
		var exit *ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("%v: error without an exit code: %v", args, err)
		}
		code = exit.Code
		if exit.Err != nil {
			errb.WriteString(exit.Err.Error())
		}
	}
	return cliResult{stdout: out.String(), stderr: errb.String(), code: code}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// demoChain starts the demo API and writes its 10-step collection to a file.
func demoChain(t *testing.T) (file, base string) {
	t.Helper()
	srv := httptest.NewServer(demoapi.New(demoapi.Config{}))
	t.Cleanup(srv.Close)
	return writeFile(t, "chain.yaml", string(demoapi.ChainCollection)), srv.URL
}

func TestRunDemoChainPasses(t *testing.T) {
	t.Parallel()
	file, base := demoChain(t)
	r := runCLI(t, "run", file, "--var", "base="+base, "--secret", "password="+demoapi.Password)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"demo checkout flow", "PASS  login", "POST " + base + "/login", "→ 200", "list_after",
		"status equals 200  expected 200, actual 200", "PASSED  10 steps, 33/33 assertions passed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour codes written to a non-terminal:\n%q", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, demoapi.Password) {
		t.Errorf("the secret value appears in the output:\n%s%s", r.stdout, r.stderr)
	}
}

// flakyAPI answers /ok with 200, /fail with 500 and /echo with the request's
// secret-bearing header and body, so tests can see what reaches the output.
func flakyAPI(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok": true, "n": 3}`)
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(500)
		fmt.Fprint(w, `{"ok": false}`)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", r.Header.Get("X-Api-Key"))
		body, _ := io.ReadAll(r.Body)
		_ = json.NewEncoder(w).Encode(map[string]string{"key": r.Header.Get("X-Api-Key"), "body": string(body)})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func oneStep(name, url, assertions string) string {
	return fmt.Sprintf("name: %s\nsteps:\n  - name: check\n    url: %q\n    assertions:\n%s", name, url, assertions)
}

const statusIs200 = "      - {source: status, comparison: equals, target: \"200\"}\n"

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	base := flakyAPI(t)
	pass := writeFile(t, "pass.yaml", oneStep("pass", base+"/ok", statusIs200))
	fail := writeFile(t, "fail.yaml", oneStep("fail", base+"/fail", statusIs200))
	errored := writeFile(t, "errored.yaml", oneStep("errored", "http://127.0.0.1:1/", statusIs200))
	invalid := writeFile(t, "invalid.yaml", "name: bad\nsteps:\n  - name: x\n    method: FETCH\n    url: http://127.0.0.1/\n")
	cases := []struct {
		name  string
		files []string
		extra []string
		want  int
	}{
		{"passed", []string{pass}, nil, 0},
		{"failed", []string{fail}, nil, 1},
		{"errored: connection refused", []string{errored}, nil, 2},
		{"invalid input", []string{invalid}, nil, 2},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.yaml")}, nil, 2},
		{"passed and failed", []string{pass, fail}, nil, 1},
		{"failed and errored", []string{fail, errored}, nil, 2},
		{"passed and invalid", []string{pass, invalid}, nil, 2},
		{"denied by --deny-cidr", []string{pass}, []string{"--deny-cidr", "127.0.0.0/8"}, 2},
		{"bad flag value", []string{pass}, []string{"--var", "novalue"}, 2},
		{"no files", nil, nil, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"run"}, tc.files...), tc.extra...)
			if r := runCLI(t, args...); r.code != tc.want {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

func TestRunJSONShapeAndFileOrder(t *testing.T) {
	t.Parallel()
	// The first file's request waits until the second file's has arrived, so
	// the first finishes last: files must run in parallel and print in order.
	second := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/first", func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-second:
		case <-time.After(10 * time.Second):
			w.WriteHeader(504)
			return
		}
		fmt.Fprint(w, `{"ok": true}`)
	})
	mux.HandleFunc("/second", func(w http.ResponseWriter, _ *http.Request) {
		close(second)
		w.WriteHeader(500)
		fmt.Fprint(w, `{"ok": false}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f1 := writeFile(t, "first.yaml", oneStep("first", srv.URL+"/first", statusIs200+
		"      - {source: body, property: ok, comparison: equals, target: \"true\"}\n"))
	f2 := writeFile(t, "second.yaml", "name: second\nsteps:\n  - name: check\n    url: "+srv.URL+"/second\n    assertions:\n"+statusIs200+
		"  - name: after\n    url: "+srv.URL+"/second\n")

	r := runCLI(t, "run", "--json", f1, f2)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (second failed)\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want one per file:\n%s", len(lines), r.stdout)
	}
	var runs []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, l)
		}
		runs = append(runs, m)
	}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	eq := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s fields = %v, want exactly %v", what, got, want)
		}
	}
	if runs[0]["name"] != "first" || runs[1]["name"] != "second" {
		t.Fatalf("results not in file order: %v then %v", runs[0]["name"], runs[1]["name"])
	}
	if runs[0]["status"] != "passed" || runs[1]["status"] != "failed" {
		t.Errorf("statuses %v, %v; want passed, failed", runs[0]["status"], runs[1]["status"])
	}
	for _, run := range runs {
		eq("run", keys(run), []string{"duration_ms", "name", "status", "steps"})
		if _, ok := run["duration_ms"].(float64); !ok {
			t.Errorf("duration_ms is %T, want a number", run["duration_ms"])
		}
		for _, s := range run["steps"].([]any) {
			step := s.(map[string]any)
			eq("step", keys(step), []string{"assertions", "error", "error_code", "name", "request", "response", "status"})
			eq("request", keys(step["request"].(map[string]any)), []string{"method", "url"})
			eq("response", keys(step["response"].(map[string]any)), []string{"latency_ms", "status"})
			for _, a := range step["assertions"].([]any) {
				eq("assertion", keys(a.(map[string]any)), []string{"actual", "comparison", "expected", "passed", "property", "source"})
			}
		}
	}
	steps := runs[1]["steps"].([]any)
	check := steps[0].(map[string]any)
	if check["status"] != "failed" || check["request"].(map[string]any)["method"] != "GET" ||
		check["response"].(map[string]any)["status"] != 500.0 {
		t.Errorf("failed step = %v", check)
	}
	a := check["assertions"].([]any)[0].(map[string]any)
	if a["source"] != "status" || a["comparison"] != "equals" || a["expected"] != "200" || a["actual"] != "500" || a["passed"] != false {
		t.Errorf("assertion = %v", a)
	}
	if after := steps[1].(map[string]any); after["status"] != "skipped" {
		t.Errorf("step after a failure = %v, want skipped", after["status"])
	}
}

func TestRunJUnitReport(t *testing.T) {
	t.Parallel()
	base := flakyAPI(t)
	pass := writeFile(t, "pass.yaml", oneStep("pass", base+"/ok", statusIs200))
	fail := writeFile(t, "fail.yaml", "name: fail\nsteps:\n  - name: check\n    url: "+base+"/fail\n    assertions:\n"+statusIs200+
		"  - name: later\n    url: "+base+"/ok\n")
	invalid := writeFile(t, "invalid.yaml", "name: bad\nsteps: []\n")
	report := filepath.Join(t.TempDir(), "junit.xml")
	r := runCLI(t, "run", pass, fail, invalid, "--junit", report)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error *struct {
					Text string `xml:",chardata"`
				} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, raw)
	}
	if len(doc.Suites) != 3 || doc.Suites[0].Name != "pass" || doc.Suites[1].Name != "fail" {
		t.Fatalf("suites = %+v, want pass, fail, invalid in file order", doc.Suites)
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Errorf("totals tests=%d failures=%d errors=%d skipped=%d, want 4 1 1 1", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
	failed := doc.Suites[1].Cases[0]
	if failed.Name != "check" || failed.Failure == nil || !strings.Contains(failed.Failure.Text, "expected 200, actual 500") {
		t.Errorf("failed testcase = %+v, want a failure with expected and actual", failed)
	}
	if doc.Suites[1].Cases[1].Skipped == nil {
		t.Errorf("the step after a failure is not marked skipped")
	}
	if e := doc.Suites[2].Cases[0].Error; e == nil || !strings.Contains(e.Text, "at least one step") {
		t.Errorf("invalid file testcase = %+v, want an error naming the problem", doc.Suites[2].Cases)
	}
}

func TestRunNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	base := flakyAPI(t)
	const secret = "s3cr3t-Value&<x>"
	file := writeFile(t, "echo.yaml", `name: echo
variables: {base: "`+base+`"}
steps:
  - name: echo
    method: POST
    url: "@<<vars.base>>/echo"
    headers: {X-Api-Key: "@<<secrets.key>>", Content-Type: application/json}
    body: '{"key": "@<<secrets.key>>"}'
    assertions:
      - {source: body, property: key, comparison: equals, target: "wrong"}
      - {source: header, property: x-echo, comparison: equals, target: "@<<secrets.key>>"}
      - {source: text, comparison: contains, target: "nothing"}
`)
	report := filepath.Join(t.TempDir(), "junit.xml")
	human := runCLI(t, "run", file, "--secret", "key="+secret, "--junit", report)
	asJSON := runCLI(t, "run", file, "--secret", "key="+secret, "--json")
	if human.code != 1 || asJSON.code != 1 {
		t.Fatalf("exit %d and %d, want 1 (assertions fail)\n%s%s", human.code, asJSON.code, human.stdout, asJSON.stdout)
	}
	junit, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{
		"stdout": human.stdout, "stderr": human.stderr, "json": asJSON.stdout, "json stderr": asJSON.stderr, "junit": string(junit),
	} {
		for _, leak := range []string{secret, "s3cr3t", "&amp;&lt;x&gt;"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s shows the secret (%q):\n%s", what, leak, text)
			}
		}
		if !strings.Contains(text, "••••") && what != "stderr" && what != "json stderr" {
			t.Errorf("%s does not show the redaction mark:\n%s", what, text)
		}
	}
}

func TestRunVarOverridesBeforeValidation(t *testing.T) {
	t.Parallel()
	base := flakyAPI(t)
	file := writeFile(t, "vars.yaml", "name: vars\nsteps:\n  - name: check\n    url: \"@<<vars.base>>/ok\"\n    assertions:\n"+statusIs200)
	r := runCLI(t, "run", file)
	if r.code != 2 || !strings.Contains(r.stdout, `unknown variable "base"`) || !strings.Contains(r.stdout, `step "check"`) {
		t.Errorf("without --var: exit %d, want 2 naming the variable and step\n%s", r.code, r.stdout)
	}
	if r := runCLI(t, "run", file, "--var", "base="+base); r.code != 0 {
		t.Errorf("with --var: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	withDefault := writeFile(t, "default.yaml", "name: vars\nvariables: {base: \"http://127.0.0.1:1\"}\nsteps:\n  - name: check\n    url: \"@<<vars.base>>/ok\"\n    assertions:\n"+statusIs200)
	if r := runCLI(t, "run", withDefault, "--var", "base="+base); r.code != 0 {
		t.Errorf("--var over the file's value: exit %d, want 0\n%s", r.code, r.stdout)
	}
}

func TestRunInvalidFilesInJSONModeGoToStderr(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, "bad.json", "{\"name\": \"x\",\n  \"steps\": [ }")
	r := runCLI(t, "run", "--json", bad)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2", r.code)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil || m["status"] != "errored" {
		t.Errorf("stdout = %q, want one JSON object with status errored", r.stdout)
	}
	if !strings.Contains(r.stderr, bad+":2:") {
		t.Errorf("stderr = %q, want the parse error with file:line:col", r.stderr)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := writeFile(t, "chain.yaml", string(demoapi.ChainCollection))
	badStep := writeFile(t, "bad.yaml", `name: bad
steps:
  - name: login
    method: FETCH
    url: http://127.0.0.1/login
  - name: me
    url: "http://127.0.0.1/@<<nope.body.id>>"
    assertions:
      - {source: status, comparison: contains, target: "2"}
`)
	syntax := writeFile(t, "syntax.json", "{\n  \"name\": \"x\",\n  \"steps\": [1,]\n}")
	notCollection := writeFile(t, "list.yaml", "- a\n- b\n")

	if r := runCLI(t, "validate", good); r.code != 0 || !strings.Contains(r.stdout, "ok") || !strings.Contains(r.stdout, "10 steps, 33 assertions") {
		t.Errorf("valid file: exit %d\n%s", r.code, r.stdout)
	}
	r := runCLI(t, "validate", good, badStep, syntax, notCollection)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stdout)
	}
	for _, want := range []string{
		badStep + `: step "login": steps[0].method: method "FETCH" is not supported`,
		badStep + `: step "me": steps[1].url: unknown step 'nope'`,
		badStep + `: step "me": steps[1].assertions[0].comparison:`,
		syntax + ":3:",
		notCollection + ": not a Catena collection",
		"3 of 4 files invalid",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestHumanOutputColour(t *testing.T) {
	t.Parallel()
	r := &fileResult{file: "f.yaml", name: "c", status: "failed", steps: []collection.StepResult{
		{Name: "a", Status: collection.StepPassed, Assertions: []collection.AssertionResult{{Passed: true, Expected: "1", Actual: "1"}}},
		{Name: "b", Status: collection.StepFailed, Assertions: []collection.AssertionResult{{Passed: false, Expected: "1", Actual: "2"}}},
	}}
	var plain, coloured bytes.Buffer
	writeHumanResult(&plain, r, false)
	writeHumanResult(&coloured, r, true)
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("plain output has escape codes: %q", plain.String())
	}
	for _, want := range []string{ansiGreen + "PASS ", ansiRed + "FAIL ", ansiRed + "✗"} {
		if !strings.Contains(coloured.String(), want) {
			t.Errorf("coloured output lacks %q: %q", want, coloured.String())
		}
	}
	if isTerminal(&plain) {
		t.Error("a buffer is not a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
}
