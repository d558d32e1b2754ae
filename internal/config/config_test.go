package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/secret"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != DefaultDatabaseURL || c.Concurrency != 200 || c.Location != "local" || c.Scheduler.Mode != "local" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.SecureCookies() {
		t.Fatal("http public URL must not force Secure cookies")
	}
}

func TestSecretFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(secret.NewKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("correct horse\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(envOf(map[string]string{
		"CATENA_SECRET_KEY_FILE":     keyFile,
		"CATENA_ADMIN_EMAIL":         "Admin@Example.com",
		"CATENA_ADMIN_PASSWORD_FILE": pwFile,
		"CATENA_PUBLIC_URL":          "https://catena.example.com/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SecretKey) != secret.KeySize || c.AdminPassword != "correct horse" || c.AdminEmail != "admin@example.com" {
		t.Fatalf("file secrets not read: key %d bytes, password %q, email %q", len(c.SecretKey), c.AdminPassword, c.AdminEmail)
	}
	if !c.SecureCookies() || c.PublicURL != "https://catena.example.com" {
		t.Fatalf("public URL handling: %q secure=%v", c.PublicURL, c.SecureCookies())
	}
}

func TestPagerDutyWebhookSecret(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(nil))
	if err != nil || c.PagerDutyWebhookSecret != "" {
		t.Fatalf("default: %q, %v", c.PagerDutyWebhookSecret, err)
	}
	c, err = Load(envOf(map[string]string{"CATENA_PAGERDUTY_WEBHOOK_SECRET": " whsec-env "}))
	if err != nil || c.PagerDutyWebhookSecret != "whsec-env" {
		t.Fatalf("from env: %q, %v", c.PagerDutyWebhookSecret, err)
	}
	f := filepath.Join(t.TempDir(), "pd")
	if err := os.WriteFile(f, []byte("whsec-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(envOf(map[string]string{"CATENA_PAGERDUTY_WEBHOOK_SECRET": "ignored", "CATENA_PAGERDUTY_WEBHOOK_SECRET_FILE": f}))
	if err != nil || c.PagerDutyWebhookSecret != "whsec-file" {
		t.Fatalf("from file: %q, %v", c.PagerDutyWebhookSecret, err)
	}
}

// Every problem is reported at once, each naming its variable.
func TestAllProblemsReportedTogether(t *testing.T) {
	t.Parallel()
	_, err := Load(envOf(map[string]string{
		"CATENA_SECRET_KEY":          "short",
		"DATABASE_URL":               "mysql://x",
		"CATENA_RUNNER_CONCURRENCY":  "many",
		"CATENA_ADMIN_EMAIL":         "a@b.c",
		"CATENA_LOG_FORMAT":          "xml",
		"CATENA_SCHEDULER":           "eventbridge",
		"CATENA_DENY_CIDRS":          "10.0.0.0/8, nonsense",
		"CATENA_SESSION_TTL":         "-1h",
		"CATENA_ALLOW_ENV":           "maybe",
		"CATENA_ADMIN_PASSWORD_FILE": "/nonexistent/catena-password",
	}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{
		"CATENA_SECRET_KEY", "DATABASE_URL", "CATENA_RUNNER_CONCURRENCY", "CATENA_LOG_FORMAT",
		"CATENA_EB_LAMBDA_ARN", "CATENA_DENY_CIDRS", "CATENA_SESSION_TTL", "CATENA_ALLOW_ENV", "CATENA_ADMIN_PASSWORD_FILE",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestDenyCIDRsParsed(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(map[string]string{"CATENA_DENY_CIDRS": "10.0.0.0/8, 127.0.0.2/32"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.DenyCIDRs) != 2 || c.DenyCIDRs[1].String() != "127.0.0.2/32" {
		t.Fatalf("DenyCIDRs = %v", c.DenyCIDRs)
	}
}

func TestMetricsSettings(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != ":9090" || c.MetricsSeriesLimit != 10_000 {
		t.Fatalf("metrics defaults: addr %q limit %d", c.MetricsAddr, c.MetricsSeriesLimit)
	}
	c, err = Load(envOf(map[string]string{"CATENA_METRICS_ADDR": "off", "CATENA_METRICS_SERIES_LIMIT": "50"}))
	if err != nil || c.MetricsAddr != "off" || c.MetricsSeriesLimit != 50 {
		t.Fatalf("off/50: %+v %v", c, err)
	}
	_, err = Load(envOf(map[string]string{"CATENA_METRICS_ADDR": "9090", "CATENA_METRICS_SERIES_LIMIT": "0"}))
	if err == nil || !strings.Contains(err.Error(), "CATENA_METRICS_ADDR") || !strings.Contains(err.Error(), "CATENA_METRICS_SERIES_LIMIT") {
		t.Fatalf("want both metrics settings reported, got %v", err)
	}
}

func TestSchedulerJitter(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"": 0, "0": -1, "0s": -1, "10s": 10 * time.Second} {
		c, err := Load(envOf(map[string]string{"CATENA_SCHEDULER_JITTER": in}))
		if err != nil || c.Scheduler.Jitter != want {
			t.Errorf("CATENA_SCHEDULER_JITTER=%q: %v, %v; want %s", in, c.Scheduler.Jitter, err, want)
		}
	}
	for _, in := range []string{"-1s", "2h", "soon"} {
		if _, err := Load(envOf(map[string]string{"CATENA_SCHEDULER_JITTER": in})); err == nil || !strings.Contains(err.Error(), "CATENA_SCHEDULER_JITTER") {
			t.Errorf("CATENA_SCHEDULER_JITTER=%q: %v; want an error naming it", in, err)
		}
	}
}

func TestEgressPolicy(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(map[string]string{}))
	if err != nil || c.Egress != EgressPrivateOK || len(c.DenyCIDRs) != 0 {
		t.Fatalf("default: egress %q deny %v (%v); want private-ok with no extra deny", c.Egress, c.DenyCIDRs, err)
	}
	c, err = Load(envOf(map[string]string{"CATENA_EGRESS": "Public-Only", "CATENA_DENY_CIDRS": "203.0.113.0/24"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Egress != EgressPublicOnly || len(c.DenyCIDRs) != 1+len(PublicOnlyDeny) || c.DenyCIDRs[0].String() != "203.0.113.0/24" {
		t.Fatalf("public-only: egress %q deny %v", c.Egress, c.DenyCIDRs)
	}
	if _, err := Load(envOf(map[string]string{"CATENA_EGRESS": "open"})); err == nil || !strings.Contains(err.Error(), `CATENA_EGRESS="open" must be private-ok`) {
		t.Fatalf("bad egress: %v", err)
	}
}

func TestCloudWatchSettings(t *testing.T) {
	c, err := Load(envOf(map[string]string{}))
	if err != nil || c.CloudWatch.Namespace != "" {
		t.Fatalf("default: namespace %q, %v; want none (publish nothing)", c.CloudWatch.Namespace, err)
	}
	c, err = Load(envOf(map[string]string{"CATENA_CLOUDWATCH_NAMESPACE": "Catena", "AWS_DEFAULT_REGION": "eu-west-1", "CATENA_AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}))
	if err != nil || c.CloudWatch != (CloudWatchConfig{Namespace: "Catena", AWSRegion: "eu-west-1", AWSEndpointURL: "http://127.0.0.1:4566"}) {
		t.Fatalf("got %+v, %v", c.CloudWatch, err)
	}
	for _, ns := range []string{"AWS/ECS", strings.Repeat("n", 256)} {
		if _, err := Load(envOf(map[string]string{"CATENA_CLOUDWATCH_NAMESPACE": ns})); err == nil || !strings.Contains(err.Error(), "CATENA_CLOUDWATCH_NAMESPACE") {
			t.Errorf("namespace %.20q: err = %v", ns, err)
		}
	}
}
