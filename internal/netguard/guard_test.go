package netguard

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestGuardDecision(t *testing.T) {
	t.Parallel()
	deny := []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}
	allow := []netip.Prefix{netip.MustParsePrefix("169.254.10.0/24"), netip.MustParsePrefix("10.9.8.0/24")}
	g := New(Config{Deny: deny, Allow: allow})
	tests := []struct {
		addr   string
		reason string // "" = allowed
	}{
		{"169.254.169.254", "cloud metadata"},
		{"169.254.170.2", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata"},
		{"::ffff:169.254.169.254", "cloud metadata"}, // v4-in-v6 is unmapped first
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"127.0.0.1", ""}, // loopback allowed by default
		{"::1", ""},
		{"::ffff:127.0.0.1", ""},
		{"10.0.0.1", ""}, // private allowed by default
		{"192.168.1.10", ""},
		{"fc00::1", ""},
		{"10.9.1.1", "denied range 10.9.0.0/16"}, // Deny adds
		{"::ffff:10.9.1.1", "denied range"},      // also when mapped
		{"10.9.8.7", ""},                         // Allow re-allows inside a denied range
		{"169.254.10.5", ""},                     // Allow re-allows link-local
		{"93.184.215.14", ""},                    // public (decision only; nothing is dialled)
	}
	for _, tt := range tests {
		err := g.Check(netip.MustParseAddr(tt.addr))
		var be *BlockedError
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s: refused (%v); want allowed", tt.addr, err)
		case tt.reason != "" && (!errors.As(err, &be) || !strings.Contains(be.Reason, tt.reason)):
			t.Errorf("%s: %v; want refused as %q", tt.addr, err, tt.reason)
		}
	}
	if err := g.Control("tcp4", "169.254.169.254:80", nil); err == nil {
		t.Error("control let the metadata address through")
	}
	if err := g.Control("tcp", "not-an-address", nil); err == nil {
		t.Error("control accepted an address it cannot parse")
	}
}
