package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/accountd/accountd/internal/argon2"
)

// Django's password hashers, as django.contrib.auth.hashers encodes them. An account
// imported from Django (accountd import django) keeps its hash, so its password keeps
// working; the first successful login replaces it with an argon2id hash (Verify reports
// rehash for every one of them).
//
//	pbkdf2_sha256$<iterations>$<salt>$<base64 key>     PBKDF2PasswordHasher, Django's default
//	pbkdf2_sha1$<iterations>$<salt>$<base64 key>       PBKDF2SHA1PasswordHasher
//	argon2$argon2id$v=19$m=<KiB>,t=<n>,p=<n>$<s>$<k>   Argon2PasswordHasher (argon2i too)
//	bcrypt_sha256$$2b$<cost>$<salt and hash>           BCryptSHA256PasswordHasher
//	bcrypt$$2b$<cost>$<salt and hash>                  BCryptPasswordHasher
//	!<random>                                          an unusable password
const (
	djangoPBKDF2SHA256 = "pbkdf2_sha256"
	djangoPBKDF2SHA1   = "pbkdf2_sha1"
	djangoBcryptSHA256 = "bcrypt_sha256"
	djangoBcrypt       = "bcrypt"
	// djangoUnusablePrefix starts the password of a Django account that has none
	// (User.set_unusable_password, or an account made with make_password(None)).
	djangoUnusablePrefix = "!"
)

// maxPBKDF2Iterations bounds the work a stored hash can ask for. Django 5.2 uses
// 1,000,000 iterations and raises the count with each release.
const maxPBKDF2Iterations = 10_000_000

// maxBcryptCost bounds the work a stored bcrypt hash can ask for: each step doubles it.
// Django uses 12; 16 takes a few seconds already.
const maxBcryptCost = 16

// djangoPBKDF2 is a decoded pbkdf2_sha256 or pbkdf2_sha1 hash.
type djangoPBKDF2 struct {
	algorithm  string
	digest     func() hash.Hash
	iterations int
	salt       string
	key        []byte
}

func parseDjangoPBKDF2(encoded string) (djangoPBKDF2, error) {
	algorithm, _, _ := strings.Cut(encoded, "$")
	malformed := func(what string) (djangoPBKDF2, error) {
		return djangoPBKDF2{}, fmt.Errorf("%w: %s %s", ErrMalformedHash, algorithm, what)
	}
	d := djangoPBKDF2{algorithm: algorithm}
	var size int
	switch algorithm {
	case djangoPBKDF2SHA256:
		d.digest, size = sha256.New, sha256.Size
	case djangoPBKDF2SHA1:
		d.digest, size = sha1.New, sha1.Size
	default:
		return djangoPBKDF2{}, ErrUnknownScheme
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 {
		return malformed("layout")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > maxPBKDF2Iterations {
		return malformed("iterations")
	}
	if parts[2] == "" {
		return malformed("salt")
	}
	// Django writes base64.b64encode of the raw digest-sized output (padded).
	key, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(key) != size {
		return malformed("key")
	}
	d.iterations, d.salt, d.key = iter, parts[2], key
	return d, nil
}

// matches recomputes the key the way Django does: the salt is used as its bytes, the
// password as UTF-8, and the key is as long as the digest.
func (d djangoPBKDF2) matches(password string, _ *argon2.Workspace) (bool, error) {
	key, err := pbkdf2.Key(d.digest, password, []byte(d.salt), d.iterations, len(d.key))
	if err != nil {
		// Only possible in FIPS 140-only mode; the message names no secret.
		return false, fmt.Errorf("password: pbkdf2: %w", err)
	}
	return equal(key, d.key), nil
}

// PBKDF2 is far weaker than argon2id against GPUs: always upgrade.
func (d djangoPBKDF2) outdated(Params) bool { return true }

func (d djangoPBKDF2) scheme() string { return d.algorithm }

// djangoBcryptHash is a decoded bcrypt or bcrypt_sha256 hash: the modular crypt string
// that the bcrypt library wrote after Django's "<algorithm>$".
type djangoBcryptHash struct {
	// prehash is true for bcrypt_sha256, which bcrypts the hex SHA-256 of the password
	// so that passwords longer than bcrypt's 72 bytes are not cut short.
	prehash bool
	crypt   []byte
}

func parseDjangoBcrypt(encoded string) (djangoBcryptHash, error) {
	algorithm, crypt, _ := strings.Cut(encoded, "$")
	malformed := func(what string) (djangoBcryptHash, error) {
		return djangoBcryptHash{}, fmt.Errorf("%w: %s %s", ErrMalformedHash, algorithm, what)
	}
	// $2a$, $2b$ or $2y$, a two-digit cost, then 53 characters of salt and hash.
	if len(crypt) != 60 || !strings.HasPrefix(crypt, "$2") {
		return malformed("layout")
	}
	cost, err := bcrypt.Cost([]byte(crypt))
	if err != nil {
		return malformed("layout")
	}
	if cost > maxBcryptCost {
		return malformed("cost")
	}
	return djangoBcryptHash{prehash: algorithm == djangoBcryptSHA256, crypt: []byte(crypt)}, nil
}

// matches checks the password as Django's hashers do. The plain bcrypt hasher passes
// the UTF-8 password itself, of which bcrypt reads only the first 72 bytes, as it did
// in Django.
func (b djangoBcryptHash) matches(password string, _ *argon2.Workspace) (bool, error) {
	pw := []byte(password)
	if b.prehash {
		sum := sha256.Sum256(pw)
		pw = []byte(hex.EncodeToString(sum[:]))
	}
	err := bcrypt.CompareHashAndPassword(b.crypt, pw)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	// A hash the parser let through but bcrypt cannot read; bcrypt's errors name no
	// secret.
	return false, fmt.Errorf("%w: bcrypt: %v", ErrMalformedHash, err)
}

func (b djangoBcryptHash) outdated(Params) bool { return true }

func (b djangoBcryptHash) scheme() string {
	if b.prehash {
		return djangoBcryptSHA256
	}
	return djangoBcrypt
}
