package slack

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

func sample() alert.Event {
	return alert.Event{
		Kind: alert.KindTrigger, DeliveryID: 7, IncidentKind: "failure", DedupKey: "catena-1-2",
		MonitorName: "prod checks", CollectionName: "checkout flow", RunID: 42,
		RunURL: "https://catena.example.com/runs/42", RunStatus: "failed",
		Step: &alert.FailedStep{Name: "me", Position: 2, Status: "failed", Assertions: []alert.Assertion{
			{Source: "body", Property: "roles.#", Comparison: "greater_than", Expected: "0", Actual: "0", Reason: "0 is not greater than 0"},
		}},
		Locations:    []string{"eu-west-1", "local"},
		FailingSince: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		At:           time.Date(2026, 3, 1, 12, 4, 0, 0, time.UTC),
	}
}

// standIn answers with the given status/body/headers and records what it got.
type standIn struct {
	mu     sync.Mutex
	bodies [][]byte
	status int
	body   string
	header http.Header
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, b)
	s.mu.Unlock()
	for k, v := range s.header {
		w.Header()[k] = v
	}
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

func TestAlertSendBlockKit(t *testing.T) {
	t.Parallel()
	rec := &standIn{status: 200, body: "ok"}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	p := New(map[string]string{SettingWebhookURL: srv.URL + "/services/T000/B000/XXXX"}, srv.Client())
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if len(rec.bodies) != 1 {
		t.Fatalf("slack got %d messages, want 1", len(rec.bodies))
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string                `json:"type"`
			Text struct{ Text string } `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(rec.bodies[0], &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Blocks[0].Type != "header" || !strings.Contains(msg.Text, "checkout flow") {
		t.Errorf("message: %s", rec.bodies[0])
	}
	all := string(rec.bodies[0])
	for _, want := range []string{"prod checks", `Step 2 \"me\" failed`, "roles.#", "greater_than", "eu-west-1, local", "Failing for 4m0s", "https://catena.example.com/runs/42"} {
		if !strings.Contains(all, want) {
			t.Errorf("message lacks %q: %s", want, all)
		}
	}
}

func TestAlertSendErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		body       string
		header     http.Header
		permanent  bool
		retryAfter time.Duration
	}{
		{"invalid_payload is permanent", 400, "invalid_payload", nil, true, 0},
		{"no_service is permanent", 404, "no_service", nil, true, 0},
		{"channel_not_found is permanent", 404, "channel_not_found", nil, true, 0},
		{"429 honours Retry-After", 429, "rate_limited", http.Header{"Retry-After": {"2"}}, false, 2 * time.Second},
		{"500 is retried", 500, "oops", nil, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(&standIn{status: tt.status, body: tt.body, header: tt.header})
			t.Cleanup(srv.Close)
			hook := srv.URL + "/services/T000/B000/SECRETTOKEN"
			err := New(map[string]string{SettingWebhookURL: hook}, srv.Client()).Send(context.Background(), sample())
			if err == nil {
				t.Fatal("no error")
			}
			if alert.IsPermanent(err) != tt.permanent {
				t.Errorf("permanent = %v, want %v (%v)", !tt.permanent, tt.permanent, err)
			}
			var ra *alert.RetryAfterError
			if errors.As(err, &ra) != (tt.retryAfter > 0) || (ra != nil && ra.After != tt.retryAfter) {
				t.Errorf("retry after: %v, want %v", err, tt.retryAfter)
			}
			if strings.Contains(err.Error(), "SECRETTOKEN") {
				t.Errorf("error leaks the webhook URL: %v", err)
			}
		})
	}
}

func TestAlertUnreachableDoesNotLeakURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	hook := srv.URL + "/services/T000/B000/SECRETTOKEN"
	srv.Close()
	err := New(map[string]string{SettingWebhookURL: hook}, http.DefaultClient).Send(context.Background(), sample())
	if err == nil || alert.IsPermanent(err) || strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Fatalf("error %v: want a transient error without the URL", err)
	}
}
