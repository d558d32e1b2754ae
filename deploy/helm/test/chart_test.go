// Package chart_test renders deploy/helm/catena through Helm's own Go module
// (the code `helm template` and `helm lint` run) and decodes every object
// strictly into the Kubernetes API types, refusing unknown fields. It is its
// own Go module so that Helm's and Kubernetes' dependencies stay out of
// Catena's; `make helm-test` runs it.
package chart_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

var chartDir = filepath.Join("..", "catena")

// minimal is what a person must set: the chart bundles no database.
func minimal() map[string]any {
	return map[string]any{"database": map[string]any{"url": "postgres://catena:hunter2@db.example.internal:5432/catena?sslmode=require"}}
}

// full turns every option on.
func full() map[string]any {
	return map[string]any{
		"database":  map[string]any{"url": "postgres://catena:hunter2@db.example.internal:5432/catena?sslmode=require"},
		"admin":     map[string]any{"email": "admin@example.com", "existingSecret": "catena-admin"},
		"config":    map[string]any{"publicURL": "https://catena.example.com", "logLevel": "debug", "extraEnv": []any{map[string]any{"name": "CATENA_SMTP_HOST", "value": "smtp.example.com"}}},
		"gateway":   map[string]any{"replicas": 3, "ingress": map[string]any{"enabled": true, "className": "nginx", "host": "catena.example.com", "tlsSecretName": "catena-tls", "annotations": map[string]any{"cert-manager.io/cluster-issuer": "letsencrypt"}}},
		"runners":   []any{map[string]any{"location": "eu-west-1", "replicas": 3, "autoscaling": map[string]any{"enabled": true, "metric": "queue", "maxReplicas": 20}}, map[string]any{"location": "US East", "concurrency": 50, "autoscaling": map[string]any{"enabled": true, "metric": "cpu"}}},
		"metrics":   map[string]any{"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "prometheus"}}},
		"podLabels": map[string]any{"team": "sre"},
	}
}

// render runs the chart's templates as `helm template` does, with the
// values schema checked, and returns file name → output.
func render(t *testing.T, vals map[string]any) (map[string]string, error) {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	rv, err := chartutil.ToRenderValuesWithSchemaValidation(ch, vals, common.ReleaseOptions{Name: "catena", Namespace: "monitoring", IsInstall: true, Revision: 1}, common.DefaultCapabilities, false)
	if err != nil {
		return nil, err
	}
	return engine.Render(ch, rv)
}

// objects decodes every rendered document strictly: an unknown or
// duplicated field, or a kind the API does not know, fails the test.
func objects(t *testing.T, files map[string]string) []runtime.Object {
	t.Helper()
	sch := runtime.NewScheme()
	if err := scheme.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	if err := monitoringv1.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	dec := json.NewSerializerWithOptions(json.DefaultMetaFactory, sch, sch, json.SerializerOptions{Yaml: true, Strict: true})
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []runtime.Object
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") || strings.HasSuffix(name, ".tpl") {
			continue
		}
		for i, doc := range strings.Split(files[name], "\n---") {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			obj, _, err := dec.Decode([]byte(doc), nil, nil)
			if err != nil {
				t.Fatalf("%s document %d does not decode strictly: %v\n%s", name, i, err, doc)
			}
			out = append(out, obj)
		}
	}
	return out
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func renderObjects(t *testing.T, vals map[string]any) []runtime.Object {
	t.Helper()
	files, err := render(t, vals)
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	return objects(t, files)
}

func all[T runtime.Object](objs []runtime.Object) []T {
	var out []T
	for _, o := range objs {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// workload is a pod template with where it came from.
type workload struct {
	name string
	pod  corev1.PodTemplateSpec
}

func workloads(objs []runtime.Object) []workload {
	var out []workload
	for _, d := range all[*appsv1.Deployment](objs) {
		out = append(out, workload{"Deployment/" + d.Name, d.Spec.Template})
	}
	for _, j := range all[*batchv1.Job](objs) {
		out = append(out, workload{"Job/" + j.Name, j.Spec.Template})
	}
	return out
}

func TestLint(t *testing.T) {
	t.Parallel()
	for name, vals := range map[string]map[string]any{"default": minimal(), "full": full()} {
		lint := action.NewLint()
		lint.Strict = true
		lint.Namespace = "monitoring"
		res := lint.Run([]string{chartDir}, vals)
		var msgs []string
		for _, m := range res.Messages {
			msgs = append(msgs, m.Error())
		}
		for _, err := range res.Errors {
			msgs = append(msgs, err.Error())
		}
		// Lint's only INFO without a values schema or icon is tolerated; anything
		// a strict `helm lint` fails on is not.
		if action.HasWarningsOrErrors(res) {
			t.Errorf("helm lint --strict with %s values: %s", name, strings.Join(msgs, "; "))
		}
	}
}

func TestRendersStrictlyWithDefaultAndFullValues(t *testing.T) {
	t.Parallel()
	for name, vals := range map[string]map[string]any{"default": minimal(), "full": full()} {
		objs := renderObjects(t, vals)
		kinds := map[string]int{}
		for _, o := range objs {
			kinds[fmt.Sprintf("%T", o)]++
		}
		want := map[string]int{
			"*v1.Secret": 1, "*v1.ServiceAccount": 1, "*v1.Job": 1, "*v1.Service": 1,
			"*v1.Deployment": 3, "*v1.PodDisruptionBudget": 2,
		}
		if name == "full" {
			want = map[string]int{
				"*v1.Secret": 1, "*v1.ServiceAccount": 1, "*v1.Job": 1, "*v1.Service": 1, "*v1.Ingress": 1,
				"*v1.Deployment": 4, "*v1.PodDisruptionBudget": 3, "*v2.HorizontalPodAutoscaler": 2,
				"*v1.ServiceMonitor": 1, "*v1.PodMonitor": 1,
			}
		}
		if fmt.Sprint(kinds) != fmt.Sprint(want) {
			t.Errorf("%s values rendered %v, want %v", name, kinds, want)
		}
	}
}

func TestSecurityContextAndResources(t *testing.T) {
	t.Parallel()
	for _, vals := range []map[string]any{minimal(), full()} {
		for _, w := range workloads(renderObjects(t, vals)) {
			ps := w.pod.Spec.SecurityContext
			if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 ||
				ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("%s: pod securityContext %+v, want non-root with RuntimeDefault seccomp", w.name, ps)
			}
			if a := w.pod.Spec.AutomountServiceAccountToken; a == nil || *a {
				t.Errorf("%s mounts a service account token it does not use", w.name)
			}
			for _, c := range w.pod.Spec.Containers {
				sc := c.SecurityContext
				if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
					sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
					sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
					t.Errorf("%s/%s: securityContext %+v, want read-only root, no escalation, all capabilities dropped", w.name, c.Name, sc)
				}
				if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
					t.Errorf("%s/%s: resources %+v, want cpu and memory requests and a memory limit", w.name, c.Name, c.Resources)
				}
				if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" }) {
					t.Errorf("%s/%s: a read-only root needs a writable /tmp", w.name, c.Name)
				}
			}
		}
	}
}

func TestGatewayProbesServiceAndIngress(t *testing.T) {
	t.Parallel()
	objs := renderObjects(t, full())
	var gw *appsv1.Deployment
	for _, d := range all[*appsv1.Deployment](objs) {
		if d.Labels["app.kubernetes.io/component"] == "gateway" {
			gw = d
		}
	}
	if gw == nil {
		t.Fatal("no gateway Deployment")
	}
	c := gw.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Args, []string{"gateway"}) || *gw.Spec.Replicas != 3 {
		t.Errorf("gateway args %q replicas %d", c.Args, *gw.Spec.Replicas)
	}
	probe := func(p *corev1.Probe) string {
		if p == nil || p.HTTPGet == nil {
			return ""
		}
		return p.HTTPGet.Path + "@" + p.HTTPGet.Port.String()
	}
	if probe(c.LivenessProbe) != "/healthz@http" || probe(c.ReadinessProbe) != "/readyz@http" || probe(c.StartupProbe) != "/healthz@http" {
		t.Errorf("probes: liveness %s, readiness %s, startup %s; want /healthz, /readyz, /healthz on http", probe(c.LivenessProbe), probe(c.ReadinessProbe), probe(c.StartupProbe))
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 || env(c, "CATENA_ADDR") != ":8080" {
		t.Errorf("gateway ports %+v, CATENA_ADDR %q", c.Ports, env(c, "CATENA_ADDR"))
	}
	svc := all[*corev1.Service](objs)[0]
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(gw.Spec.Template.Labels)) || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("the Service does not reach the gateway pods: %+v", svc.Spec)
	}
	ing := all[*networkingv1.Ingress](objs)[0]
	if ing.Spec.TLS[0].SecretName != "catena-tls" || ing.Spec.Rules[0].Host != "catena.example.com" ||
		ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name != svc.Name || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingress %+v", ing.Spec)
	}
	sm := all[*monitoringv1.ServiceMonitor](objs)[0]
	if sm.Spec.Endpoints[0].Port != "http" || sm.Spec.Endpoints[0].Path != "/metrics" || sm.Labels["release"] != "prometheus" {
		t.Errorf("ServiceMonitor %+v", sm.Spec)
	}
}

func env(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func TestRunnersPerLocationWithAutoscaling(t *testing.T) {
	t.Parallel()
	objs := renderObjects(t, full())
	runners := map[string]*appsv1.Deployment{}
	for _, d := range all[*appsv1.Deployment](objs) {
		if d.Labels["app.kubernetes.io/component"] != "runner" {
			continue
		}
		c := d.Spec.Template.Spec.Containers[0]
		i := slices.Index(c.Args, "--location")
		if c.Args[0] != "runner" || i < 0 || env(c, "CATENA_LOCATION") != c.Args[i+1] {
			t.Errorf("%s: args %q, CATENA_LOCATION %q", d.Name, c.Args, env(c, "CATENA_LOCATION"))
			continue
		}
		if d.Spec.Replicas != nil {
			t.Errorf("%s is autoscaled, so it must leave replicas to the HPA", d.Name)
		}
		if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("%s: selector does not match its pods", d.Name)
		}
		runners[c.Args[i+1]] = d
	}
	if len(runners) != 2 || runners["eu-west-1"] == nil || runners["US East"] == nil {
		t.Fatalf("runner locations = %v", runners)
	}
	if c := runners["US East"].Spec.Template.Spec.Containers[0]; !slices.Contains(c.Args, "50") || runners["US East"].Name != "catena-runner-us-east" {
		t.Errorf("US East runner: name %s args %q", runners["US East"].Name, c.Args)
	}
	hpas := map[string]*autoscalingv2.HorizontalPodAutoscaler{}
	for _, h := range all[*autoscalingv2.HorizontalPodAutoscaler](objs) {
		hpas[h.Spec.ScaleTargetRef.Name] = h
	}
	eu, us := hpas[runners["eu-west-1"].Name], hpas[runners["US East"].Name]
	if eu == nil || us == nil {
		t.Fatalf("HPAs %v", hpas)
	}
	if m := eu.Spec.Metrics[0]; m.Type != autoscalingv2.ExternalMetricSourceType || m.External.Metric.Name != "catena_queue_oldest_job_age_seconds" ||
		m.External.Metric.Selector.MatchLabels["location"] != "eu-west-1" || m.External.Target.Value.Value() != 30 || eu.Spec.MaxReplicas != 20 {
		t.Errorf("eu-west-1 HPA %+v", eu.Spec)
	}
	if m := us.Spec.Metrics[0]; m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource.Name != corev1.ResourceCPU || *m.Resource.Target.AverageUtilization != 70 {
		t.Errorf("US East HPA %+v", us.Spec)
	}
	for _, p := range all[*policyv1.PodDisruptionBudget](objs) {
		matched := 0
		for _, d := range all[*appsv1.Deployment](objs) {
			sel, err := metaSelector(p)
			if err != nil {
				t.Fatal(err)
			}
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				matched++
			}
		}
		if matched != 1 {
			t.Errorf("PDB %s selects %d Deployments' pods, want 1", p.Name, matched)
		}
	}
	pm := all[*monitoringv1.PodMonitor](objs)[0]
	if pm.Spec.PodMetricsEndpoints[0].Port == nil || *pm.Spec.PodMetricsEndpoints[0].Port != "metrics" {
		t.Errorf("PodMonitor %+v", pm.Spec)
	}
}

func metaSelector(p *policyv1.PodDisruptionBudget) (labels.Selector, error) {
	return labels.ValidatedSelectorFromSet(p.Spec.Selector.MatchLabels)
}

func TestMigrateHookRunsFirst(t *testing.T) {
	t.Parallel()
	objs := renderObjects(t, minimal())
	job := all[*batchv1.Job](objs)[0]
	if job.Annotations["helm.sh/hook"] != "pre-install,pre-upgrade" || !strings.Contains(job.Annotations["helm.sh/hook-delete-policy"], "before-hook-creation") {
		t.Errorf("migrate Job annotations %v", job.Annotations)
	}
	c := job.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Args, []string{"migrate", "up"}) || job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever ||
		job.Spec.ActiveDeadlineSeconds == nil || *job.Spec.ActiveDeadlineSeconds <= 0 {
		t.Errorf("migrate Job spec %+v", job.Spec)
	}
	// What the Job needs exists before it: the Secret and ServiceAccount are
	// hooks of the same phases with lower weights.
	weight := func(o interface{ GetAnnotations() map[string]string }) string {
		return o.GetAnnotations()["helm.sh/hook-weight"]
	}
	sec, sa := all[*corev1.Secret](objs)[0], all[*corev1.ServiceAccount](objs)[0]
	for _, o := range []interface{ GetAnnotations() map[string]string }{sec, sa} {
		if o.GetAnnotations()["helm.sh/hook"] != "pre-install,pre-upgrade" || atoi(t, weight(o)) >= atoi(t, weight(job)) {
			t.Errorf("%T must be a pre-install/pre-upgrade hook weighted before the Job: %v", o, o.GetAnnotations())
		}
	}
	if sec.Annotations["helm.sh/resource-policy"] != "keep" {
		t.Errorf("the generated secret key must survive uninstall: %v", sec.Annotations)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("hook weight %q: %v", s, err)
	}
	return n
}

// secretish names the variables whose values must come from a Secret.
func secretish(name string) bool {
	return name == "DATABASE_URL" || strings.Contains(name, "SECRET") || strings.Contains(name, "PASSWORD") || strings.Contains(name, "TOKEN")
}

func TestNoSecretValueInline(t *testing.T) {
	t.Parallel()
	files, err := render(t, full())
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range files {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s holds the database password in clear", name)
		}
	}
	objs := objects(t, files)
	for _, w := range workloads(objs) {
		for _, c := range w.pod.Spec.Containers {
			for _, e := range c.Env {
				if secretish(e.Name) && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
					t.Errorf("%s/%s: %s must come from a Secret (valueFrom.secretKeyRef), got %+v", w.name, c.Name, e.Name, e)
				}
			}
		}
	}
	sec := all[*corev1.Secret](objs)[0]
	if string(sec.Data["DATABASE_URL"]) != minimal()["database"].(map[string]any)["url"] {
		t.Errorf("the generated Secret's DATABASE_URL = %q", sec.Data["DATABASE_URL"])
	}
	if key := sec.Data["CATENA_SECRET_KEY"]; len(key) == 0 {
		t.Error("no secret key generated")
	} else if raw, err := base64.StdEncoding.DecodeString(string(key)); err != nil || len(raw) != 32 {
		t.Errorf("generated CATENA_SECRET_KEY is not 32 bytes of base64: %d bytes (%v)", len(raw), err)
	}
}

func TestExistingSecretsRenderNoSecret(t *testing.T) {
	t.Parallel()
	objs := renderObjects(t, map[string]any{
		"database":  map[string]any{"existingSecret": "pg", "existingSecretKey": "uri"},
		"secretKey": map[string]any{"existingSecret": "catena-key", "existingSecretKey": "key"},
	})
	if n := len(all[*corev1.Secret](objs)); n != 0 {
		t.Errorf("with existing Secrets the chart rendered %d Secrets", n)
	}
	for _, w := range workloads(objs) {
		c := w.pod.Spec.Containers[0]
		refs := map[string]string{}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				refs[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
			}
		}
		if refs["DATABASE_URL"] != "pg/uri" || refs["CATENA_SECRET_KEY"] != "catena-key/key" {
			t.Errorf("%s: secret references %v", w.name, refs)
		}
	}
}

func TestSchedulerModes(t *testing.T) {
	t.Parallel()
	count := func(objs []runtime.Object) int {
		n := 0
		for _, d := range all[*appsv1.Deployment](objs) {
			if d.Labels["app.kubernetes.io/component"] == "scheduler" {
				if *d.Spec.Replicas != 1 || !slices.Equal(d.Spec.Template.Spec.Containers[0].Args, []string{"scheduler"}) {
					t.Errorf("scheduler Deployment %+v", d.Spec)
				}
				n++
			}
		}
		return n
	}
	if n := count(renderObjects(t, minimal())); n != 1 {
		t.Errorf("local mode: %d scheduler Deployments, want 1", n)
	}
	vals := minimal()
	vals["config"] = map[string]any{"scheduler": "eventbridge", "eventbridge": map[string]any{
		"lambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:catena-scheduler", "roleARN": "arn:aws:iam::123456789012:role/catena-scheduler",
	}}
	objs := renderObjects(t, vals)
	if n := count(objs); n != 0 {
		t.Errorf("eventbridge mode: %d scheduler Deployments, want none", n)
	}
	for _, w := range workloads(objs) {
		if c := w.pod.Spec.Containers[0]; env(c, "CATENA_SCHEDULER") != "eventbridge" || env(c, "CATENA_EB_LAMBDA_ARN") == "" {
			t.Errorf("%s: eventbridge settings missing", w.name)
		}
	}
}

func TestRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		vals map[string]any
		want string
	}{
		"no database":                {map[string]any{}, "database.url or database.existingSecret"},
		"bad scheduler":              {merge(minimal(), map[string]any{"config": map[string]any{"scheduler": "cron"}}), "config.scheduler"},
		"duplicate runner":           {merge(minimal(), map[string]any{"runners": []any{map[string]any{"location": "a"}, map[string]any{"location": "a"}}}), "listed twice"},
		"eventbridge without lambda": {merge(minimal(), map[string]any{"config": map[string]any{"scheduler": "eventbridge"}}), "lambdaARN"},
		"bad hpa metric":             {merge(minimal(), map[string]any{"runners": []any{map[string]any{"location": "a", "autoscaling": map[string]any{"enabled": true, "metric": "rps"}}}}), "must be cpu or queue"},
	}
	for name, c := range cases {
		_, err := render(t, c.vals)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %q", name, err, c.want)
		}
	}
}

func merge(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// The chart's values.yaml is valid YAML with no duplicate keys.
func TestValuesFileStrict(t *testing.T) {
	t.Parallel()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ch.Raw {
		if f.Name != "values.yaml" {
			continue
		}
		var v map[string]any
		if err := yaml.UnmarshalStrict(bytes.TrimSpace(f.Data), &v); err != nil {
			t.Fatalf("values.yaml: %v", err)
		}
		return
	}
	t.Fatal("values.yaml not found in the chart")
}

// A location with browser: true runs the Chromium image with CATENA_BROWSER,
// more memory and a larger /tmp, while the chart stays read-only-root; other
// locations keep the plain image.
func TestBrowserRunner(t *testing.T) {
	t.Parallel()
	byLoc := func(objs []runtime.Object) map[string]*appsv1.Deployment {
		m := map[string]*appsv1.Deployment{}
		for _, d := range all[*appsv1.Deployment](objs) {
			if d.Labels["app.kubernetes.io/component"] == "runner" {
				m[env(d.Spec.Template.Spec.Containers[0], "CATENA_LOCATION")] = d
			}
		}
		return m
	}
	vals := merge(minimal(), map[string]any{
		"image":   map[string]any{"tag": "1.2.3"},
		"runners": []any{map[string]any{"location": "plain"}, map[string]any{"location": "chrome", "browser": true, "browserConcurrency": 2}},
	})
	rs := byLoc(renderObjects(t, vals))
	plain, chrome := rs["plain"], rs["chrome"]
	if plain == nil || chrome == nil {
		t.Fatalf("runners %v", rs)
	}
	pc, cc := plain.Spec.Template.Spec.Containers[0], chrome.Spec.Template.Spec.Containers[0]
	if pc.Image != "ghcr.io/catena-monitor/catena:1.2.3" || env(pc, "CATENA_BROWSER") != "" {
		t.Errorf("plain runner: image %s CATENA_BROWSER %q", pc.Image, env(pc, "CATENA_BROWSER"))
	}
	if cc.Image != "ghcr.io/catena-monitor/catena:1.2.3-browser" {
		t.Errorf("browser runner image %s", cc.Image)
	}
	if env(cc, "CATENA_BROWSER") != "/usr/bin/chromium" || env(cc, "CATENA_BROWSER_CONCURRENCY") != "2" || env(cc, "HOME") != "/tmp" {
		t.Errorf("browser runner env %+v", cc.Env)
	}
	if !*cc.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("browser runner must keep a read-only root filesystem")
	}
	memReq, memLim := cc.Resources.Requests.Memory(), cc.Resources.Limits.Memory()
	if memReq.Cmp(*pc.Resources.Requests.Memory()) <= 0 || memLim.Cmp(*pc.Resources.Limits.Memory()) <= 0 {
		t.Errorf("browser runner memory %s/%s not above plain %s/%s", memReq, memLim, pc.Resources.Requests.Memory(), pc.Resources.Limits.Memory())
	}
	var tmp *corev1.Volume
	for i, v := range chrome.Spec.Template.Spec.Volumes {
		if v.Name == "tmp" {
			tmp = &chrome.Spec.Template.Spec.Volumes[i]
		}
	}
	if tmp == nil || tmp.EmptyDir == nil || tmp.EmptyDir.SizeLimit == nil || tmp.EmptyDir.SizeLimit.String() != "1Gi" {
		t.Errorf("browser runner /tmp volume %+v", tmp)
	}
	mounted := slices.ContainsFunc(cc.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "tmp" && m.MountPath == "/tmp" })
	if !mounted {
		t.Errorf("browser runner mounts %+v", cc.VolumeMounts)
	}

	// browserTag and browserImage override the derived tag.
	vals["image"] = map[string]any{"tag": "1.2.3", "browserTag": "chromium-131"}
	if c := byLoc(renderObjects(t, vals))["chrome"].Spec.Template.Spec.Containers[0]; c.Image != "ghcr.io/catena-monitor/catena:chromium-131" {
		t.Errorf("browserTag: image %s", c.Image)
	}
	vals["browserImage"] = "registry.example.com/catena-browser:7"
	if c := byLoc(renderObjects(t, vals))["chrome"].Spec.Template.Spec.Containers[0]; c.Image != "registry.example.com/catena-browser:7" {
		t.Errorf("browserImage: image %s", c.Image)
	}
}

// Runners and the scheduler serve no API, but /healthz and /readyz on their
// metrics port: that is what their probes must ask.
func TestWorkerProbesOnTheMetricsPort(t *testing.T) {
	t.Parallel()
	objs := renderObjects(t, full())
	seen := map[string]bool{}
	for _, d := range all[*appsv1.Deployment](objs) {
		comp := d.Labels["app.kubernetes.io/component"]
		if comp != "runner" && comp != "scheduler" {
			continue
		}
		seen[comp] = true
		c := d.Spec.Template.Spec.Containers[0]
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" || c.LivenessProbe.HTTPGet.Port.String() != "metrics" {
			t.Errorf("%s %s: liveness probe %+v, want /healthz on the metrics port", comp, d.Name, c.LivenessProbe)
		}
		if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.ReadinessProbe.HTTPGet.Port.String() != "metrics" {
			t.Errorf("%s %s: readiness probe %+v, want /readyz on the metrics port", comp, d.Name, c.ReadinessProbe)
		}
		if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "metrics" && p.ContainerPort == 9090 }) {
			t.Errorf("%s %s: no metrics port 9090: %+v", comp, d.Name, c.Ports)
		}
	}
	if !seen["runner"] || !seen["scheduler"] {
		t.Fatalf("full values should render runners and the scheduler, saw %v", seen)
	}
}
