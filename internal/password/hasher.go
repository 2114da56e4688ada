// Package password hashes passwords with argon2id and verifies both its own hashes and
// the pbkdf2_sha256 hashes of accounts imported from Django.
//
// Hashing is deliberately expensive in memory and time, so a Hasher bounds how many
// hashes run at once: a flood of login attempts queues up instead of exhausting memory.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// Errors returned by Verify for an encoded hash it cannot use. Their text never
// includes the password or the hash.
var (
	ErrUnknownScheme = errors.New("password: unknown hash scheme")
	ErrMalformedHash = errors.New("password: malformed hash")
)

// Hasher hashes and verifies passwords. It is safe for concurrent use.
type Hasher struct {
	params Params
	// sem holds one token per hash or verification in progress.
	sem chan struct{}
	// dummy is a random hash with the configured parameters; see VerifyDummy.
	dummy argon2Hash
	// hook, when set by tests, runs while a slot of sem is held.
	hook func()
	// idle gives memory back once a burst of hashing is over (idle.go).
	idle idleRelease
}

// New returns a Hasher that hashes with p and runs at most maxConcurrent hashes or
// verifications at once (runtime.NumCPU() when maxConcurrent <= 0). Each argon2id run
// holds p.Memory KiB, so peak memory is about maxConcurrent × p.Memory.
//
// New panics if p.Validate fails: parameters come from configuration, which is
// validated when it is loaded.
func New(p Params, maxConcurrent int) *Hasher {
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("password.New: %v", err))
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.NumCPU()
	}
	// The dummy needs no real password: a random salt and a random "key" cost exactly
	// what a real verification costs, and no password can match a random key. This
	// keeps construction instant instead of spending one full hash on it.
	dummy := argon2Hash{params: p, salt: make([]byte, p.SaltLen), key: make([]byte, p.KeyLen)}
	_, _ = rand.Read(dummy.salt) // crypto/rand.Read never fails.
	_, _ = rand.Read(dummy.key)
	return &Hasher{params: p, sem: make(chan struct{}, maxConcurrent), dummy: dummy, idle: newIdleRelease()}
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns password hashed with argon2id in PHC string format,
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<threads>$<salt>$<key>, with salt and key in
// unpadded standard base64 as the reference implementation writes them. It waits for a
// free slot, or returns ctx's error if ctx ends first.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	_, _ = rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	hh := argon2Hash{params: h.params, salt: salt, key: deriveArgon2id(password, salt, h.params)}
	h.release()
	return hh.String(), nil
}

// Verify reports whether password matches encoded, comparing in constant time, and
// whether encoded should be replaced by a fresh Hash: an argon2id hash made with other
// parameters than the configured ones, or a Django hash (pbkdf2_sha256$..., or
// argon2$argon2id$... from Django's Argon2PasswordHasher). rehash is only ever true when
// ok is.
//
// An empty encoded (an account without a password) never matches and is no error, but
// still costs one dummy verification (see VerifyDummy), so that such accounts cannot be
// told apart by response time. An encoded hash in an unknown scheme or malformed returns
// ErrUnknownScheme or ErrMalformedHash. Verify waits for a free slot, or returns ctx's
// error if ctx ends first.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	switch {
	case encoded == "":
		h.VerifyDummy(ctx, password)
		return false, false, nil

	case strings.HasPrefix(encoded, argon2idPrefix), strings.HasPrefix(encoded, djangoArgon2Prefix):
		// Django's Argon2PasswordHasher writes "argon2" followed by the PHC string.
		phc, django := strings.CutPrefix(encoded, djangoArgon2Tag)
		hh, err := parseArgon2id(phc)
		if err != nil {
			return false, false, err
		}
		if err := h.acquire(ctx); err != nil {
			return false, false, err
		}
		defer h.release()
		ok := hh.matches(password)
		return ok, ok && (django || hh.params != h.params), nil

	case strings.HasPrefix(encoded, djangoPBKDF2Prefix):
		dh, err := parseDjangoPBKDF2(encoded)
		if err != nil {
			return false, false, err
		}
		if err := h.acquire(ctx); err != nil {
			return false, false, err
		}
		defer h.release()
		ok, err := dh.matches(password)
		if err != nil {
			return false, false, err
		}
		// PBKDF2 is weaker than argon2id against GPUs: always upgrade.
		return ok, ok, nil
	}
	return false, false, ErrUnknownScheme
}

// VerifyDummy runs a verification that costs the same as Verify of a hash made with
// the configured parameters, and always fails. Call it when the login names no
// account, so that the response takes as long as for a wrong password and does not
// reveal which accounts exist. It returns early only if ctx ends while waiting.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	if h.acquire(ctx) != nil {
		return
	}
	defer h.release()
	h.dummy.matches(password)
}

// acquire takes a slot, or returns ctx's error if ctx ends first.
func (h *Hasher) acquire(ctx context.Context) error {
	// Checked first because select picks at random among ready cases: a request
	// already given up on must not cost a hash.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("password: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
		if h.hook != nil {
			h.hook()
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("password: %w", ctx.Err())
	}
}

// release gives the slot back; the last hash of a burst starts the countdown to giving
// its memory back too.
func (h *Hasher) release() {
	<-h.sem
	if len(h.sem) == 0 {
		h.idle.arm(func() bool { return len(h.sem) == 0 })
	}
}

// equal compares in constant time (for equal lengths; lengths are not secret).
func equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
