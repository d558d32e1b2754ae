package faulttest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// channelStandIn is a Slack incoming webhook on 127.0.0.1. Its first request
// is accepted (read, answered 200, answered is closed) but the answer's body is
// never finished, so the runner holds the 200 and is still reading when it is
// killed: the channel has the alert, the delivery's outcome is not committed.
// Later requests are answered 200 "ok" at once.
type channelStandIn struct {
	srv      *httptest.Server
	mu       sync.Mutex
	hits     int
	answered chan struct{}
}

func newChannelStandIn(t *testing.T) *channelStandIn {
	c := &channelStandIn{answered: make(chan struct{})}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		c.mu.Lock()
		c.hits++
		first := c.hits == 1
		c.mu.Unlock()
		if !first {
			_, _ = io.WriteString(w, "ok")
			return
		}
		w.Header().Set("Content-Length", "2")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "o")
		w.(http.Flusher).Flush()
		close(c.answered)
		<-r.Context().Done() // the runner's connection closes when it dies
	}))
	t.Cleanup(func() {
		c.srv.CloseClientConnections()
		c.srv.Close()
	})
	return c
}

func (c *channelStandIn) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

// Scenario 17: a runner is killed (SIGKILL) after the alert channel answered
// 200 and before the delivery's outcome committed. The delivery's River job is
// left running with no worker; the next runner's rescuer retries it once the
// job's own timeout (send timeout + 30 s) and --rescue-stuck-after (1 m, the
// least River takes) have passed, so the alert is delivered again: at least
// once, never lost (PagerDuty would collapse the repeat by its dedup key; Slack
// shows it twice). Long (60–95 s, measured 84 s: River's rescuer looks every
// 30 s), so not with -short.
func TestAlertDeliveredAfterRunnerKilledAfterChannel200(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for River's job rescuer (30 s interval); run by make test-faults")
	}
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	key, err := secret.ParseKey(e.key)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(e.pool, box)
	ch := newChannelStandIn(t)

	var cid collection.CollectionID
	var mid collection.MonitorID
	if err := e.pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('checkout') RETURNING id`).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule, locations, failure_threshold)
		VALUES ('prod checks', 'every 5m', ARRAY['local'], 1) RETURNING id`).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) VALUES ($1, $2)`, mid, cid); err != nil {
		t.Fatal(err)
	}
	saved, err := st.CreateChannel(ctx, &collection.AlertChannel{Name: "ops", Type: collection.ChannelSlack,
		Config: map[string]string{"webhook_url": ch.srv.URL + "/hook"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ($1, $2)`, mid, saved.ID); err != nil {
		t.Fatal(err)
	}

	flags := []string{"--alert-send-timeout", "1s", "--rescue-stuck-after", "1m"}
	r1 := e.startRunner("r1", flags...)
	slot := time.Now().UTC().Truncate(5 * time.Minute)
	snap := collection.Collection{Name: "checkout", Steps: []collection.Step{{
		Name: "login", Method: "GET", URL: e.target.srv.URL + "/step/1", Timeout: collection.Duration(5 * time.Second),
		Assertions: []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "500"}},
	}}}
	err = store.WithTx(ctx, e.pool, func(tx pgx.Tx) error {
		_, _, err := e.queue.EnqueueRun(ctx, tx, store.InsertRunParams{
			CollectionID: &cid, MonitorID: &mid, Location: collection.DefaultLocation, Trigger: collection.TriggerSchedule,
			ScheduledFor: &slot, IdempotencyKey: fmt.Sprintf("fault17:%d", slot.Unix()), Snapshot: snap,
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch.answered, 30*time.Second, "the channel's 200 to the first send")
	r1.kill9(t)
	if s := e.deliveryStatus(); s == "delivered" {
		t.Fatalf("the delivery committed %q before the kill; the scenario did not happen", s)
	}
	e.startRunner("r2", flags...)
	took := waitFor(t, 2*time.Minute, "the delivery to be delivered by the next runner", func() (bool, string) {
		s := e.deliveryStatus()
		return s == "delivered", fmt.Sprintf("delivery %q, channel hits %d", s, ch.count())
	})
	if n := ch.count(); n != 2 {
		t.Errorf("the channel got %d requests; want 2 (the one cut off by the kill, the retry)", n)
	}
	t.Logf("delivered again %s after the kill", took.Round(time.Second))
	e.audit()
}

// deliveryStatus is the status of the scenario's one alert delivery ("" if none).
func (e *env) deliveryStatus() string {
	e.t.Helper()
	var s string
	err := e.pool.QueryRow(context.Background(), `SELECT COALESCE(string_agg(status, ','), '') FROM alert_deliveries`).Scan(&s)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}
