package common

import (
	"crypto/rand"
	"runtime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// entries returns the list's entries in file order.
func entries(t testing.TB) []string {
	t.Helper()
	var out []string
	for line := range strings.Lines(data) {
		line = strings.TrimSuffix(line, "\n")
		if line != "" && line[0] != '#' {
			out = append(out, line)
		}
	}
	return out
}

func TestLen(t *testing.T) {
	if n := Len(); n < 10000 {
		t.Fatalf("Len() = %d, want at least 10000", n)
	}
	if n, want := Len(), len(entries(t)); n != want {
		t.Fatalf("Len() = %d, want %d (the entries in passwords.txt)", n, want)
	}
}

func TestHeader(t *testing.T) {
	// The file must keep naming its source and licence.
	for _, want := range []string{"# ", "zxcvbn@", "MIT", "Permission is hereby granted"} {
		if !strings.Contains(data[:2000], want) {
			t.Errorf("passwords.txt header lacks %q", want)
		}
	}
	if got := entries(t)[:2]; got[0] != "123456" || got[1] != "password" {
		t.Errorf("first entries %q, want most frequent first (123456, password)", got)
	}
}

// TestEntries checks the invariants Contains relies on, and that it finds every entry.
func TestEntries(t *testing.T) {
	seen := make(map[string]bool)
	for i, e := range entries(t) {
		if len(e) > maxLen {
			t.Errorf("entry %d %q longer than maxLen %d", i, e, maxLen)
		}
		for _, c := range []byte(e) {
			if c <= ' ' || c >= 0x7f || 'A' <= c && c <= 'Z' {
				t.Errorf("entry %d %q is not lower-case printable ASCII", i, e)
				break
			}
		}
		if seen[e] {
			t.Errorf("entry %d %q is a duplicate", i, e)
		}
		seen[e] = true
		if !Contains(e) || !Contains(strings.ToUpper(e)) {
			t.Errorf("Contains misses entry %d %q", i, e)
		}
	}
}

func TestContains(t *testing.T) {
	for _, p := range []string{
		"password", "123456", "qwerty", "PassWord", "QWERTY", "Dragon", "iloveyou",
		"pas\u017Fword",        // long s folds to s
		"\u212Ailler",          // Kelvin sign folds to k
		"12345678900987654321", // longest entries (20 bytes)
	} {
		if !Contains(p) {
			t.Errorf("Contains(%q) = false, want true", p)
		}
	}
	for _, p := range []string{
		"",
		"password1234567890", // not on the list
		" password",          // no trimming
		"pässword",
		"pass\xffword",                      // invalid UTF-8
		"passwordpasswordpasswordpassword1", // longer than maxLen
		strings.Repeat("a", 1<<20),
	} {
		if Contains(p) {
			t.Errorf("Contains(%q) = true, want false", p)
		}
	}
}

func TestRandomNotContained(t *testing.T) {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for range 100 {
		var b [20]byte
		rand.Read(b[:])
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		if p := string(b[:]); Contains(p) {
			t.Errorf("Contains(%q) = true for a random 20-character string", p)
		}
	}
}

// TestFoldTable checks that fold knows every non-ASCII rune that simple case folding
// (strings.EqualFold) takes to an ASCII letter, and to which letter.
func TestFoldTable(t *testing.T) {
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		var ascii rune = -1
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < utf8.RuneSelf {
				ascii = unicode.ToLower(f)
			}
		}
		var buf [maxLen]byte
		got, ok := fold(string(r), &buf)
		switch {
		case ascii < 0 && ok:
			t.Errorf("fold(%U) = %q, want no match", r, got)
		case ascii >= 0 && (!ok || string(got) != string(ascii)):
			t.Errorf("fold(%U) = %q, %v, want %q", r, got, ok, ascii)
		}
	}
}

var inputs = []string{
	"password", "Tr0ub4dor&3", "qwerty", "correcthorsebatterystaple",
	"PassWord", "dragon", "x9$kLm2!qPz7@wR4", "LetMeIn", "pas\u017Fword",
}

func TestContainsDoesNotAllocate(t *testing.T) {
	Len() // build the list first
	for _, p := range inputs {
		if n := testing.AllocsPerRun(100, func() { Contains(p) }); n != 0 {
			t.Errorf("Contains(%q) allocates %v times, want 0", p, n)
		}
	}
}

var sink bool

// BenchmarkContains looks up a mix of listed and unlisted, lower- and mixed-case inputs.
func BenchmarkContains(b *testing.B) {
	Len()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sink = Contains(inputs[i%len(inputs)])
	}
}

// BenchmarkBuild measures building the lookup structure, and reports the heap it keeps
// (retained-B) besides what building allocates in all (B/op).
func BenchmarkBuild(b *testing.B) {
	b.ReportAllocs()
	var keep []uint32
	for b.Loop() {
		keep = build()
	}
	keep = nil
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep = build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "retained-B")
	runtime.KeepAlive(keep)
}
