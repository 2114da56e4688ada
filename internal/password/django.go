package password

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

const djangoPBKDF2Prefix = "pbkdf2_sha256$"

// maxPBKDF2Iterations bounds the work a stored hash can ask for. Django 5.2 uses
// 1,000,000 iterations and raises the count with each release.
const maxPBKDF2Iterations = 10_000_000

// djangoPBKDF2 is a decoded Django hash: pbkdf2_sha256$<iterations>$<salt>$<base64 key>.
type djangoPBKDF2 struct {
	iterations int
	salt       string
	key        []byte
}

func parseDjangoPBKDF2(encoded string) (djangoPBKDF2, error) {
	malformed := func(what string) (djangoPBKDF2, error) {
		return djangoPBKDF2{}, fmt.Errorf("%w: pbkdf2_sha256 %s", ErrMalformedHash, what)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2_sha256" {
		return malformed("layout")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > maxPBKDF2Iterations {
		return malformed("iterations")
	}
	if parts[2] == "" {
		return malformed("salt")
	}
	// Django writes base64.b64encode of the raw 32-byte SHA-256 output (padded).
	key, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(key) != sha256.Size {
		return malformed("key")
	}
	return djangoPBKDF2{iterations: iter, salt: parts[2], key: key}, nil
}

// matches recomputes the key the way Django does: the salt is used as its ASCII bytes,
// the password as UTF-8, and the key length is SHA-256's digest size.
func (d djangoPBKDF2) matches(password string) (bool, error) {
	key, err := pbkdf2.Key(sha256.New, password, []byte(d.salt), d.iterations, sha256.Size)
	if err != nil {
		// Only possible in FIPS 140-only mode; the message names no secret.
		return false, fmt.Errorf("password: pbkdf2: %w", err)
	}
	return equal(key, d.key), nil
}
