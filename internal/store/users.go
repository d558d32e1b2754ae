package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// Users, sessions and API tokens. The store never sees a session or token in
// clear: callers hash them (internal/auth) and pass the hash.

const userColumns = `u.id, u.email, u.name, u.role, u.password_hash, u.created_at, u.updated_at`

func scanUser(row pgx.Row) (collection.User, error) {
	var u collection.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt)
	return u, err
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CreateUser stores a user; the email is lower-cased and must be unique (a
// ConflictError otherwise).
func (s *Store) CreateUser(ctx context.Context, u *collection.User) (*collection.User, error) {
	out, err := scanUser(s.pool.QueryRow(ctx, `
INSERT INTO users AS u (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
RETURNING `+userColumns, normalizeEmail(u.Email), strings.TrimSpace(u.Name), u.Role, u.PasswordHash))
	if err != nil {
		return nil, fmt.Errorf("creating user: %w", translate(err))
	}
	return &out, nil
}

// GetUser returns one user.
func (s *Store) GetUser(ctx context.Context, id collection.UserID) (*collection.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", id, translate(err))
	}
	return &u, nil
}

// UserByEmail finds a user by email, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (*collection.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, normalizeEmail(email)))
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", normalizeEmail(email), translate(err))
	}
	return &u, nil
}

// ListUsers returns every user ordered by id.
func (s *Store) ListUsers(ctx context.Context) ([]collection.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return out, nil
}

// UpdateUser changes email, name and role of user u.ID, and the password hash
// when u.PasswordHash is not empty.
func (s *Store) UpdateUser(ctx context.Context, u *collection.User) (*collection.User, error) {
	out, err := scanUser(s.pool.QueryRow(ctx, `
UPDATE users AS u SET email = $2, name = $3, role = $4,
    password_hash = CASE WHEN $5 = '' THEN u.password_hash ELSE $5 END, updated_at = now()
WHERE u.id = $1
RETURNING `+userColumns, u.ID, normalizeEmail(u.Email), strings.TrimSpace(u.Name), u.Role, u.PasswordHash))
	if err != nil {
		return nil, fmt.Errorf("updating user %d: %w", u.ID, translate(err))
	}
	return &out, nil
}

// DeleteUser deletes a user with their sessions and tokens; what they created stays.
func (s *Store) DeleteUser(ctx context.Context, id collection.UserID) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("deleting user %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("user %d: %w", id, collection.ErrNotFound)
	}
	return nil
}

// CountUsers returns how many users exist (zero: the first admin is still to be made).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting users: %w", err)
	}
	return n, nil
}

// CreateSession records a signed-in browser by the hash of its cookie token.
func (s *Store) CreateSession(ctx context.Context, userID collection.UserID, tokenHash []byte, expires time.Time) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, $3)`, userID, tokenHash, expires); err != nil {
		return fmt.Errorf("creating session: %w", translate(err))
	}
	return nil
}

// SessionUser returns the user of an unexpired session and marks it seen; an
// unknown or expired session is ErrNotFound.
func (s *Store) SessionUser(ctx context.Context, tokenHash []byte) (*collection.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `
WITH seen AS (
    UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1 AND expires_at > now() RETURNING user_id
)
SELECT `+userColumns+` FROM users u JOIN seen ON seen.user_id = u.id`, tokenHash))
	if err != nil {
		return nil, fmt.Errorf("session: %w", translate(err))
	}
	return &u, nil
}

// DeleteSession signs a browser out; deleting an unknown session is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("deleting session: %w", err)
	}
	return nil
}

// DeleteUserSessions signs a user out everywhere (password change, role change).
func (s *Store) DeleteUserSessions(ctx context.Context, userID collection.UserID) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("deleting sessions of user %d: %w", userID, err)
	}
	return nil
}

//nolint:gosec // column names, not a credential
const tokenColumns = `id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at`

func scanToken(row pgx.Row) (collection.APIToken, error) {
	var t collection.APIToken
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt, &t.RevokedAt)
	return t, err
}

// CreateAPIToken stores a personal API token by its hash; expires nil means never.
func (s *Store) CreateAPIToken(ctx context.Context, userID collection.UserID, name, prefix string, hash []byte, expires *time.Time) (*collection.APIToken, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `
INSERT INTO api_tokens (user_id, name, prefix, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)
RETURNING `+tokenColumns, userID, strings.TrimSpace(name), prefix, hash, expires))
	if err != nil {
		return nil, fmt.Errorf("creating API token: %w", translate(err))
	}
	return &t, nil
}

// TokenUser returns the user of a valid (unrevoked, unexpired) token and
// the token's name, and records its use; ErrNotFound otherwise.
func (s *Store) TokenUser(ctx context.Context, hash []byte) (*collection.User, string, error) {
	var name string
	u, err := scanUser(suffixScan{s.pool.QueryRow(ctx, `
WITH used AS (
    UPDATE api_tokens SET last_used_at = now()
    WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
    RETURNING user_id, name
)
SELECT `+userColumns+`, used.name FROM users u JOIN used ON used.user_id = u.id`, hash), &name})
	if err != nil {
		return nil, "", fmt.Errorf("API token: %w", translate(err))
	}
	return &u, name, nil
}

// suffixScan scans a trailing column into last after the rest.
type suffixScan struct {
	row  pgx.Row
	last any
}

func (p suffixScan) Scan(dest ...any) error { return p.row.Scan(append(dest, p.last)...) }

// ListAPITokens returns a user's tokens (never their hashes), newest first.
func (s *Store) ListAPITokens(ctx context.Context, userID collection.UserID) ([]collection.APIToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing API tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.APIToken, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("listing API tokens: %w", err)
	}
	return out, nil
}

// RevokeAPIToken revokes one of the user's tokens; another user's token or an
// already revoked one is ErrNotFound.
func (s *Store) RevokeAPIToken(ctx context.Context, userID collection.UserID, id collection.TokenID) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, id, userID)
	if err != nil {
		return fmt.Errorf("revoking API token %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("API token %d: %w", id, collection.ErrNotFound)
	}
	return nil
}
