// Package secret encrypts values at rest with AES-256-GCM: collection secrets and
// alert-channel configuration. The key comes from CATENA_SECRET_KEY; each
// ciphertext records which key sealed it, so a wrong key gives a clear error
// instead of garbage.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// ErrWrongKey means a value was sealed with a different key than the one loaded.
var ErrWrongKey = errors.New("secret was encrypted with a different CATENA_SECRET_KEY")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead  cipher.AEAD
	keyID string
}

// ParseKey accepts a 32-byte key written as base64 (standard or URL) or 64 hex digits.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("secret key is %d bytes; it must be %d (generate one with `openssl rand -base64 32`)", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("secret key must be %d bytes written as base64 or hex (generate one with `openssl rand -base64 32`)", KeySize)
}

// NewKey returns a fresh random key, base64-encoded.
func NewKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.StdEncoding.EncodeToString(b)
}

// New builds a Box from a raw 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key is %d bytes; it must be %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("creating cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("creating GCM: %w", err)
	}
	sum := sha256.Sum256(key)
	return &Box{aead: aead, keyID: hex.EncodeToString(sum[:4])}, nil
}

// KeyID names the key (a hash prefix, never the key) for storage beside ciphertext.
func (b *Box) KeyID() string { return b.keyID }

// Seal encrypts plaintext. context binds the ciphertext to where it is stored
// (e.g. "collection_secrets/12/password"), so it cannot be moved to another row.
// The result is keyID(4 bytes) || nonce || ciphertext+tag.
func (b *Box) Seal(plaintext []byte, context string) []byte {
	id, _ := hex.DecodeString(b.keyID)
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := make([]byte, 0, len(id)+len(nonce)+len(plaintext)+b.aead.Overhead())
	out = append(out, id...)
	out = append(out, nonce...)
	return b.aead.Seal(out, nonce, plaintext, []byte(context))
}

// Open decrypts what Seal produced with the same context.
func (b *Box) Open(sealed []byte, context string) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 4+ns+b.aead.Overhead() {
		return nil, errors.New("secret ciphertext is truncated")
	}
	if id := hex.EncodeToString(sealed[:4]); id != b.keyID {
		return nil, fmt.Errorf("%w (sealed with key %s, loaded key is %s)", ErrWrongKey, id, b.keyID)
	}
	pt, err := b.aead.Open(nil, sealed[4:4+ns], sealed[4+ns:], []byte(context))
	if err != nil {
		return nil, fmt.Errorf("secret ciphertext failed authentication (tampered, or stored under another name): %w", err)
	}
	return pt, nil
}
