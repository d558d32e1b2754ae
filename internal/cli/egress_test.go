package cli

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/netguard"
	"github.com/catena-monitor/catena/internal/secret"
)

// Under CATENA_EGRESS=public-only the guard built from the configuration
// refuses loopback (and every private range); under the default it connects.
func TestEgressPublicOnlyRefusesLoopback(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		egress  string
		blocked bool
	}{{"", false}, {"private-ok", false}, {"public-only", true}} {
		cfg, err := config.Load(func(k string) string {
			if k == "CATENA_EGRESS" {
				return tc.egress
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		client := collectionrunner.NewHTTPClient(netguard.Config{Deny: cfg.DenyCIDRs, Allow: cfg.AllowCIDRs})
		resp, err := client.Get(srv.URL)
		if resp != nil {
			_ = resp.Body.Close()
		}
		var blocked *netguard.BlockedError
		if got := errors.As(err, &blocked); got != tc.blocked {
			t.Errorf("CATENA_EGRESS=%q: GET %s: %v; want blocked=%v", tc.egress, srv.URL, err, tc.blocked)
		}
	}
}

// Every long-running process states its egress policy when it starts.
func TestStartupLogStatesEgressPolicy(t *testing.T) {
	t.Parallel()
	_, dbURL := dbtest.NewDBURL(t)
	var logs bytes.Buffer
	e := env{stderr: &logs, stdout: &bytes.Buffer{}, getenv: func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": secret.NewKey(), "CATENA_EGRESS": "public-only"}[k]
	}}
	d, err := openDeps(t.Context(), e, true)
	if err != nil {
		t.Fatal(err)
	}
	d.close()
	if !strings.Contains(logs.String(), "egress policy: only public addresses are reachable (CATENA_EGRESS=public-only)") ||
		!strings.Contains(logs.String(), "192.168.0.0/16") {
		t.Errorf("start-up log does not state the policy:\n%s", logs.String())
	}
}
