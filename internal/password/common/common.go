// Package common tells whether a password is on a list of the most common passwords.
//
// The list, passwords.txt, is embedded in the binary: the 20,000 most frequent entries
// of the "passwords" list of the zxcvbn npm package (MIT licence; the file's header
// names the version and carries the licence), lower-cased, one per line, most frequent
// first. Lines starting with "#" are comments.
package common

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed passwords.txt
var data string

// maxLen bounds the length in bytes of a password that can be on the list; every entry
// must be at most this long (the longest is 20 bytes; a test checks). Contains folds its
// argument into a stack buffer of this size, so a longer password is known not to be on
// the list without looking.
const maxLen = 32

// The lookup structure is a sorted slice of entries, each packed into a uint32 as its
// byte offset into data (high 24 bits) and its length (low 8 bits), searched by binary
// search. Measured with the 20,000 entries on amd64, against the alternatives that
// share the embedded bytes instead of copying them:
//
//	packed sorted []uint32      80 KiB retained heap,  ~50-65 ns per Contains
//	sorted []string            368 KiB retained heap,  ~48 ns
//	map[string]struct{}        853 KiB retained heap,  ~25 ns
//
// A password is checked only when it is set, next to an argon2id hash that costs
// milliseconds, so the map's 25 ns saved are worth nothing and its 750 KiB more are not
// (the service aims to run in under 64 MiB RSS). All three are allocation-free per call.
// The embedded text itself (about 157 KiB) is read-only data in the binary either way;
// first use raised a test process's RSS by about 230 KB in all.
//
// It is built once, on first use (about 3-4 ms and a single 80 KiB allocation), so a
// process that never checks a password pays nothing.
var sorted = sync.OnceValue(build)

func build() []uint32 {
	// Each entry takes one line, so the line count bounds the number of entries.
	list := make([]uint32, 0, strings.Count(data, "\n")+1)
	off := 0
	for line := range strings.Lines(data) {
		entry := strings.TrimSuffix(line, "\n")
		if entry != "" && entry[0] != '#' {
			if off >= 1<<24 || len(entry) > 0xff {
				panic("common: passwords.txt too large to pack into uint32 offsets")
			}
			list = append(list, uint32(off)<<8|uint32(len(entry)))
		}
		off += len(line)
	}
	slices.SortFunc(list, func(a, b uint32) int { return strings.Compare(entry(a), entry(b)) })
	return slices.Clip(list)
}

// entry returns the list entry packed in e.
func entry(e uint32) string {
	off := e >> 8
	return data[off : off+e&0xff]
}

// Contains reports whether password, compared without regard to case, is on the list.
//
// "Without regard to case" is Unicode simple case folding, as in strings.EqualFold:
// "PassWord" matches "password", and so does "pas\u017Fword" (with a long s, U+017F).
// It does not allocate.
func Contains(password string) bool {
	var buf [maxLen]byte
	key, ok := fold(password, &buf)
	if !ok {
		return false
	}
	list := sorted()
	// Binary search for the first entry not less than key.
	lo, hi := 0, len(list)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if entry(list[h]) < string(key) {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo < len(list) && entry(list[lo]) == string(key)
}

// Len is the number of passwords on the list.
func Len() int {
	return len(sorted())
}

// fold writes into buf the lower-case ASCII form of password, the form every entry on
// the list has, and returns it. It reports false when password cannot match any entry:
// it is longer than maxLen after folding, or it has a rune that folds to no ASCII
// character (all entries are ASCII), or it is not valid UTF-8.
func fold(password string, buf *[maxLen]byte) ([]byte, bool) {
	n := 0
	for i := 0; i < len(password); {
		c := password[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			i++
		} else {
			r, size := utf8.DecodeRuneInString(password[i:])
			switch r {
			// The only non-ASCII runes whose simple case folding includes an ASCII
			// letter (a test checks this against the unicode tables).
			case '\u212A': // KELVIN SIGN
				c = 'k'
			case '\u017F': // LATIN SMALL LETTER LONG S
				c = 's'
			default:
				return nil, false
			}
			i += size
		}
		if n == len(buf) {
			return nil, false
		}
		buf[n] = c
		n++
	}
	return buf[:n], true
}
