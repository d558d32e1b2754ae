package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/catena-monitor/catena/internal/alerting/provider/email"
	"github.com/catena-monitor/catena/internal/alerting/provider/webhook"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

const publicURL = "https://catena.example.com"

// recorder is a channel stand-in: it records every request with its arrival
// time and answers with answer(n) for the n-th request (0-based).
type recorder struct {
	mu     sync.Mutex
	reqs   []recorded
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	at     time.Time
	header http.Header
	body   []byte
	status int
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	n := len(rc.reqs)
	rc.reqs = append(rc.reqs, recorded{at: time.Now(), header: r.Header.Clone(), body: body})
	rc.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w, status: 200}
	if rc.answer != nil {
		rc.answer(n, sw, r)
	}
	rc.mu.Lock()
	rc.reqs[n].status = sw.status
	rc.mu.Unlock()
}

func (rc *recorder) all() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.reqs...)
}

func (rc *recorder) delivered() []recorded {
	var out []recorded
	for _, r := range rc.all() {
		if r.status < 300 {
			out = append(out, r)
		}
	}
	return out
}

func standIn(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) (*recorder, string) {
	t.Helper()
	rc := &recorder{answer: answer}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

// bundle is one isolated Catena: a fresh database, a store, a River client
// working the alerts queue, a dispatcher, a monitor on a collection.
type bundle struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *store.Store
	river *river.Client[pgx.Tx]
	d     *Dispatcher
	cfg   Config
	m     collection.MonitorID
	c     collection.CollectionID
	slot  time.Time
	runs  atomic.Int64
}

type setupOpts struct {
	policy    collection.AlertPolicy
	locations []string
	channels  []collection.AlertChannel
	retry     RetryConfig
	email     email.Transport
	pagerDuty string // Events API endpoint
}

func setup(t *testing.T, o setupOpts) *bundle {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.NewDB(t)
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{t: t, pool: pool, store: store.New(pool, box), slot: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if len(o.locations) == 0 {
		o.locations = []string{"local"}
	}
	if o.policy == (collection.AlertPolicy{}) {
		o.policy = collection.DefaultAlertPolicy()
	}
	p := Normalize(o.policy)
	if err := pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('checkout') RETURNING id`).Scan(&b.c); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule, locations, failure_threshold, recovery_enabled, recovery_threshold,
			reminder_interval_s, errored_mode, min_failed_locations) VALUES ('prod checks', 'every 5m', $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		o.locations, p.FailureThreshold, p.RecoveryEnabled, p.RecoveryThreshold, int(p.ReminderInterval/time.Second), p.Errored, p.MinFailedLocations).Scan(&b.m); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) VALUES ($1, $2)`, b.m, b.c); err != nil {
		t.Fatal(err)
	}
	for _, ch := range o.channels {
		saved, err := b.store.CreateChannel(ctx, &ch)
		if err != nil {
			t.Fatalf("creating channel %s: %v", ch.Name, err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ($1, $2)`, b.m, saved.ID); err != nil {
			t.Fatal(err)
		}
	}
	retry := o.retry
	if retry.MaxAttempts == 0 {
		retry = RetryConfig{MaxAttempts: 4, BaseDelay: 50 * time.Millisecond, MaxDelay: time.Second, SendTimeout: 2 * time.Second, ChannelInterval: 50 * time.Millisecond}
	}
	workers := river.NewWorkers()
	b.river, err = river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:            map[string]river.QueueConfig{QueueName: {MaxWorkers: 10}},
		Workers:           workers,
		FetchPollInterval: 20 * time.Millisecond,
		FetchCooldown:     5 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	b.cfg = Config{
		Store: b.store, Channels: b.store, River: b.river, PublicURL: publicURL + "/",
		Providers: ProviderDeps{HTTPClient: &http.Client{Timeout: 5 * time.Second}, Email: o.email, PagerDutyEndpoint: o.pagerDuty},
		Retry:     retry,
	}
	b.d, err = NewDispatcher(b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := RegisterWorkers(workers, b.d); err != nil {
		t.Fatal(err)
	}
	if err := b.river.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.river.StopAndCancel(ctx)
	})
	return b
}

// runOpts describe one finished run.
type runOpts struct {
	status   collection.RunStatus
	location string
	slot     int // the n-th 5-minute slot after b.slot
	secrets  map[string]string
	err      string // step error (errored runs)
}

// finish inserts a finished run and calls RunFinished in the same
// transaction, as the runner's worker does.
func (b *bundle) finish(d *Dispatcher, o runOpts) collection.Run {
	b.t.Helper()
	ctx := context.Background()
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	run := b.insertRun(tx, o)
	if err := d.RunFinished(ctx, tx, &run); err != nil {
		b.t.Fatalf("RunFinished: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.t.Fatal(err)
	}
	return run
}

func (b *bundle) insertRun(tx pgx.Tx, o runOpts) collection.Run {
	b.t.Helper()
	if o.location == "" {
		o.location = "local"
	}
	slot := b.slot.Add(time.Duration(o.slot) * 5 * time.Minute)
	n := b.runs.Add(1)
	run, _, err := b.store.InsertRun(context.Background(), tx, store.InsertRunParams{
		CollectionID: &b.c, MonitorID: &b.m, Location: o.location, Trigger: collection.TriggerSchedule, Status: o.status,
		ScheduledFor: &slot, IdempotencyKey: fmt.Sprintf("test:%d", n), Snapshot: collection.Collection{Name: "checkout flow"},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	finished := slot.Add(3 * time.Second)
	run.FinishedAt = &finished
	run.Snapshot.Secrets = o.secrets
	run.Steps = []collection.StepResult{{Position: 0, Name: "login", Status: collection.StepPassed}}
	switch o.status {
	case collection.RunFailed:
		run.Steps = append(run.Steps, collection.StepResult{Position: 1, Name: "me", Status: collection.StepFailed, Assertions: []collection.AssertionResult{
			{Assertion: collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}, Expected: "200", Actual: "200", Passed: true},
			{Assertion: collection.Assertion{Source: collection.SourceBody, Property: "roles.#", Comparison: collection.GreaterThan, Target: "0"}, Expected: "0", Actual: "0", Reason: "0 is not greater than 0"},
		}})
	case collection.RunErrored:
		run.Steps = append(run.Steps, collection.StepResult{Position: 1, Name: "me", Status: collection.StepErrored, ErrorCode: "connection_refused", Error: o.err})
	default:
		run.Steps = append(run.Steps, collection.StepResult{Position: 1, Name: "me", Status: collection.StepPassed})
	}
	return run
}

type deliveryRow struct {
	ID        int64
	Incident  int64
	Event     string
	Status    string
	Attempts  int
	LastError string
	Channel   string
}

// deliveries lists every delivery with its channel's name.
func (b *bundle) deliveries() []deliveryRow {
	b.t.Helper()
	rows, err := b.pool.Query(context.Background(), `SELECT d.id, COALESCE(d.incident_id, 0), d.event, d.status, d.attempts, d.last_error, c.name
		FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id ORDER BY d.id`)
	if err != nil {
		b.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[deliveryRow])
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

// settled waits until every delivery is delivered or failed.
func (b *bundle) settled(timeout time.Duration) []deliveryRow {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ds := b.deliveries()
		done := true
		for _, d := range ds {
			done = done && (d.Status == "delivered" || d.Status == "failed")
		}
		if done {
			return ds
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("deliveries not settled after %s: %+v", timeout, ds)
		}
		time.Sleep(20 * time.Millisecond) // polling the database with a deadline
	}
}

type incidentRow struct {
	ID     int64
	Kind   string
	Status string
	Runs   int
}

func (b *bundle) incidents() []incidentRow {
	b.t.Helper()
	rows, err := b.pool.Query(context.Background(), `SELECT id, kind, status, (SELECT count(*)::int FROM incident_runs r WHERE r.incident_id = i.id)
		FROM incidents i ORDER BY id`)
	if err != nil {
		b.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[incidentRow])
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

func events(ds []deliveryRow) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.Channel+":"+d.Event)
	}
	return strings.Join(s, " ")
}

const pdKey = "0123456789abcdef0123456789abcdef"
const hookSecret = "webhook-signing-secret-0123"

func TestAlertIncidentLifecycle(t *testing.T) {
	t.Parallel()
	slackRec, slackURL := standIn(t, nil)
	hookRec, hookURL := standIn(t, nil)
	pdRec, pdURL := standIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(202) })
	pol := collection.DefaultAlertPolicy()
	pol.ReminderInterval = 10 * time.Minute
	b := setup(t, setupOpts{policy: pol, pagerDuty: pdURL, channels: []collection.AlertChannel{
		{Name: "slack", Type: collection.ChannelSlack, Config: map[string]string{"webhook_url": slackURL + "/services/T/B/X"}},
		{Name: "hook", Type: collection.ChannelWebhook, Config: map[string]string{"url": hookURL, "secret": hookSecret}},
		{Name: "pd", Type: collection.ChannelPagerDuty, Config: map[string]string{"routing_key": pdKey}},
	}})

	secretVal := "tok-9f8e7d6c"
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 0})
	if ds := b.deliveries(); len(ds) != 0 {
		t.Fatalf("one failure (threshold 2) sent %s", events(ds))
	}
	run2 := b.finish(b.d, runOpts{status: collection.RunErrored, slot: 1, err: "dial tcp: connection refused (token " + secretVal + ")", secrets: map[string]string{"token": secretVal}})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 2})            // 5 min after the trigger: no reminder yet
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 3})            // 10 min: reminder
	passing := b.finish(b.d, runOpts{status: collection.RunPassed, slot: 4}) // resolve
	b.finish(b.d, runOpts{status: collection.RunPassed, slot: 5})            // nothing
	ds := b.settled(15 * time.Second)
	want := "slack:trigger hook:trigger pd:trigger slack:reminder hook:reminder pd:reminder slack:resolve hook:resolve pd:resolve"
	if got := events(ds); got != want {
		t.Fatalf("deliveries %s\nwant       %s", got, want)
	}
	for _, d := range ds {
		if d.Status != "delivered" || d.Attempts != 1 {
			t.Errorf("delivery %+v", d)
		}
	}
	inc := b.incidents()
	if len(inc) != 1 || inc[0].Status != "resolved" || inc[0].Runs != 4 {
		t.Fatalf("incidents %+v: want one resolved incident holding runs 2-5", inc)
	}

	// What Slack was told about the trigger.
	sl := slackRec.delivered()
	if len(sl) != 3 {
		t.Fatalf("slack got %d messages", len(sl))
	}
	trigger := string(sl[0].body)
	for _, w := range []string{"checkout flow", "prod checks", `Step 2 \"me\" errored`, "connection_refused", "Failing locations: local",
		"Failing for 5m0s", fmt.Sprintf("%s/runs/%d", publicURL, run2.ID)} {
		if !strings.Contains(trigger, w) {
			t.Errorf("trigger lacks %q: %s", w, trigger)
		}
	}
	reminder := string(sl[1].body)
	if !strings.Contains(reminder, "Still failing") || !strings.Contains(reminder, `expected \"0\", got \"0\"`) || !strings.Contains(reminder, "Failing for 15m0s") {
		t.Errorf("reminder: %s", reminder)
	}
	if resolve := string(sl[2].body); !strings.Contains(resolve, "Recovered") || !strings.Contains(resolve, fmt.Sprintf("/runs/%d", passing.ID)) {
		t.Errorf("resolve: %s", resolve)
	}
	// Secrets never leave: not in messages, not in stored payloads.
	for _, r := range append(append(sl, hookRec.all()...), pdRec.all()...) {
		if strings.Contains(string(r.body), secretVal) {
			t.Errorf("a message carries the secret: %s", r.body)
		}
	}
	var leaked bool
	if err := b.pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM alert_deliveries WHERE payload::text LIKE '%' || $1 || '%')`, secretVal).Scan(&leaked); err != nil || leaked {
		t.Errorf("stored payload carries the secret (%v)", err)
	}

	// The webhook: signed, versioned, one delivery id per message.
	ids := map[string]bool{}
	for _, r := range hookRec.all() {
		ts := r.header.Get("X-Catena-Timestamp")
		if r.header.Get("X-Catena-Signature") != webhook.Sign(hookSecret, ts, r.body) {
			t.Errorf("bad signature on %s", r.body)
		}
		var p webhook.Payload
		if err := json.Unmarshal(r.body, &p); err != nil || p.Version != 1 || p.Collection.Name != "checkout flow" {
			t.Errorf("payload %s: %v", r.body, err)
		}
		ids[r.header.Get("X-Catena-Delivery")] = true
	}
	if len(ids) != 3 {
		t.Errorf("webhook delivery ids %v", ids)
	}

	// PagerDuty: one dedup key for the incident, trigger … resolve.
	var actions []string
	for _, r := range pdRec.all() {
		var ev struct {
			Action string `json:"event_action"`
			Key    string `json:"dedup_key"`
		}
		_ = json.Unmarshal(r.body, &ev)
		if ev.Key != fmt.Sprintf("catena-%d-%d", b.m, b.c) {
			t.Errorf("dedup key %q", ev.Key)
		}
		actions = append(actions, ev.Action)
	}
	if strings.Join(actions, ",") != "trigger,trigger,resolve" {
		t.Errorf("PagerDuty actions %v", actions)
	}
}

// State lives in Postgres: a new dispatcher (a restarted Catena) continues the
// open incident rather than opening another, and resolves it.
func TestAlertIncidentOpenAcrossRestart(t *testing.T) {
	t.Parallel()
	rec, url := standIn(t, nil)
	b := setup(t, setupOpts{channels: []collection.AlertChannel{{Name: "slack", Type: collection.ChannelSlack, Config: map[string]string{"webhook_url": url}}}})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 0})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 1})

	restarted, err := NewDispatcher(b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.finish(restarted, runOpts{status: collection.RunFailed, slot: 2})
	b.finish(restarted, runOpts{status: collection.RunFailed, slot: 3})
	b.finish(restarted, runOpts{status: collection.RunPassed, slot: 4})
	ds := b.settled(10 * time.Second)
	if got := events(ds); got != "slack:trigger slack:resolve" {
		t.Fatalf("deliveries %s", got)
	}
	if inc := b.incidents(); len(inc) != 1 || inc[0].Status != "resolved" || inc[0].Runs != 4 {
		t.Fatalf("incidents %+v", inc)
	}
	if len(rec.delivered()) != 2 {
		t.Fatalf("slack got %d messages", len(rec.delivered()))
	}
}

// N-of-M: with 2 of 3 locations required, one failing location is no
// incident; two failing the same slot are one, even when both finish at once.
func TestAlertLocations(t *testing.T) {
	t.Parallel()
	rec, url := standIn(t, nil)
	pol := collection.DefaultAlertPolicy()
	pol.FailureThreshold, pol.MinFailedLocations = 1, 2
	b := setup(t, setupOpts{policy: pol, locations: []string{"local", "eu", "us"},
		channels: []collection.AlertChannel{{Name: "slack", Type: collection.ChannelSlack, Config: map[string]string{"webhook_url": url}}}})
	b.finish(b.d, runOpts{status: collection.RunFailed, location: "local", slot: 0})
	b.finish(b.d, runOpts{status: collection.RunPassed, location: "eu", slot: 0})
	b.finish(b.d, runOpts{status: collection.RunPassed, location: "us", slot: 0})
	if ds := b.deliveries(); len(ds) != 0 {
		t.Fatalf("one failing location of three alerted: %s", events(ds))
	}

	// Slot 1: eu and us fail in two transactions committing concurrently.
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	start := make(chan struct{})
	for _, loc := range []string{"eu", "us"} {
		tx, err := b.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		run := b.insertRun(tx, runOpts{status: collection.RunFailed, location: loc, slot: 1})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer tx.Rollback(ctx)
			<-start
			if err := b.d.RunFinished(ctx, tx, &run); err != nil {
				errs <- err
				return
			}
			errs <- tx.Commit(ctx)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	b.finish(b.d, runOpts{status: collection.RunPassed, location: "local", slot: 1})
	ds := b.settled(10 * time.Second)
	if got := events(ds); got != "slack:trigger" {
		t.Fatalf("deliveries %s, want exactly one trigger", got)
	}
	msgs := rec.delivered()
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].body), "Failing locations: eu, us") {
		t.Fatalf("messages %d: %s", len(msgs), msgs[0].body)
	}
	// Slot 2: two locations pass → the slot passes and the incident resolves.
	b.finish(b.d, runOpts{status: collection.RunPassed, location: "eu", slot: 2})
	b.finish(b.d, runOpts{status: collection.RunPassed, location: "us", slot: 2})
	if got := events(b.settled(10 * time.Second)); got != "slack:trigger slack:resolve" {
		t.Fatalf("deliveries %s", got)
	}
}

// Manual runs and runs outside a monitor never alert; cancelled and missed
// runs do not count.
func TestAlertIgnoresRunsOutsideMonitors(t *testing.T) {
	t.Parallel()
	_, url := standIn(t, nil)
	pol := collection.DefaultAlertPolicy()
	pol.FailureThreshold = 1
	b := setup(t, setupOpts{policy: pol, channels: []collection.AlertChannel{{Name: "slack", Type: collection.ChannelSlack, Config: map[string]string{"webhook_url": url}}}})
	ctx := context.Background()
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	run := b.insertRun(tx, runOpts{status: collection.RunFailed})
	run.MonitorID = nil
	if err := b.d.RunFinished(ctx, tx, &run); err != nil {
		t.Fatal(err)
	}
	run = b.insertRun(tx, runOpts{status: collection.RunCancelled, slot: 1})
	if err := b.d.RunFinished(ctx, tx, &run); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if ds := b.deliveries(); len(ds) != 0 {
		t.Fatalf("sent %s", events(ds))
	}
}
