package argon2

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"
)

// RFC 9106 section 5: the test vectors, with a secret and associated data.
func TestRFC9106Vectors(t *testing.T) {
	password := bytes.Repeat([]byte{0x01}, 32)
	salt := bytes.Repeat([]byte{0x02}, 16)
	secret := bytes.Repeat([]byte{0x03}, 8)
	data := bytes.Repeat([]byte{0x04}, 12)
	for _, tc := range []struct {
		name string
		y    variant
		tag  string
	}{
		{"argon2i", variantI, "c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8"},
		{"argon2id", variantID, "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w Workspace
			got := hex.EncodeToString(w.derive(tc.y, password, salt, secret, data, 3, 32, 4, 32))
			if got != tc.tag {
				t.Fatalf("tag %s, want %s", got, tc.tag)
			}
		})
	}
}

// The keys equal x/crypto's for every shape of parameters: lanes, passes, memory not a
// multiple of 4 blocks per lane, keys shorter and longer than one BLAKE2b output, and
// segments longer than one block of addresses; one Workspace reused throughout,
// growing and shrinking, so that nothing of one derivation leaks into the next.
func TestSameKeysAsXCrypto(t *testing.T) {
	var w Workspace
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mem := range []uint32{1, 8, 33, 64, 515, 1024, 4099} {
		for _, passes := range []uint32{1, 2, 3} {
			for _, threads := range []uint8{1, 2, 3, 4} {
				for _, keyLen := range []uint32{4, 32, 64, 65, 129} {
					password := make([]byte, rng.IntN(40))
					salt := make([]byte, 8+rng.IntN(24))
					fillRandom(rng, password)
					fillRandom(rng, salt)
					name := fmt.Sprintf("m=%d,t=%d,p=%d,len=%d", mem, passes, threads, keyLen)
					if got, want := w.IDKey(password, salt, passes, mem, threads, keyLen), xargon2.IDKey(password, salt, passes, mem, threads, keyLen); !bytes.Equal(got, want) {
						t.Fatalf("argon2id %s: %x, x/crypto %x", name, got, want)
					}
					if got, want := w.IKey(password, salt, passes, mem, threads, keyLen), xargon2.Key(password, salt, passes, mem, threads, keyLen); !bytes.Equal(got, want) {
						t.Fatalf("argon2i %s: %x, x/crypto %x", name, got, want)
					}
				}
			}
		}
	}
}

// A Workspace allocates its memory once: the next derivation that fits works in the
// same blocks and allocates only its key and a few small buffers on the heap, and Free
// gives the blocks back.
func TestWorkspaceReusesItsMemory(t *testing.T) {
	var w Workspace
	const memory = 19 * 1024
	w.IDKey([]byte("password"), []byte("saltsaltsaltsalt"), 2, memory, 1, 32)
	if w.Size() != memory {
		t.Fatalf("workspace of %d KiB, want %d", w.Size(), memory)
	}
	first := &w.mem.blocks[0]
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w.IDKey([]byte("password"), []byte("saltsaltsaltsalt"), 2, memory, 1, 32)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Fatalf("a second derivation allocated %d bytes on the heap, want at most 64 KiB", n)
	}
	// A smaller derivation fits in what is there.
	w.IDKey([]byte("password"), []byte("saltsaltsaltsalt"), 2, 4096, 1, 32)
	if w.Size() != memory || &w.mem.blocks[0] != first {
		t.Fatalf("workspace of %d KiB at %p after two more derivations, want the same %d KiB at %p", w.Size(), &w.mem.blocks[0], memory, first)
	}
	// A copy shares the memory: freeing through one frees it for both, once, and
	// neither keeps a way to the unmapped blocks.
	c := w
	w.Free()
	if w.Size() != 0 || c.Size() != 0 {
		t.Fatalf("workspace of %d KiB (its copy %d) after Free", w.Size(), c.Size())
	}
	c.Free()
	// And it still works after.
	if got, want := w.IDKey([]byte("pw"), []byte("saltsalt"), 1, 64, 1, 16), xargon2.IDKey([]byte("pw"), []byte("saltsalt"), 1, 64, 1, 16); !bytes.Equal(got, want) {
		t.Fatalf("after Free: %x, want %x", got, want)
	}
}

func fillRandom(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

func BenchmarkIDKey(b *testing.B) {
	password, salt := []byte("correct horse battery staple"), []byte("saltsaltsaltsalt")
	b.Run("workspace", func(b *testing.B) {
		var w Workspace
		for b.Loop() {
			w.IDKey(password, salt, 2, 19*1024, 1, 32)
		}
	})
	b.Run("x-crypto", func(b *testing.B) {
		for b.Loop() {
			xargon2.IDKey(password, salt, 2, 19*1024, 1, 32)
		}
	})
}
