package email

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// NewTransport builds SES at the configured endpoint and region, and plain
// SMTP settings without any AWS client.
func TestNewTransport(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"MessageId":"0100018e-test"}`)
	}))
	t.Cleanup(srv.Close)

	tr, err := NewTransport(context.Background(), Config{
		Provider: "ses", From: "catena@example.com",
		AWS: AWSConfig{Region: "eu-central-1", EndpointURL: srv.URL, Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := New(map[string]string{SettingAddresses: "ops@example.com"}, tr)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), sample()); err != nil {
		t.Fatalf("sending through the configured endpoint: %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("the endpoint saw %d requests; want 1", hits.Load())
	}
	if a, _ := auth.Load().(string); !strings.Contains(a, "/eu-central-1/ses/") {
		t.Errorf("request signed as %q; want the configured region", a)
	}

	smtp, err := NewTransport(context.Background(), Config{Provider: "smtp", From: "a@example.com", SMTPHost: "127.0.0.1", SMTPPort: 2525, SMTPTLS: "none"})
	if err != nil || smtp.SES != nil || smtp.Host != "127.0.0.1" || smtp.Port != 2525 || smtp.TLS != "none" {
		t.Errorf("SMTP transport = %+v, %v", smtp, err)
	}
}
