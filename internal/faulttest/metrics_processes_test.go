package faulttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// TestMetricsOfSeparateProcesses runs split mode as separate OS processes on
// one database: `catena serve` (API, a runner for "local", no scheduler),
// `catena runner --location eu` and `catena scheduler`, each with /metrics on
// its own loopback port. A monitor whose earlier slots passed with no
// scheduler runs three collections in eu (one passes, one fails an
// assertion, one cannot connect) and alerts a webhook that answers 500; a
// manual run goes to serve's runner; a run at a location with no runner is
// cancelled through the API while queued, and one whose runner was lost is
// swept. Each process's scrape (protobuf, parsed with expfmt) must carry the
// series of issue 12 with the values the database records.
func TestMetricsOfSeparateProcesses(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewDBURL(t)
	key := secret.NewKey()
	st := sealingStore(t, pool, key)
	ctx := context.Background()

	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/fail") {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	t.Cleanup(target.Close)
	var hookHits atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hookHits.Add(1)
		http.Error(w, "down for maintenance", http.StatusInternalServerError) // transient: retried later
	}))
	t.Cleanup(hook.Close)
	closed := fmt.Sprintf("http://127.0.0.1:%d", freePort(t)) // nothing listens: connection refused

	status200 := []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}}
	var ids []collection.CollectionID
	for _, c := range []collection.Collection{
		{Name: "passing", Steps: []collection.Step{{Name: "home", Method: "GET", URL: target.URL + "/ok?token=s3cret", Assertions: status200}}},
		{Name: "failing", Steps: []collection.Step{
			{Name: "login", Method: "GET", URL: target.URL + "/fail", Assertions: status200},
			{Name: "logout", Method: "GET", URL: target.URL + "/ok"},
		}},
		{Name: "erroring", Steps: []collection.Step{{Name: "connect", Method: "GET", URL: closed + "/x"}}},
	} {
		saved, err := st.CreateCollection(ctx, &c)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, saved.ID)
	}
	ch, err := st.CreateChannel(ctx, &collection.AlertChannel{Name: "flaky hook", Type: collection.ChannelWebhook,
		Config: map[string]string{"url": hook.URL + "/hooks/T0SECRET", "secret": "a-signing-secret-of-some-length"}})
	if err != nil {
		t.Fatal(err)
	}
	policy := collection.DefaultAlertPolicy()
	policy.FailureThreshold = 1
	due := time.Now().Add(-5 * time.Minute) // slots passed while no scheduler ran: missed
	mon, err := st.CreateMonitor(ctx, &collection.Monitor{
		Name: "shop", Schedule: "every 1m", TimeZone: "UTC", Enabled: true, Locations: []string{"eu"},
		CollectionIDs: ids, ChannelIDs: []collection.ChannelID{ch.ID}, Policy: policy, NextRunAt: &due,
	})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(st, nil, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	enqueue := func(name, location string) collection.RunID {
		t.Helper()
		var run collection.Run
		snap := collection.Collection{Name: name, Steps: []collection.Step{{Name: "home", Method: "GET", URL: target.URL + "/ok"}}}
		if err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
			var err error
			run, _, err = q.EnqueueRun(ctx, tx, store.InsertRunParams{Location: location, Trigger: collection.TriggerManual, Snapshot: snap})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return run.ID
	}
	enqueue("manual", collection.DefaultLocation)
	cancelled := enqueue("cancelled", "nowhere")
	enqueue("waiting", "nowhere")
	// A run whose runner was lost on its last attempt: running with an expired
	// lease, its job discarded (what River's rescuer leaves).
	swept := enqueue("swept", "nowhere")
	if _, err := pool.Exec(ctx, `UPDATE runs SET status = 'running', attempt = 1, started_at = now() - interval '10 seconds',
		lease_expires_at = now() - interval '5 seconds' WHERE id = $1`, swept); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE river_job SET state = 'discarded', attempt = 1, finalized_at = now()
		WHERE kind = 'catena_run' AND args @> jsonb_build_object('run_id', $1::bigint)`, swept); err != nil {
		t.Fatal(err)
	}

	environ := func(extra ...string) []string {
		return append([]string{"DATABASE_URL=" + dbURL, "CATENA_SECRET_KEY=" + key, "CATENA_LOG_FORMAT=json", "CATENA_LOG_LEVEL=warn"}, extra...)
	}
	serveAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	serveBase := "http://" + serveAddr
	serve := startCatena(t, "serve", environ("CATENA_ADDR="+serveAddr, "CATENA_PUBLIC_URL="+serveBase, "CATENA_SCHEDULER=off",
		"CATENA_ADMIN_EMAIL=admin@example.com", "CATENA_ADMIN_PASSWORD=probe-password-123"), "serve")
	runnerBase := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	runner := startCatena(t, "runner", environ("CATENA_METRICS_ADDR="+strings.TrimPrefix(runnerBase, "http://")),
		"runner", "--location", "eu", "--heartbeat", "100ms", "--lease-ttl", "3s", "--sweep-interval", "200ms")
	schedBase := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	sched := startCatena(t, "scheduler", environ("CATENA_METRICS_ADDR="+strings.TrimPrefix(schedBase, "http://")), "scheduler")
	for _, p := range []struct {
		base string
		proc *proc
	}{{serveBase, serve}, {runnerBase, runner}, {schedBase, sched}} {
		waitHTTP(t, p.base+"/readyz", p.proc)
	}
	cancelThroughAPI(t, serveBase, cancelled)

	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, 30*time.Second, "the scheduled, manual and swept runs final and an alert attempted", func() (bool, string) {
		state := fmt.Sprintf("%d scheduled final, %d manual passed, %d swept, %d hook hits",
			count(`SELECT count(*) FROM runs WHERE trigger = 'schedule' AND status IN ('passed','failed','errored')`),
			count(`SELECT count(*) FROM runs WHERE location = 'local' AND status = 'passed'`),
			count(`SELECT count(*) FROM runs WHERE id = $1 AND status = 'errored'`, swept), hookHits.Load())
		return count(`SELECT count(*) FROM runs WHERE trigger = 'schedule' AND status IN ('passed','failed','errored')`) >= 3 &&
			count(`SELECT count(*) FROM runs WHERE location = 'local' AND status = 'passed'`) == 1 &&
			count(`SELECT count(*) FROM runs WHERE id = $1 AND status = 'errored'`, swept) == 1 &&
			hookHits.Load() >= 1, state
	})
	// The monitor has done its part: paused, a next minute's slot adds no run
	// between the checks below.
	if err := st.SetMonitorEnabled(ctx, mon.ID, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "no run running", func() (bool, string) {
		n := count(`SELECT count(*) FROM runs WHERE status = 'running' OR status = 'queued' AND location <> 'nowhere'`)
		return n == 0, fmt.Sprintf("%d runs open", n)
	})

	hitsBefore := hookHits.Load()
	srv, run, sch := scrape(t, serveBase), scrape(t, runnerBase), scrape(t, schedBase)
	hitsAfter := hookHits.Load()

	// The eu runner: every scheduled run by outcome, as the database has them.
	for coll, outcome := range map[string]string{"passing": "passed", "failing": "failed", "erroring": "errored"} {
		want := count(`SELECT count(*) FROM runs WHERE trigger = 'schedule' AND status = $1 AND collection_name = $2`, outcome, coll)
		labels := map[string]string{"monitor": "shop", "collection": coll, "location": "eu", "trigger": "schedule", "outcome": outcome}
		if got := sample(run, "catena_runs_total", labels); want < 1 || got != float64(want) {
			t.Errorf("runner catena_runs_total%v = %v; the database has %d", labels, got, want)
		}
		if got := sample(srv, "catena_runs_total", labels) + sample(sch, "catena_runs_total", labels); got != 0 {
			t.Errorf("the eu runs counted outside the eu runner: %v", got)
		}
		if got := sample(run, "catena_run_duration_seconds", map[string]string{"collection": coll, "location": "eu", "outcome": outcome}); got != float64(want) {
			t.Errorf("runner catena_run_duration_seconds{collection=%s} has %v observations; want %d", coll, got, want)
		}
	}
	failing := count(`SELECT count(*) FROM runs WHERE trigger = 'schedule' AND status = 'failed' AND collection_name = 'failing'`)
	if got := sample(run, "catena_step_duration_seconds", map[string]string{"collection": "failing", "step": "login", "location": "eu", "outcome": "failed"}); got != float64(failing) {
		t.Errorf("step duration of failing/login observed %v times; want %d", got, failing)
	}
	if got := sample(run, "catena_step_duration_seconds", map[string]string{"step": "logout"}); got != 0 {
		t.Errorf("the skipped step logout was observed %v times", got)
	}
	if got := sample(run, "catena_assertion_failures_total", map[string]string{"collection": "failing", "step": "login", "source": "status", "comparison": "equals"}); got != float64(failing) {
		t.Errorf("assertion failures of failing/login: %v; want %d", got, failing)
	}
	// Every executed request has a first byte; a new connection also a
	// connect phase (a reused one has none, and is not observed).
	executed := count(`SELECT count(*) FROM step_results s JOIN runs r ON r.id = s.run_id
		WHERE r.location = 'eu' AND s.status <> 'skipped' AND s.response_status IS NOT NULL`)
	if got := sample(run, "catena_step_phase_seconds", map[string]string{"phase": "first_byte"}); executed < 2 || got != float64(executed) {
		t.Errorf("runner observed the first_byte phase %v times; %d requests were answered", got, executed)
	}
	if got := sample(run, "catena_step_phase_seconds", map[string]string{"phase": "connect"}); got < 1 {
		t.Errorf("runner observed no connect phase")
	}
	requireNativeAndClassic(t, run, "catena_step_duration_seconds")
	requireNativeAndClassic(t, sch, "catena_scheduler_slot_lag_seconds")
	if got := sample(run, "catena_runner_capacity", map[string]string{"location": "eu"}); got != 200 {
		t.Errorf("runner capacity %v; want the default 200", got)
	}
	if _, ok := run["catena_runner_runs_in_flight"]; !ok || sample(run, "catena_runner_runs_in_flight", map[string]string{"location": "eu"}) != 0 {
		t.Errorf("runner runs in flight with nothing running: %v", run["catena_runner_runs_in_flight"])
	}

	// The swept run is counted errored by whichever runner swept it; the run
	// cancelled while queued by the API process that cancelled it.
	sweptLabels := map[string]string{"monitor": "", "collection": "swept", "location": "nowhere", "trigger": "manual", "outcome": "errored"}
	if got := sample(run, "catena_runs_total", sweptLabels) + sample(srv, "catena_runs_total", sweptLabels); got != 1 {
		t.Errorf("the swept run counted %v times in catena_runs_total%v; want 1", got, sweptLabels)
	}
	cancelLabels := map[string]string{"monitor": "", "collection": "cancelled", "location": "nowhere", "trigger": "manual", "outcome": "cancelled"}
	if got := sample(srv, "catena_runs_total", cancelLabels); got != 1 {
		t.Errorf("serve catena_runs_total%v = %v; want 1", cancelLabels, got)
	}
	if got := sample(srv, "catena_runs_total", map[string]string{"collection": "manual", "location": "local", "trigger": "manual", "outcome": "passed"}); got != 1 {
		t.Errorf("serve's own runner's manual run counted %v times; want 1", got)
	}

	// Alert delivery: both runners work the alerts queue, so the attempts are
	// summed; each was answered 500, a retry, and none has settled yet.
	retries := sample(run, "catena_alert_delivery_attempts_total", map[string]string{"channel_type": "webhook", "outcome": "retry"}) +
		sample(srv, "catena_alert_delivery_attempts_total", map[string]string{"channel_type": "webhook", "outcome": "retry"})
	if retries < 1 || retries > float64(hitsAfter) || retries < float64(hitsBefore)-1 {
		t.Errorf("webhook attempts counted as retries: %v; the hook was hit %d times before the scrape and %d after", retries, hitsBefore, hitsAfter)
	}
	if got := sample(run, "catena_alert_deliveries_total", nil) + sample(srv, "catena_alert_deliveries_total", nil); got != 0 {
		t.Errorf("deliveries settled while the hook still fails: %v", got)
	}

	// The scheduler: enqueued slots with their lag, the missed ones by reason
	// and as runs, and the queues.
	enqueued := count(`SELECT count(*) FROM runs WHERE trigger = 'schedule' AND status <> 'missed'`)
	if got := sample(sch, "catena_scheduler_slots_total", map[string]string{"result": "enqueued"}); got != float64(enqueued) {
		t.Errorf("scheduler enqueued slots %v; the database has %d", got, enqueued)
	}
	if got := sample(sch, "catena_scheduler_slot_lag_seconds", nil); got < 1 {
		t.Errorf("scheduler observed no slot lag")
	}
	missed := count(`SELECT count(*) FROM runs WHERE status = 'missed' AND error LIKE 'scheduler_down%'`)
	if got := sample(sch, "catena_scheduler_slots_total", map[string]string{"result": "missed_scheduler_down"}); missed != 3 || got != 3 {
		t.Errorf("missed scheduler_down slots: metric %v, database %d; want 3 (one per collection)", got, missed)
	}
	if got := sample(sch, "catena_runs_total", map[string]string{"monitor": "shop", "location": "eu", "trigger": "schedule", "outcome": "missed"}); got != 3 {
		t.Errorf("scheduler catena_runs_total{outcome=missed} = %v; want 3", got)
	}
	waiting := count(`SELECT count(*) FROM river_job WHERE queue = 'runs_nowhere' AND state = 'available'`)
	for name, fams := range map[string]map[string]*dto.MetricFamily{"serve": srv, "scheduler": sch} {
		if got := sample(fams, "catena_queue_jobs", map[string]string{"location": "nowhere", "state": "available"}); waiting < 1 || got != float64(waiting) {
			t.Errorf("%s catena_queue_jobs{location=nowhere,state=available} = %v; the database has %d", name, got, waiting)
		}
		if got := sample(fams, "catena_queue_oldest_job_age_seconds", map[string]string{"location": "nowhere"}); got <= 0 {
			t.Errorf("%s: the oldest job waiting at nowhere is %v s old", name, got)
		}
	}
	for name, fams := range map[string]map[string]*dto.MetricFamily{"serve": srv, "runner": run, "scheduler": sch} {
		if _, ok := fams["catena_build_info"]; !ok {
			t.Errorf("%s exports no catena_build_info", name)
		}
		for fname, f := range fams {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if v := l.GetValue(); strings.Contains(v, "://") || strings.Contains(v, "127.0.0.1") || strings.Contains(v, "s3cret") ||
						strings.Contains(v, "T0SECRET") || strings.Contains(v, "refused") || strings.Contains(v, "runner_lost") {
						t.Errorf("%s: %s{%s=%q} carries a URL or an error text", name, fname, l.GetName(), v)
					}
				}
			}
		}
	}
}

// cancelThroughAPI logs in as the admin and cancels the run with the
// cancelRun mutation, as the GUI does.
func cancelThroughAPI(t *testing.T, base string, id collection.RunID) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	post := func(query string) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"query": query})
		req, err := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", base)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var out struct {
			Data   map[string]any
			Errors []struct{ Message string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("%s: %d %v %+v", query, resp.StatusCode, err, out.Errors)
		}
		return out.Data
	}
	post(`mutation { login(email: "admin@example.com", password: "probe-password-123") { email } }`)
	got := post(fmt.Sprintf(`mutation { cancelRun(id: "%d") { status } }`, id))
	if s := fmt.Sprint(got["cancelRun"]); !strings.Contains(s, "CANCELLED") && !strings.Contains(s, "cancelled") {
		t.Fatalf("cancelRun answered %v", got)
	}
}

// scrape fetches base/metrics in the protobuf exposition (the one that
// carries native histograms) and decodes it with expfmt.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	resp, err := probeClient.Do(req)
	if err != nil {
		t.Fatalf("scraping %s: %v", base, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: %s", base, resp.Status)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	fams := map[string]*dto.MetricFamily{}
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return fams
			}
			t.Fatalf("decoding %s/metrics: %v", base, err)
		}
		fams[f.GetName()] = &f
	}
}

// sample sums the samples of family name whose labels include want
// (counters and gauges; histograms: their observation count).
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	for _, m := range fams[name].GetMetric() {
		match := true
		for k, v := range want {
			found := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == k {
					found = l.GetValue()
				}
			}
			match = match && found == v
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// requireNativeAndClassic checks a histogram family with observations
// carries both a native schema with populated spans and classic buckets.
func requireNativeAndClassic(t *testing.T, fams map[string]*dto.MetricFamily, name string) {
	t.Helper()
	for _, m := range fams[name].GetMetric() {
		h := m.GetHistogram()
		if h.GetSampleCount() == 0 {
			continue
		}
		if h.Schema == nil || len(h.GetPositiveSpan())+int(h.GetZeroCount()) == 0 {
			t.Errorf("%s has no native histogram (schema %v, spans %v)", name, h.Schema, h.GetPositiveSpan())
		}
		if len(h.GetBucket()) == 0 {
			t.Errorf("%s has no classic buckets", name)
		}
		return
	}
	t.Errorf("%s has no series with observations", name)
}
