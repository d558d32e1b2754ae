package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
)

func TestPasswords(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("correct horse", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "correct horse") || !strings.HasPrefix(h, "$2a$") {
		t.Fatalf("hash %q", h)
	}
	if err := auth.VerifyPassword(h, "correct horse", bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	if err := auth.VerifyPassword(h, "wrong horse", bcrypt.MinCost); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := auth.VerifyPassword("", "anything", bcrypt.MinCost); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("no user: %v", err)
	}
	for _, bad := range []string{"short", strings.Repeat("x", 73)} {
		if _, err := auth.HashPassword(bad, bcrypt.MinCost); !errors.Is(err, collection.ErrInvalid) {
			t.Errorf("%d-byte password accepted: %v", len(bad), err)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	a, b := auth.NewAPIToken(), auth.NewAPIToken()
	if a.Token == b.Token || !strings.HasPrefix(a.Token, "cat_") || len(a.Token) < len("cat_")+43 {
		t.Fatalf("tokens %q %q", a.Token, b.Token)
	}
	if !strings.HasPrefix(a.Token, a.Prefix) || len(a.Prefix) != 12 || !auth.IsAPIToken(a.Token) || auth.IsAPIToken("cat_") {
		t.Fatalf("prefix %q of %q", a.Prefix, a.Token)
	}
	if string(auth.HashToken(a.Token)) != string(a.Hash) || len(a.Hash) != 32 {
		t.Fatal("the stored hash is not the SHA-256 of the token")
	}
	s, tok := auth.NewSetupToken()
	if s.Matches("nope") || !s.Matches(tok) {
		t.Fatal("setup token comparison")
	}
	s.Consume()
	if s.Matches(tok) {
		t.Fatal("a consumed setup token still matches")
	}
	var none *auth.SetupToken
	if none.Matches(tok) {
		t.Fatal("a nil setup token matches")
	}
	for in, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": ""} {
		if got, _ := auth.BearerToken(in); got != want {
			t.Errorf("BearerToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRequire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := auth.Require(ctx, collection.RoleViewer); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("anonymous: %v", err)
	}
	for _, tc := range []struct {
		role, need collection.Role
		ok         bool
	}{
		{collection.RoleViewer, collection.RoleViewer, true},
		{collection.RoleViewer, collection.RoleEditor, false},
		{collection.RoleEditor, collection.RoleEditor, true},
		{collection.RoleEditor, collection.RoleAdmin, false},
		{collection.RoleAdmin, collection.RoleEditor, true},
		{collection.Role("unknown"), collection.RoleViewer, false},
	} {
		_, err := auth.Require(auth.WithPrincipal(ctx, &auth.Principal{User: collection.User{Role: tc.role}}), tc.need)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, auth.ErrForbidden)) {
			t.Errorf("%s needing %s: %v", tc.role, tc.need, err)
		}
	}
}

func TestLoginLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := auth.NewLoginLimiter(auth.LimiterConfig{AccountBurst: 3, AccountEvery: time.Minute, IPBurst: 5, IPEvery: time.Minute, Now: func() time.Time { return now }})
	for i := range 3 {
		if !l.Allow("a@example.com", "10.0.0.1") {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if l.Allow("A@example.com", "10.0.0.1") {
		t.Fatal("4th attempt for one account allowed (email case must not matter)")
	}
	if !l.Allow("a@example.com", "10.0.0.2") {
		t.Fatal("the same account from another address was refused")
	}
	// The address budget (5) is now spent by other accounts.
	if !l.Allow("b@example.com", "10.0.0.1") {
		t.Fatal("b refused early")
	}
	if l.Allow("c@example.com", "10.0.0.1") {
		t.Fatal("the per-address budget did not hold")
	}
	now = now.Add(time.Minute)
	if !l.Allow("a@example.com", "10.0.0.2") {
		t.Fatal("the budget did not refill")
	}
}

// TestLoginLimiterForgivesASignIn: an account's spent attempts come back with a
// correct password, so signing in often is never throttled; failures are.
func TestLoginLimiterForgivesASignIn(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := auth.NewLoginLimiter(auth.LimiterConfig{AccountBurst: 2, AccountEvery: time.Hour, IPBurst: 100, IPEvery: time.Second, Now: func() time.Time { return now }})
	for i := range 10 {
		if !l.Allow("a@example.com", "10.0.0.1") {
			t.Fatalf("sign-in %d refused although each before it succeeded", i)
		}
		l.Succeeded("A@example.com", "10.0.0.1")
	}
	l.Allow("a@example.com", "10.0.0.1")
	l.Allow("a@example.com", "10.0.0.1")
	if l.Allow("a@example.com", "10.0.0.1") {
		t.Fatal("a third failed attempt in a row was allowed")
	}
}
