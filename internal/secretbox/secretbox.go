// Package secretbox encrypts small secrets at rest with AES-256-GCM under a key from the
// configuration (ACCOUNTD_MFA_ENCRYPTION_KEY), never the token signing key: a stolen
// database then yields no TOTP secret, and rotating the signing key loses none.
// It implements account.SecretBox.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

// KeySize is the key's length: 32 bytes, AES-256.
const KeySize = 32

// version leads every sealed value, so that a later format can be told apart.
const version byte = 1

// errOpen is every failure to open: a wrong key, wrong associated data, or tampering.
var errOpen = errors.New("secretbox: cannot open sealed value (wrong key or data, or tampered with)")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

var _ account.SecretBox = (*Box)(nil)

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// ParseKey reads a key written as 64 hex digits or as base64 (standard or URL-safe,
// padded or not) of 32 bytes, as `openssl rand -hex 32` or `-base64 32` print them.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)")
}

// Seal encrypts plain, binding it to associated: version, random nonce, ciphertext.
func (b *Box) Seal(plain, associated []byte) ([]byte, error) {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	out[0] = version
	_, _ = rand.Read(out[1:]) // crypto/rand.Read never fails
	return b.aead.Seal(out, out[1:], plain, associated), nil
}

// Open decrypts what Seal made with the same key and associated data.
func (b *Box) Open(sealed, associated []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, errOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], associated)
	if err != nil {
		return nil, errOpen
	}
	return plain, nil
}
