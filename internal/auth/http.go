package auth

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// SessionCookie is the name of the cookie carrying the session token.
const SessionCookie = "catena_session"

// Users finds who a credential belongs to; internal/store satisfies it. Both
// return collection.ErrNotFound for an unknown, expired or revoked credential.
type Users interface {
	SessionUser(ctx context.Context, tokenHash []byte) (*collection.User, error)
	TokenUser(ctx context.Context, tokenHash []byte) (user *collection.User, tokenName string, err error)
}

// Authenticator resolves the principal of each request from an
// `Authorization: Bearer` API token or the session cookie.
type Authenticator struct {
	Users Users
	Log   *slog.Logger
	// SecureCookies sets the Secure flag (CATENA_PUBLIC_URL is https).
	SecureCookies bool
}

// Middleware puts the principal (if any) and a cookie setter into the request
// context. A missing or invalid credential leaves the request anonymous: the
// operations themselves answer UNAUTHENTICATED, so login still works.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), cookieKey{}, &cookieWriter{w: w, secure: a.SecureCookies})
		ctx = context.WithValue(ctx, ipKey{}, clientIP(r))
		if p, err := a.Authenticate(ctx, r.Header, r.Cookies()); err != nil {
			a.Log.ErrorContext(ctx, "authenticating request", "err", err)
			http.Error(w, "authentication unavailable", http.StatusServiceUnavailable)
			return
		} else if p != nil {
			ctx = WithPrincipal(ctx, p)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Authenticate returns the principal for these headers and cookies, nil when
// they carry no valid credential, or an error when the lookup itself failed.
func (a *Authenticator) Authenticate(ctx context.Context, h http.Header, cookies []*http.Cookie) (*Principal, error) {
	if token, ok := BearerToken(h.Get("Authorization")); ok {
		return a.FromAPIToken(ctx, token)
	}
	for _, c := range cookies {
		if c.Name == SessionCookie && c.Value != "" {
			return a.FromSession(ctx, c.Value)
		}
	}
	return nil, nil
}

// FromAPIToken resolves an API token; nil when unknown, revoked or expired.
func (a *Authenticator) FromAPIToken(ctx context.Context, token string) (*Principal, error) {
	if !IsAPIToken(token) {
		return nil, nil
	}
	u, name, err := a.Users.TokenUser(ctx, HashToken(token))
	if errors.Is(err, collection.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &Principal{User: *u, ViaToken: true, TokenName: name}, nil
}

// FromSession resolves a session token; nil when unknown or expired.
func (a *Authenticator) FromSession(ctx context.Context, token string) (*Principal, error) {
	hash := HashToken(token)
	u, err := a.Users.SessionUser(ctx, hash)
	if errors.Is(err, collection.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &Principal{User: *u, SessionHash: hash}, nil
}

// BearerToken extracts the token of an `Authorization: Bearer TOKEN` header.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

type cookieKey struct{}
type ipKey struct{}

type cookieWriter struct {
	w      http.ResponseWriter
	secure bool
}

// SetSessionCookie sets the session cookie on the response being built. It
// reports false when the request has no HTTP response to carry it (websocket).
func SetSessionCookie(ctx context.Context, token string, expires time.Time) bool {
	cw, ok := ctx.Value(cookieKey{}).(*cookieWriter)
	if !ok {
		return false
	}
	// Secure follows CATENA_PUBLIC_URL: a plain-http local install needs the
	// cookie too; HttpOnly and SameSite=Lax are always set.
	http.SetCookie(cw.w, &http.Cookie{ //nolint:gosec // see above
		Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		MaxAge: int(time.Until(expires).Seconds()), HttpOnly: true, Secure: cw.secure, SameSite: http.SameSiteLaxMode,
	})
	return true
}

// ClearSessionCookie tells the browser to forget the session cookie.
func ClearSessionCookie(ctx context.Context) {
	cw, ok := ctx.Value(cookieKey{}).(*cookieWriter)
	if !ok {
		return
	}
	http.SetCookie(cw.w, &http.Cookie{ //nolint:gosec // Secure follows CATENA_PUBLIC_URL, as when set
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: cw.secure, SameSite: http.SameSiteLaxMode,
	})
}

// ClientIP is the address the request came from, for rate limiting.
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}

// clientIP uses the connection's address: forwarded headers can be forged, and
// a proxy in front is expected to be trusted only through its own limits.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
