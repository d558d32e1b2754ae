package cli

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// echoCollection has one step per encoding: the hostile target answers with
// the secret written that way, and every assertion fails on it, so the secret
// reaches URLs, headers, bodies, expected and actual values and reasons.
func echoCollection(base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: echo every encoding\nvariables: {base: %q}\nsteps:\n", base)
	for _, name := range secrettest.Names() {
		fmt.Fprintf(&b, `  - name: %s
    url: "@<<vars.base>>/echo/%s?k=@<<secrets.k>>"
    headers: {X-Key: "@<<secrets.k>>"}
    continue_on_failure: true
    assertions:
      - {source: text, comparison: equals, target: "nope"}
      - {source: text, comparison: equals, target: "@<<secrets.k>>"}
      - {source: header, property: x-echo-raw, comparison: contains, target: "nothing"}
      - {source: text, comparison: matches, target: "^x"}
`, name, name)
	}
	return b.String()
}

// The three report formats and the CLI's stderr never show the secret, in any
// encoding the target gives it back in.
func TestRunReportsMaskEveryEncoding(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(secrettest.EchoHandler())
	t.Cleanup(srv.Close)
	file := writeFile(t, "echo.yaml", echoCollection(srv.URL))
	report := filepath.Join(t.TempDir(), "junit.xml")
	text := runCLI(t, "run", file, "--secret", "k="+secrettest.Value, "--junit", report)
	asJSON := runCLI(t, "run", file, "--secret", "k="+secrettest.Value, "--json")
	if text.code != 1 || asJSON.code != 1 {
		t.Fatalf("exit %d and %d; want 1 (assertions fail)\n%s%s", text.code, asJSON.code, text.stdout, text.stderr)
	}
	junit, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	for what, out := range map[string]string{"text": text.stdout, "--json": asJSON.stdout, "--junit": string(junit)} {
		if secrettest.Leaks(out) {
			t.Errorf("the %s report shows the secret:\n%s", what, out)
		}
		if strings.Count(out, "••••") < len(secrettest.Names()) {
			t.Errorf("the %s report masks fewer than one value per step:\n%s", what, out)
		}
	}
	for what, out := range map[string]string{"text stderr": text.stderr, "--json stderr": asJSON.stderr} {
		if secrettest.Leaks(out) {
			t.Errorf("%s shows the secret:\n%s", what, out)
		}
	}
}

// An invalid file's problems quote the offending value; when that value is a
// secret the problems (text on stdout, --json on stderr) mask it.
func TestRunProblemsMaskEveryEncoding(t *testing.T) {
	t.Parallel()
	for _, name := range secrettest.Names() {
		form := secrettest.Encodings(secrettest.Value)[name]
		file := writeFile(t, "bad.yaml", fmt.Sprintf("name: bad\nsteps:\n  - name: %q\n    url: http://127.0.0.1:1/\n", "s "+form))
		text := runCLI(t, "run", file, "--secret", "k="+secrettest.Value)
		asJSON := runCLI(t, "run", file, "--secret", "k="+secrettest.Value, "--json")
		if text.code != 2 || !strings.Contains(text.stdout, "••••") {
			t.Errorf("%s: exit %d; want 2 with the value masked\n%s", name, text.code, text.stdout)
		}
		for what, out := range map[string]string{"text": text.stdout + text.stderr, "--json": asJSON.stdout + asJSON.stderr} {
			if secrettest.Leaks(out) {
				t.Errorf("%s, %s: a problem shows the secret:\n%s", name, what, out)
			}
		}
	}
}
