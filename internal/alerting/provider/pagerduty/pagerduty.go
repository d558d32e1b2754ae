// Package pagerduty sends alerts to PagerDuty's Events API v2 through
// github.com/PagerDuty/go-pagerduty: a trigger when an incident opens (and on
// reminders), a resolve with the same dedup_key when it closes.
package pagerduty

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	gopd "github.com/PagerDuty/go-pagerduty"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/netguard"
)

// Channel settings.
const (
	SettingRoutingKey = "routing_key"
	SettingSeverity   = "severity" // critical | error | warning | info; default error
)

// DefaultEndpoint is PagerDuty's Events API.
const DefaultEndpoint = "https://events.pagerduty.com"

// Severities PagerDuty accepts.
var Severities = []string{"critical", "error", "warning", "info"}

// Provider sends to one PagerDuty service integration.
type Provider struct {
	client     *http.Client
	endpoint   string
	routingKey string
	severity   string
}

var _ alert.Provider = (*Provider)(nil)

// New builds the provider from the channel's settings. endpoint is the Events
// API base URL ("" means DefaultEndpoint); client must carry the dial guard.
func New(settings map[string]string, client *http.Client, endpoint string) *Provider {
	sev := strings.ToLower(strings.TrimSpace(settings[SettingSeverity]))
	if sev == "" {
		sev = "error"
	}
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	return &Provider{client: client, endpoint: strings.TrimRight(endpoint, "/"), routingKey: strings.TrimSpace(settings[SettingRoutingKey]), severity: sev}
}

// Type is pagerduty.
func (p *Provider) Type() alert.Type { return alert.TypePagerDuty }

// Validate checks a routing key is set and the severity is one PagerDuty knows.
func (p *Provider) Validate() error {
	var errs []error
	if p.routingKey == "" || strings.ContainsAny(p.routingKey, " \t\r\n") {
		errs = append(errs, errors.New("pagerduty: routing_key must be the integration key of an Events API v2 service"))
	}
	ok := false
	for _, s := range Severities {
		ok = ok || s == p.severity
	}
	if !ok {
		errs = append(errs, fmt.Errorf("pagerduty: severity %q must be one of %s", p.severity, strings.Join(Severities, ", ")))
	}
	return errors.Join(errs...)
}

// Send enqueues the event. A fresh body is marshalled for every call, so a
// retried delivery always sends the same, complete document.
func (p *Provider) Send(ctx context.Context, e alert.Event) error {
	ev := p.event(e)
	rec := &recorder{client: p.client}
	pd := gopd.NewClient("", gopd.WithV2EventsAPIEndpoint(p.endpoint))
	pd.HTTPClient = rec
	_, err := pd.ManageEventWithContext(ctx, ev)
	if err == nil {
		return nil
	}
	if rec.transportErr != nil {
		return fmt.Errorf("pagerduty: sending event: %w", rec.transportErr)
	}
	if rec.resp == nil {
		return fmt.Errorf("pagerduty: %w", err)
	}
	if rec.resp.Status >= 200 && rec.resp.Status < 300 {
		return nil // accepted; the answer just did not decode
	}
	if cerr := alert.Classify(rec.resp, 5*time.Second); cerr != nil {
		return fmt.Errorf("pagerduty: %w", cerr)
	}
	return fmt.Errorf("pagerduty: %w", err)
}

// DedupKey is the key for an event: the dispatcher's catena-<monitor>-<collection>,
// or a per-delivery key for test alerts.
func DedupKey(e alert.Event) string {
	if e.DedupKey != "" {
		return e.DedupKey
	}
	return fmt.Sprintf("catena-test-%d", e.DeliveryID)
}

func (p *Provider) event(e alert.Event) *gopd.V2Event {
	ev := &gopd.V2Event{RoutingKey: p.routingKey, Action: "trigger", DedupKey: DedupKey(e), Client: "Catena", ClientURL: e.RunURL}
	if e.Kind == alert.KindResolve {
		ev.Action = "resolve"
		return ev
	}
	details := map[string]any{
		"monitor":    e.MonitorName,
		"collection": e.CollectionName,
		"message":    strings.Join(e.Lines(), "\n"),
	}
	if e.Step != nil {
		details["step"] = e.Step
	}
	if len(e.Locations) > 0 {
		details["locations"] = e.Locations
	}
	if d := e.FailingFor(); d > 0 {
		details["failing_for"] = d.String()
		details["failing_since"] = e.FailingSince.UTC().Format(time.RFC3339)
	}
	if e.RunURL != "" {
		details["run_url"] = e.RunURL
		ev.Links = []any{map[string]string{"href": e.RunURL, "text": "Run in Catena"}}
	}
	source := "catena"
	if len(e.Locations) > 0 {
		source = "catena/" + strings.Join(e.Locations, ",")
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	ev.Payload = &gopd.V2Payload{
		Summary:   truncate(e.Title(), 1024),
		Source:    source,
		Severity:  p.severity,
		Timestamp: at.UTC().Format(time.RFC3339),
		Component: e.CollectionName,
		Group:     e.MonitorName,
		Class:     e.IncidentKind,
		Details:   details,
	}
	return ev
}

// recorder is the HTTP client handed to go-pagerduty: it keeps the answer's
// status, headers and body (go-pagerduty's errors drop Retry-After) and strips
// the URL from transport errors.
type recorder struct {
	client       *http.Client
	resp         *netguard.Response
	transportErr error
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.client.Do(req) //nolint:gosec // G704: the client is the dial-guarded one the cli passes in
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		r.transportErr = err
		return nil, err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	r.resp = &netguard.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
