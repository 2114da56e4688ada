//go:build !amd64 || purego

package argon2

// hasAVX2 is false where there is no assembly: the portable compression function runs.
const hasAVX2 = false

func processBlock(out, in1, in2, t *block, xor bool) {
	processBlockGeneric(out, in1, in2, t, xor)
}
