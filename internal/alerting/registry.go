package alerting

import (
	"fmt"
	"net/http"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/alerting/provider/discord"
	"github.com/catena-monitor/catena/internal/alerting/provider/email"
	"github.com/catena-monitor/catena/internal/alerting/provider/pagerduty"
	"github.com/catena-monitor/catena/internal/alerting/provider/slack"
	"github.com/catena-monitor/catena/internal/alerting/provider/webhook"
	"github.com/catena-monitor/catena/internal/collection"
)

// ProviderDeps is what providers are built with besides a channel's settings.
type ProviderDeps struct {
	// HTTPClient sends to channel URLs. In production it is the
	// guarded client (netguard.NewClient), so a channel URL cannot
	// reach link-local or metadata addresses.
	HTTPClient *http.Client
	// Email is the operator's mail transport (SMTP or SES).
	Email email.Transport
	// PagerDutyEndpoint overrides the Events API base URL ("" = PagerDuty's).
	PagerDutyEndpoint string
}

// factory builds a provider for one channel.
type factory func(settings map[string]string, d ProviderDeps) alert.Provider

// providers is the registry: one entry per channel type, written out so that
// adding a channel is one visible line (registry_test.go checks it against
// collection.ChannelTypes).
var providers = map[alert.Type]factory{
	alert.TypeEmail: func(s map[string]string, d ProviderDeps) alert.Provider { return email.New(s, d.Email) },
	alert.TypeSlack: func(s map[string]string, d ProviderDeps) alert.Provider { return slack.New(s, d.HTTPClient) },
	alert.TypePagerDuty: func(s map[string]string, d ProviderDeps) alert.Provider {
		return pagerduty.New(s, d.HTTPClient, d.PagerDutyEndpoint)
	},
	alert.TypeDiscord: func(s map[string]string, d ProviderDeps) alert.Provider { return discord.New(s, d.HTTPClient) },
	alert.TypeWebhook: func(s map[string]string, d ProviderDeps) alert.Provider { return webhook.New(s, d.HTTPClient) },
}

// NewProvider builds the provider for a channel of type t.
func NewProvider(t collection.ChannelType, settings map[string]string, d ProviderDeps) (alert.Provider, error) {
	f, ok := providers[alert.Type(t)]
	if !ok {
		return nil, fmt.Errorf("%w: unknown alert channel type %q", collection.ErrInvalid, t)
	}
	if d.HTTPClient == nil && t != collection.ChannelEmail {
		return nil, fmt.Errorf("alerting: no HTTP client for %s channels", t)
	}
	return f(settings, d), nil
}

// ValidateChannel checks a channel's settings as its provider would before
// sending; the gateway can call it when a channel is saved.
func ValidateChannel(ch collection.AlertChannel, d ProviderDeps) error {
	p, err := NewProvider(ch.Type, ch.Config, d)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %w", collection.ErrInvalid, err)
	}
	return nil
}
