package pagerduty

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
)

// PagerDuty V3 webhooks (the other direction of this channel) tell Catena when a person acknowledges (or
// unacknowledges) in PagerDuty an alert Catena triggered. Resolves in
// PagerDuty are ignored: Catena resolves incidents by its own policy.
//
// The dedup key Catena sent (catena-<monitor>-<collection>, with -errored for
// errored incidents) is read from, in order: event.data.incident_key,
// event.data.dedup_key, then the first event.data.alerts[].alert_key that is
// a Catena key. Anything else — other event types, keys that are not
// Catena's, incidents already in the target state — is answered 204 and
// ignored, since PagerDuty retries deliveries answered with non-2xx.

// WebhookPath is where serve and gateway mount the handler.
const WebhookPath = "/webhooks/pagerduty"

// webhookMaxBody bounds a webhook body (PagerDuty's are a few KiB).
const webhookMaxBody = 1 << 20

// IncidentAcknowledger changes an incident's acknowledgement; *store.Store is one.
type IncidentAcknowledger interface {
	SetIncidentAcknowledged(ctx context.Context, m collection.MonitorID, c collection.CollectionID, kind string, ack bool, at time.Time) (int64, error)
}

// WebhookConfig configures NewWebhook.
type WebhookConfig struct {
	// Secret is the webhook subscription's signing secret
	// (CATENA_PAGERDUTY_WEBHOOK_SECRET). It is never logged.
	Secret string
	Store  IncidentAcknowledger
	Log    *slog.Logger
	Now    func() time.Time
}

// Webhook is the http.Handler for PagerDuty V3 webhooks.
type Webhook struct {
	secret []byte
	store  IncidentAcknowledger
	log    *slog.Logger
	now    func() time.Time
}

// NewWebhook returns the handler; it needs a secret and a store.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Secret == "" {
		return nil, errors.New("pagerduty webhook: a signing secret is required")
	}
	if cfg.Store == nil {
		return nil, errors.New("pagerduty webhook: a store is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Webhook{secret: []byte(cfg.Secret), store: cfg.Store, log: cfg.Log.With("component", "pagerduty-webhook"), now: cfg.Now}, nil
}

type webhookBody struct {
	Event struct {
		EventType  string `json:"event_type"`
		OccurredAt string `json:"occurred_at"`
		Data       struct {
			Type        string `json:"type"`
			ID          string `json:"id"`
			IncidentKey string `json:"incident_key"`
			DedupKey    string `json:"dedup_key"`
			Alerts      []struct {
				AlertKey string `json:"alert_key"`
			} `json:"alerts"`
		} `json:"data"`
	} `json:"event"`
}

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(w, "content type must be application/json", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookMaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading body", http.StatusBadRequest)
		return
	}
	if !h.verify(body, r.Header.Values("X-PagerDuty-Signature")) {
		h.log.WarnContext(r.Context(), "rejected a webhook with no valid signature", "remote", r.RemoteAddr)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var msg webhookBody
	if err := json.Unmarshal(body, &msg); err != nil {
		http.Error(w, "body is not a PagerDuty webhook", http.StatusBadRequest)
		return
	}
	ev := msg.Event
	var ack bool
	switch ev.EventType {
	case "incident.acknowledged":
		ack = true
	case "incident.unacknowledged":
		ack = false
	default:
		w.WriteHeader(http.StatusNoContent)
		return
	}
	m, c, kind, ok := pdCatenaKey(ev.Data.IncidentKey, ev.Data.DedupKey, ev.Data.Alerts)
	if !ok {
		h.log.DebugContext(r.Context(), "ignored a webhook for an incident Catena did not trigger", "event_type", ev.EventType, "pd_incident", ev.Data.ID)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	at := h.now()
	if t, err := time.Parse(time.RFC3339, ev.OccurredAt); err == nil {
		at = t
	}
	n, err := h.store.SetIncidentAcknowledged(r.Context(), m, c, kind, ack, at)
	if err != nil {
		h.log.ErrorContext(r.Context(), "applying a PagerDuty acknowledgement", "event_type", ev.EventType, "monitor_id", m, "collection_id", c, "error", err)
		http.Error(w, "could not update the incident", http.StatusInternalServerError) // PagerDuty retries
		return
	}
	h.log.InfoContext(r.Context(), "applied a PagerDuty webhook", "event_type", ev.EventType, "monitor_id", m, "collection_id", c, "kind", kind, "changed", n, "pd_incident", ev.Data.ID)
	w.WriteHeader(http.StatusNoContent)
}

// verify reports whether any v1=<hex> signature in the headers (each a
// comma-separated list) is the HMAC-SHA256 of body with the secret.
func (h *Webhook) verify(body []byte, headers []string) bool {
	mac := hmac.New(sha256.New, h.secret)
	mac.Write(body)
	want := mac.Sum(nil)
	for _, hdr := range headers {
		for _, sig := range strings.Split(hdr, ",") {
			v, ok := strings.CutPrefix(strings.TrimSpace(sig), "v1=")
			if !ok {
				continue
			}
			got, err := hex.DecodeString(v)
			if err == nil && hmac.Equal(got, want) {
				return true
			}
		}
	}
	return false
}

// pdCatenaKey finds a Catena dedup key among the places a V3 payload carries one.
func pdCatenaKey(incidentKey, dedupKey string, alerts []struct {
	AlertKey string `json:"alert_key"`
},
) (collection.MonitorID, collection.CollectionID, string, bool) {
	keys := []string{incidentKey, dedupKey}
	for _, a := range alerts {
		keys = append(keys, a.AlertKey)
	}
	for _, k := range keys {
		if m, c, kind, ok := alert.ParseIncidentKey(k); ok {
			return collection.MonitorID(m), collection.CollectionID(c), kind, true
		}
	}
	return 0, 0, "", false
}
