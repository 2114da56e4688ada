// Package password hashes passwords with argon2id and verifies both its own hashes and
// the hashes of accounts imported from Django (pbkdf2_sha256, pbkdf2_sha1, argon2,
// bcrypt_sha256, bcrypt; django.go), which a successful login replaces.
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
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/accountd/accountd/internal/argon2"
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
	// workspaces holds the argon2 memory of the slots not in use, at most one per
	// slot: a hash takes one (or makes one, the first time) and gives it back, so a
	// flood of logins works in the same few blocks of memory instead of allocating
	// 19 MiB per hash for the collector to catch up with.
	workspaces chan *argon2.Workspace
	// workspacesMade counts the workspaces acquire had to make (tests read it).
	workspacesMade atomic.Int64
	// dummy is a random hash with the configured parameters; see VerifyDummy.
	dummy argon2Hash
	// hook, when set by tests, runs while a slot of sem is held.
	hook func()
	// idle gives memory back once a burst of hashing is over (idle.go).
	idle idleRelease
}

// New returns a Hasher that hashes with p and runs at most maxConcurrent hashes or
// verifications at once (runtime.NumCPU() when maxConcurrent <= 0). Each slot keeps
// p.Memory KiB for argon2id while hashing goes on, so the Hasher's memory is at most
// maxConcurrent × p.Memory (given back after a lull, see idle.go).
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
	h := &Hasher{
		params:     p,
		sem:        make(chan struct{}, maxConcurrent),
		workspaces: make(chan *argon2.Workspace, maxConcurrent),
		dummy:      dummy,
	}
	h.idle = newIdleRelease(func() {
		h.dropWorkspaces()
		debug.FreeOSMemory()
	})
	return h
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
	ws, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	// Deferred, so that a panic (the system refusing the workspace's memory) does not
	// keep the slot.
	defer h.release(ws)
	hh := argon2Hash{params: h.params, salt: salt}
	hh.key = hh.derive(password, ws)
	return hh.String(), nil
}

// Verify reports whether password matches encoded, comparing in constant time, and
// whether encoded should be replaced by a fresh Hash: an argon2id hash made with other
// parameters than the configured ones, or any hash of Django's (django.go). rehash is
// only ever true when ok is.
//
// An encoded hash that no password can match costs one dummy verification (see
// VerifyDummy) before Verify says no, so that such accounts cannot be told apart by
// response time: an empty one (an account without a password) and a Django unusable
// password ("!...") are no error; a hash in a scheme Verify does not know, or a
// malformed one, returns ErrUnknownScheme or ErrMalformedHash. Verify waits for a free
// slot, or returns ctx's error if ctx ends first.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	v, err := parse(encoded)
	if err != nil {
		h.VerifyDummy(ctx, password)
		if errors.Is(err, errNoPassword) {
			return false, false, nil
		}
		return false, false, err
	}
	ws, err := h.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer h.release(ws)
	ok, err = v.matches(password, ws)
	if err != nil {
		return false, false, err
	}
	return ok, ok && v.outdated(h.params), nil
}

// verifier is a decoded hash of one of the schemes Verify knows.
type verifier interface {
	// matches reports whether password is the one hashed; an argon2 hash computes in
	// ws, the memory of the slot held (the other schemes need none).
	matches(password string, ws *argon2.Workspace) (bool, error)
	// outdated reports whether a hash that matched should be replaced by one made with
	// p, the configured parameters.
	outdated(p Params) bool
	// scheme names the scheme, as Scheme does.
	scheme() string
}

// errNoPassword is the "hash" of an account that has no password: empty, or Django's
// unusable password. Never returned by Verify.
var errNoPassword = errors.New("password: no password set")

// parse decodes encoded into the verifier of its scheme.
func parse(encoded string) (verifier, error) {
	algorithm, _, _ := strings.Cut(encoded, "$")
	switch {
	case encoded == "", strings.HasPrefix(encoded, djangoUnusablePrefix):
		return nil, errNoPassword
	case strings.HasPrefix(encoded, argon2idPrefix):
		return parseArgon2id(encoded)
	case algorithm == djangoArgon2Tag:
		return parseDjangoArgon2(encoded)
	case algorithm == djangoPBKDF2SHA256, algorithm == djangoPBKDF2SHA1:
		return parseDjangoPBKDF2(encoded)
	case algorithm == djangoBcryptSHA256, algorithm == djangoBcrypt:
		return parseDjangoBcrypt(encoded)
	}
	return nil, ErrUnknownScheme
}

// Scheme names the scheme of an encoded hash, for reports such as an import's summary,
// and says whether Verify can check a password against it. The names are "argon2id"
// (accountd's own), Django's algorithm names ("pbkdf2_sha256", "pbkdf2_sha1", "argon2",
// "bcrypt_sha256", "bcrypt", or any other such as "md5"), "unusable" for Django's
// unusable passwords, "none" for an empty hash and "unknown". A name never holds any
// part of a hash but its algorithm's name.
func Scheme(encoded string) (name string, verifiable bool) {
	v, err := parse(encoded)
	switch {
	case err == nil:
		return v.scheme(), true
	case encoded == "":
		return "none", false
	case errors.Is(err, errNoPassword):
		return "unusable", false
	}
	// Django writes "<algorithm>$..."; a PHC string "$<algorithm>$...".
	algorithm, _, found := strings.Cut(strings.TrimPrefix(encoded, "$"), "$")
	if !found || !schemeName(algorithm) {
		return "unknown", false
	}
	return algorithm, false
}

// schemeName reports whether s looks like an algorithm's name rather than hash data.
func schemeName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// VerifyDummy runs a verification that costs the same as Verify of a hash made with
// the configured parameters, and always fails. Call it when the login names no
// account, so that the response takes as long as for a wrong password and does not
// reveal which accounts exist. It returns early only if ctx ends while waiting.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	ws, err := h.acquire(ctx)
	if err != nil {
		return
	}
	defer h.release(ws)
	_, _ = h.dummy.matches(password, ws)
}

// acquire takes a slot and the argon2 memory that goes with it, or returns ctx's
// error if ctx ends first.
func (h *Hasher) acquire(ctx context.Context) (*argon2.Workspace, error) {
	// Checked first because select picks at random among ready cases: a request
	// already given up on must not cost a hash.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("password: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
		if h.hook != nil {
			h.hook()
		}
	case <-ctx.Done():
		return nil, fmt.Errorf("password: %w", ctx.Err())
	}
	select {
	case ws := <-h.workspaces:
		return ws, nil
	default:
		h.workspacesMade.Add(1)
		return new(argon2.Workspace), nil
	}
}

// release gives the slot and its memory back; the last hash of a burst starts the
// countdown to giving the memory back to the system too. A workspace grown beyond
// the configured memory (by an imported hash with stronger parameters, once per
// account) is freed instead of being kept at that size.
func (h *Hasher) release(ws *argon2.Workspace) {
	if ws != nil {
		kept := false
		if ws.Size() <= h.params.Memory {
			select {
			case h.workspaces <- ws:
				kept = true
			default:
			}
		}
		if !kept {
			ws.Free()
		}
	}
	<-h.sem
	if len(h.sem) == 0 {
		h.idle.arm(func() bool { return len(h.sem) == 0 })
	}
}

// dropWorkspaces gives the memory of the idle slots back to the system.
func (h *Hasher) dropWorkspaces() {
	for {
		select {
		case ws := <-h.workspaces:
			ws.Free()
		default:
			return
		}
	}
}

// equal compares in constant time (for equal lengths; lengths are not secret).
func equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
