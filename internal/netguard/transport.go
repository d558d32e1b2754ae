package netguard

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Transport limits shared by every client built here.
const (
	// MaxResponseHeaderBytes caps the response headers a transport reads.
	MaxResponseHeaderBytes = 1 << 20
	maxIdleConnsPerHost    = 1000
	dialTimeout            = 10 * time.Second
	// MaxRedirects is how many redirects a request follows before it fails.
	MaxRedirects = 10
)

// NewTransport returns a pooled transport whose every connection passes the
// guard of cfg: no proxy, TLS 1.2 or newer with verification on, capped
// response headers. It does not decompress: callers that want gzip ask for
// it and decode it themselves, so a body cap applies to decoded bytes.
func NewTransport(cfg Config) *http.Transport {
	g := New(cfg)
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: g.Control}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           0, // no global limit; the per-host limit applies
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: MaxResponseHeaderBytes,
		DisableCompression:     true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// NewClient returns a guarded client with the default redirect rule
// (CheckRedirect), for callers without a policy of their own (alert delivery).
func NewClient(cfg Config) *http.Client {
	return &http.Client{Transport: NewTransport(cfg), CheckRedirect: CheckRedirect}
}

// ErrTooManyRedirects ends a request that was redirected more than MaxRedirects times.
var ErrTooManyRedirects = errors.New("too many redirects")

// CheckRedirect is the default redirect rule: at most MaxRedirects hops,
// http and https only, and credentials dropped once the chain leaves the
// first request's origin (StripCredentials).
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= MaxRedirects {
		return ErrTooManyRedirects
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return errors.New("redirected to a URL that is not http or https")
	}
	StripCredentials(req, via)
	return nil
}

// credentialHeaders are dropped on every origin change.
var credentialHeaders = []string{"Authorization", "Cookie", "Proxy-Authorization"}

// StripCredentials removes the credential headers, and the extra ones named
// (headers that carried a secret), from a redirected request once the chain
// has left the origin of its first request. Go itself drops Authorization and
// Cookie only when the host changes, and forwards custom headers such as
// X-Api-Key everywhere.
func StripCredentials(req *http.Request, via []*http.Request, extra ...string) {
	if len(via) == 0 {
		return
	}
	first := origin(via[0].URL)
	left := origin(req.URL) != first
	for _, v := range via[1:] {
		left = left || origin(v.URL) != first
	}
	if !left {
		return
	}
	for _, h := range credentialHeaders {
		req.Header.Del(h)
	}
	for _, h := range extra {
		req.Header.Del(h)
	}
}

// origin is scheme://host:port with the default port made explicit.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
