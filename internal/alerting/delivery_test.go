package alerting

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/catena-monitor/catena/internal/alerting/provider/email"
	"github.com/catena-monitor/catena/internal/collection"
)

func slackChannel(name, url string) collection.AlertChannel {
	return collection.AlertChannel{Name: name, Type: collection.ChannelSlack, Config: map[string]string{"webhook_url": url}}
}

// triggerOnce makes the policy fire on the first failed run.
func triggerOnce() collection.AlertPolicy {
	p := collection.DefaultAlertPolicy()
	p.FailureThreshold = 1
	return p
}

func TestAlertDeliveryRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	rec, url := standIn(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 2 {
			w.WriteHeader(500)
		}
	})
	b := setup(t, setupOpts{policy: triggerOnce(), channels: []collection.AlertChannel{slackChannel("flaky", url)}})
	b.finish(b.d, runOpts{status: collection.RunFailed})
	ds := b.settled(10 * time.Second)
	if len(ds) != 1 || ds[0].Status != "delivered" || ds[0].Attempts != 3 {
		t.Fatalf("deliveries %+v: want delivered after 3 attempts", ds)
	}
	reqs := rec.all()
	if len(reqs) != 3 || len(rec.delivered()) != 1 {
		t.Fatalf("stand-in saw %d requests, %d delivered: want 3 and exactly 1", len(reqs), len(rec.delivered()))
	}
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].at.Sub(reqs[i-1].at); gap < 50*time.Millisecond {
			t.Errorf("retry %d came %s after the previous try: backoff not applied", i, gap)
		}
	}
}

func TestAlertDeliveryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	rec, url := standIn(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
		}
	})
	b := setup(t, setupOpts{policy: triggerOnce(), channels: []collection.AlertChannel{slackChannel("limited", url)}})
	b.finish(b.d, runOpts{status: collection.RunFailed})
	ds := b.settled(15 * time.Second)
	if len(ds) != 1 || ds[0].Status != "delivered" || ds[0].Attempts != 2 {
		t.Fatalf("deliveries %+v", ds)
	}
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 2*time.Second {
		t.Fatalf("retried %s after a 429 with Retry-After: 2", gap)
	}
}

// A channel that never answers ends failed after the attempt limit; runs keep
// finishing and the other channel keeps delivering meanwhile.
func TestAlertDeadChannelBlocksNothing(t *testing.T) {
	t.Parallel()
	dead, deadURL := standIn(t, func(_ int, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	live, liveURL := standIn(t, nil)
	b := setup(t, setupOpts{
		policy:   triggerOnce(),
		channels: []collection.AlertChannel{slackChannel("dead", deadURL), slackChannel("live", liveURL)},
		retry:    RetryConfig{MaxAttempts: 3, BaseDelay: 50 * time.Millisecond, MaxDelay: time.Second, SendTimeout: 300 * time.Millisecond, ChannelInterval: 10 * time.Millisecond},
	})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 0}) // trigger
	for i, st := range []collection.RunStatus{collection.RunFailed, collection.RunFailed, collection.RunPassed} {
		start := time.Now()
		b.finish(b.d, runOpts{status: st, slot: i + 1})
		if took := time.Since(start); took > time.Second {
			t.Errorf("finishing run %d took %s while a channel is dead", i+2, took)
		}
	}
	ds := b.settled(20 * time.Second)
	if got := events(ds); got != "dead:trigger live:trigger dead:resolve live:resolve" {
		t.Fatalf("deliveries %s", got)
	}
	for _, d := range ds {
		switch d.Channel {
		case "dead":
			if d.Status != "failed" || d.Attempts != 3 || !strings.Contains(d.LastError, "gave up after 3 attempts") {
				t.Errorf("dead channel delivery %+v", d)
			}
		case "live":
			if d.Status != "delivered" || d.Attempts != 1 {
				t.Errorf("live channel delivery %+v", d)
			}
		}
	}
	if n := len(dead.all()); n != 6 {
		t.Errorf("dead channel was tried %d times, want 3 per message", n)
	}
	if n := len(live.delivered()); n != 2 {
		t.Errorf("live channel got %d messages", n)
	}
	var statuses []string
	rows, _ := b.pool.Query(context.Background(), `SELECT status FROM runs ORDER BY id`)
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		statuses = append(statuses, s)
	}
	if strings.Join(statuses, ",") != "failed,failed,failed,passed" {
		t.Errorf("run statuses %v: alerting must not touch runs", statuses)
	}
}

// PagerDuty rejecting the event (400, bad routing key) fails that delivery
// after one attempt with PagerDuty's reason, flags the channel, and the
// incident's other channel is delivered.
func TestAlertPermanentFailure(t *testing.T) {
	t.Parallel()
	pd, pdURL := standIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}`)
	})
	hook, hookURL := standIn(t, nil)
	b := setup(t, setupOpts{policy: triggerOnce(), pagerDuty: pdURL, channels: []collection.AlertChannel{
		{Name: "pd", Type: collection.ChannelPagerDuty, Config: map[string]string{"routing_key": pdKey[:31]}},
		{Name: "hook", Type: collection.ChannelWebhook, Config: map[string]string{"url": hookURL, "secret": hookSecret}},
	}})
	b.finish(b.d, runOpts{status: collection.RunFailed})
	ds := b.settled(10 * time.Second)
	if ds[0].Channel != "pd" || ds[0].Status != "failed" || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, "Length of 'routing_key' is incorrect") {
		t.Errorf("pagerduty delivery %+v", ds[0])
	}
	if ds[1].Status != "delivered" || len(hook.delivered()) != 1 {
		t.Errorf("webhook delivery %+v", ds[1])
	}
	if len(pd.all()) != 1 {
		t.Errorf("PagerDuty was called %d times", len(pd.all()))
	}
	var flag string
	if err := b.pool.QueryRow(context.Background(), `SELECT last_error FROM alert_channels WHERE name = 'pd'`).Scan(&flag); err != nil || !strings.Contains(flag, "routing_key") {
		t.Errorf("channel flag %q (%v)", flag, err)
	}
}

// PagerDuty answering 500, 500, 429 (Retry-After: 2), 202: four attempts,
// each with the same non-empty body, the last one at least 2 s after the 429.
func TestAlertPagerDutyFlaky(t *testing.T) {
	t.Parallel()
	pd, pdURL := standIn(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch n {
		case 0, 1:
			w.WriteHeader(500)
		case 2:
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
		default:
			w.WriteHeader(202)
			_, _ = io.WriteString(w, `{"status":"success","message":"Event processed"}`)
		}
	})
	b := setup(t, setupOpts{policy: triggerOnce(), pagerDuty: pdURL, channels: []collection.AlertChannel{
		{Name: "pd", Type: collection.ChannelPagerDuty, Config: map[string]string{"routing_key": pdKey}},
	}})
	b.finish(b.d, runOpts{status: collection.RunFailed})
	ds := b.settled(20 * time.Second)
	if ds[0].Status != "delivered" || ds[0].Attempts != 4 {
		t.Fatalf("delivery %+v", ds[0])
	}
	reqs := pd.all()
	if len(reqs) != 4 {
		t.Fatalf("%d attempts", len(reqs))
	}
	for _, r := range reqs {
		if len(r.body) == 0 || !bytes.Equal(r.body, reqs[0].body) {
			t.Errorf("attempt body differs or is empty: %q vs %q", r.body, reqs[0].body)
		}
	}
	var ev struct {
		Key string `json:"dedup_key"`
	}
	if err := json.Unmarshal(reqs[0].body, &ev); err != nil || ev.Key == "" {
		t.Errorf("dedup key %q (%v)", ev.Key, err)
	}
	if gap := reqs[3].at.Sub(reqs[2].at); gap < 2*time.Second {
		t.Errorf("attempt 4 came %s after the 429", gap)
	}
}

// smtpBackend answers RCPT per address: busy@ gets 451 twice, nobody@ 550.
type smtpBackend struct {
	mu        sync.Mutex
	busyTries int
	accepted  []string
}

func (s *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: s}, nil }

type smtpSession struct {
	b     *smtpBackend
	rcpts []string
}

func (x *smtpSession) Reset()                               { x.rcpts = nil }
func (x *smtpSession) Logout() error                        { return nil }
func (x *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.b.mu.Lock()
	defer x.b.mu.Unlock()
	switch {
	case strings.HasPrefix(to, "busy@"):
		x.b.busyTries++
		if x.b.busyTries <= 2 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
	case strings.HasPrefix(to, "nobody@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	x.rcpts = append(x.rcpts, to)
	return nil
}
func (x *smtpSession) Data(r io.Reader) error {
	_, _ = io.Copy(io.Discard, r)
	x.b.mu.Lock()
	defer x.b.mu.Unlock()
	x.b.accepted = append(x.b.accepted, x.rcpts...)
	return nil
}

func TestAlertEmailTransientAndPermanent(t *testing.T) {
	t.Parallel()
	be := &smtpBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	b := setup(t, setupOpts{
		policy: triggerOnce(),
		email: email.Transport{Provider: "smtp", From: "catena@example.com", Host: "127.0.0.1",
			Port: l.Addr().(*net.TCPAddr).Port, TLS: "none", Timeout: 5 * time.Second},
		channels: []collection.AlertChannel{
			{Name: "busy", Type: collection.ChannelEmail, Config: map[string]string{"addresses": "busy@example.com"}},
			{Name: "nobody", Type: collection.ChannelEmail, Config: map[string]string{"addresses": "nobody@example.com"}},
		},
	})
	b.finish(b.d, runOpts{status: collection.RunFailed})
	ds := b.settled(15 * time.Second)
	if ds[0].Status != "delivered" || ds[0].Attempts != 3 {
		t.Errorf("busy address: %+v, want delivered on attempt 3", ds[0])
	}
	if ds[1].Status != "failed" || ds[1].Attempts != 1 || !strings.Contains(ds[1].LastError, "550") {
		t.Errorf("unknown address: %+v, want failed after 1 attempt", ds[1])
	}
	if strings.Join(be.accepted, ",") != "busy@example.com" {
		t.Errorf("accepted %v", be.accepted)
	}
}

func TestAlertTestChannel(t *testing.T) {
	t.Parallel()
	rec, url := standIn(t, nil)
	b := setup(t, setupOpts{})
	msg, err := b.d.Test(context.Background(), slackChannel("ops", url))
	if err != nil || !strings.Contains(msg, "delivered") || len(rec.delivered()) != 1 || !strings.Contains(string(rec.all()[0].body), "Test") {
		t.Fatalf("test alert: %q, %v", msg, err)
	}
	_, badURL := standIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, "no_service")
	})
	if _, err := b.d.Test(context.Background(), slackChannel("ops", badURL)); err == nil || !strings.Contains(err.Error(), "no_service") {
		t.Fatalf("test alert to a revoked webhook: %v", err)
	}
	if _, err := b.d.Test(context.Background(), collection.AlertChannel{Type: collection.ChannelWebhook, Config: map[string]string{"url": "ftp://x"}}); err == nil {
		t.Fatal("an invalid channel was tested")
	}

	// A channel flagged by a permanent failure is cleared by a successful test.
	ctx := context.Background()
	ch := slackChannel("flagged", url)
	saved, err := b.store.CreateChannel(ctx, &ch)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.store.SetChannelError(ctx, saved.ID, "slack: HTTP 404: no_service"); err != nil {
		t.Fatal(err)
	}
	flagged, err := b.store.GetChannel(ctx, saved.ID)
	if err != nil || flagged.LastError == "" {
		t.Fatalf("flag not set: %+v, %v", flagged, err)
	}
	if _, err := b.d.Test(ctx, *flagged); err != nil {
		t.Fatal(err)
	}
	if got, err := b.store.GetChannel(ctx, saved.ID); err != nil || got.LastError != "" || got.LastErrorAt != nil {
		t.Errorf("after a successful test the channel is still flagged: %+v, %v", got, err)
	}
}

// A webhook answering 429 with Retry-After: 3 gets nothing for 3 s, not even
// the next message; another webhook is not held up; each channel hears about
// the incident in order and at most once a second.
func TestAlertChannelPacingAndOrder(t *testing.T) {
	t.Parallel()
	limited, limitedURL := standIn(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(429)
		}
	})
	other, otherURL := standIn(t, nil)
	b := setup(t, setupOpts{
		policy:   triggerOnce(),
		channels: []collection.AlertChannel{slackChannel("limited", limitedURL), slackChannel("other", otherURL)},
		retry:    RetryConfig{MaxAttempts: 4, BaseDelay: 50 * time.Millisecond, MaxDelay: time.Second, SendTimeout: 2 * time.Second, ChannelInterval: time.Second},
	})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 0})
	b.finish(b.d, runOpts{status: collection.RunPassed, slot: 1})
	ds := b.settled(20 * time.Second)
	for _, d := range ds {
		if d.Status != "delivered" {
			t.Errorf("delivery %+v", d)
		}
	}
	lr := limited.all()
	if len(lr) != 3 {
		t.Fatalf("limited webhook got %d requests, want 3 (429, trigger, resolve)", len(lr))
	}
	if gap := lr[1].at.Sub(lr[0].at); gap < 3*time.Second {
		t.Errorf("limited webhook called again %s after Retry-After: 3", gap)
	}
	if !strings.Contains(string(lr[1].body), "Failing") || !strings.Contains(string(lr[2].body), "Recovered") {
		t.Errorf("limited webhook order: %s then %s", lr[1].body, lr[2].body)
	}
	or := other.all()
	if len(or) != 2 || !strings.Contains(string(or[0].body), "Failing") || !strings.Contains(string(or[1].body), "Recovered") {
		t.Fatalf("other webhook got %d requests in the wrong order", len(or))
	}
	if or[1].at.After(lr[1].at) {
		t.Errorf("the other webhook waited for the limited one")
	}
	// The pacing is kept where sends start; arrivals at the stand-in carry the
	// scheduling jitter of a loaded machine, so allow a little of it (back to
	// back, unpaced messages arrive milliseconds apart).
	if gap := or[1].at.Sub(or[0].at); gap < time.Second-100*time.Millisecond {
		t.Errorf("two messages to one webhook %s apart, want about ChannelInterval (1s)", gap)
	}
}

// PagerDuty down while an incident opens and resolves: both go through after
// recovery, the trigger first, with one dedup_key.
func TestAlertResolveWhilePagerDutyDown(t *testing.T) {
	t.Parallel()
	pd, pdURL := standIn(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if n < 2 {
			w.WriteHeader(503)
			return
		}
		w.WriteHeader(202)
		_, _ = io.WriteString(w, `{"status":"success"}`)
	})
	b := setup(t, setupOpts{policy: triggerOnce(), pagerDuty: pdURL, channels: []collection.AlertChannel{
		{Name: "pd", Type: collection.ChannelPagerDuty, Config: map[string]string{"routing_key": pdKey}},
	}})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 0})
	b.finish(b.d, runOpts{status: collection.RunPassed, slot: 1})
	ds := b.settled(15 * time.Second)
	if got := events(ds); got != "pd:trigger pd:resolve" || ds[0].Status != "delivered" || ds[1].Status != "delivered" {
		t.Fatalf("deliveries %+v", ds)
	}
	var accepted []string
	keys := map[string]bool{}
	for _, r := range pd.all() {
		var ev struct {
			Action string `json:"event_action"`
			Key    string `json:"dedup_key"`
		}
		_ = json.Unmarshal(r.body, &ev)
		keys[ev.Key] = true
		if r.status == 202 {
			accepted = append(accepted, ev.Action)
		}
	}
	if strings.Join(accepted, ",") != "trigger,resolve" || len(keys) != 1 {
		t.Fatalf("accepted %v with keys %v", accepted, keys)
	}
}

// Channel URLs go through the client the cli passes in (the runner's
// dial-guarded one): a client whose dialer refuses the address never reaches
// the channel, and the error does not show the URL.
func TestAlertChannelsUseTheGivenClient(t *testing.T) {
	t.Parallel()
	rec, url := standIn(t, nil)
	b := setup(t, setupOpts{})
	refusing := &net.Dialer{Control: func(_, address string, _ syscall.RawConn) error {
		return fmt.Errorf("destination %s is denied", address)
	}}
	cfg := b.cfg
	cfg.Providers.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: refusing.DialContext}}
	d, err := NewDispatcher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Test(context.Background(), slackChannel("ops", url+"/services/T/B/SECRET"))
	if err == nil || !strings.Contains(err.Error(), "denied") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("got %v", err)
	}
	if len(rec.all()) != 0 {
		t.Fatal("the channel was reached through a refusing client")
	}
}
