package password

import (
	"errors"
	"fmt"
)

// Params are the argon2id cost parameters (RFC 9106).
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
	// SaltLen and KeyLen are the lengths in bytes of the random salt and of the derived key.
	SaltLen, KeyLen uint32
}

// DefaultParams is the OWASP minimum for argon2id: 19 MiB of memory, 2 passes, 1 thread,
// a 16-byte salt and a 32-byte key. It costs about 35 ms per hash on a current core.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Lower bounds enforced by Validate. Memory, time and threads are the OWASP minimum
// (DefaultParams); OWASP lists trade-offs with less memory and more passes, but one
// floor per parameter is simpler to audit than a table of equivalent pairs.
const (
	minMemory  = 19 * 1024
	minTime    = 2
	minThreads = 1
	// 16 bytes is the salt length RFC 9106 recommends; a 16-byte key is the shortest
	// that still leaves guessing the hash harder than guessing the password.
	minSaltLen = 16
	minKeyLen  = 16
)

// Upper bounds, applied to configured parameters and to those read back from stored
// hashes alike: a typo in the configuration or a corrupted row must not make a single
// verification allocate gigabytes or run for minutes.
const (
	maxMemory = 1 << 20 // 1 GiB
	maxTime   = 64
	maxLen    = 1024
)

// Validate reports an error when p is below the OWASP minimum (or absurdly large).
func (p Params) Validate() error {
	var errs []error
	if p.Memory < minMemory || p.Memory > maxMemory {
		errs = append(errs, fmt.Errorf("argon2id memory must be between %d and %d KiB, not %d", minMemory, maxMemory, p.Memory))
	}
	if p.Time < minTime || p.Time > maxTime {
		errs = append(errs, fmt.Errorf("argon2id time must be between %d and %d, not %d", minTime, maxTime, p.Time))
	}
	if p.Threads < minThreads {
		errs = append(errs, fmt.Errorf("argon2id threads must be at least %d", minThreads))
	}
	if p.SaltLen < minSaltLen || p.SaltLen > maxLen {
		errs = append(errs, fmt.Errorf("argon2id salt length must be between %d and %d bytes, not %d", minSaltLen, maxLen, p.SaltLen))
	}
	if p.KeyLen < minKeyLen || p.KeyLen > maxLen {
		errs = append(errs, fmt.Errorf("argon2id key length must be between %d and %d bytes, not %d", minKeyLen, maxLen, p.KeyLen))
	}
	return errors.Join(errs...)
}
