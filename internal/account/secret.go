package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// newSecret returns a random opaque token (256 bits, URL-safe) and the hash under which
// it is stored. Only the hash is ever written down, so a database leak yields no usable
// refresh or emailed token.
func newSecret() (plain, hash string) {
	var b [32]byte
	// crypto/rand.Read never fails (it panics on a broken system source).
	_, _ = rand.Read(b[:])
	plain = base64.RawURLEncoding.EncodeToString(b[:])
	return plain, HashSecret(plain)
}

// HashSecret is the stored form of an opaque token. A fast hash is enough: the tokens
// carry 256 bits of entropy, so there is nothing to brute-force.
func HashSecret(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}
