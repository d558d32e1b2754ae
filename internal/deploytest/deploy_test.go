package deploytest_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// findRoot returns the path of the repository's go.mod.
func findRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "go.mod")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
}

// repoFile reads a file at the repository root.
func repoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(filepath.Dir(findRoot(t)), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd  string // upper case
	args string
}

// stage is one FROM … section of a Dockerfile.
type stage struct {
	from string
	name string
	ins  []instruction
}

func parseDockerfile(t *testing.T, src string) []stage {
	t.Helper()
	var stages []stage
	var logical strings.Builder
	flush := func() {
		line := strings.TrimSpace(logical.String())
		logical.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			return
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				t.Fatalf("instruction %s before the first FROM", in.cmd)
			}
			return
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") && logical.Len() == 0 {
			continue
		}
		if strings.HasPrefix(trimmed, "#") {
			continue // a comment inside a continued instruction
		}
		if rest, ok := strings.CutSuffix(strings.TrimRight(line, " \t"), "\\"); ok {
			logical.WriteString(rest + " ")
			continue
		}
		logical.WriteString(line)
		flush()
	}
	flush()
	return stages
}

// last returns the arguments of the last instruction cmd in s, or "".
func (s stage) last(cmd string) string {
	out := ""
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = in.args
		}
	}
	return out
}

// env returns the stage's ENV settings (KEY=VALUE form).
func (s stage) env() map[string]string {
	out := map[string]string{}
	for _, in := range s.ins {
		if in.cmd != "ENV" {
			continue
		}
		for _, kv := range strings.Fields(in.args) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				out[k] = strings.Trim(v, `"`)
			}
		}
	}
	return out
}

// execForm decodes an ENTRYPOINT/CMD written in JSON (exec) form.
func execForm(t *testing.T, what, args string) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(args), &out); err != nil {
		t.Fatalf("%s %s should use the JSON exec form so signals reach catena: %v", what, args, err)
	}
	return out
}

func addrPort(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("CATENA_ADDR %q: %v", addr, err)
	}
	return port
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t, string(repoFile(t, "Dockerfile")))
	if len(stages) < 3 {
		t.Fatalf("want a multi-stage build (frontend, Go, runtime), got %d stages", len(stages))
	}
	var sawNode, sawGo bool
	for _, s := range stages[:len(stages)-1] {
		sawNode = sawNode || strings.HasPrefix(s.from, "node:")
		sawGo = sawGo || strings.HasPrefix(s.from, "golang:")
	}
	if !sawNode || !sawGo {
		t.Errorf("build stages should include node (frontend) and golang: %+v", stages)
	}
	final := stages[len(stages)-1]
	if strings.HasPrefix(final.from, "golang:") || strings.HasPrefix(final.from, "node:") {
		t.Errorf("the runtime image should not carry a toolchain: FROM %s", final.from)
	}

	user := final.last("USER")
	name, _, _ := strings.Cut(user, ":")
	if user == "" || name == "root" || name == "0" {
		t.Errorf("the final stage must run as a non-root user, USER = %q", user)
	}

	entry := execForm(t, "ENTRYPOINT", final.last("ENTRYPOINT"))
	cmd := execForm(t, "CMD", final.last("CMD"))
	if len(entry) != 1 || filepath.Base(entry[0]) != "catena" {
		t.Errorf("ENTRYPOINT should run the catena binary, got %q", entry)
	}
	if !slices.Equal(cmd, []string{"serve"}) {
		t.Errorf("CMD should default to serve, got %q", cmd)
	}
	var copied bool
	for _, in := range final.ins {
		if in.cmd == "COPY" && strings.HasPrefix(in.args, "--from=") && strings.HasSuffix(in.args, " "+entry[0]) {
			copied = true
		}
	}
	if !copied {
		t.Errorf("the final stage should COPY the built binary to %s", entry[0])
	}

	port := addrPort(t, final.env()["CATENA_ADDR"])
	if exposed := final.last("EXPOSE"); exposed != port && exposed != port+"/tcp" {
		t.Errorf("EXPOSE %s does not match CATENA_ADDR port %s", exposed, port)
	}
	if hc := final.last("HEALTHCHECK"); !strings.Contains(hc, ":"+port+"/healthz") {
		t.Errorf("HEALTHCHECK should probe /healthz on port %s: %s", port, hc)
	}
}

func TestParseDockerfile(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t, "ARG V=1\nFROM a:1 AS one\nRUN x \\\n  # note\n  && y\nFROM b\nUSER 10:10\nENV A=1 \\\n    B=\"2\"\nCMD [\"x\"]\n")
	if len(stages) != 2 || stages[0].name != "one" || stages[1].from != "b" {
		t.Fatalf("stages = %+v", stages)
	}
	if got := stages[0].last("RUN"); got != "x    && y" {
		t.Errorf("RUN = %q", got)
	}
	if env := stages[1].env(); env["A"] != "1" || env["B"] != "2" {
		t.Errorf("env = %v", env)
	}
}

// The collection shown in the README is valid, so a reader can copy it.
func TestReadmeCollectionExample(t *testing.T) {
	t.Parallel()
	readme := string(repoFile(t, "README.md"))
	_, rest, ok := strings.Cut(readme, "```yaml\n")
	if !ok {
		t.Fatal("README.md has no yaml example")
	}
	example, _, _ := strings.Cut(rest, "```")
	c, err := collection.Parse([]byte(example), "README.md")
	if err != nil {
		t.Fatalf("the README example does not parse: %v", err)
	}
	if len(c.Steps) < 2 || !strings.Contains(c.Steps[1].Headers["Authorization"], "@<<login.body.token>>") {
		t.Errorf("the README example should show a chained reference: %+v", c.Steps)
	}
}

// The browser runner image builds on the main one, adds Debian's Chromium,
// keeps a non-root user, points CATENA_BROWSER at it, runs a runner by
// default and probes the runner's metrics port, not the gateway's.
func TestDockerfileBrowser(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t, string(repoFile(t, "Dockerfile.browser")))
	if len(stages) != 1 || stages[0].from != "${BASE}" {
		t.Fatalf("want one stage FROM ${BASE} (the main image), got %+v", stages)
	}
	s := stages[0]
	if run := s.last("RUN"); !strings.Contains(run, "apt-get install") || !strings.Contains(run, " chromium") {
		t.Errorf("the image should install Debian's chromium: RUN %s", run)
	}
	user := s.last("USER")
	if name, _, _ := strings.Cut(user, ":"); user == "" || name == "root" || name == "0" {
		t.Errorf("the image must end as a non-root user, USER = %q", user)
	}
	if got := s.env()["CATENA_BROWSER"]; got != "/usr/bin/chromium" {
		t.Errorf("CATENA_BROWSER = %q, want Debian's /usr/bin/chromium", got)
	}
	if cmd := execForm(t, "CMD", s.last("CMD")); !slices.Equal(cmd, []string{"runner"}) {
		t.Errorf("CMD should default to runner, got %q", cmd)
	}
	if hc := s.last("HEALTHCHECK"); !strings.Contains(hc, ":9090/readyz") {
		t.Errorf("HEALTHCHECK should probe the runner's metrics port (:9090/readyz), got %q", hc)
	}
}
