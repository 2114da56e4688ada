//go:build amd64 && !purego

#include "textflag.h"

// The compression function with four 64-bit lanes: the 16 words a permutation works on
// are held as four vectors a, b, c, d of four words, so that one mix runs the four
// column mixes of the 4×4 matrix at once, and rotating b, c and d by one, two and
// three lanes lines the diagonals up for the second four.

// Byte shuffles that rotate each 64-bit word right by 24 and by 16 bits.
DATA ·ror24<>+0x00(SB)/8, $0x0201000706050403
DATA ·ror24<>+0x08(SB)/8, $0x0a09080f0e0d0c0b
DATA ·ror24<>+0x10(SB)/8, $0x0201000706050403
DATA ·ror24<>+0x18(SB)/8, $0x0a09080f0e0d0c0b
GLOBL ·ror24<>(SB), (NOPTR+RODATA), $32

DATA ·ror16<>+0x00(SB)/8, $0x0100070605040302
DATA ·ror16<>+0x08(SB)/8, $0x09080f0e0d0c0b0a
DATA ·ror16<>+0x10(SB)/8, $0x0100070605040302
DATA ·ror16<>+0x18(SB)/8, $0x09080f0e0d0c0b0a
GLOBL ·ror16<>(SB), (NOPTR+RODATA), $32

// x += y + 2·lo(x)·lo(y), lane by lane; t is clobbered.
#define BLAMKA(x, y, t) \
	VPMULUDQ y, x, t; \
	VPADDQ   y, x, x; \
	VPADDQ   t, t, t; \
	VPADDQ   t, x, x

// Four GB mixes at once, on lanes (a_i, b_i, c_i, d_i).
#define MIX(a, b, c, d, t) \
	BLAMKA(a, b, t);       \
	VPXOR    a, d, d;      \
	VPSHUFD  $0xb1, d, d;  \
	BLAMKA(c, d, t);       \
	VPXOR    c, b, b;      \
	VPSHUFB  Y10, b, b;    \
	BLAMKA(a, b, t);       \
	VPXOR    a, d, d;      \
	VPSHUFB  Y11, d, d;    \
	BLAMKA(c, d, t);       \
	VPXOR    c, b, b;      \
	VPSRLQ   $63, b, t;    \
	VPADDQ   b, b, b;      \
	VPXOR    t, b, b

// The permutation P on a = (v0..v3), b = (v4..v7), c = (v8..v11), d = (v12..v15).
#define PERMUTE(a, b, c, d, t) \
	MIX(a, b, c, d, t);    \
	VPERMQ $0x39, b, b;    \
	VPERMQ $0x4e, c, c;    \
	VPERMQ $0x93, d, d;    \
	MIX(a, b, c, d, t);    \
	VPERMQ $0x93, b, b;    \
	VPERMQ $0x4e, c, c;    \
	VPERMQ $0x39, d, d

// func processBlockAVX2(out, in1, in2, t *block, xor bool)
TEXT ·processBlockAVX2(SB), NOSPLIT, $0-33
	MOVQ    out+0(FP), DX
	MOVQ    in1+8(FP), AX
	MOVQ    in2+16(FP), BX
	MOVQ    t+24(FP), DI
	MOVBLZX xor+32(FP), CX
	VMOVDQU ·ror24<>(SB), Y10
	VMOVDQU ·ror16<>(SB), Y11

	// t = in1 ^ in2
	XORQ SI, SI
start:
	VMOVDQU (AX)(SI*1), Y0
	VPXOR   (BX)(SI*1), Y0, Y0
	VMOVDQU Y0, (DI)(SI*1)
	ADDQ    $32, SI
	CMPQ    SI, $1024
	JB      start

	// Rows: 16 consecutive words, 128 bytes apart.
	MOVQ DI, R8
	MOVQ $8, R9
rows:
	VMOVDQU 0(R8), Y0
	VMOVDQU 32(R8), Y1
	VMOVDQU 64(R8), Y2
	VMOVDQU 96(R8), Y3
	PERMUTE(Y0, Y1, Y2, Y3, Y8)
	VMOVDQU Y0, 0(R8)
	VMOVDQU Y1, 32(R8)
	VMOVDQU Y2, 64(R8)
	VMOVDQU Y3, 96(R8)
	ADDQ    $128, R8
	DECQ    R9
	JNZ     rows

	// Columns: words 2i and 2i+1 of each row, 16 bytes taken every 128.
	MOVQ DI, R8
	MOVQ $8, R9
columns:
	VMOVDQU      0(R8), X0
	VINSERTI128  $1, 128(R8), Y0, Y0
	VMOVDQU      256(R8), X1
	VINSERTI128  $1, 384(R8), Y1, Y1
	VMOVDQU      512(R8), X2
	VINSERTI128  $1, 640(R8), Y2, Y2
	VMOVDQU      768(R8), X3
	VINSERTI128  $1, 896(R8), Y3, Y3
	PERMUTE(Y0, Y1, Y2, Y3, Y8)
	VMOVDQU      X0, 0(R8)
	VEXTRACTI128 $1, Y0, 128(R8)
	VMOVDQU      X1, 256(R8)
	VEXTRACTI128 $1, Y1, 384(R8)
	VMOVDQU      X2, 512(R8)
	VEXTRACTI128 $1, Y2, 640(R8)
	VMOVDQU      X3, 768(R8)
	VEXTRACTI128 $1, Y3, 896(R8)
	ADDQ         $16, R8
	DECQ         R9
	JNZ          columns

	// out = t ^ in1 ^ in2, XORed into out when xor is set. Word by word, each read
	// before it is written, so out may be in1 or in2.
	XORQ  SI, SI
	TESTQ CX, CX
	JNZ   xorout
store:
	VMOVDQU (DI)(SI*1), Y0
	VPXOR   (AX)(SI*1), Y0, Y0
	VPXOR   (BX)(SI*1), Y0, Y0
	VMOVDQU Y0, (DX)(SI*1)
	ADDQ    $32, SI
	CMPQ    SI, $1024
	JB      store
	VZEROUPPER
	RET

xorout:
	VMOVDQU (DI)(SI*1), Y0
	VPXOR   (AX)(SI*1), Y0, Y0
	VPXOR   (BX)(SI*1), Y0, Y0
	VPXOR   (DX)(SI*1), Y0, Y0
	VMOVDQU Y0, (DX)(SI*1)
	ADDQ    $32, SI
	CMPQ    SI, $1024
	JB      xorout
	VZEROUPPER
	RET
