package password

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/accountd/accountd/internal/argon2"
)

const (
	argon2idPrefix = "$argon2id$"
	// djangoArgon2Tag is what Django's Argon2PasswordHasher puts before the PHC string.
	djangoArgon2Tag = "argon2"
)

// Argon2 variants, as PHC strings name them. accountd hashes with argon2id only; Django's
// Argon2PasswordHasher wrote argon2i before Django 2.1 (and, with its library's
// defaults, argon2d never).
const (
	variantID = "argon2id"
	variantI  = "argon2i"
)

// b64 is the encoding of salt and key in PHC strings: standard alphabet, no padding,
// as written by the reference implementation, libsodium and argon2-cffi.
var b64 = base64.RawStdEncoding

// argon2Hash is a decoded argon2 PHC string.
type argon2Hash struct {
	params Params
	salt   []byte
	key    []byte
	// variant is variantID or variantI; "" means variantID.
	variant string
	// django is true for Django's form ("argon2" before the PHC string).
	django bool
}

// derive computes the key of password with a's salt and parameters, in ws.
func (a argon2Hash) derive(password string, ws *argon2.Workspace) []byte {
	p := a.params
	if a.variant == variantI {
		return ws.IKey([]byte(password), a.salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	}
	return ws.IDKey([]byte(password), a.salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

func (a argon2Hash) matches(password string, ws *argon2.Workspace) (bool, error) {
	return equal(a.derive(password, ws), a.key), nil
}

// outdated: a Django hash, another variant or other parameters than p.
func (a argon2Hash) outdated(p Params) bool {
	return a.django || a.variant == variantI || a.params != p
}

func (a argon2Hash) scheme() string {
	if a.django {
		return djangoArgon2Tag
	}
	return variantID
}

// String returns the PHC string form (of an argon2id hash: the only kind Hash makes).
func (a argon2Hash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		a.params.Memory, a.params.Time, a.params.Threads,
		b64.EncodeToString(a.salt), b64.EncodeToString(a.key))
}

// parseArgon2id decodes $argon2id$v=19$m=..,t=..,p=..$salt$key.
func parseArgon2id(encoded string) (argon2Hash, error) {
	return parseArgon2(encoded, variantID)
}

// parseDjangoArgon2 decodes Django's "argon2" followed by an argon2id or argon2i PHC
// string of version 19.
func parseDjangoArgon2(encoded string) (argon2Hash, error) {
	phc := strings.TrimPrefix(encoded, djangoArgon2Tag)
	h, err := parseArgon2(phc, variantID, variantI)
	h.django = true
	return h, err
}

// parseArgon2 decodes a PHC string of one of the variants. It accepts parameters below
// the configured minimum (hashes imported from elsewhere still verify, and are then
// rehashed) but refuses those too costly to verify, so a corrupted row cannot make one
// login allocate gigabytes.
func parseArgon2(encoded string, variants ...string) (argon2Hash, error) {
	malformed := func(what string) (argon2Hash, error) {
		return argon2Hash{}, fmt.Errorf("%w: argon2 %s", ErrMalformedHash, what)
	}
	// "", variant, "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(encoded, "$")
	if len(parts) < 2 || parts[0] != "" {
		return malformed("layout")
	}
	known := false
	for _, v := range variants {
		known = known || parts[1] == v
	}
	if !known {
		// argon2d, which internal/argon2 does not implement: no password store uses it.
		return argon2Hash{}, fmt.Errorf("%w: %s", ErrUnknownScheme, parts[1])
	}
	if len(parts) == 5 && strings.HasPrefix(parts[2], "m=") {
		// No version: argon2 1.0 (0x10), which RFC 9106 does not specify.
		return argon2Hash{}, fmt.Errorf("%w: argon2 version 1.0", ErrUnknownScheme)
	}
	if len(parts) != 6 {
		return malformed("layout")
	}
	// Only version 0x13 is implemented; older hashes cannot be checked.
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return malformed("version")
	}
	m, t, p, ok := parseArgon2Params(parts[3])
	if !ok || m < 8*uint64(p) || m > maxMemory || t < 1 || t > maxTime {
		return malformed("parameters")
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > maxLen { // RFC 9106: salt of at least 8 bytes
		return malformed("salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 4 || len(key) > maxLen { // RFC 9106: tag of at least 4 bytes
		return malformed("key")
	}
	return argon2Hash{
		params:  Params{Memory: uint32(m), Time: uint32(t), Threads: p, SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))},
		salt:    salt,
		key:     key,
		variant: parts[1],
	}, nil
}

// parseArgon2Params parses "m=<uint>,t=<uint>,p=<uint8>", in that order and nothing else.
func parseArgon2Params(s string) (m, t uint64, p uint8, ok bool) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return 0, 0, 0, false
	}
	var vals [3]uint64
	for i, name := range [3]string{"m=", "t=", "p="} {
		v, found := strings.CutPrefix(fields[i], name)
		if !found {
			return 0, 0, 0, false
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return 0, 0, 0, false
		}
		vals[i] = n
	}
	if vals[2] < 1 || vals[2] > 255 {
		return 0, 0, 0, false
	}
	return vals[0], vals[1], uint8(vals[2]), true
}
