package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/catena-monitor/catena/internal/collection"
)

// scrape serves m over HTTP and parses the text exposition, as Prometheus would.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the scrape: %v", err)
	}
	return fams
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// failingRun is a run whose step carries a URL, an error text and a failed
// assertion: none of those may become a label.
func failingRun() *collection.Run {
	return &collection.Run{
		Location: "eu-west-1", Trigger: collection.TriggerSchedule, Status: collection.RunFailed,
		Error:    "dial tcp 10.1.2.3:443: connection refused",
		Snapshot: collection.Collection{Name: "checkout"}, Duration: 1500 * time.Millisecond,
		Steps: []collection.StepResult{{
			Name: "login", Status: collection.StepFailed, ErrorCode: "assertion_failed",
			Error:    "status 500 from https://api.example.com/login?token=s3cret",
			Request:  collection.RequestRecord{Method: "POST", URL: "https://api.example.com/login?token=s3cret"},
			Response: &collection.ResponseRecord{Status: 500},
			Timings:  collection.Timings{DNS: 2 * time.Millisecond, FirstByte: 80 * time.Millisecond, Total: 90 * time.Millisecond},
			Assertions: []collection.AssertionResult{
				{Assertion: collection.Assertion{Source: "status", Comparison: "equals", Target: "200"}, Expected: "200", Actual: "500", Reason: "got 500 from https://api.example.com"},
				{Assertion: collection.Assertion{Source: "header", Property: "x-secret", Comparison: "exists"}, Passed: true},
			},
		}, {Name: "logout", Status: collection.StepSkipped}},
	}
}

func TestRunFinishedRecordsRunStepsAndAssertions(t *testing.T) {
	t.Parallel()
	m := New(Config{Version: "v1.2.3", Revision: "abc"})
	m.RunFinished(failingRun(), "shop")
	fams := scrape(t, m)

	runs := fams["catena_runs_total"].GetMetric()
	if len(runs) != 1 || runs[0].GetCounter().GetValue() != 1 {
		t.Fatalf("catena_runs_total: %v", runs)
	}
	want := map[string]string{"monitor": "shop", "collection": "checkout", "location": "eu-west-1", "trigger": "schedule", "outcome": "failed"}
	if got := labels(runs[0]); !equalMaps(got, want) {
		t.Fatalf("run labels %v, want %v", got, want)
	}
	steps := fams["catena_step_duration_seconds"].GetMetric()
	if len(steps) != 1 { // the skipped step is not observed
		t.Fatalf("step series: %d, want 1", len(steps))
	}
	if h := steps[0].GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != 0.09 {
		t.Fatalf("step histogram count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	phases := map[string]uint64{}
	for _, p := range fams["catena_step_phase_seconds"].GetMetric() {
		phases[labels(p)["phase"]] = p.GetHistogram().GetSampleCount()
	}
	// connect and tls were zero (a reused connection): not observed.
	if len(phases) != 2 || phases["dns"] != 1 || phases["first_byte"] != 1 {
		t.Fatalf("phases: %v", phases)
	}
	af := fams["catena_assertion_failures_total"].GetMetric()
	if len(af) != 1 || !equalMaps(labels(af[0]), map[string]string{"collection": "checkout", "step": "login", "source": "status", "comparison": "equals"}) {
		t.Fatalf("assertion failures: %v", af)
	}
	bi := fams["catena_build_info"].GetMetric()
	if len(bi) != 1 || labels(bi[0])["version"] != "v1.2.3" || labels(bi[0])["revision"] != "abc" {
		t.Fatalf("build info: %v", bi)
	}
}

// TestNoURLOrErrorTextBecomesALabel feeds every recorder values that carry a
// URL, an id or an error text and checks that no label value in the whole
// scrape contains one.
func TestNoURLOrErrorTextBecomesALabel(t *testing.T) {
	t.Parallel()
	m := New(Config{})
	r := failingRun()
	r.Trigger = "https://evil.example.com/trigger"
	r.Status = "exploded: see https://evil.example.com"
	r.Steps[0].Status = "broken at https://evil.example.com"
	r.Steps[0].Assertions[0].Source = "https://evil.example.com/source"
	r.Steps[0].Assertions[0].Comparison = "connection refused 10.0.0.1"
	m.RunFinished(r, "shop")
	m.SlotMissed("shop", "checkout", "eu", collection.MissedSchedulerDown+": 3 slot(s) from 2026-01-01T00:00:00Z to https://x were not run")
	m.SlotMissed("shop", "checkout", "eu", "dial tcp 10.0.0.1:5432: connection refused")
	m.DeliveryAttempt("https://hooks.slack.com/services/T000/B000/XXXX", AttemptFailed)
	m.DeliverySettled("webhook", "error: 500 from https://hooks.example.com")
	m.WatchQueue(func(context.Context) ([]QueueStat, error) {
		return []QueueStat{{Location: "eu", State: "available: https://x", Jobs: 3}}, nil
	}, nil)
	bad := []string{"http", "://", "10.0.0.1", "refused", "s3cret", "2026-01-01", "error"}
	for name, f := range scrape(t, m) {
		for _, s := range f.GetMetric() {
			for k, v := range labels(s) {
				for _, b := range bad {
					if strings.Contains(v, b) {
						t.Errorf("%s{%s=%q} carries %q", name, k, v, b)
					}
				}
			}
		}
	}
	slots := map[string]float64{}
	for _, s := range scrape(t, m)["catena_scheduler_slots_total"].GetMetric() {
		slots[labels(s)["result"]] = s.GetCounter().GetValue()
	}
	if slots["missed_scheduler_down"] != 1 || slots["missed_other"] != 1 {
		t.Fatalf("missed reasons: %v", slots)
	}
}

func TestSeriesCapDropsAndCounts(t *testing.T) {
	t.Parallel()
	m := New(Config{SeriesLimit: 5})
	for i := range 8 {
		r := failingRun()
		r.Snapshot.Name = strings.Repeat("c", i+1) // 8 collections: 8 label sets per metric
		m.RunFinished(r, "shop")
	}
	// A label set already admitted keeps counting after the cap is reached.
	m.RunFinished(&collection.Run{Snapshot: collection.Collection{Name: "c"}, Location: "eu-west-1", Trigger: collection.TriggerSchedule, Status: collection.RunFailed}, "shop")
	fams := scrape(t, m)
	for _, name := range []string{"catena_runs_total", "catena_run_duration_seconds", "catena_step_duration_seconds", "catena_assertion_failures_total"} {
		if n := len(fams[name].GetMetric()); n != 5 {
			t.Errorf("%s has %d series, want the cap of 5", name, n)
		}
	}
	dropped := map[string]float64{}
	for _, s := range fams["catena_metrics_series_dropped_total"].GetMetric() {
		dropped[labels(s)["metric"]] = s.GetCounter().GetValue()
	}
	for _, name := range []string{"catena_runs_total", "catena_run_duration_seconds", "catena_step_duration_seconds", "catena_assertion_failures_total"} {
		if dropped[name] != 3 {
			t.Errorf("dropped[%s] = %v, want 3", name, dropped[name])
		}
	}
	for _, s := range fams["catena_runs_total"].GetMetric() {
		if labels(s)["collection"] == "c" && s.GetCounter().GetValue() != 2 {
			t.Errorf("admitted series stopped counting: %v", s.GetCounter().GetValue())
		}
	}
}

func TestLongAndInvalidNamesAreBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) // 400 bytes
	if got := labelValue(long); len(got) > maxLabelLen || !strings.HasPrefix(long, got) {
		t.Fatalf("cut to %d bytes: %q", len(got), got)
	}
	if got := labelValue("a\xffb"); got != "a�b" {
		t.Fatalf("invalid UTF-8 kept: %q", got)
	}
}

func TestNilMetricsRecordsNothing(t *testing.T) {
	t.Parallel()
	var m *Metrics
	m.RunFinished(failingRun(), "x")
	m.SlotEnqueued(1, time.Second)
	m.SlotMissed("a", "b", "c", "overlap")
	m.DeliveryAttempt("slack", AttemptSuccess)
	m.DeliverySettled("slack", DeliveryDone)
	m.RunnerCapacity("local", 3)
	m.RunStarted("local")
	m.RunDone("local")
	m.WatchQueue(nil, nil)
}

func TestQueueCollector(t *testing.T) {
	t.Parallel()
	m := New(Config{})
	fail := false
	m.WatchQueue(func(context.Context) ([]QueueStat, error) {
		if fail {
			return nil, errors.New("database down")
		}
		return []QueueStat{
			{Location: "eu", State: "available", Jobs: 4, OldestAge: 90 * time.Second},
			{Location: "eu", State: "running", Jobs: 2},
			{Location: "us"}, // known, empty
		}, nil
	}, nil)
	fams := scrape(t, m)
	jobs := map[string]float64{}
	for _, s := range fams["catena_queue_jobs"].GetMetric() {
		jobs[labels(s)["location"]+"/"+labels(s)["state"]] = s.GetGauge().GetValue()
	}
	if len(jobs) != 2*len(queueStates) || jobs["eu/available"] != 4 || jobs["eu/running"] != 2 || jobs["us/available"] != 0 {
		t.Fatalf("queue jobs: %v", jobs)
	}
	age := map[string]float64{}
	for _, s := range fams["catena_queue_oldest_job_age_seconds"].GetMetric() {
		age[labels(s)["location"]] = s.GetGauge().GetValue()
	}
	if age["eu"] != 90 || age["us"] != 0 {
		t.Fatalf("oldest age: %v", age)
	}
	fail = true
	fams = scrape(t, m)
	if _, ok := fams["catena_queue_jobs"]; ok {
		t.Fatal("queue series reported although the query failed")
	}
	if v := fams["catena_queue_scrape_errors_total"].GetMetric()[0].GetCounter().GetValue(); v != 1 {
		t.Fatalf("scrape errors: %v", v)
	}
}

// TestNativeHistograms checks that the histograms carry a native histogram
// beside their classic buckets (seen in the protobuf exposition).
func TestNativeHistograms(t *testing.T) {
	t.Parallel()
	m := New(Config{})
	m.RunFinished(failingRun(), "")
	m.SlotEnqueued(2, 300*time.Millisecond)
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	native := map[string]bool{}
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); err != nil {
			break
		}
		for _, s := range f.GetMetric() {
			if h := s.GetHistogram(); h != nil && h.Schema != nil && len(h.GetBucket()) > 0 {
				native[f.GetName()] = true
			}
		}
	}
	for _, name := range []string{"catena_run_duration_seconds", "catena_step_duration_seconds", "catena_step_phase_seconds", "catena_scheduler_slot_lag_seconds"} {
		if !native[name] {
			t.Errorf("%s has no native histogram with classic buckets", name)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
