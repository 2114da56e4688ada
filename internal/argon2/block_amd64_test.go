//go:build amd64 && !purego

package argon2

import (
	"math/rand/v2"
	"testing"
)

// The AVX2 compression function computes what the portable one does, with and
// without XOR into the output, and with the output the same block as an input (as
// the address generation calls it).
func TestAVX2MatchesGeneric(t *testing.T) {
	if !hasAVX2 {
		t.Skip("this CPU (or a purego build) has no AVX2: only the portable compression function runs here")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var scratch block
	for i := range 200 {
		var in1, in2, out block
		for j := range in1 {
			in1[j], in2[j], out[j] = rng.Uint64(), rng.Uint64(), rng.Uint64()
		}
		xor := i%2 == 1
		want, got := out, out
		processBlockGeneric(&want, &in1, &in2, &scratch, xor)
		processBlockAVX2(&got, &in1, &in2, &scratch, xor)
		if got != want {
			t.Fatalf("xor=%v: AVX2 and portable differ", xor)
		}
		want, got = in2, in2
		processBlockGeneric(&want, &in1, &want, &scratch, false)
		processBlockAVX2(&got, &in1, &got, &scratch, false)
		if got != want {
			t.Fatal("out aliasing in2: AVX2 and portable differ")
		}
	}
}
