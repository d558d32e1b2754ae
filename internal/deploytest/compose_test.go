package deploytest_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/catena-monitor/catena/internal/config"
)

// composeFile is the part of the Compose format docker-compose.yml may use.
// It is decoded with unknown fields refused, so a key that Debian's
// docker-compose 1.29 does not know (a top-level `name:`, say) fails here.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
	// CatenaEnv is the shared environment anchor (an x- extension field).
	CatenaEnv map[string]string `yaml:"x-catena-env"`
	// WorkerHealthcheck is the health check anchor of the runners and the scheduler.
	WorkerHealthcheck map[string]any `yaml:"x-worker-healthcheck"`
}

type composeService struct {
	Image       string                       `yaml:"image"`
	Build       any                          `yaml:"build"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	Ports       []string                     `yaml:"ports"`
	Volumes     []string                     `yaml:"volumes"`
	DependsOn   map[string]map[string]string `yaml:"depends_on"`
	Restart     string                       `yaml:"restart"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		StartPeriod string   `yaml:"start_period"`
		Retries     int      `yaml:"retries"`
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

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(repoFile(t, "docker-compose.yml")))
	dec.KnownFields(true)
	var f composeFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return f
}

// hostEnv is what a person exports before `docker compose up`.
var hostEnv = map[string]string{"CATENA_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}

func TestDockerComposeSplitMode(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	pg := f.Services["postgres"]
	want := map[string][]string{
		"migrate":      {"migrate", "up"},
		"gateway":      {"gateway"},
		"runner-local": {"runner", "--location", "local"},
		"runner-eu":    {"runner", "--location", "eu-west-1"},
		"scheduler":    {"scheduler"},
	}
	for name, cmd := range want {
		s, ok := f.Services[name]
		if !ok {
			t.Errorf("service %s is missing", name)
			continue
		}
		if !slices.Equal(s.Command, cmd) {
			t.Errorf("%s command = %q, want %q", name, s.Command, cmd)
		}
		if s.Image != "catena:local" {
			t.Errorf("%s should run the image the file builds (catena:local), got %q", name, s.Image)
		}
		if cond := s.DependsOn["postgres"]["condition"]; cond != "service_healthy" {
			t.Errorf("%s should wait for postgres to be healthy, got %q", name, cond)
		}
		if name != "migrate" {
			if cond := s.DependsOn["migrate"]["condition"]; cond != "service_completed_successfully" {
				t.Errorf("%s should start after the migration succeeded, got condition %q", name, cond)
			}
		}
		checkCatenaEnv(t, name, s, pg)
	}
	if f.Services["migrate"].Build == nil {
		t.Errorf("the migrate service should build the image from the Dockerfile")
	}
	if r := f.Services["migrate"].Restart; r != "no" {
		t.Errorf("migrate is a one-off: restart should be \"no\", got %q", r)
	}
	if pg.Healthcheck == nil || !strings.Contains(strings.Join(pg.Healthcheck.Test, " "), "pg_isready") {
		t.Errorf("postgres needs a pg_isready health check so others can wait for it")
	}

	// Two runner locations, each agreeing with its own CATENA_LOCATION.
	locations := map[string]bool{}
	for _, name := range []string{"runner-local", "runner-eu"} {
		s := f.Services[name]
		flag := s.Command[slices.Index(s.Command, "--location")+1]
		if got := s.Environment["CATENA_LOCATION"]; got != flag {
			t.Errorf("%s: CATENA_LOCATION %q disagrees with --location %q", name, got, flag)
		}
		locations[flag] = true
	}
	if len(locations) != 2 {
		t.Errorf("the two runners should serve two locations, got %v", locations)
	}

	// The gateway publishes its port and is probed on /readyz.
	gw := f.Services["gateway"]
	port := addrPort(t, interpolate(t, gw.Environment["CATENA_ADDR"], hostEnv))
	if !slices.ContainsFunc(gw.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+port) }) {
		t.Errorf("gateway ports %q do not publish the CATENA_ADDR port %s", gw.Ports, port)
	}
	if gw.Healthcheck == nil || !strings.Contains(strings.Join(gw.Healthcheck.Test, " "), ":"+port+"/readyz") {
		t.Errorf("the gateway's health check should probe /readyz on port %s", port)
	}
	stages := parseDockerfile(t, string(repoFile(t, "Dockerfile")))
	if imagePort := addrPort(t, stages[len(stages)-1].env()["CATENA_ADDR"]); imagePort != port {
		t.Errorf("compose CATENA_ADDR port %s, image exposes %s", port, imagePort)
	}
	// Runners and the scheduler serve no API; they are probed on their
	// metrics port (CATENA_METRICS_ADDR, default :9090).
	for _, name := range []string{"runner-local", "runner-eu", "scheduler"} {
		if hc := f.Services[name].Healthcheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), ":9090/readyz") {
			t.Errorf("%s: the health check should probe /readyz on the metrics port 9090", name)
		}
	}
	if sch := f.Services["scheduler"].Environment["CATENA_SCHEDULER"]; sch != "local" {
		t.Errorf("`catena scheduler` runs the local loop only; CATENA_SCHEDULER = %q", sch)
	}

	// The demo API listens on all interfaces inside its container, where the
	// runners reach it by service name.
	demo := f.Services["demo-api"]
	if !slices.Equal(demo.Command, []string{"demo-api", "--addr", "0.0.0.0:9000"}) {
		t.Errorf("demo-api command = %q", demo.Command)
	}

	// Mail alerts go to the mail catcher over plain SMTP.
	mail, ok := f.Services["mail"]
	if !ok || mail.Image == "" {
		t.Fatalf("the mail catcher service (mail) is missing")
	}
	env := f.CatenaEnv
	if env["CATENA_SMTP_HOST"] != "mail" || env["CATENA_SMTP_TLS"] != "none" {
		t.Errorf("e-mail should go to the mail service without TLS: %v", env)
	}
	if !slices.ContainsFunc(mail.Ports, func(p string) bool { return strings.HasSuffix(p, ":8025") }) {
		t.Errorf("the mail catcher's inbox (8025) should be published, ports %q", mail.Ports)
	}
}

// checkCatenaEnv loads s's environment through the binary's own config
// loader, so a typo in a variable's value fails here rather than at start.
func checkCatenaEnv(t *testing.T, name string, s composeService, pg composeService) {
	t.Helper()
	if v := s.Environment["CATENA_SECRET_KEY"]; !strings.HasPrefix(v, "${CATENA_SECRET_KEY:?") {
		t.Errorf("%s: CATENA_SECRET_KEY should come from the environment and be required, got %q", name, v)
	}
	env := map[string]string{}
	for k, v := range s.Environment {
		env[k] = interpolate(t, v, hostEnv)
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Errorf("%s: the binary would refuse this configuration: %v", name, err)
		return
	}
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil || u.Hostname() != "postgres" || strings.TrimPrefix(u.Path, "/") != pg.Environment["POSTGRES_DB"] {
		t.Errorf("%s: DATABASE_URL %q should point at the postgres service's database %q", name, cfg.DatabaseURL, pg.Environment["POSTGRES_DB"])
		return
	}
	if u.User.Username() != pg.Environment["POSTGRES_USER"] {
		t.Errorf("%s: DATABASE_URL user %q, postgres creates %q", name, u.User.Username(), pg.Environment["POSTGRES_USER"])
	}
}

// TestDockerComposeRefusesTopLevelName guards the strict decoding itself: a
// file with `name:` (which docker-compose 1.29 rejects) must not decode.
func TestDockerComposeRefusesTopLevelName(t *testing.T) {
	t.Parallel()
	dec := yaml.NewDecoder(strings.NewReader("name: catena\nservices: {}\n"))
	dec.KnownFields(true)
	var f composeFile
	if err := dec.Decode(&f); err == nil || !strings.Contains(err.Error(), "name") {
		t.Fatalf("decoding a top-level name: err = %v, want a refusal", err)
	}
}

// TestDockerComposeConfig runs the real docker-compose (Debian's 1.29, which
// `make deploy-test` installs) over the file. Without the binary it is
// skipped, unless CATENA_REQUIRE_COMPOSE=1 (set by make) makes that a failure.
func TestDockerComposeConfig(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		if os.Getenv("CATENA_REQUIRE_COMPOSE") == "1" {
			t.Fatal("docker-compose is not installed (make deploy-test installs Debian's)")
		}
		t.Skip("docker-compose not installed; `make deploy-test` installs it and runs this")
	}
	dir := filepath.Dir(findRoot(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-f", filepath.Join(dir, "docker-compose.yml"), "config", "--quiet")
	cmd.Env = append(os.Environ(), "CATENA_SECRET_KEY="+hostEnv["CATENA_SECRET_KEY"])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, out)
	}
	// Without the key, Compose must refuse: the file never carries one.
	cmd = exec.CommandContext(ctx, bin, "-f", filepath.Join(dir, "docker-compose.yml"), "config", "--quiet")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "CATENA_SECRET_KEY=") })
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "CATENA_SECRET_KEY") {
		t.Fatalf("docker-compose config without CATENA_SECRET_KEY: err = %v, output %s; want a refusal naming the variable", err, out)
	}
}
