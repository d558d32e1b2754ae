package alerting

import (
	"net/http"
	"testing"

	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
)

// Every channel type a person can create has a provider, and every provider
// is reachable from a channel type; each provider reports its own type.
func TestAlertRegistryMatchesChannelTypes(t *testing.T) {
	t.Parallel()
	seen := map[alert.Type]bool{}
	for _, ct := range collection.ChannelTypes {
		p, err := NewProvider(ct, map[string]string{}, ProviderDeps{HTTPClient: http.DefaultClient})
		if err != nil {
			t.Errorf("channel type %q has no provider: %v", ct, err)
			continue
		}
		if p.Type() != alert.Type(ct) {
			t.Errorf("provider for %q reports type %q", ct, p.Type())
		}
		if p.Validate() == nil {
			t.Errorf("provider for %q accepts empty settings", ct)
		}
		seen[alert.Type(ct)] = true
	}
	for typ := range providers {
		if !seen[typ] {
			t.Errorf("provider %q has no collection.ChannelType", typ)
		}
	}
	if _, err := NewProvider("carrier-pigeon", nil, ProviderDeps{HTTPClient: http.DefaultClient}); err == nil {
		t.Error("an unknown type built a provider")
	}
}
