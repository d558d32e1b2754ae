// Package discord posts alerts to a Discord webhook as one embed.
package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/netguard"
)

// SettingWebhookURL is the channel setting holding the Discord webhook URL.
const SettingWebhookURL = "webhook_url"

// Embed colours.
const (
	colorRed   = 0xD93F0B
	colorGreen = 0x2DA44E
	colorGrey  = 0x8C959F
)

// Provider sends to one Discord webhook.
type Provider struct {
	client     *http.Client
	webhookURL string
}

var _ alert.Provider = (*Provider)(nil)

// New builds the provider from the channel's settings; client must carry the dial guard.
func New(settings map[string]string, client *http.Client) *Provider {
	return &Provider{client: client, webhookURL: strings.TrimSpace(settings[SettingWebhookURL])}
}

// Type is discord.
func (p *Provider) Type() alert.Type { return alert.TypeDiscord }

// Validate checks the webhook URL is an http(s) URL.
func (p *Provider) Validate() error {
	if !alert.IsHTTPURL(p.webhookURL) {
		return errors.New("discord: webhook_url must be an https:// Discord webhook URL")
	}
	return nil
}

// Send posts the event. On 429 Discord gives the delay in the Retry-After
// header and as retry_after (seconds, fractional) in the JSON body.
func (p *Provider) Send(ctx context.Context, e alert.Event) error {
	body, err := json.Marshal(message(e))
	if err != nil {
		return fmt.Errorf("discord: encoding message: %w", err)
	}
	resp, err := netguard.Post(ctx, p.client, p.webhookURL, body, http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return fmt.Errorf("discord: %w", err)
	}
	if resp.Status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		var rl struct {
			RetryAfter float64 `json:"retry_after"`
		}
		if json.Unmarshal(resp.Body, &rl) == nil && rl.RetryAfter > 0 {
			return fmt.Errorf("discord: %w", &alert.RetryAfterError{After: time.Duration(rl.RetryAfter * float64(time.Second)), Err: errors.New(resp.Answer())})
		}
	}
	if err := alert.Classify(resp, time.Second); err != nil {
		return fmt.Errorf("discord: %w", err)
	}
	return nil
}

type field struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

type embed struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	URL         string  `json:"url,omitempty"`
	Color       int     `json:"color"`
	Fields      []field `json:"fields,omitempty"`
	Timestamp   string  `json:"timestamp,omitempty"`
}

func message(e alert.Event) map[string]any {
	em := embed{
		Title:       truncate(e.Title(), 256),
		Description: truncate(strings.Join(e.Lines(), "\n"), 4000),
		URL:         e.RunURL,
		Color:       colorRed,
	}
	switch e.Kind {
	case alert.KindResolve:
		em.Color = colorGreen
	case alert.KindTest:
		em.Color = colorGrey
	}
	if !e.At.IsZero() {
		em.Timestamp = e.At.UTC().Format(time.RFC3339)
	}
	if e.Kind != alert.KindTest {
		em.Fields = append(em.Fields, field{Name: "Monitor", Value: nonEmpty(e.MonitorName), Inline: true}, field{Name: "Collection", Value: nonEmpty(e.CollectionName), Inline: true})
	}
	// allowed_mentions keeps text from run data from pinging anyone.
	return map[string]any{"username": "Catena", "embeds": []embed{em}, "allowed_mentions": map[string]any{"parse": []string{}}}
}

func nonEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return truncate(s, 1024)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
