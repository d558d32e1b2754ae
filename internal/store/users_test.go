package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	if n, err := s.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("CountUsers on a new database = %d, %v", n, err)
	}
	u, err := s.CreateUser(ctx, &collection.User{Email: " Ada@Example.COM ", Name: "Ada", Role: collection.RoleAdmin, PasswordHash: "$argon2id$hash"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "ada@example.com" || u.Role != collection.RoleAdmin || u.PasswordHash != "$argon2id$hash" {
		t.Errorf("created = %+v", u)
	}
	_, err = s.CreateUser(ctx, &collection.User{Email: "ADA@example.com", Role: collection.RoleViewer, PasswordHash: "x"})
	var ce *collection.ConflictError
	if !errors.As(err, &ce) || ce.Field != "email" {
		t.Errorf("duplicate email: %v; want a ConflictError on email", err)
	}
	if _, err := s.CreateUser(ctx, &collection.User{Email: "bob@example.com", Role: "owner", PasswordHash: "x"}); !errors.Is(err, collection.ErrInvalid) {
		t.Errorf("unknown role: %v; want ErrInvalid", err)
	}
	bob, err := s.CreateUser(ctx, &collection.User{Email: "bob@example.com", Role: collection.RoleViewer, PasswordHash: "bob-hash"})
	if err != nil {
		t.Fatal(err)
	}

	if got, err := s.GetUser(ctx, u.ID); err != nil || got.Email != u.Email {
		t.Errorf("GetUser = %+v, %v", got, err)
	}
	if got, err := s.UserByEmail(ctx, "ADA@example.com "); err != nil || got.ID != u.ID {
		t.Errorf("UserByEmail = %+v, %v", got, err)
	}
	if list, err := s.ListUsers(ctx); err != nil || len(list) != 2 || list[0].ID != u.ID {
		t.Errorf("ListUsers = %+v, %v", list, err)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 2 {
		t.Errorf("CountUsers = %d, %v", n, err)
	}

	// An empty hash keeps the password; a new one replaces it.
	upd, err := s.UpdateUser(ctx, &collection.User{ID: bob.ID, Email: "robert@example.com", Name: "Robert", Role: collection.RoleEditor})
	if err != nil || upd.Email != "robert@example.com" || upd.Role != collection.RoleEditor || upd.PasswordHash != "bob-hash" {
		t.Errorf("UpdateUser = %+v, %v", upd, err)
	}
	upd, err = s.UpdateUser(ctx, &collection.User{ID: bob.ID, Email: "robert@example.com", Role: collection.RoleEditor, PasswordHash: "new-hash"})
	if err != nil || upd.PasswordHash != "new-hash" {
		t.Errorf("UpdateUser(password) = %+v, %v", upd, err)
	}
	if _, err := s.UpdateUser(ctx, &collection.User{ID: bob.ID, Email: "ada@example.com", Role: collection.RoleEditor}); !errors.Is(err, collection.ErrConflict) {
		t.Errorf("UpdateUser onto a taken email: %v; want ErrConflict", err)
	}

	if err := s.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"get":    mustErr(s.GetUser(ctx, bob.ID)),
		"email":  mustErr(s.UserByEmail(ctx, "robert@example.com")),
		"update": mustErr(s.UpdateUser(ctx, upd)),
		"delete": s.DeleteUser(ctx, bob.ID),
	} {
		if !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("%s after delete: %v; want ErrNotFound", name, err)
		}
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, &collection.User{Email: "ada@example.com", Role: collection.RoleAdmin, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	live, expired, other := []byte("live-hash"), []byte("expired-hash"), []byte("other-hash")
	for _, sess := range []struct {
		hash    []byte
		expires time.Time
	}{{live, time.Now().Add(time.Hour)}, {expired, time.Now().Add(-time.Second)}, {other, time.Now().Add(time.Hour)}} {
		if err := s.CreateSession(ctx, u.ID, sess.hash, sess.expires); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, u.ID, live, time.Now().Add(time.Hour)); !errors.Is(err, collection.ErrConflict) {
		t.Errorf("reusing a token hash: %v; want ErrConflict", err)
	}
	if err := s.CreateSession(ctx, 999999, []byte("x"), time.Now().Add(time.Hour)); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("session for a missing user: %v; want ErrNotFound", err)
	}
	for _, tc := range []struct {
		name string
		hash []byte
		ok   bool
	}{{"live", live, true}, {"expired", expired, false}, {"unknown", []byte("nope"), false}} {
		got, err := s.SessionUser(ctx, tc.hash)
		if tc.ok && (err != nil || got.ID != u.ID) {
			t.Errorf("%s session: %+v, %v", tc.name, got, err)
		}
		if !tc.ok && !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("%s session: %v; want ErrNotFound", tc.name, err)
		}
	}
	if err := s.DeleteSession(ctx, live); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, live); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("after sign-out: %v", err)
	}
	if err := s.DeleteUserSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE user_id = $1`, u.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sessions left after DeleteUserSessions, %v", n, err)
	}

	// Sessions and tokens go with their user.
	if err := s.CreateSession(ctx, u.ID, live, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAPIToken(ctx, u.ID, "ci", "ctn_ab12", []byte("tok"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM api_tokens)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sessions and tokens outlived their user, %v", n, err)
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	ada, err := s.CreateUser(ctx, &collection.User{Email: "ada@example.com", Role: collection.RoleAdmin, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	eve, err := s.CreateUser(ctx, &collection.User{Email: "eve@example.com", Role: collection.RoleViewer, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	later, past := time.Now().Add(time.Hour), time.Now().Add(-time.Minute)
	ci, err := s.CreateAPIToken(ctx, ada.ID, "ci", "ctn_ci", []byte("ci-hash"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ci.ID == 0 || ci.Name != "ci" || ci.Prefix != "ctn_ci" || ci.ExpiresAt != nil || ci.RevokedAt != nil {
		t.Errorf("created = %+v", ci)
	}
	if _, err := s.CreateAPIToken(ctx, ada.ID, "laptop", "ctn_lp", []byte("laptop-hash"), &later); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAPIToken(ctx, ada.ID, "old", "ctn_old", []byte("old-hash"), &past); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAPIToken(ctx, ada.ID, "", "ctn_x", []byte("x"), nil); !errors.Is(err, collection.ErrInvalid) {
		t.Errorf("token without a name: %v; want ErrInvalid", err)
	}

	for _, tc := range []struct {
		hash string
		ok   bool
	}{{"ci-hash", true}, {"laptop-hash", true}, {"old-hash", false}, {"unknown", false}} {
		got, name, err := s.TokenUser(ctx, []byte(tc.hash))
		if tc.ok && (err != nil || got.ID != ada.ID || name == "") {
			t.Errorf("TokenUser(%s) = %+v, %q, %v", tc.hash, got, name, err)
		}
		if !tc.ok && !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("TokenUser(%s): %v; want ErrNotFound", tc.hash, err)
		}
	}
	list, err := s.ListAPITokens(ctx, ada.ID)
	if err != nil || len(list) != 3 || list[0].Name != "old" {
		t.Fatalf("ListAPITokens = %+v, %v; want 3, newest first", list, err)
	}
	for _, tok := range list {
		if tok.Name == "ci" && tok.LastUsedAt == nil {
			t.Error("using a token did not record last_used_at")
		}
	}

	if err := s.RevokeAPIToken(ctx, eve.ID, ci.ID); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("revoking another user's token: %v; want ErrNotFound", err)
	}
	if err := s.RevokeAPIToken(ctx, ada.ID, ci.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.TokenUser(ctx, []byte("ci-hash")); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("revoked token still works: %v", err)
	}
	if err := s.RevokeAPIToken(ctx, ada.ID, ci.ID); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("revoking twice: %v; want ErrNotFound", err)
	}
}
