// Package slack posts alerts to a Slack incoming webhook as a Block Kit message.
package slack

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

// SettingWebhookURL is the channel setting holding the incoming webhook URL.
const SettingWebhookURL = "webhook_url"

// permanentAnswers are Slack webhook error strings that no retry can fix.
var permanentAnswers = []string{
	"invalid_payload", "no_service", "channel_not_found", "channel_is_archived",
	"action_prohibited", "posting_to_general_channel_denied", "no_text", "no_team",
	"invalid_token", "team_disabled", "user_not_found",
}

// Provider sends to one Slack webhook.
type Provider struct {
	client     *http.Client
	webhookURL string
}

var _ alert.Provider = (*Provider)(nil)

// New builds the provider from the channel's settings; client must carry the
// dial guard.
func New(settings map[string]string, client *http.Client) *Provider {
	return &Provider{client: client, webhookURL: strings.TrimSpace(settings[SettingWebhookURL])}
}

// Type is slack.
func (p *Provider) Type() alert.Type { return alert.TypeSlack }

// Validate checks the webhook URL is an http(s) URL.
func (p *Provider) Validate() error {
	if !alert.IsHTTPURL(p.webhookURL) {
		return errors.New("slack: webhook_url must be an https:// incoming webhook URL")
	}
	return nil
}

// Send posts the event. Slack answers 429 with Retry-After when rate limited
// and plain-text error codes otherwise.
func (p *Provider) Send(ctx context.Context, e alert.Event) error {
	body, err := json.Marshal(message(e))
	if err != nil {
		return fmt.Errorf("slack: encoding message: %w", err)
	}
	resp, err := netguard.Post(ctx, p.client, p.webhookURL, body, http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	if resp.Status >= 400 && resp.Status != http.StatusTooManyRequests {
		answer := strings.TrimSpace(string(resp.Body))
		for _, p := range permanentAnswers {
			if strings.Contains(answer, p) {
				return alert.Permanent(fmt.Errorf("slack: %s", resp.Answer()))
			}
		}
	}
	if err := alert.Classify(resp, time.Second); err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	return nil
}

type text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type block struct {
	Type   string `json:"type"`
	Text   *text  `json:"text,omitempty"`
	Fields []text `json:"fields,omitempty"`
}

// message builds the Block Kit payload; "text" is the notification fallback.
func message(e alert.Event) map[string]any {
	blocks := []block{{Type: "header", Text: &text{Type: "plain_text", Text: truncate(e.Title(), 150)}}}
	lines := e.Lines()
	for i, l := range lines {
		lines[i] = escape(l)
	}
	blocks = append(blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: truncate(strings.Join(lines, "\n"), 3000)}})
	if e.RunURL != "" {
		blocks = append(blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: fmt.Sprintf("<%s|Open the run in Catena>", e.RunURL)}})
	}
	return map[string]any{"text": e.Title(), "blocks": blocks}
}

// escape applies Slack's three mrkdwn escapes so run data cannot form links or mentions.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
