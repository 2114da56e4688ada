//go:build amd64 && !purego

package argon2

import "golang.org/x/sys/cpu"

// processBlockAVX2 is processBlockGeneric in AVX2 (block_amd64.s).
//
//go:noescape
func processBlockAVX2(out, in1, in2, t *block, xor bool)

// hasAVX2 chooses the compression function once.
var hasAVX2 = cpu.X86.HasAVX2

func processBlock(out, in1, in2, t *block, xor bool) {
	if hasAVX2 {
		processBlockAVX2(out, in1, in2, t, xor)
		return
	}
	processBlockGeneric(out, in1, in2, t, xor)
}
