package auth

import (
	"context"
	"errors"

	"github.com/catena-monitor/catena/internal/collection"
)

// Refusals. The GraphQL error presenter maps them to UNAUTHENTICATED and
// FORBIDDEN so a client can tell "sign in" from "you may not".
var (
	ErrUnauthenticated = errors.New("sign in first: this operation needs a session or an API token")
	ErrForbidden       = errors.New("your role does not allow this operation")
	// ErrSetupClosed refuses the setup mutation: wrong token, or an admin exists.
	ErrSetupClosed = errors.New("the setup link is invalid or was already used; sign in instead")
)

// Principal is who a request acts as.
type Principal struct {
	User collection.User
	// SessionHash is set when the request came with a session cookie.
	SessionHash []byte
	// ViaToken is set when the request came with an API token.
	ViaToken bool
	// TokenName names that token, for versions and the audit log.
	TokenName string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, or nil when anonymous.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// rank orders roles: a higher rank may do what a lower one may.
func rank(r collection.Role) int {
	switch r {
	case collection.RoleAdmin:
		return 3
	case collection.RoleEditor:
		return 2
	case collection.RoleViewer:
		return 1
	}
	return 0
}

// Require returns the principal when it holds at least role min, or
// ErrUnauthenticated / ErrForbidden.
func Require(ctx context.Context, min collection.Role) (*Principal, error) {
	p := FromContext(ctx)
	if p == nil {
		return nil, ErrUnauthenticated
	}
	if rank(p.User.Role) < rank(min) {
		return nil, ErrForbidden
	}
	return p, nil
}
