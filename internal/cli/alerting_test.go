package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/alerting"
	"github.com/catena-monitor/catena/internal/alerting/alert"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/config"
)

// The gateway's "send test alert" and the runner's deliveries build their
// providers with alertProviders, so an SES channel reaches the configured
// endpoint (CATENA_AWS_ENDPOINT_URL) on both paths. The gateway once built its
// own SES client without the endpoint.
func TestAlertProvidersUseTheConfiguredSESEndpoint(t *testing.T) {
	// The AWS SDK reads credentials from the environment: not parallel.
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"MessageId":"0100018e-test"}`)
	}))
	t.Cleanup(srv.Close)

	cfg := &config.Config{Email: config.EmailConfig{
		Provider: "ses", From: "catena@example.com", AWSRegion: "eu-west-1", AWSEndpointURL: srv.URL,
	}}
	deps, err := alertProviders(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := alerting.NewProvider(collection.ChannelEmail, map[string]string{"addresses": "ops@example.com"}, deps)
	if err != nil {
		t.Fatal(err)
	}
	ev := alert.Event{Kind: alert.KindTest, MonitorName: "test", CollectionName: "test", At: time.Now(), DedupKey: "catena-test-1"}
	if err := p.Send(context.Background(), ev); err != nil {
		t.Fatalf("test alert: %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("the configured SES endpoint saw %d requests; want 1", hits.Load())
	}
}
