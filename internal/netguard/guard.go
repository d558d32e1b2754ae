// Package netguard is the dial guard every outbound HTTP request of Catena
// goes through (collection steps, alert deliveries): it checks the address a
// connection is about to reach, after DNS resolution and on every redirect
// hop, so a hostname cannot smuggle a request to a cloud metadata endpoint.
// It also holds the pooled transport built around the guard and the small
// POST helper alert channels use. It imports nothing internal.
package netguard

import (
	"fmt"
	"net/netip"
	"syscall"
)

// Config tunes the guard. Link-local and cloud metadata addresses are refused
// by default; loopback and private ranges are allowed by default because
// monitoring internal APIs is a main use. Deny adds ranges to refuse; Allow
// re-allows ranges that would otherwise be refused (Allow wins).
type Config struct {
	Deny  []netip.Prefix
	Allow []netip.Prefix
}

// The addresses refused unless Allow says otherwise: the link-local ranges
// (which hold the instance and task metadata endpoints) and the metadata
// addresses themselves, listed apart so the reason names them.
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

// BlockedError is returned when the guard refuses a destination.
type BlockedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("destination %s is blocked: %s", e.Addr, e.Reason)
}

// Guard decides whether a connection may be made to an address. It is
// immutable once built and safe for concurrent use.
type Guard struct {
	deny  []netip.Prefix
	allow []netip.Prefix
}

// New builds a guard from cfg.
func New(cfg Config) *Guard {
	return &Guard{deny: cfg.Deny, allow: cfg.Allow}
}

// Check is the guard's decision for one resolved address; nil means allowed,
// otherwise a *BlockedError saying why.
func (g *Guard) Check(addr netip.Addr) error {
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

// Control is meant for net.Dialer.Control: it runs after DNS resolution and
// before connect, so it sees the address actually dialled on every hop of
// every redirect.
func (g *Guard) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Reason: fmt.Sprintf("cannot parse dialled address %q", address)}
	}
	return g.Check(ap.Addr())
}
