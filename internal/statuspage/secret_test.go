package statuspage

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// Neither a status page nor any badge shows a secret, a URL, a step's name or
// an error: the hostile secret sits in a step's URL, a header, the step's
// name, the collection's secrets, a failed run's error and step result, and
// the incident's summary and internal note; the page shows the incident by
// its public note only.
func TestNothingSecretReachesPagesOrBadges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	const host = "internal-api.corp.example"
	stepName := "Zq9Xv7Kp_login" // a step name cannot hold the whole secret; this is its start
	stepURL := "https://" + host + "/login?key=" + url.QueryEscape(secrettest.Value) + "&t=@<<secrets.token>>"
	c, err := f.store.CreateCollection(ctx, &collection.Collection{Name: "checkout", Secrets: map[string]string{"token": secrettest.Value},
		Steps: []collection.Step{{Name: stepName, Method: "POST", URL: stepURL,
			Headers: map[string]string{"X-Key": secrettest.Value, "Authorization": "Bearer @<<secrets.token>>"}}}})
	if err != nil {
		t.Fatal(err)
	}
	m := f.monitorOn("checkout", c.ID)
	now := f.clock.now()
	var runID int64
	if err := f.pool.QueryRow(ctx, `INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, snapshot,
		idempotency_key, queued_at, started_at, finished_at, duration_ms, attempt, error)
		VALUES ($1, $2, 'checkout', 'local', 'schedule', 'failed', '{}', 's1', $3, $3, $3, 80, 1, $4) RETURNING id`,
		c.ID, m, now.Add(-time.Minute), "step "+stepName+" failed: "+stepURL+" "+secrettest.Value).Scan(&runID); err != nil {
		t.Fatal(err)
	}
	f.exec(`INSERT INTO step_results (run_id, attempt, position, name, status, error, request, total_us)
		VALUES ($1, 1, 0, $2, 'failed', $3, jsonb_build_object('url', $4::text, 'headers', jsonb_build_object('X-Key', $5::text)), 80000)`,
		runID, stepName, "connection refused by "+host+" "+secrettest.Value, stepURL, secrettest.Value)
	f.exec(`INSERT INTO alert_states (monitor_id, collection_id, last_status) VALUES ($1, $2, 'failed')`, m, c.ID)
	var incident int64
	if err := f.pool.QueryRow(ctx, `INSERT INTO incidents (monitor_id, collection_id, status, summary, opened_at, first_run_id, last_run_id)
		VALUES ($1, $2, 'open', $3, $4, $5, $5) RETURNING id`, m, c.ID, "step "+stepName+": "+stepURL+" "+secrettest.Value, now.Add(-time.Minute), runID).Scan(&incident); err != nil {
		t.Fatal(err)
	}
	f.exec(`INSERT INTO incident_notes (incident_id, body) VALUES ($1, $2)`, incident, "internal: "+secrettest.Value+" "+host)
	admin, err := f.store.CreateUser(ctx, &collection.User{Email: "admin@example.com", Name: "A", Role: collection.RoleAdmin, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetIncidentPublicNote(ctx, collection.IncidentID(incident), admin.ID, "Checkout is failing; we are on it."); err != nil {
		t.Fatal(err)
	}
	f.page(&collection.StatusPage{Slug: "shop", Title: "Shop", ShowLatency: true,
		Groups: []collection.StatusGroup{{Name: "Payments", Monitors: []collection.StatusMonitor{{MonitorID: m}}}}})
	key, err := f.store.SetMonitorBadge(ctx, m, true)
	if err != nil {
		t.Fatal(err)
	}

	outputs := map[string]string{}
	res, body := f.get("/status/shop")
	if res.StatusCode != 200 {
		t.Fatalf("page: %d", res.StatusCode)
	}
	outputs["page"] = body
	for _, q := range []string{"", "?kind=uptime", "?kind=uptime&window=90d", "?kind=latency", "?kind=latency&window=7d"} {
		res, body := f.get("/badge/" + key + ".svg" + q)
		if res.StatusCode != 200 {
			t.Fatalf("badge %s: %d", q, res.StatusCode)
		}
		outputs["badge"+q] = body
	}
	for what, out := range outputs {
		if secrettest.Leaks(out) {
			t.Errorf("%s shows the secret:\n%s", what, out)
		}
		for _, s := range []string{host, "https://", "login", "connection refused", "internal:", "X-Key", "Bearer", "checkout flow"} {
			if strings.Contains(out, s) {
				t.Errorf("%s shows %q:\n%s", what, s, out)
			}
		}
		for name, enc := range secrettest.Encodings(secrettest.Value) {
			if strings.Contains(out, enc) {
				t.Errorf("%s holds the secret encoded as %s", what, name)
			}
		}
	}
	page := outputs["page"]
	for _, want := range []string{">Down<", "Some systems are down", "Current incidents", "Checkout is failing; we are on it.", "median latency (24 h) 8"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
}
