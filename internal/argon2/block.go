package argon2

import "math/bits"

// processBlockGeneric is the compression function G (RFC 9106 section 3.5) in portable
// Go: out = P_columns(P_rows(in1 ^ in2)) ^ in1 ^ in2, XORed into out's old value when
// xor is set. t is a working copy; out may be in1 or in2, since every word of out is
// written after the same word of the inputs was read for the last time.
func processBlockGeneric(out, in1, in2, t *block, xor bool) {
	for i := range t {
		t[i] = in1[i] ^ in2[i]
	}
	// Rows: each 16 consecutive words.
	for i := 0; i < blockWords; i += 16 {
		permute(t, i, i+1, i+2, i+3, i+4, i+5, i+6, i+7, i+8, i+9, i+10, i+11, i+12, i+13, i+14, i+15)
	}
	// Columns: words 2i and 2i+1 of every row.
	for i := 0; i < 16; i += 2 {
		permute(t, i, i+1, i+16, i+17, i+32, i+33, i+48, i+49, i+64, i+65, i+80, i+81, i+96, i+97, i+112, i+113)
	}
	if xor {
		for i := range out {
			out[i] ^= t[i] ^ in1[i] ^ in2[i]
		}
		return
	}
	for i := range out {
		out[i] = t[i] ^ in1[i] ^ in2[i]
	}
}

// permute is the permutation P on the 16 words of t at the given indexes: BLAKE2b's
// round with BlaMka's multiplications, on the columns and then the diagonals of the
// 4×4 matrix they form.
func permute(t *block, i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15 int) {
	v0, v1, v2, v3 := t[i0], t[i1], t[i2], t[i3]
	v4, v5, v6, v7 := t[i4], t[i5], t[i6], t[i7]
	v8, v9, v10, v11 := t[i8], t[i9], t[i10], t[i11]
	v12, v13, v14, v15 := t[i12], t[i13], t[i14], t[i15]

	v0, v4, v8, v12 = mix(v0, v4, v8, v12)
	v1, v5, v9, v13 = mix(v1, v5, v9, v13)
	v2, v6, v10, v14 = mix(v2, v6, v10, v14)
	v3, v7, v11, v15 = mix(v3, v7, v11, v15)

	v0, v5, v10, v15 = mix(v0, v5, v10, v15)
	v1, v6, v11, v12 = mix(v1, v6, v11, v12)
	v2, v7, v8, v13 = mix(v2, v7, v8, v13)
	v3, v4, v9, v14 = mix(v3, v4, v9, v14)

	t[i0], t[i1], t[i2], t[i3] = v0, v1, v2, v3
	t[i4], t[i5], t[i6], t[i7] = v4, v5, v6, v7
	t[i8], t[i9], t[i10], t[i11] = v8, v9, v10, v11
	t[i12], t[i13], t[i14], t[i15] = v12, v13, v14, v15
}

// mix is GB: BLAKE2b's G with each addition x+y made x+y+2·lo(x)·lo(y).
func mix(a, b, c, d uint64) (uint64, uint64, uint64, uint64) {
	a = a + b + 2*uint64(uint32(a))*uint64(uint32(b))
	d = bits.RotateLeft64(d^a, -32)
	c = c + d + 2*uint64(uint32(c))*uint64(uint32(d))
	b = bits.RotateLeft64(b^c, -24)
	a = a + b + 2*uint64(uint32(a))*uint64(uint32(b))
	d = bits.RotateLeft64(d^a, -16)
	c = c + d + 2*uint64(uint32(c))*uint64(uint32(d))
	b = bits.RotateLeft64(b^c, -63)
	return a, b, c, d
}
