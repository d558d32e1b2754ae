package alerting

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/catena-monitor/catena/internal/alerting/provider/email"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// mailbox is an SMTP stand-in that keeps every message it accepts.
type mailbox struct {
	mu   sync.Mutex
	msgs []string
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }

type mailSession struct{ m *mailbox }

func (s *mailSession) Reset()                               {}
func (s *mailSession) Logout() error                        { return nil }
func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.msgs = append(s.m.msgs, string(b))
	return err
}

func (m *mailbox) all() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.msgs...)
}

// Alert payloads: a failed run whose step error carries the secret in every
// encoding reaches each channel (Slack, Discord, webhook, PagerDuty, email)
// and the stored payloads and incident without any of them. The step results
// are handed to the dispatcher unredacted, so its own redaction is what holds.
func TestAlertPayloadsMaskEveryEncoding(t *testing.T) {
	t.Parallel()
	slackRec, slackURL := standIn(t, nil)
	discordRec, discordURL := standIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	hookRec, hookURL := standIn(t, nil)
	pdRec, pdURL := standIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(202) })
	box := &mailbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	b := setup(t, setupOpts{
		policy:    triggerOnce(),
		pagerDuty: pdURL,
		email: email.Transport{Provider: "smtp", From: "catena@example.com", Host: "127.0.0.1",
			Port: l.Addr().(*net.TCPAddr).Port, TLS: "none", Timeout: 5 * time.Second},
		channels: []collection.AlertChannel{
			{Name: "slack", Type: collection.ChannelSlack, Config: map[string]string{"webhook_url": slackURL + "/services/T/B/X"}},
			{Name: "discord", Type: collection.ChannelDiscord, Config: map[string]string{"webhook_url": discordURL + "/api/webhooks/1/x"}},
			{Name: "hook", Type: collection.ChannelWebhook, Config: map[string]string{"url": hookURL, "secret": hookSecret}},
			{Name: "pd", Type: collection.ChannelPagerDuty, Config: map[string]string{"routing_key": pdKey}},
			{Name: "mail", Type: collection.ChannelEmail, Config: map[string]string{"addresses": "ops@example.com"}},
		},
	})
	var msg strings.Builder
	msg.WriteString("the target answered")
	for _, name := range secrettest.Names() {
		msg.WriteString(" " + name + "=" + secrettest.Encodings(secrettest.Value)[name])
	}
	b.finish(b.d, runOpts{status: collection.RunErrored, err: msg.String(), secrets: map[string]string{"k": secrettest.Value}})
	ds := b.settled(15 * time.Second)
	if len(ds) != 5 {
		t.Fatalf("deliveries %s; want one per channel", events(ds))
	}
	for _, d := range ds {
		if d.Status != "delivered" {
			t.Errorf("delivery %+v", d)
		}
	}
	bodies := map[string][]string{"email": box.all()}
	for name, rec := range map[string]*recorder{"slack": slackRec, "discord": discordRec, "webhook": hookRec, "pagerduty": pdRec} {
		for _, r := range rec.all() {
			bodies[name] = append(bodies[name], string(r.body))
		}
	}
	for name, got := range bodies {
		if len(got) != 1 {
			t.Errorf("%s received %d messages; want 1", name, len(got))
		}
		for _, body := range got {
			if secrettest.Leaks(body) {
				t.Errorf("the %s message shows the secret:\n%s", name, body)
			}
			if !strings.Contains(body, "the target answered") {
				t.Errorf("the %s message lost the step error:\n%s", name, body)
			}
		}
	}
	var stored string
	if err := b.pool.QueryRow(context.Background(), `SELECT coalesce(string_agg(payload::text, ' '), '') || (SELECT string_agg(summary, ' ') FROM incidents)
		FROM alert_deliveries`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if secrettest.Leaks(stored) || !strings.Contains(stored, "the target answered") {
		t.Errorf("stored payloads or incident show the secret (or lost the error):\n%s", stored)
	}
}
