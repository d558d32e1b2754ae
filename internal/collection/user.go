package collection

import "time"

// Role is what a user may do.
type Role string

// Roles, from most to least powerful.
const (
	RoleAdmin  Role = "admin"  // users, tokens, everything
	RoleEditor Role = "editor" // collections, monitors, channels
	RoleViewer Role = "viewer" // read only
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleEditor, RoleViewer}

// CanWrite reports whether the role may change collections, monitors and channels.
func (r Role) CanWrite() bool { return r == RoleAdmin || r == RoleEditor }

// User is a person who signs in.
type User struct {
	ID           UserID
	Email        string
	Name         string
	Role         Role
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Session is a signed-in browser; the cookie carries the token, the database
// keeps only its hash.
type Session struct {
	ID        int64
	UserID    UserID
	ExpiresAt time.Time
	CreatedAt time.Time
}

// APIToken is a personal token for the API; only its hash and a short prefix
// for recognition are stored.
type APIToken struct {
	ID         TokenID
	UserID     UserID
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}
