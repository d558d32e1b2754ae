package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// envTarget answers /who with the X-Stage and X-Key it received, and
// remembers every X-Stage.
func envTarget(t *testing.T) (string, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var stages []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stages = append(stages, r.Header.Get("X-Stage"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"stage": r.Header.Get("X-Stage"), "key": r.Header.Get("X-Key")})
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), stages...)
	}
}

func envFile(t *testing.T, base string) string {
	return writeFile(t, "envs.yaml", fmt.Sprintf(`name: stages
variables: {base: "%s", stage: local}
environments:
  staging:
    variables: {stage: staging}
    secrets: [key]
  prod:
    variables: {stage: prod, base: "http://127.0.0.1:1"}
steps:
  - name: who
    url: "@<<vars.base>>/who"
    headers: {X-Stage: "@<<vars.stage>>", X-Key: "@<<secrets.key>>"}
    assertions:
      - {source: body, property: stage, comparison: equals, target: staging}
`, base))
}

func TestRunEnv(t *testing.T) {
	t.Parallel()
	base, stages := envTarget(t)
	file := envFile(t, base)

	r := runCLI(t, "run", file, "--env", "staging", "--secret", "key="+secrettest.Value, "--json")
	if r.code != 0 {
		t.Fatalf("--env staging: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	var out struct {
		Environment string `json:"environment"`
		Status      string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--json output %q: %v", r.stdout, err)
	}
	if out.Environment != "staging" || out.Status != "passed" {
		t.Errorf("--json says environment %q status %q, want staging passed", out.Environment, out.Status)
	}
	if got := stages(); len(got) != 1 || got[0] != "staging" {
		t.Errorf("the target received X-Stage %q, want [staging]", got)
	}
	if secrettest.Leaks(r.stdout + r.stderr) {
		t.Errorf("the environment's secret is in the output:\n%s%s", r.stdout, r.stderr)
	}

	human := runCLI(t, "run", file, "--env", "staging", "--secret", "key="+secrettest.Value)
	if human.code != 0 || !strings.Contains(human.stdout, "environment staging") {
		t.Errorf("human output: exit %d, want 0 and the environment named\n%s", human.code, human.stdout)
	}
	if secrettest.Leaks(human.stdout + human.stderr) {
		t.Errorf("the environment's secret is in the human output:\n%s", human.stdout)
	}

	// --var still wins over the environment.
	if r := runCLI(t, "run", file, "--env", "prod", "--var", "base="+base, "--var", "stage=staging", "--secret", "key=k"); r.code != 0 {
		t.Errorf("--env prod with --var over it: exit %d, want 0\n%s", r.code, r.stdout)
	}

	unknown := runCLI(t, "run", file, "--env", "qa", "--secret", "key=k")
	if unknown.code != 2 || !strings.Contains(unknown.stdout, `no environment "qa"`) || !strings.Contains(unknown.stdout, "prod, staging") {
		t.Errorf("--env qa: exit %d, want 2 naming qa and listing prod, staging\n%s", unknown.code, unknown.stdout)
	}

	missing := runCLI(t, "run", file, "--env", "staging")
	if missing.code != 2 || !strings.Contains(missing.stdout, `environment "staging" needs secret "key"`) {
		t.Errorf("--env staging without its secret: exit %d, want 2 naming the secret\n%s", missing.code, missing.stdout)
	}
	if n := len(stages()); n != 3 {
		t.Errorf("the target got %d requests, want 3 (invalid runs send nothing)", n)
	}
}

func TestRunWithoutEnvNeedsEnvOnlyVariables(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "only.yaml", `name: only
environments:
  dev: {variables: {base: "http://127.0.0.1:1"}}
steps:
  - name: a
    url: "@<<vars.base>>/x"
`)
	r := runCLI(t, "run", file)
	if r.code != 2 || !strings.Contains(r.stdout, "choose one with --env") || !strings.Contains(r.stdout, "dev") {
		t.Errorf("no --env: exit %d, want 2 pointing at --env\n%s", r.code, r.stdout)
	}
	if v := runCLI(t, "validate", file); v.code != 0 {
		t.Errorf("validate: exit %d, want 0 (every environment defines base)\n%s%s", v.code, v.stdout, v.stderr)
	}
}
