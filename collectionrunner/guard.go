package collectionrunner

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// GuardConfig tunes the dial guard. Link-local and cloud metadata addresses are
// refused by default; loopback and private ranges are allowed by default
// because monitoring internal APIs is a main use. Deny adds ranges to refuse;
// Allow re-allows ranges that would otherwise be refused (Allow wins).
type GuardConfig struct {
	Deny  []netip.Prefix
	Allow []netip.Prefix
}

// defaultDeny is what the guard refuses unless Allow says otherwise: the
// link-local ranges (which hold the instance and task metadata endpoints) and
// the metadata addresses themselves, listed apart so the reason names them.
var (
	metadataAddrs = []netip.Prefix{
		netip.MustParsePrefix("169.254.169.254/32"), // EC2/GCP/Azure instance metadata
		netip.MustParsePrefix("169.254.170.2/32"),   // ECS task credentials
		netip.MustParsePrefix("fd00:ec2::254/128"),  // EC2 instance metadata over IPv6
	}
	linkLocal = []netip.Prefix{
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fe80::/10"),
	}
)

// BlockedError is returned when the dial guard refuses a destination.
type BlockedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("destination %s is blocked: %s", e.Addr, e.Reason)
}

// guard decides whether the runner may connect to an address.
type guard struct {
	deny  []netip.Prefix
	allow []netip.Prefix
}

func newGuard(cfg GuardConfig) *guard {
	return &guard{deny: cfg.Deny, allow: cfg.Allow}
}

// check is the guard's decision for one resolved address; nil means allowed.
func (g *guard) check(addr netip.Addr) error {
	addr = addr.Unmap().WithZone("")
	for _, p := range g.allow {
		if p.Contains(addr) {
			return nil
		}
	}
	for _, p := range g.deny {
		if p.Contains(addr) {
			return &BlockedError{Addr: addr, Reason: "in the denied range " + p.String()}
		}
	}
	for _, p := range metadataAddrs {
		if p.Contains(addr) {
			return &BlockedError{Addr: addr, Reason: "a cloud metadata address"}
		}
	}
	for _, p := range linkLocal {
		if p.Contains(addr) {
			return &BlockedError{Addr: addr, Reason: "a link-local address"}
		}
	}
	if addr.IsUnspecified() {
		// 0.0.0.0 and :: reach the local host while dodging a loopback deny rule.
		return &BlockedError{Addr: addr, Reason: "an unspecified address"}
	}
	if addr.IsMulticast() {
		return &BlockedError{Addr: addr, Reason: "a multicast address"}
	}
	return nil
}

// control runs in net.Dialer.Control, after DNS resolution and before connect,
// so it sees the address actually dialled on every hop of every redirect.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Reason: fmt.Sprintf("cannot parse dialled address %q", address)}
	}
	return g.check(ap.Addr())
}

// Transport limits shared by every run.
const (
	maxResponseHeaderBytes = 1 << 20
	maxIdleConnsPerHost    = 1000
	dialTimeout            = 10 * time.Second
)

// NewHTTPClient returns the client every run shares: one transport (so
// connections are pooled per host across runs), no proxy, TLS 1.2 or newer
// with verification on, and the dial guard checking each resolved address.
// Redirects, timeouts and decompression are handled per step by the executor.
func NewHTTPClient(cfg GuardConfig) *http.Client {
	g := newGuard(cfg)
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: g.control}
	t := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           0, // no global limit; the per-host limit applies
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		// The executor asks for and decodes gzip, deflate and br itself, so the
		// body cap applies to decoded bytes for all three.
		DisableCompression: true,
		TLSClientConfig:    &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return &http.Client{Transport: t, CheckRedirect: checkRedirect}
}
