// Package webhook posts alerts as a signed, versioned JSON document to any URL.
//
// Every request carries:
//
//	X-Catena-Delivery:  the delivery id, the same on every retry (deduplicate on it)
//	X-Catena-Event:     trigger | resolve | reminder | test
//	X-Catena-Timestamp: unix seconds when this attempt was signed
//	X-Catena-Signature: hex(HMAC-SHA256(secret, timestamp + "." + body)), only
//	                    when the channel has a secret (unsigned webhooks are allowed)
//
// The body is Payload (docs/alerts.md shows an example).
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/netguard"
)

// Channel settings.
const (
	SettingURL    = "url"
	SettingSecret = "secret"
)

// Version is the payload's format version; a breaking change gets a new one.
const Version = 1

// Payload is the JSON body, format Version 1.
type Payload struct {
	Version      int               `json:"version"`
	DeliveryID   int64             `json:"delivery_id"`
	Event        alert.Kind        `json:"event"`
	Title        string            `json:"title"`
	Text         string            `json:"text"`
	DedupKey     string            `json:"dedup_key"`
	Incident     *Incident         `json:"incident,omitempty"`
	Monitor      Ref               `json:"monitor"`
	Collection   Ref               `json:"collection"`
	Run          *Run              `json:"run,omitempty"`
	Step         *alert.FailedStep `json:"step,omitempty"`
	Locations    []string          `json:"locations"`
	FailingSince *time.Time        `json:"failing_since,omitempty"`
	At           time.Time         `json:"at"`
}

// Incident identifies the incident a message belongs to.
type Incident struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
}

// Ref names a monitor or collection.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Run is the run that caused the message.
type Run struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	URL    string `json:"url"`
}

// Provider posts to one URL.
type Provider struct {
	client *http.Client
	url    string
	secret string
	now    func() time.Time
}

var _ alert.Provider = (*Provider)(nil)

// New builds the provider from the channel's settings; client must carry the dial guard.
func New(settings map[string]string, client *http.Client) *Provider {
	return &Provider{client: client, url: strings.TrimSpace(settings[SettingURL]), secret: settings[SettingSecret], now: time.Now}
}

// Type is webhook.
func (p *Provider) Type() alert.Type { return alert.TypeWebhook }

// Validate checks the URL and, when a signing secret is set, that it is long
// enough to be worth checking; no secret means unsigned requests.
func (p *Provider) Validate() error {
	var errs []error
	if !alert.IsHTTPURL(p.url) {
		errs = append(errs, errors.New("webhook: url must be an http(s) URL"))
	}
	if p.secret != "" && len(p.secret) < 16 {
		errs = append(errs, errors.New("webhook: secret must be at least 16 characters (it signs every request)"))
	}
	return errors.Join(errs...)
}

// Send posts the signed payload.
func (p *Provider) Send(ctx context.Context, e alert.Event) error {
	body, err := json.Marshal(NewPayload(e))
	if err != nil {
		return fmt.Errorf("webhook: encoding payload: %w", err)
	}
	ts := strconv.FormatInt(p.now().Unix(), 10)
	h := http.Header{
		"Content-Type":       {"application/json"},
		"User-Agent":         {"Catena-Webhook/1"},
		"X-Catena-Delivery":  {strconv.FormatInt(e.DeliveryID, 10)},
		"X-Catena-Event":     {string(e.Kind)},
		"X-Catena-Timestamp": {ts},
	}
	if p.secret != "" {
		h.Set("X-Catena-Signature", Sign(p.secret, ts, body))
	}
	resp, err := netguard.Post(ctx, p.client, p.url, body, h)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	if err := alert.Classify(resp, 5*time.Second); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}

// NewPayload is the version 1 document for an event.
func NewPayload(e alert.Event) Payload {
	p := Payload{
		Version:    Version,
		DeliveryID: e.DeliveryID,
		Event:      e.Kind,
		Title:      e.Title(),
		Text:       strings.Join(e.Lines(), "\n"),
		DedupKey:   e.DedupKey,
		Monitor:    Ref{ID: e.MonitorID, Name: e.MonitorName},
		Collection: Ref{ID: e.CollectionID, Name: e.CollectionName},
		Step:       e.Step,
		Locations:  e.Locations,
		At:         e.At.UTC(),
	}
	if p.Locations == nil {
		p.Locations = []string{}
	}
	if e.IncidentID != 0 {
		p.Incident = &Incident{ID: e.IncidentID, Kind: e.IncidentKind}
	}
	if e.RunID != 0 {
		p.Run = &Run{ID: e.RunID, Status: e.RunStatus, URL: e.RunURL}
	}
	if !e.FailingSince.IsZero() {
		t := e.FailingSince.UTC()
		p.FailingSince = &t
	}
	return p
}

// Sign returns hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
