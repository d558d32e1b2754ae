package collectionrunner

import (
	"net/http"

	"github.com/catena-monitor/catena/internal/netguard"
)

// NewHTTPClient returns the client every run shares: netguard's transport (so
// connections are pooled per host across runs and every resolved address
// passes the dial guard) with the runner's redirect policy. Redirects,
// timeouts and decompression are handled per step by the executor.
func NewHTTPClient(cfg netguard.Config) *http.Client {
	return &http.Client{Transport: netguard.NewTransport(cfg), CheckRedirect: checkRedirect}
}
