package deploytest_test

import (
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/config"
)

// repoFile reads a file at the repository root.
func repoFile(t *testing.T, name string) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
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

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string                       `yaml:"image"`
	Build       any                          `yaml:"build"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	Ports       []string                     `yaml:"ports"`
	DependsOn   map[string]map[string]string `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

// interpolate resolves ${VAR}, ${VAR:-default} and ${VAR:?message} as Compose
// does, reading VAR from vars.
func interpolate(t *testing.T, s string, vars map[string]string) string {
	t.Helper()
	re := regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}`)
	return re.ReplaceAllStringFunc(s, func(m string) string {
		p := re.FindStringSubmatch(m)
		if v := vars[p[1]]; v != "" {
			return v
		}
		if p[2] == ":?" {
			t.Fatalf("%s is required by docker-compose.yml and unset", p[1])
		}
		return p[3]
	})
}

func TestDockerCompose(t *testing.T) {
	t.Parallel()
	var f composeFile
	if err := yaml.Unmarshal(repoFile(t, "docker-compose.yml"), &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	pg, catena, runner := f.Services["postgres"], f.Services["catena"], f.Services["runner-eu"]
	for name, s := range map[string]composeService{"postgres": pg, "catena": catena, "runner-eu": runner} {
		if s.Image == "" && s.Build == nil {
			t.Fatalf("service %s is missing (or has neither image nor build)", name)
		}
	}
	if pg.Healthcheck == nil || !strings.Contains(strings.Join(pg.Healthcheck.Test, " "), "pg_isready") {
		t.Errorf("postgres needs a pg_isready health check so others can wait for it")
	}
	for name, s := range map[string]composeService{"catena": catena, "runner-eu": runner} {
		if cond := s.DependsOn["postgres"]["condition"]; cond != "service_healthy" {
			t.Errorf("%s should depend on postgres being healthy, got condition %q", name, cond)
		}
	}
	if catena.Build == nil {
		t.Errorf("the catena service should build the image from the Dockerfile")
	}
	if runner.Image != catena.Image {
		t.Errorf("the runner should use the image catena builds (%q), got %q", catena.Image, runner.Image)
	}
	if !slices.Equal(catena.Command, []string{"serve"}) {
		t.Errorf("catena command = %q, want serve", catena.Command)
	}
	if len(runner.Command) < 3 || runner.Command[0] != "runner" || !slices.Contains(runner.Command, "--location") {
		t.Errorf("the runner should run `runner --location X`, got %q", runner.Command)
	}

	// The key is required from the host environment, never written in the file.
	if v := catena.Environment["CATENA_SECRET_KEY"]; !strings.HasPrefix(v, "${CATENA_SECRET_KEY:?") {
		t.Errorf("CATENA_SECRET_KEY should come from the environment and be required, got %q", v)
	}
	host := map[string]string{"CATENA_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	for name, s := range map[string]composeService{"catena": catena, "runner-eu": runner} {
		env := map[string]string{}
		for k, v := range s.Environment {
			env[k] = interpolate(t, v, host)
		}
		for _, required := range []string{"DATABASE_URL", "CATENA_SECRET_KEY"} {
			if env[required] == "" {
				t.Errorf("%s: %s is not set", name, required)
			}
		}
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Errorf("%s: the binary would refuse this configuration: %v", name, err)
			continue
		}
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil || u.Hostname() != "postgres" || strings.TrimPrefix(u.Path, "/") != pg.Environment["POSTGRES_DB"] {
			t.Errorf("%s: DATABASE_URL %q should point at the postgres service's database %q", name, cfg.DatabaseURL, pg.Environment["POSTGRES_DB"])
		}
		if u != nil && u.User.Username() != pg.Environment["POSTGRES_USER"] {
			t.Errorf("%s: DATABASE_URL user %q, postgres creates %q", name, u.User.Username(), pg.Environment["POSTGRES_USER"])
		}
		if name == "runner-eu" && cfg.Location != runner.Command[slices.Index(runner.Command, "--location")+1] {
			t.Errorf("runner CATENA_LOCATION %q disagrees with its --location flag %q", cfg.Location, runner.Command)
		}
		if name == "catena" {
			port := addrPort(t, cfg.Addr)
			if !slices.ContainsFunc(catena.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+port) }) {
				t.Errorf("ports %q do not publish the CATENA_ADDR port %s", catena.Ports, port)
			}
			if catena.Healthcheck == nil || !strings.Contains(strings.Join(catena.Healthcheck.Test, " "), ":"+port+"/readyz") {
				t.Errorf("catena's health check should probe /readyz on port %s", port)
			}
		}
	}

	// The image and the compose file agree on the port.
	stages := parseDockerfile(t, string(repoFile(t, "Dockerfile")))
	imagePort := addrPort(t, stages[len(stages)-1].env()["CATENA_ADDR"])
	if got := addrPort(t, interpolate(t, catena.Environment["CATENA_ADDR"], host)); got != imagePort {
		t.Errorf("compose CATENA_ADDR port %s, image exposes %s", got, imagePort)
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
