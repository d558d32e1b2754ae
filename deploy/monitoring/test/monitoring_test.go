// Package test checks deploy/monitoring with Prometheus' own parsers: the
// rule files with model/rulefmt, every expression of the rules and of the
// Grafana dashboard with promql/parser, the scrape examples with the config
// loader, and that every metric they name is one Catena's processes export
// (testdata/metric-names.txt, written from a real scrape by
// internal/cli's TestEveryProcessServesItsMetrics). It is its own Go module
// so the main module does not depend on prometheus/prometheus.
package test

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v2"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

const root = ".."

// synthetic are series Prometheus itself adds to every scrape.
var synthetic = []string{"up", "scrape_duration_seconds", "scrape_samples_scraped"}

func exported(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "testdata", "metric-names.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// familyOf maps a series name to its metric family (histogram series carry
// _bucket, _sum and _count).
func familyOf(name string, known []string) string {
	if slices.Contains(known, name) {
		return name
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(known, base) {
			return base
		}
	}
	return ""
}

var promql = parser.NewParser(parser.Options{})

// checkExpr parses expr and reports every metric it names that no Catena
// process exports. It returns the names it found.
func checkExpr(t *testing.T, where, expr string, known []string) []string {
	t.Helper()
	e, err := promql.ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %v\n%s", where, err, expr)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		if name == "" {
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					name = m.Value
				}
			}
		}
		names = append(names, name)
		if !slices.Contains(synthetic, name) && familyOf(name, known) == "" {
			t.Errorf("%s: metric %q is not exported by any Catena process", where, name)
		}
		return nil
	})
	if len(names) == 0 {
		t.Errorf("%s names no metric: %s", where, expr)
	}
	return names
}

func TestRules(t *testing.T) {
	known := exported(t)
	files, _ := filepath.Glob(filepath.Join(root, "prometheus", "*-rules.yml"))
	if len(files) == 0 {
		t.Fatal("no rule files")
	}
	alerts := map[string]bool{}
	for _, f := range files {
		groups, errs := rulefmt.ParseFile(f, false, model.UTF8Validation, promql, slog.New(slog.DiscardHandler))
		for _, err := range errs {
			t.Errorf("%s: %v", f, err)
		}
		if groups == nil {
			continue
		}
		for _, g := range groups.Groups {
			for _, r := range g.Rules {
				alerts[r.Alert] = true
				checkExpr(t, f+": "+r.Alert+r.Record, r.Expr, known)
				if r.Alert != "" && (r.Annotations["summary"] == "" || r.Labels["severity"] == "") {
					t.Errorf("%s: alert %s needs a summary and a severity", f, r.Alert)
				}
			}
		}
	}
	// The list: each must stay.
	for _, name := range []string{
		"CatenaCollectionFailingInSeveralLocations", "CatenaRunQueueBacklog", "CatenaSchedulerLagHigh",
		"CatenaAlertDeliveriesFailing", "CatenaNoRunnerForLocation",
	} {
		if !alerts[name] {
			t.Errorf("alert %s is missing", name)
		}
	}
}

// grafanaVars are the dashboard variables and Grafana's built-in intervals,
// replaced by values PromQL accepts, as Grafana does before it queries.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "5m", "$__interval", "1m", "$__range", "6h",
	"$collection", ".*", "$location", ".*",
)

var labelValuesQuery = regexp.MustCompile(`^label_values\((.+),\s*[a-zA-Z_]+\)$`)

type panel struct {
	Title   string  `json:"title"`
	Type    string  `json:"type"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func TestDashboard(t *testing.T) {
	known := exported(t)
	b, err := os.ReadFile(filepath.Join(root, "grafana", "catena-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string  `json:"uid"`
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if dash.UID == "" {
		t.Error("the dashboard needs a stable uid")
	}
	used := map[string]bool{}
	var walk func([]panel)
	exprs := 0
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				exprs++
				for _, n := range checkExpr(t, "panel "+p.Title, grafanaVars.Replace(tg.Expr), known) {
					used[familyOf(n, known)] = true
				}
			}
		}
	}
	walk(dash.Panels)
	if exprs < 10 {
		t.Errorf("only %d panel queries", exprs)
	}
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Errorf("variable %s: %v", v.Name, err)
			continue
		}
		m := labelValuesQuery.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(metric, label)", v.Name, q.Query)
			continue
		}
		checkExpr(t, "variable "+v.Name, m[1], known)
	}
	// The panels the issue asks for, by the metric each needs.
	for _, fam := range []string{
		"catena_runs_total", "catena_step_duration_seconds", "catena_queue_oldest_job_age_seconds",
		"catena_scheduler_slot_lag_seconds", "catena_alert_deliveries_total",
	} {
		if !used[fam] {
			t.Errorf("no panel shows %s", fam)
		}
	}
}

func TestComposeScrapeConfig(t *testing.T) {
	f := filepath.Join(root, "prometheus", "prometheus-compose.yml")
	cfg, err := config.LoadFile(f, false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	if len(cfg.ScrapeConfigs) == 0 {
		t.Errorf("%s scrapes nothing", f)
	}
	if !slices.ContainsFunc(cfg.RuleFiles, func(r string) bool { return strings.HasSuffix(r, "catena-rules.yml") }) {
		t.Errorf("%s does not load catena-rules.yml", f)
	}
}

// TestKubernetesScrapeConfig validates the pod scrape job's relabelling with
// Prometheus' relabel package and runs it over the labels Kubernetes
// discovery gives an annotated runner pod and an unannotated pod. (The
// config loader itself would need the Kubernetes discovery and client-go.)
func TestKubernetesScrapeConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "kubernetes", "prometheus-kubernetes.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Global        map[string]any `yaml:"global"`
		RuleFiles     []string       `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName        string            `yaml:"job_name"`
			KubernetesSD   []map[string]any  `yaml:"kubernetes_sd_configs"`
			RelabelConfigs []*relabel.Config `yaml:"relabel_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.ScrapeConfigs) != 1 || len(cfg.ScrapeConfigs[0].KubernetesSD) != 1 || cfg.ScrapeConfigs[0].KubernetesSD[0]["role"] != "pod" {
		t.Fatalf("want one pod-discovery scrape job: %+v", cfg.ScrapeConfigs)
	}
	if !slices.ContainsFunc(cfg.RuleFiles, func(r string) bool { return strings.HasSuffix(r, "catena-rules.yml") }) {
		t.Error("the Kubernetes example does not load catena-rules.yml")
	}
	rcs := cfg.ScrapeConfigs[0].RelabelConfigs
	for _, rc := range rcs {
		if err := rc.Validate(model.UTF8Validation); err != nil {
			t.Errorf("relabel config %+v: %v", rc, err)
		}
	}
	pod := func(annotated bool) labels.Labels {
		m := map[string]string{
			"__address__": "10.0.0.7:8080", "__metrics_path__": "/metrics",
			"__meta_kubernetes_namespace": "catena", "__meta_kubernetes_pod_name": "catena-runner-eu-0",
			"__meta_kubernetes_pod_label_app_kubernetes_io_component": "runner",
		}
		if annotated {
			m["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = "true"
			m["__meta_kubernetes_pod_annotation_prometheus_io_port"] = "9090"
			m["__meta_kubernetes_pod_annotation_prometheus_io_path"] = "/metrics"
		}
		return labels.FromMap(m)
	}
	lb := labels.NewBuilder(pod(true))
	if !relabel.ProcessBuilder(lb, rcs...) {
		t.Fatal("the annotated runner pod is dropped")
	}
	got := lb.Labels()
	if got.Get("__address__") != "10.0.0.7:9090" || got.Get("job") != "catena-runner" || got.Get("pod") != "catena-runner-eu-0" {
		t.Errorf("annotated runner pod relabelled to %v", got)
	}
	if relabel.ProcessBuilder(labels.NewBuilder(pod(false)), rcs...) {
		t.Error("a pod without prometheus.io/scrape is kept")
	}
	// The example annotations use the ports the processes listen on.
	ann, err := os.ReadFile(filepath.Join(root, "kubernetes", "pod-annotations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var roles map[string]struct {
		Metadata struct {
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
	}
	if err := yaml.UnmarshalStrict(ann, &roles); err != nil {
		t.Fatal(err)
	}
	for role, port := range map[string]string{"gateway": "8080", "runner": "9090", "scheduler": "9090"} {
		a := roles[role].Metadata.Annotations
		if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != port {
			t.Errorf("%s annotations %v, want scrape true on port %s", role, a, port)
		}
	}
}
