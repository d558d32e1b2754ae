package discord

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
		Kind: alert.KindTrigger, DeliveryID: 7, MonitorName: "prod checks", CollectionName: "checkout flow",
		RunID: 42, RunURL: "https://catena.example.com/runs/42", RunStatus: "errored",
		Step:         &alert.FailedStep{Name: "login", Position: 1, Status: "errored", ErrorCode: "timeout", Error: "no answer within 5s"},
		Locations:    []string{"local"},
		FailingSince: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		At:           time.Date(2026, 3, 1, 12, 10, 0, 0, time.UTC),
	}
}

type standIn struct {
	mu      sync.Mutex
	bodies  [][]byte
	answers []func(w http.ResponseWriter)
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.bodies)
	s.bodies = append(s.bodies, b)
	s.mu.Unlock()
	if n < len(s.answers) {
		s.answers[n](w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestAlertSendEmbed(t *testing.T) {
	t.Parallel()
	rec := &standIn{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	p := New(map[string]string{SettingWebhookURL: srv.URL + "/api/webhooks/1/TOKEN"}, srv.Client())
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Embeds []struct {
			Title, Description, URL string
			Color                   int
		} `json:"embeds"`
	}
	if err := json.Unmarshal(rec.bodies[0], &msg); err != nil || len(msg.Embeds) != 1 {
		t.Fatalf("body %s: %v", rec.bodies[0], err)
	}
	e := msg.Embeds[0]
	if e.URL != "https://catena.example.com/runs/42" || e.Color != colorRed || !strings.Contains(e.Title, "checkout flow") {
		t.Errorf("embed %+v", e)
	}
	for _, want := range []string{`Step 1 "login" errored`, "no answer within 5s (timeout)", "Failing for 10m0s"} {
		if !strings.Contains(e.Description, want) {
			t.Errorf("description lacks %q: %s", want, e.Description)
		}
	}
}

func TestAlertRateLimit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   time.Duration
	}{
		{"header", func(w http.ResponseWriter) { w.Header().Set("Retry-After", "2"); w.WriteHeader(429) }, 2 * time.Second},
		{"body retry_after", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}`)
		}, 1500 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(&standIn{answers: []func(http.ResponseWriter){tt.answer}})
			t.Cleanup(srv.Close)
			err := New(map[string]string{SettingWebhookURL: srv.URL}, srv.Client()).Send(context.Background(), sample())
			var ra *alert.RetryAfterError
			if !errors.As(err, &ra) || ra.After != tt.want {
				t.Fatalf("got %v, want retry after %s", err, tt.want)
			}
		})
	}
}

func TestAlertUnknownWebhookIsPermanent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&standIn{answers: []func(http.ResponseWriter){func(w http.ResponseWriter) {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"message": "Unknown Webhook", "code": 10015}`)
	}}})
	t.Cleanup(srv.Close)
	err := New(map[string]string{SettingWebhookURL: srv.URL + "/api/webhooks/1/TOKEN"}, srv.Client()).Send(context.Background(), sample())
	if !alert.IsPermanent(err) || !strings.Contains(err.Error(), "Unknown Webhook") || strings.Contains(err.Error(), "TOKEN") {
		t.Fatalf("got %v", err)
	}
}
