package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// APITokenPrefix marks Catena API tokens so they are recognisable in logs and
// by secret scanners.
const APITokenPrefix = "cat_"

// tokenBytes is the entropy of sessions, API tokens and setup tokens: 256 bits.
const tokenBytes = 32

// prefixLen is how much of an API token is kept in clear to recognise it.
const prefixLen = len(APITokenPrefix) + 8

func randomString() string {
	b := make([]byte, tokenBytes)
	// crypto/rand.Read never fails on supported platforms (it panics instead).
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is the SHA-256 of a session, API or setup token: what the database
// keeps. Tokens are random, so a plain hash (no salt, no stretching) suffices.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// NewSessionToken returns a fresh session token for the cookie and its hash.
func NewSessionToken() (token string, hash []byte) {
	token = randomString()
	return token, HashToken(token)
}

// APIToken is a freshly made API token: Token is shown once, the rest is stored.
type APIToken struct {
	Token  string
	Prefix string
	Hash   []byte
}

// NewAPIToken returns a fresh API token such as cat_Q2F0ZW5h….
func NewAPIToken() APIToken {
	t := APITokenPrefix + randomString()
	return APIToken{Token: t, Prefix: t[:prefixLen], Hash: HashToken(t)}
}

// IsAPIToken reports whether s has the shape of a Catena API token.
func IsAPIToken(s string) bool {
	return strings.HasPrefix(s, APITokenPrefix) && len(s) > prefixLen
}

// SetupToken guards the creation of the first admin when no admin was
// configured: catena serve prints it once in a link, and the setup mutation
// must present it. It is valid once, in the process that made it.
type SetupToken struct {
	hash []byte
}

// NewSetupToken returns the guard and the token to print.
func NewSetupToken() (*SetupToken, string) {
	t := randomString()
	return &SetupToken{hash: HashToken(t)}, t
}

// Matches compares in constant time. A nil SetupToken matches nothing.
func (s *SetupToken) Matches(token string) bool {
	if s == nil || len(s.hash) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(s.hash, HashToken(token)) == 1
}

// Consume makes the token unusable: the first admin exists.
func (s *SetupToken) Consume() {
	if s != nil {
		s.hash = nil
	}
}
