package password

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

const (
	argon2idPrefix = "$argon2id$"
	// djangoArgon2Tag is what Django's Argon2PasswordHasher puts before the PHC string.
	djangoArgon2Tag    = "argon2"
	djangoArgon2Prefix = djangoArgon2Tag + argon2idPrefix
)

// b64 is the encoding of salt and key in PHC strings: standard alphabet, no padding,
// as written by the reference implementation, libsodium and argon2-cffi.
var b64 = base64.RawStdEncoding

// argon2Hash is a decoded argon2id PHC string.
type argon2Hash struct {
	params Params
	salt   []byte
	key    []byte
}

func deriveArgon2id(password string, salt []byte, p Params) []byte {
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

func (a argon2Hash) matches(password string) bool {
	return equal(deriveArgon2id(password, a.salt, a.params), a.key)
}

// String returns the PHC string form.
func (a argon2Hash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		a.params.Memory, a.params.Time, a.params.Threads,
		b64.EncodeToString(a.salt), b64.EncodeToString(a.key))
}

// parseArgon2id decodes $argon2id$v=19$m=..,t=..,p=..$salt$key. It accepts parameters
// below the configured minimum (hashes imported from elsewhere still verify, and are
// then rehashed) but refuses those too costly to verify, so a corrupted row cannot
// make one login allocate gigabytes.
func parseArgon2id(encoded string) (argon2Hash, error) {
	malformed := func(what string) (argon2Hash, error) {
		return argon2Hash{}, fmt.Errorf("%w: argon2id %s", ErrMalformedHash, what)
	}
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return malformed("layout")
	}
	// x/crypto implements only version 0x13; older hashes cannot be checked.
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
		params: Params{Memory: uint32(m), Time: uint32(t), Threads: p, SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))},
		salt:   salt,
		key:    key,
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
