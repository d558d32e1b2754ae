package pagerduty

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/alerting/alert"
)

const routingKey = "0123456789abcdef0123456789abcdef"

// fakePD validates like the Events API v2 (32-character key, summary, source,
// severity on triggers) and records events.
type fakePD struct {
	mu     sync.Mutex
	events []map[string]any
	forced []int // statuses to answer first, in order
}

func (f *fakePD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path != "/v2/enqueue" {
		w.WriteHeader(404)
		return
	}
	if len(f.forced) > 0 {
		st := f.forced[0]
		f.forced = f.forced[1:]
		if st == 429 {
			w.Header().Set("Retry-After", "2")
		}
		w.WriteHeader(st)
		_, _ = io.WriteString(w, `{"status":"throttled","message":"slow down"}`)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"status":"invalid event","message":"Event object is invalid","errors":["body is not JSON"]}`)
		return
	}
	var errs []string
	if k, _ := ev["routing_key"].(string); len(k) != 32 {
		errs = append(errs, "Length of 'routing_key' is incorrect (should be 32 characters)")
	}
	if ev["event_action"] == "trigger" {
		p, _ := ev["payload"].(map[string]any)
		for _, f := range []string{"summary", "source", "severity"} {
			if s, _ := p[f].(string); s == "" {
				errs = append(errs, "'payload."+f+"' is missing or blank")
			}
		}
	}
	if len(errs) > 0 {
		w.WriteHeader(400)
		e, _ := json.Marshal(map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": errs})
		_, _ = w.Write(e)
		return
	}
	f.events = append(f.events, ev)
	w.WriteHeader(202)
	_, _ = io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":"`+ev["dedup_key"].(string)+`"}`)
}

func sample(kind alert.Kind) alert.Event {
	return alert.Event{
		Kind: kind, DeliveryID: 3, IncidentID: 9, IncidentKind: "failure", DedupKey: "catena-4-5",
		MonitorName: "prod", CollectionName: "checkout", RunID: 42, RunURL: "https://catena.example.com/runs/42",
		Step: &alert.FailedStep{Name: "pay", Position: 3, Status: "failed", Assertions: []alert.Assertion{
			{Source: "latency", Comparison: "less_than", Expected: "500", Actual: "1234"},
		}},
		Locations:    []string{"eu-west-1"},
		FailingSince: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		At:           time.Date(2026, 3, 1, 12, 2, 0, 0, time.UTC),
	}
}

func TestAlertTriggerAndResolveShareTheKey(t *testing.T) {
	t.Parallel()
	pd := &fakePD{}
	srv := httptest.NewServer(pd)
	t.Cleanup(srv.Close)
	p := New(map[string]string{SettingRoutingKey: routingKey, SettingSeverity: "critical"}, srv.Client(), srv.URL)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := p.Send(ctx, sample(alert.KindTrigger)); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(ctx, sample(alert.KindResolve)); err != nil {
		t.Fatal(err)
	}
	if len(pd.events) != 2 {
		t.Fatalf("PagerDuty got %d events", len(pd.events))
	}
	tr, rs := pd.events[0], pd.events[1]
	if tr["event_action"] != "trigger" || rs["event_action"] != "resolve" || tr["dedup_key"] != "catena-4-5" || rs["dedup_key"] != "catena-4-5" {
		t.Errorf("events %v / %v", tr, rs)
	}
	payload := tr["payload"].(map[string]any)
	details := payload["custom_details"].(map[string]any)
	if payload["severity"] != "critical" || !strings.Contains(payload["summary"].(string), "checkout") ||
		details["run_url"] != "https://catena.example.com/runs/42" || details["failing_for"] != "2m0s" ||
		!strings.Contains(details["message"].(string), `less_than: expected "500", got "1234"`) {
		t.Errorf("trigger payload %v", payload)
	}
	links, _ := tr["links"].([]any)
	if len(links) != 1 || links[0].(map[string]any)["href"] != "https://catena.example.com/runs/42" {
		t.Errorf("links %v", tr["links"])
	}
}

func TestAlertBadRoutingKeyIsPermanentWithPagerDutysErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&fakePD{})
	t.Cleanup(srv.Close)
	err := New(map[string]string{SettingRoutingKey: routingKey[:31]}, srv.Client(), srv.URL).Send(context.Background(), sample(alert.KindTrigger))
	if !alert.IsPermanent(err) || !strings.Contains(err.Error(), "Length of 'routing_key' is incorrect") {
		t.Fatalf("got %v", err)
	}
}

func TestAlertRetryableAnswers(t *testing.T) {
	t.Parallel()
	pd := &fakePD{forced: []int{500, 429}}
	srv := httptest.NewServer(pd)
	t.Cleanup(srv.Close)
	p := New(map[string]string{SettingRoutingKey: routingKey}, srv.Client(), srv.URL)
	err := p.Send(context.Background(), sample(alert.KindTrigger))
	var ra *alert.RetryAfterError
	if err == nil || alert.IsPermanent(err) || errors.As(err, &ra) {
		t.Fatalf("500: got %v, want a plain retryable error", err)
	}
	err = p.Send(context.Background(), sample(alert.KindTrigger))
	if !errors.As(err, &ra) || ra.After != 2*time.Second {
		t.Fatalf("429: got %v, want retry after 2s", err)
	}
	if err := p.Send(context.Background(), sample(alert.KindTrigger)); err != nil || len(pd.events) != 1 {
		t.Fatalf("third send: %v, %d events", err, len(pd.events))
	}
}

func TestAlertValidate(t *testing.T) {
	t.Parallel()
	if New(map[string]string{SettingRoutingKey: routingKey, SettingSeverity: "loud"}, http.DefaultClient, "").Validate() == nil {
		t.Error("severity loud accepted")
	}
	if New(map[string]string{}, http.DefaultClient, "").Validate() == nil {
		t.Error("missing routing key accepted")
	}
}
