package pagerduty

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

const pdTestSecret = "whsec-test-secret"

func pdSign(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

func pdEvent(eventType, keyField, key string) string {
	data := `"type":"incident","id":"Q1ABC"`
	switch keyField {
	case "incident_key", "dedup_key":
		data += fmt.Sprintf(`,%q:%q`, keyField, key)
	case "alerts":
		data += fmt.Sprintf(`,"alerts":[{"alert_key":"other"},{"alert_key":%q}]`, key)
	}
	return fmt.Sprintf(`{"event":{"id":"E1","event_type":%q,"resource_type":"incident","occurred_at":"2026-03-01T12:30:00.000Z","data":{%s}}}`, eventType, data)
}

func pdPost(t *testing.T, h http.Handler, body string, sigs ...string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	for _, s := range sigs {
		req.Header.Add("X-PagerDuty-Signature", s)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// fakeAck records calls; the signature and request tests need no database.
type fakeAck struct{ calls int }

func (f *fakeAck) SetIncidentAcknowledged(context.Context, collection.MonitorID, collection.CollectionID, string, bool, time.Time) (int64, error) {
	f.calls++
	return 1, nil
}

func TestWebhookRequests(t *testing.T) {
	t.Parallel()
	fa := &fakeAck{}
	h, err := NewWebhook(WebhookConfig{Secret: pdTestSecret, Store: fa})
	if err != nil {
		t.Fatal(err)
	}
	body := pdEvent("incident.acknowledged", "incident_key", "catena-1-2")
	good := pdSign(pdTestSecret, body)
	bad := pdSign("another secret", body)
	for _, tc := range []struct {
		name string
		sigs []string
		want int
	}{
		{"valid", []string{good}, http.StatusNoContent},
		{"invalid", []string{bad}, http.StatusUnauthorized},
		{"missing", nil, http.StatusUnauthorized},
		{"not hex", []string{"v1=zz"}, http.StatusUnauthorized},
		{"wrong version", []string{strings.Replace(good, "v1=", "v0=", 1)}, http.StatusUnauthorized},
		{"multiple, one matches (rotation)", []string{bad + "," + good}, http.StatusNoContent},
		{"multiple with spaces", []string{good + ", " + bad}, http.StatusNoContent},
		{"multiple headers", []string{bad, good}, http.StatusNoContent},
		{"multiple, none matches", []string{bad + "," + pdSign("third", body)}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pdPost(t, h, body, tc.sigs...); got != tc.want {
				t.Errorf("status %d; want %d", got, tc.want)
			}
		})
	}
	if fa.calls != 4 {
		t.Errorf("store called %d times; want 4 (once per accepted request)", fa.calls)
	}

	t.Run("tampered body", func(t *testing.T) {
		if got := pdPost(t, h, strings.Replace(body, "catena-1-2", "catena-1-3", 1), good); got != http.StatusUnauthorized {
			t.Errorf("status %d", got)
		}
	})
	t.Run("wrong method", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, WebhookPath, nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
			t.Errorf("status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("X-PagerDuty-Signature", good)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("oversized body", func(t *testing.T) {
		big := `{"event":{"event_type":"incident.acknowledged","data":{"pad":"` + strings.Repeat("x", webhookMaxBody) + `"}}}`
		if got := pdPost(t, h, big, pdSign(pdTestSecret, big)); got != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d", got)
		}
	})
	t.Run("signed but malformed", func(t *testing.T) {
		if got := pdPost(t, h, "{", pdSign(pdTestSecret, "{")); got != http.StatusBadRequest {
			t.Errorf("status %d", got)
		}
	})
	t.Run("needs a secret", func(t *testing.T) {
		if _, err := NewWebhook(WebhookConfig{Store: fa}); err == nil {
			t.Error("no error without a secret")
		}
	})
}

func TestWebhookAcknowledgesInPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.NewDB(t)
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(pool, box)
	c, err := s.CreateCollection(ctx, &collection.Collection{Name: "checkout", Steps: []collection.Step{{Name: "s0", Method: "GET", URL: "http://127.0.0.1:9/"}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateMonitor(ctx, &collection.Monitor{Name: "prod", Schedule: "every 1m", CollectionIDs: []collection.CollectionID{c.ID}})
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var inc collection.Incident
	err = store.WithTx(ctx, pool, func(tx pgx.Tx) error {
		run, _, err := s.InsertRun(ctx, tx, store.InsertRunParams{
			CollectionID: &c.ID, MonitorID: &m.ID, Location: "local", Trigger: collection.TriggerSchedule, Status: collection.RunFailed,
			ScheduledFor: &slot, IdempotencyKey: "pd-test", Snapshot: collection.Collection{Name: "checkout"},
		})
		if err != nil {
			return err
		}
		inc, err = s.OpenIncident(ctx, tx, store.OpenIncidentParams{MonitorID: m.ID, CollectionID: c.ID, Kind: alert.IncidentFailure, Summary: "failed", OpenedAt: slot, RunID: run.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewWebhook(WebhookConfig{Secret: pdTestSecret, Store: s})
	if err != nil {
		t.Fatal(err)
	}
	key := alert.IncidentKey(int64(m.ID), int64(c.ID), alert.IncidentFailure)
	send := func(t *testing.T, body string) {
		t.Helper()
		if got := pdPost(t, h, body, pdSign(pdTestSecret, body)); got != http.StatusNoContent {
			t.Fatalf("status %d; want 204", got)
		}
	}
	check := func(t *testing.T, want collection.IncidentStatus, acked bool) {
		t.Helper()
		got, err := s.GetIncident(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want || (got.AcknowledgedAt != nil) != acked {
			t.Fatalf("incident status %s acknowledged_at %v; want %s (acknowledged %v)", got.Status, got.AcknowledgedAt, want, acked)
		}
	}

	// Sequential: each step depends on the incident's state after the last.
	t.Run("foreign key ignored", func(t *testing.T) {
		send(t, pdEvent("incident.acknowledged", "incident_key", "someone-elses-key"))
		send(t, pdEvent("incident.acknowledged", "incident_key", alert.IncidentKey(int64(m.ID+1000), int64(c.ID), alert.IncidentFailure)))
		send(t, pdEvent("incident.acknowledged", "incident_key", alert.IncidentKey(int64(m.ID), int64(c.ID), alert.IncidentErrored)))
		check(t, collection.IncidentOpen, false)
	})
	t.Run("acknowledged", func(t *testing.T) {
		send(t, pdEvent("incident.acknowledged", "incident_key", key))
		check(t, collection.IncidentAcknowledged, true)
		got, _ := s.GetIncident(ctx, inc.ID)
		if want := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC); !got.AcknowledgedAt.Equal(want) {
			t.Errorf("acknowledged_at %v; want occurred_at %v", got.AcknowledgedAt, want)
		}
		send(t, pdEvent("incident.acknowledged", "incident_key", key)) // a retry changes nothing
		check(t, collection.IncidentAcknowledged, true)
	})
	t.Run("resolved ignored", func(t *testing.T) {
		send(t, pdEvent("incident.resolved", "incident_key", key))
		check(t, collection.IncidentAcknowledged, true)
	})
	t.Run("unacknowledged", func(t *testing.T) {
		send(t, pdEvent("incident.unacknowledged", "dedup_key", key))
		check(t, collection.IncidentOpen, false)
	})
	t.Run("key from alerts", func(t *testing.T) {
		send(t, pdEvent("incident.acknowledged", "alerts", key))
		check(t, collection.IncidentAcknowledged, true)
	})
	t.Run("unsigned changes nothing", func(t *testing.T) {
		if got := pdPost(t, h, pdEvent("incident.unacknowledged", "incident_key", key)); got != http.StatusUnauthorized {
			t.Fatalf("status %d", got)
		}
		check(t, collection.IncidentAcknowledged, true)
	})
}
