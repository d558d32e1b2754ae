// Package config loads Catena's settings once, from the environment, into a typed
// struct that is validated as a whole and passed to whatever needs it. Every
// secret setting X can also be read from a file named by X_FILE.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/secret"
)

// DefaultDatabaseURL is used when DATABASE_URL is unset.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/catena?sslmode=disable"

// Egress policies (CATENA_EGRESS). Link-local and cloud metadata addresses
// are refused under both.
const (
	// EgressPrivateOK lets steps and alerts reach loopback and private
	// ranges: right for a self-hosted install monitoring its own services.
	EgressPrivateOK = "private-ok"
	// EgressPublicOnly also refuses every non-public range (PublicOnlyDeny):
	// for a shared or multi-team install, where one team's monitor must not
	// probe the network the runners sit in. CATENA_ALLOW_CIDRS re-allows a
	// range on purpose (allow wins).
	EgressPublicOnly = "public-only"
)

// PublicOnlyDeny is what public-only egress adds to the deny list: loopback,
// "this network", RFC 1918, shared address space (CGNAT), IPv6 unique local,
// benchmarking, IETF protocol assignments, reserved and broadcast, and local
// NAT64 (which maps to private IPv4).
var PublicOnlyDeny = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Config is every setting, typed. Zero values are never used directly: Load fills
// defaults.
type Config struct {
	Addr        string // CATENA_ADDR
	DatabaseURL string // DATABASE_URL
	PublicURL   string // CATENA_PUBLIC_URL: links in alerts and the setup link
	SecretKey   []byte // CATENA_SECRET_KEY(_FILE): AES-256 key for secrets at rest

	AdminEmail    string // CATENA_ADMIN_EMAIL
	AdminPassword string // CATENA_ADMIN_PASSWORD(_FILE)
	SessionTTL    time.Duration

	LogFormat string // text | json
	LogLevel  string // debug | info | warn | error

	Location    string         // CATENA_LOCATION: the runner's location
	Concurrency int            // CATENA_RUNNER_CONCURRENCY: runs at once per process
	DenyCIDRs   []netip.Prefix // CATENA_DENY_CIDRS: extra ranges the dial guard refuses (plus PublicOnlyDeny under public-only egress)
	Egress      string         // CATENA_EGRESS: private-ok (default) | public-only
	AllowCIDRs  []netip.Prefix // CATENA_ALLOW_CIDRS: link-local/metadata ranges re-allowed on purpose
	AllowEnv    bool           // CATENA_ALLOW_ENV: @<<env.NAME>> references may read the environment
	// MaxSchedLatency is CATENA_RUNNER_MAX_SCHED_LATENCY: the goroutine
	// scheduling latency (p99) above which a runner starts no new run; 0 takes
	// the runner's default, negative ("off") never holds a run back.
	MaxSchedLatency time.Duration
	// MemoryLimitMiB is CATENA_RUNNER_MEMORY_LIMIT in MiB: the Go soft memory
	// limit a runner sets when GOMEMLIMIT is unset; 0 derives it from the
	// concurrency, negative ("off") sets none.
	MemoryLimitMiB int
	// Browser is CATENA_BROWSER: chromium's path for browser steps ("" finds
	// it on PATH, "off" refuses browser steps).
	Browser            string
	BrowserConcurrency int // CATENA_BROWSER_CONCURRENCY: browser steps at once per process

	// PagerDutyWebhookSecret is CATENA_PAGERDUTY_WEBHOOK_SECRET(_FILE): the V3
	// webhook subscription's signing secret. When set, /webhooks/pagerduty is served.
	PagerDutyWebhookSecret string

	// MetricsAddr is CATENA_METRICS_ADDR: where `catena runner` and `catena
	// scheduler` serve /metrics, /healthz and /readyz (default :9090; "off":
	// none). serve and gateway serve them on Addr.
	MetricsAddr string
	// MetricsSeriesLimit is CATENA_METRICS_SERIES_LIMIT: label sets kept per
	// metric; observations beyond are dropped and counted (default 10000).
	MetricsSeriesLimit int
	// RetentionInterval is CATENA_RETENTION_INTERVAL: how often runners roll
	// up history and prune what retention no longer keeps (default 15m).
	RetentionInterval time.Duration

	Scheduler  SchedulerConfig
	Email      EmailConfig
	CloudWatch CloudWatchConfig
}

// CloudWatchConfig makes the gateway publish the run queues' oldest job age
// to CloudWatch (the metric AWS runner scaling tracks).
type CloudWatchConfig struct {
	Namespace      string // CATENA_CLOUDWATCH_NAMESPACE: "" publishes nothing
	AWSRegion      string // AWS_REGION (or AWS_DEFAULT_REGION)
	AWSEndpointURL string // CATENA_AWS_ENDPOINT_URL: an endpoint override (tests, LocalStack)
}

// SchedulerConfig chooses how monitors are triggered.
type SchedulerConfig struct {
	Mode string // CATENA_SCHEDULER: local | eventbridge | off
	// Jitter is CATENA_SCHEDULER_JITTER: the window of the start offset that
	// spreads monitors sharing a slot (local mode). Zero when unset: the
	// default, a quarter of each monitor's interval and at most 30s; negative
	// for none (CATENA_SCHEDULER_JITTER=0). A monitor's offset never exceeds
	// half its interval.
	Jitter time.Duration
	// EventBridge Scheduler settings (mode eventbridge).
	Group      string // CATENA_EB_GROUP
	LambdaARN  string // CATENA_EB_LAMBDA_ARN
	RoleARN    string // CATENA_EB_ROLE_ARN
	DLQARN     string // CATENA_EB_DLQ_ARN
	AWSRegion  string // AWS_REGION
	AWSBaseURL string // CATENA_AWS_ENDPOINT_URL: an endpoint override (tests, LocalStack)
}

// EmailConfig configures the email alert channel's transport.
type EmailConfig struct {
	Provider string // CATENA_EMAIL_PROVIDER: smtp | ses
	From     string // CATENA_EMAIL_FROM
	SMTPHost string // CATENA_SMTP_HOST
	SMTPPort int    // CATENA_SMTP_PORT
	SMTPUser string // CATENA_SMTP_USERNAME
	SMTPPass string // CATENA_SMTP_PASSWORD(_FILE)
	SMTPTLS  string // CATENA_SMTP_TLS: starttls | tls | none
	// SES settings (provider ses), read from the same variables as the
	// scheduler's but kept apart so each part has its own.
	AWSRegion      string // AWS_REGION (or AWS_DEFAULT_REGION)
	AWSEndpointURL string // CATENA_AWS_ENDPOINT_URL: an endpoint override (tests, LocalStack)
}

// Load reads the configuration from getenv and reports every problem at once.
func Load(getenv func(string) string) (*Config, error) {
	var errs []error
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	secretVal := func(name string) string {
		if f := get(name + "_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return ""
			}
			return strings.TrimSpace(string(b))
		}
		return get(name)
	}
	intVal := func(name string, def int) int {
		s := get(name)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a whole number", name, s))
			return def
		}
		return n
	}
	durVal := func(name string, def time.Duration) time.Duration {
		s := get(name)
		if s == "" {
			return def
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q is not a positive duration such as 12h", name, s))
			return def
		}
		return d
	}
	boolVal := func(name string) bool {
		s := get(name)
		if s == "" {
			return false
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not true or false", name, s))
		}
		return b
	}
	cidrs := func(name string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range strings.Split(get(name), ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a CIDR such as 10.0.0.0/8", name, s))
				continue
			}
			out = append(out, p)
		}
		return out
	}

	c := &Config{
		Addr:          cmp.Or(get("CATENA_ADDR"), ":8080"),
		DatabaseURL:   cmp.Or(get("DATABASE_URL"), DefaultDatabaseURL),
		PublicURL:     strings.TrimRight(cmp.Or(get("CATENA_PUBLIC_URL"), "http://localhost:8080"), "/"),
		AdminEmail:    strings.ToLower(get("CATENA_ADMIN_EMAIL")),
		AdminPassword: secretVal("CATENA_ADMIN_PASSWORD"),
		SessionTTL:    durVal("CATENA_SESSION_TTL", 12*time.Hour),
		LogFormat:     cmp.Or(get("CATENA_LOG_FORMAT"), "text"),
		LogLevel:      cmp.Or(get("CATENA_LOG_LEVEL"), "info"),
		Location:      cmp.Or(get("CATENA_LOCATION"), "local"),
		Concurrency:   intVal("CATENA_RUNNER_CONCURRENCY", 200),
		DenyCIDRs:     cidrs("CATENA_DENY_CIDRS"),
		AllowCIDRs:    cidrs("CATENA_ALLOW_CIDRS"),
		Egress:        cmp.Or(strings.ToLower(get("CATENA_EGRESS")), EgressPrivateOK),
		AllowEnv:      boolVal("CATENA_ALLOW_ENV"),
		Browser:       get("CATENA_BROWSER"),

		BrowserConcurrency: intVal("CATENA_BROWSER_CONCURRENCY", 4),

		PagerDutyWebhookSecret: secretVal("CATENA_PAGERDUTY_WEBHOOK_SECRET"),
		MetricsAddr:            cmp.Or(get("CATENA_METRICS_ADDR"), ":9090"),
		MetricsSeriesLimit:     intVal("CATENA_METRICS_SERIES_LIMIT", 10_000),
		RetentionInterval:      durVal("CATENA_RETENTION_INTERVAL", 15*time.Minute),
		Scheduler: SchedulerConfig{
			Mode:       cmp.Or(get("CATENA_SCHEDULER"), "local"),
			Group:      cmp.Or(get("CATENA_EB_GROUP"), "catena"),
			LambdaARN:  get("CATENA_EB_LAMBDA_ARN"),
			RoleARN:    get("CATENA_EB_ROLE_ARN"),
			DLQARN:     get("CATENA_EB_DLQ_ARN"),
			AWSRegion:  cmp.Or(get("AWS_REGION"), get("AWS_DEFAULT_REGION")),
			AWSBaseURL: get("CATENA_AWS_ENDPOINT_URL"),
		},
		Email: EmailConfig{
			Provider: cmp.Or(get("CATENA_EMAIL_PROVIDER"), "smtp"),
			From:     get("CATENA_EMAIL_FROM"),
			SMTPHost: get("CATENA_SMTP_HOST"),
			SMTPPort: intVal("CATENA_SMTP_PORT", 587),
			SMTPUser: get("CATENA_SMTP_USERNAME"),
			SMTPPass: secretVal("CATENA_SMTP_PASSWORD"),
			SMTPTLS:  cmp.Or(get("CATENA_SMTP_TLS"), "starttls"),

			AWSRegion:      cmp.Or(get("AWS_REGION"), get("AWS_DEFAULT_REGION")),
			AWSEndpointURL: get("CATENA_AWS_ENDPOINT_URL"),
		},
		CloudWatch: CloudWatchConfig{
			Namespace:      get("CATENA_CLOUDWATCH_NAMESPACE"),
			AWSRegion:      cmp.Or(get("AWS_REGION"), get("AWS_DEFAULT_REGION")),
			AWSEndpointURL: get("CATENA_AWS_ENDPOINT_URL"),
		},
	}

	if k := secretVal("CATENA_SECRET_KEY"); k != "" {
		key, err := secret.ParseKey(k)
		if err != nil {
			errs = append(errs, fmt.Errorf("CATENA_SECRET_KEY: %w", err))
		}
		c.SecretKey = key
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		errs = append(errs, fmt.Errorf("DATABASE_URL must be a postgres:// URL"))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("CATENA_PUBLIC_URL=%q must be an http(s) URL such as https://catena.example.com", c.PublicURL))
	}
	if strings.EqualFold(get("CATENA_RUNNER_MAX_SCHED_LATENCY"), "off") {
		c.MaxSchedLatency = -1
	} else {
		c.MaxSchedLatency = durVal("CATENA_RUNNER_MAX_SCHED_LATENCY", 0)
	}
	if strings.EqualFold(get("CATENA_RUNNER_MEMORY_LIMIT"), "off") {
		c.MemoryLimitMiB = -1
	} else if c.MemoryLimitMiB = intVal("CATENA_RUNNER_MEMORY_LIMIT", 0); c.MemoryLimitMiB < 0 || c.MemoryLimitMiB > 1<<20 {
		errs = append(errs, fmt.Errorf("CATENA_RUNNER_MEMORY_LIMIT=%d must be a size in MiB (1-1048576) or off", c.MemoryLimitMiB))
	}
	switch c.Egress {
	case EgressPrivateOK:
	case EgressPublicOnly:
		c.DenyCIDRs = append(c.DenyCIDRs, PublicOnlyDeny...)
	default:
		errs = append(errs, fmt.Errorf("CATENA_EGRESS=%q must be %s (self-hosted: internal APIs reachable) or %s (shared installs: only public addresses)", c.Egress, EgressPrivateOK, EgressPublicOnly))
	}
	if c.Concurrency < 1 || c.Concurrency > 10000 {
		errs = append(errs, fmt.Errorf("CATENA_RUNNER_CONCURRENCY=%d must be between 1 and 10000", c.Concurrency))
	}
	if ns := c.CloudWatch.Namespace; len(ns) > 255 || strings.HasPrefix(ns, "AWS/") {
		errs = append(errs, fmt.Errorf("CATENA_CLOUDWATCH_NAMESPACE must be at most 255 characters and not start with AWS/"))
	}
	if c.MetricsSeriesLimit < 1 || c.MetricsSeriesLimit > 1_000_000 {
		errs = append(errs, fmt.Errorf("CATENA_METRICS_SERIES_LIMIT=%d must be between 1 and 1000000", c.MetricsSeriesLimit))
	}
	if c.MetricsAddr != "off" && !strings.Contains(c.MetricsAddr, ":") {
		errs = append(errs, fmt.Errorf("CATENA_METRICS_ADDR=%q must be host:port such as :9090, or off", c.MetricsAddr))
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("set both CATENA_ADMIN_EMAIL and CATENA_ADMIN_PASSWORD, or neither"))
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		errs = append(errs, errors.New("CATENA_ADMIN_PASSWORD must be at least 8 characters"))
	}
	if !oneOf(c.LogFormat, "text", "json") {
		errs = append(errs, fmt.Errorf("CATENA_LOG_FORMAT=%q must be text or json", c.LogFormat))
	}
	if !oneOf(c.LogLevel, "debug", "info", "warn", "error") {
		errs = append(errs, fmt.Errorf("CATENA_LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel))
	}
	if !oneOf(c.Scheduler.Mode, "local", "eventbridge", "off") {
		errs = append(errs, fmt.Errorf("CATENA_SCHEDULER=%q must be local, eventbridge or off", c.Scheduler.Mode))
	}
	if v := get("CATENA_SCHEDULER_JITTER"); v != "" {
		d, err := ParseJitter(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.Scheduler.Jitter = d
	}
	if c.Scheduler.Mode == "eventbridge" && (c.Scheduler.LambdaARN == "" || c.Scheduler.RoleARN == "") {
		errs = append(errs, errors.New("CATENA_SCHEDULER=eventbridge needs CATENA_EB_LAMBDA_ARN and CATENA_EB_ROLE_ARN"))
	}
	if !oneOf(c.Email.Provider, "smtp", "ses") {
		errs = append(errs, fmt.Errorf("CATENA_EMAIL_PROVIDER=%q must be smtp or ses", c.Email.Provider))
	}
	if !oneOf(c.Email.SMTPTLS, "starttls", "tls", "none") {
		errs = append(errs, fmt.Errorf("CATENA_SMTP_TLS=%q must be starttls, tls or none", c.Email.SMTPTLS))
	}
	return c, errors.Join(errs...)
}

// SecureCookies reports whether cookies must carry the Secure flag (served over TLS).
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// ParseJitter reads a CATENA_SCHEDULER_JITTER value into
// SchedulerConfig.Jitter's terms: "0" is none (negative), any other duration
// up to 1h the window itself.
func ParseJitter(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil || d < 0 || d > time.Hour:
		return 0, fmt.Errorf("CATENA_SCHEDULER_JITTER=%q must be a duration from 0 (no jitter) to 1h, such as 30s", v)
	case d == 0:
		return -1, nil
	}
	return d, nil
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}
