package auth

import (
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/catena-monitor/catena/internal/collection"
)

// Password length limits. bcrypt reads at most 72 bytes; longer passwords are
// refused rather than silently truncated.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 72
)

// DefaultCost is the bcrypt cost for stored passwords (about 250 ms on one core).
const DefaultCost = 12

// ErrBadCredentials means the email or the password did not match. It never says
// which, so the API cannot be used to find accounts.
var ErrBadCredentials = errors.New("wrong email or password")

// CheckPassword reports a password that cannot be stored, as a validation error
// on path.
func CheckPassword(path, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return collection.Invalid(path, "the password must be at least %d characters", MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return collection.Invalid(path, "the password must be at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// HashPassword checks and hashes a password with bcrypt at cost (DefaultCost
// when 0).
func HashPassword(password string, cost int) (string, error) {
	if err := CheckPassword("password", password); err != nil {
		return "", err
	}
	if cost == 0 {
		cost = DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hashing password: %w", err)
	}
	return string(h), nil
}

// dummyHashes are compared against when the user does not exist, so a login
// for an unknown email costs as long as one with a wrong password. One per
// cost, made on first use.
var dummyHashes sync.Map // cost → []byte

func dummyHash(cost int) []byte {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("catena-no-such-user"), cost)
	dummyHashes.Store(cost, h)
	return h
}

// VerifyPassword compares password with hash; an empty hash (no such user, or a
// user without a password) still spends the time of a comparison at cost
// (DefaultCost when 0) and fails.
func VerifyPassword(hash, password string, cost int) error {
	if hash == "" {
		if cost == 0 {
			cost = DefaultCost
		}
		_ = bcrypt.CompareHashAndPassword(dummyHash(cost), []byte(password))
		return ErrBadCredentials
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return ErrBadCredentials
	}
	return nil
}
