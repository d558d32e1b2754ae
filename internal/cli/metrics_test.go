package cli

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

var updateMetricNames = flag.Bool("update", false, "rewrite deploy/monitoring/testdata/metric-names.txt from the scrape")

// metricNamesFile lists every catena_* family the processes export; the
// deploy/monitoring tests check that each metric their rules and panels name
// is in it.
const metricNamesFile = "../../deploy/monitoring/testdata/metric-names.txt"

// startCommand runs `catena ARGS` in-process with env until the test ends and
// waits until healthURL answers 200.
func startCommand(t *testing.T, env map[string]string, healthURL string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, args, envOf(env), &lockedBuffer{}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s returned %v", args[0], err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s did not stop within 30s of cancellation", args[0])
		}
	})
	poll(t, args[0]+" "+healthURL, func() bool {
		select {
		case err := <-done:
			t.Fatalf("%s stopped: %v", args[0], err)
		default:
		}
		resp, err := http.Get(healthURL)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// scrapeURL fetches and parses one /metrics in the text format.
func scrapeURL(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// value sums the samples of family name whose labels include want
// (counters, gauges; histograms: their sample count).
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	for _, m := range fams[name].GetMetric() {
		ok := true
		for k, v := range want {
			if labelOf(m, k) != v {
				ok = false
			}
		}
		if !ok {
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

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestEveryProcessServesItsMetrics starts `serve` (API and a runner for
// "local"), a separate `runner --location eu` and a separate `scheduler` on one
// database. A monitor whose slots were missed while no scheduler ran fires
// three collections in eu (one passes, one fails an assertion, one cannot
// connect) and alerts a webhook that refuses; a manual run goes to serve's
// runner. Each process's /metrics is then scraped and checked against the
// database's own record of what happened.
func TestEveryProcessServesItsMetrics(t *testing.T) {
	t.Parallel()
	_, dbURL := dbtest.NewDBURL(t)
	key := secret.NewKey()
	base := map[string]string{"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": key, "CATENA_LOG_LEVEL": "error"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}

	secretURL := "/login?token=s3cret-in-url"
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/fail") {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	t.Cleanup(target.Close)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden) // a permanent failure: one attempt, failed
	}))
	t.Cleanup(hook.Close)
	closed := "http://" + freeAddr(t) // nothing listens: connection refused

	// serve migrates the database; the others require it current.
	serveBase, _ := startServe(t, with(map[string]string{"CATENA_SCHEDULER": "off"}))
	runnerAddr, schedAddr := freeAddr(t), freeAddr(t)
	startCommand(t, with(map[string]string{"CATENA_METRICS_ADDR": runnerAddr}), "http://"+runnerAddr+"/readyz",
		"runner", "--location", "eu", "--heartbeat", "100ms", "--lease-ttl", "3s", "--sweep-interval", "200ms")

	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	rawKey, err := secret.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(rawKey)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(pool, box)
	ctx := context.Background()
	status200 := []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}}
	var ids []collection.CollectionID
	for _, c := range []collection.Collection{
		{Name: "passing", Steps: []collection.Step{{Name: "login", Method: "GET", URL: target.URL + secretURL, Assertions: status200}}},
		{Name: "failing", Steps: []collection.Step{
			{Name: "login", Method: "GET", URL: target.URL + "/fail" + secretURL, Assertions: status200},
			{Name: "logout", Method: "GET", URL: target.URL + "/ok"},
		}},
		{Name: "erroring", Steps: []collection.Step{{Name: "connect", Method: "GET", URL: closed + secretURL}}},
	} {
		saved, err := st.CreateCollection(ctx, &c)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, saved.ID)
	}
	ch, err := st.CreateChannel(ctx, &collection.AlertChannel{Name: "refusing hook", Type: collection.ChannelWebhook, Config: map[string]string{"url": hook.URL + "/hooks/T0SECRET", "secret": "a-signing-secret-of-some-length"}})
	if err != nil {
		t.Fatal(err)
	}
	policy := collection.DefaultAlertPolicy()
	policy.FailureThreshold = 1
	due := time.Now().Add(-5 * time.Minute) // slots passed with no scheduler: missed, scheduler_down
	mon, err := st.CreateMonitor(ctx, &collection.Monitor{
		Name: "shop", Schedule: "every 1m", TimeZone: "UTC", Enabled: true, Locations: []string{"eu"},
		CollectionIDs: ids, ChannelIDs: []collection.ChannelID{ch.ID}, Policy: policy, NextRunAt: &due,
	})
	if err != nil {
		t.Fatal(err)
	}
	// A manual run for serve's own runner (location local).
	q, err := queue.New(st, nil, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	passing, err := st.GetCollection(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
		_, _, err := q.EnqueueRun(ctx, tx, store.InsertRunParams{CollectionID: &ids[0], Trigger: collection.TriggerManual, Snapshot: *passing, IdempotencyKey: "metrics-test-manual"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	startCommand(t, with(map[string]string{"CATENA_METRICS_ADDR": schedAddr}), "http://"+schedAddr+"/healthz", "scheduler")

	// Wait until the scheduled runs, the manual run and the deliveries are final.
	count := func(sql string, args ...any) int {
		var n int
		if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Cleanup(func() {
		if t.Failed() {
			rows, _ := pool.Query(ctx, `SELECT trigger, status, location, collection_name, error FROM runs ORDER BY id`)
			for rows.Next() {
				var a, b, c, d, e string
				_ = rows.Scan(&a, &b, &c, &d, &e)
				t.Logf("run %s %s %s %s %q", a, b, c, d, e)
			}
			rows.Close()
			rows, _ = pool.Query(ctx, `SELECT status, attempts, last_error FROM alert_deliveries ORDER BY id`)
			for rows.Next() {
				var a, c string
				var b int
				_ = rows.Scan(&a, &b, &c)
				t.Logf("delivery %s %d %q", a, b, c)
			}
			rows.Close()
			rows, _ = pool.Query(ctx, `SELECT kind, queue, state::text, attempt, coalesce(errors::text, ''), scheduled_at::text FROM river_job ORDER BY id`)
			for rows.Next() {
				var a, b, c, e, f string
				var d int
				_ = rows.Scan(&a, &b, &c, &d, &e, &f)
				t.Logf("job %s %s %s %d %s %s", a, b, c, d, e, f)
			}
			rows.Close()
		}
	})
	poll(t, "three scheduled runs and the manual run final, deliveries settled", func() bool {
		return count(`SELECT count(*) FROM runs WHERE trigger = 'schedule' AND status IN ('passed','failed','errored')`) >= 3 &&
			count(`SELECT count(*) FROM runs WHERE trigger = 'manual' AND status = 'passed'`) == 1 &&
			count(`SELECT count(*) FROM alert_deliveries`) > 0 &&
			count(`SELECT count(*) FROM alert_deliveries WHERE status NOT IN ('delivered','failed')`) == 0
	})
	// The monitor has done its part; pausing it keeps a next minute's slot
	// from adding runs between the checks below.
	if err := st.SetMonitorEnabled(ctx, mon.ID, false); err != nil {
		t.Fatal(err)
	}
	poll(t, "no run queued or running", func() bool {
		return count(`SELECT count(*) FROM runs WHERE status IN ('queued','running')`) == 0 &&
			count(`SELECT count(*) FROM alert_deliveries WHERE status NOT IN ('delivered','failed')`) == 0
	})

	// One API request, so serve's GraphQL metrics have a series.
	resp, err := http.Post(serveBase+"/graphql", "application/json", strings.NewReader(`{"query": "{ __typename }"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	runner := scrapeURL(t, "http://"+runnerAddr+"/metrics")
	sched := scrapeURL(t, "http://"+schedAddr+"/metrics")
	serve := scrapeURL(t, serveBase+"/metrics")

	// Runner: one series per outcome, values as in the database.
	for _, outcome := range []string{"passed", "failed", "errored"} {
		coll := map[string]string{"passed": "passing", "failed": "failing", "errored": "erroring"}[outcome]
		want := count(`SELECT count(*) FROM runs WHERE trigger = 'schedule' AND status = $1 AND location = 'eu'`, outcome)
		got := value(runner, "catena_runs_total", map[string]string{"monitor": "shop", "collection": coll, "location": "eu", "trigger": "schedule", "outcome": outcome})
		if want < 1 || got != float64(want) {
			t.Errorf("runner catena_runs_total{collection=%s,outcome=%s} = %v, database has %d", coll, outcome, got, want)
		}
		if got := value(runner, "catena_run_duration_seconds", map[string]string{"collection": coll, "location": "eu", "outcome": outcome}); got != float64(want) {
			t.Errorf("run duration count for %s = %v, want %d", coll, got, want)
		}
	}
	if got := value(runner, "catena_step_duration_seconds", map[string]string{"collection": "failing", "step": "login", "outcome": "failed"}); got < 1 {
		t.Errorf("no step duration for failing/login")
	}
	if got := value(runner, "catena_step_duration_seconds", map[string]string{"step": "logout"}); got != 0 {
		t.Errorf("the skipped step logout was observed %v times", got)
	}
	if got := value(runner, "catena_step_phase_seconds", map[string]string{"phase": "first_byte"}); got < 2 {
		t.Errorf("first_byte phase observed %v times, want at least 2", got)
	}
	if got := value(runner, "catena_assertion_failures_total", map[string]string{"collection": "failing", "step": "login", "source": "status", "comparison": "equals"}); got < 1 {
		t.Errorf("assertion failure not counted")
	}
	// Both the runner and serve work the alerts queue: whichever took a
	// delivery counts it.
	failedDeliveries := count(`SELECT count(*) FROM alert_deliveries WHERE status = 'failed' AND attempts = 1`)
	webhookFailed := map[string]string{"channel_type": "webhook", "outcome": "failed"}
	if got := value(runner, "catena_alert_deliveries_total", webhookFailed) + value(serve, "catena_alert_deliveries_total", webhookFailed); failedDeliveries < 1 || got != float64(failedDeliveries) {
		t.Errorf("failed deliveries: metric %v, database %d", got, failedDeliveries)
	}
	if got := value(runner, "catena_alert_delivery_attempts_total", webhookFailed) + value(serve, "catena_alert_delivery_attempts_total", webhookFailed); got != float64(failedDeliveries) {
		t.Errorf("failed attempts: metric %v, want %d", got, failedDeliveries)
	}
	if got := value(runner, "catena_runner_capacity", map[string]string{"location": "eu"}); got != 200 {
		t.Errorf("runner capacity %v, want the default 200", got)
	}
	if _, ok := runner["catena_runner_runs_in_flight"]; !ok || value(runner, "catena_runner_runs_in_flight", nil) != 0 {
		t.Errorf("runs in flight after all finished: %v", runner["catena_runner_runs_in_flight"])
	}

	// Scheduler: enqueued targets with their lag, the missed slots, the queue.
	enqueued := count(`SELECT count(*) FROM runs WHERE trigger = 'schedule' AND status <> 'missed'`)
	if got := value(sched, "catena_scheduler_slots_total", map[string]string{"result": "enqueued"}); got != float64(enqueued) {
		t.Errorf("enqueued slots %v, database %d", got, enqueued)
	}
	if got := value(sched, "catena_scheduler_slot_lag_seconds", nil); got < 1 {
		t.Errorf("no slot lag observed")
	}
	missed := count(`SELECT count(*) FROM runs WHERE status = 'missed' AND error LIKE 'scheduler_down%'`)
	if got := value(sched, "catena_scheduler_slots_total", map[string]string{"result": "missed_scheduler_down"}); missed != 3 || got != 3 {
		t.Errorf("missed scheduler_down: metric %v, database %d, want 3 (one per collection)", got, missed)
	}
	if got := value(sched, "catena_runs_total", map[string]string{"monitor": "shop", "outcome": "missed", "location": "eu"}); got != 3 {
		t.Errorf("missed runs %v, want 3: %v", got, sched["catena_runs_total"])
	}
	for _, loc := range []string{"eu", "local"} {
		if _, seen := seriesWith(sched, "catena_queue_jobs", "location", loc); !seen {
			t.Errorf("scheduler exports no queue series for %s", loc)
		}
	}
	if got := value(sched, "catena_queue_oldest_job_age_seconds", map[string]string{"location": "eu"}); got != 0 {
		t.Errorf("oldest eu job age %v with nothing waiting", got)
	}

	// serve: the manual run by its in-process runner, the API's own metrics.
	if got := value(serve, "catena_runs_total", map[string]string{"monitor": "", "collection": "passing", "location": "local", "trigger": "manual", "outcome": "passed"}); got != 1 {
		t.Errorf("serve's manual run: %v", got)
	}
	if got := value(serve, "catena_runner_capacity", map[string]string{"location": "local"}); got != 200 {
		t.Errorf("serve runner capacity %v", got)
	}
	for _, name := range []string{"catena_build_info", "catena_queue_jobs", "catena_graphql_operations_total", "go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := serve[name]; !ok {
			t.Errorf("serve exports no %s", name)
		}
	}

	// No label anywhere carries a URL, an id or an error text.
	for proc, fams := range map[string]map[string]*dto.MetricFamily{"runner": runner, "scheduler": sched, "serve": serve} {
		for name, f := range fams {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					v := l.GetValue()
					if strings.Contains(v, "://") || strings.Contains(v, "s3cret") || strings.Contains(v, "T0SECRET") || strings.Contains(v, "127.0.0.1") || strings.Contains(v, "refused") || strings.Contains(v, "slot(s)") {
						t.Errorf("%s: %s{%s=%q}", proc, name, l.GetName(), v)
					}
				}
			}
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		for _, addr := range []string{runnerAddr, schedAddr} {
			if code, _ := get(t, "http://"+addr+path); code != http.StatusOK {
				t.Errorf("%s%s: %d", addr, path, code)
			}
		}
	}

	checkMetricNames(t, runner, sched, serve)
}

func seriesWith(fams map[string]*dto.MetricFamily, name, label, value string) (*dto.Metric, bool) {
	for _, m := range fams[name].GetMetric() {
		if labelOf(m, label) == value {
			return m, true
		}
	}
	return nil, false
}

// checkMetricNames compares the catena_* families of the scrapes with the
// committed list the monitoring tests read (-update rewrites it).
func checkMetricNames(t *testing.T, scrapes ...map[string]*dto.MetricFamily) {
	t.Helper()
	var names []string
	for _, fams := range scrapes {
		for name := range fams {
			if strings.HasPrefix(name, "catena_") && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	got := strings.Join(names, "\n") + "\n"
	if *updateMetricNames {
		if err := os.MkdirAll(filepath.Dir(metricNamesFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(metricNamesFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(metricNamesFile)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run TestEveryProcessServesItsMetrics -update)", err)
	}
	if string(want) != got {
		t.Errorf("the scraped metric families differ from %s (rerun with -update if intended):\n got: %s\nwant: %s", metricNamesFile, got, want)
	}
}
