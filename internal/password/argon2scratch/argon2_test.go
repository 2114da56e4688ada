package argon2scratch

import (
	"bytes"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestIDKeyMatchesXCrypto: the same keys as x/crypto's IDKey, for several parameters, in
// one Scratch used again and again (from larger to smaller memory and back), so that
// memory left by one hash would show in the next one's key.
func TestIDKeyMatchesXCrypto(t *testing.T) {
	var s Scratch
	cases := []struct {
		time, memory uint32
		threads      uint8
		keyLen       uint32
	}{
		{2, 19456, 1, 32}, {1, 64, 1, 16}, {3, 256, 2, 32}, {2, 19456, 1, 32}, {1, 1024, 4, 64}, {2, 19456, 1, 32},
	}
	for i, c := range cases {
		pw, salt := []byte{byte(i), 'p', 'w'}, []byte("0123456789abcdef")
		got := IDKey(&s, pw, salt, c.time, c.memory, c.threads, c.keyLen)
		want := argon2.IDKey(pw, salt, c.time, c.memory, c.threads, c.keyLen)
		if !bytes.Equal(got, want) {
			t.Errorf("case %d %+v: key %x, x/crypto %x", i, c, got, want)
		}
	}
	if s.Size() != 19456*1024 {
		t.Errorf("scratch holds %d bytes, want the largest memory used, %d", s.Size(), 19456*1024)
	}
	for i, b := range s.blocks[:cap(s.blocks)] {
		if b != (block{}) {
			t.Fatalf("block %d not cleared after the hash", i)
		}
	}
}

// TestIDKeyAllocatesNothingOnceGrown: a Scratch big enough already is all the memory a
// hash needs (but the key it returns and a few small buffers).
func TestIDKeyAllocatesNothingOnceGrown(t *testing.T) {
	var s Scratch
	pw, salt := []byte("pw"), []byte("0123456789abcdef")
	IDKey(&s, pw, salt, 1, 4096, 1, 32)
	allocated := testing.AllocsPerRun(3, func() { IDKey(&s, pw, salt, 1, 4096, 1, 32) })
	if allocated > 16 {
		t.Errorf("%v allocations per hash in a grown Scratch, want only small ones", allocated)
	}
}
