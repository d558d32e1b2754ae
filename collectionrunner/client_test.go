package collectionrunner

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
)

func TestGuardRefusesDeniedLoopback(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)

	denied := NewExecutor(Config{Client: NewHTTPClient(netguard.Config{Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})})
	out := denied.Run(t.Context(), oneStep(srv.URL), nil)
	st := out.Steps[0]
	if st.Status != collection.StepErrored || st.ErrorCode != CodeDestinationBlocked || !strings.Contains(st.Error, "127.0.0.1 is blocked") {
		t.Errorf("denied loopback: %s %s %q", st.Status, st.ErrorCode, st.Error)
	}
	if hits.Load() != 0 {
		t.Errorf("the target saw %d requests; the guard must refuse before connecting", hits.Load())
	}

	allowed := NewExecutor(Config{Client: NewHTTPClient(netguard.Config{
		Deny:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})})
	if out := allowed.Run(t.Context(), oneStep(srv.URL), nil); out.Status != collection.RunPassed {
		t.Errorf("allowed inside a denied range: %s %s", out.Status, out.Steps[0].Error)
	}
}

func oneStep(url string) *collection.Collection {
	return &collection.Collection{Name: "one", Steps: []collection.Step{{Name: "get", Method: "GET", URL: url}}}
}
