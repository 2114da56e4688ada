// Package argon2 derives keys with Argon2id and Argon2i (RFC 9106, version 0x13) in
// memory the caller keeps from one derivation to the next.
//
// golang.org/x/crypto/argon2 computes the same function, but allocates its memory
// parameter (19 MiB for OWASP's minimum) afresh on every call. A login flood then makes
// the garbage collector the limit on memory: between two collections the heap holds
// every finished hash's blocks beside those in flight, and the process grows to several
// times what the hashes in flight need (178 MiB on two cores, for 38 MiB of live
// blocks), and every hash pays for fresh pages. A Workspace is allocated once and
// reused, so the memory of a server hashing on n cores is n workspaces; it lives
// outside the Go heap (memory_unix.go), and Free gives it back at once.
//
// The compression function runs in AVX2 on amd64 CPUs that have it (four 64-bit lanes,
// one row or column of the block per round), and in portable Go elsewhere.
package argon2

import (
	"encoding/binary"
	"fmt"
	"runtime"

	"golang.org/x/crypto/blake2b"
)

// Version is the Argon2 version computed: 0x13, the only one RFC 9106 specifies.
const Version = 0x13

const (
	// blockWords is the size of a block in 64-bit words (1 KiB).
	blockWords = 128
	// syncPoints is the number of slices a pass is cut into; lanes meet at their ends.
	syncPoints = 4
)

// block is one 1 KiB memory block.
type block [blockWords]uint64

// variant is Argon2's type y, as it enters the initial hash and the address blocks.
type variant uint32

const (
	variantI  variant = 1
	variantID variant = 2
)

// Workspace is the memory of one derivation at a time. It grows to the largest memory
// parameter it was asked for and keeps that, so that the next derivation starts with
// memory already in place. A Workspace is not safe for concurrent use.
type Workspace struct {
	// mem holds the blocks. Behind a pointer, so that a copy of the Workspace shares
	// it rather than keeping a second way to unmap the same memory.
	mem *mapping
	// scratch is the compression function's working copy of a block.
	scratch block
	// zero, input and addresses generate the reference indexes of the
	// data-independent slices (Argon2i, and Argon2id's first half pass).
	zero, input, addresses block
}

// mapping is memory mapped for blocks (memory_unix.go).
type mapping struct {
	blocks []block
	// unmap gives blocks back to the system; cleanup does it if the mapping is dropped
	// without free.
	unmap   func()
	cleanup runtime.Cleanup
}

func (m *mapping) free() {
	if m.unmap == nil {
		return
	}
	m.cleanup.Stop()
	m.unmap()
	m.blocks, m.unmap = nil, nil
}

// Size is the memory the workspace holds, in KiB.
func (w *Workspace) Size() uint32 {
	if w.mem == nil {
		return 0
	}
	return uint32(len(w.mem.blocks))
}

// Free gives the workspace's memory back to the system now; a derivation after it
// allocates again.
func (w *Workspace) Free() {
	if w.mem != nil {
		w.mem.free()
		w.mem = nil
	}
}

// grow makes the workspace hold at least n blocks and returns them.
func (w *Workspace) grow(n uint32) []block {
	if w.Size() >= n {
		return w.mem.blocks[:n]
	}
	w.Free()
	blocks, unmap, err := mapBlocks(n)
	if err != nil {
		// Out of address space or over a memory limit: what make would have done.
		panic(fmt.Sprintf("argon2: cannot map %d KiB: %v", n, err))
	}
	m := &mapping{blocks: blocks, unmap: unmap}
	m.cleanup = runtime.AddCleanup(m, func(unmap func()) { unmap() }, unmap)
	w.mem = m
	return blocks[:n]
}

// IDKey derives a keyLen-byte key from password and salt with Argon2id, using time
// passes over memory KiB in threads lanes; the result equals that of
// golang.org/x/crypto/argon2.IDKey. threads must be at least 1 and time at least 1.
// RFC 9106 asks at least 8 KiB of memory per lane.
func (w *Workspace) IDKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	return w.derive(variantID, password, salt, nil, nil, time, memory, threads, keyLen)
}

// IKey is IDKey's Argon2i: data-independent addressing throughout. accountd only
// verifies with it (Django wrote argon2i hashes before 2.1); new hashes are Argon2id.
func (w *Workspace) IKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	return w.derive(variantI, password, salt, nil, nil, time, memory, threads, keyLen)
}

// derive is RFC 9106 section 3: secret and data are the optional K and X (the test
// vectors use them; accountd does not).
func (w *Workspace) derive(y variant, password, salt, secret, data []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	if time < 1 || threads < 1 || keyLen < 1 {
		panic("argon2: time, threads and key length must be at least 1")
	}
	lanes := uint32(threads)
	h0 := initialHash(y, password, salt, secret, data, time, memory, lanes, keyLen)

	// The memory actually filled: a multiple of 4 blocks per lane, at least 8 blocks per
	// lane (below that, RFC 9106 has no answer; this is x/crypto's).
	m := max(memory/(syncPoints*lanes)*(syncPoints*lanes), 2*syncPoints*lanes)
	b := w.grow(m)
	// b points into the mapping, which the collector does not see as a reference to
	// it: keep it alive (and so mapped) until the last block is read.
	defer runtime.KeepAlive(w.mem)
	f := filler{w: w, y: y, b: b, lanes: lanes, laneLen: m / lanes, segLen: m / lanes / syncPoints, time: time}

	f.firstBlocks(&h0)
	for pass := range time {
		for slice := range uint32(syncPoints) {
			// Lanes only read blocks of other lanes' finished slices, so computing them
			// one after the other gives what computing them in parallel would.
			for lane := range lanes {
				f.fillSegment(pass, slice, lane)
			}
		}
	}
	return f.finalize(keyLen)
}

// initialHash is H0, the BLAKE2b-512 of the parameters and inputs.
func initialHash(y variant, password, salt, secret, data []byte, time, memory, lanes, keyLen uint32) [blake2b.Size]byte {
	h, _ := blake2b.New512(nil) // fails only for a key longer than 64 bytes
	var le [4]byte
	u32 := func(v uint32) {
		binary.LittleEndian.PutUint32(le[:], v)
		h.Write(le[:])
	}
	for _, v := range [...]uint32{lanes, keyLen, memory, time, Version, uint32(y)} {
		u32(v)
	}
	for _, s := range [...][]byte{password, salt, secret, data} {
		u32(uint32(len(s)))
		h.Write(s)
	}
	var h0 [blake2b.Size]byte
	h.Sum(h0[:0])
	return h0
}

// hashLong is H', BLAKE2b with an output of any length (RFC 9106 section 3.3),
// written to out.
func hashLong(out []byte, in ...[]byte) {
	var le [4]byte
	binary.LittleEndian.PutUint32(le[:], uint32(len(out)))
	if len(out) <= blake2b.Size {
		h, _ := blake2b.New(len(out), nil)
		h.Write(le[:])
		for _, s := range in {
			h.Write(s)
		}
		h.Sum(out[:0])
		return
	}
	h, _ := blake2b.New512(nil)
	h.Write(le[:])
	for _, s := range in {
		h.Write(s)
	}
	var v [blake2b.Size]byte
	h.Sum(v[:0])
	// Each 64-byte hash gives its first half, until the last, whose length is what
	// remains (between 33 and 64 bytes).
	for {
		n := copy(out, v[:blake2b.Size/2])
		out = out[n:]
		if len(out) <= blake2b.Size {
			break
		}
		v = blake2b.Sum512(v[:])
	}
	last, _ := blake2b.New(len(out), nil)
	last.Write(v[:])
	last.Sum(out[:0])
}

// filler fills the memory of one derivation.
type filler struct {
	w                      *Workspace
	y                      variant
	b                      []block
	lanes, laneLen, segLen uint32
	time                   uint32
}

// firstBlocks computes the first two blocks of every lane from H0.
func (f *filler) firstBlocks(h0 *[blake2b.Size]byte) {
	var buf [blockWords * 8]byte
	var tail [8]byte
	for lane := range f.lanes {
		binary.LittleEndian.PutUint32(tail[4:], lane)
		for i := range uint32(2) {
			binary.LittleEndian.PutUint32(tail[:4], i)
			hashLong(buf[:], h0[:], tail[:])
			blk := &f.b[lane*f.laneLen+i]
			for j := range blk {
				blk[j] = binary.LittleEndian.Uint64(buf[j*8:])
			}
		}
	}
}

// fillSegment computes one lane's blocks of one slice of one pass.
func (f *filler) fillSegment(pass, slice, lane uint32) {
	w := f.w
	independent := f.y == variantI || (pass == 0 && slice < syncPoints/2)
	if independent {
		w.input = block{}
		w.input[0], w.input[1], w.input[2] = uint64(pass), uint64(lane), uint64(slice)
		w.input[3], w.input[4], w.input[5] = uint64(len(f.b)), uint64(f.time), uint64(f.y)
	}
	first := uint32(0)
	if pass == 0 && slice == 0 {
		first = 2 // the two blocks firstBlocks made
		if independent {
			w.nextAddresses()
		}
	}
	offset := lane*f.laneLen + slice*f.segLen + first
	for index := first; index < f.segLen; index, offset = index+1, offset+1 {
		prev := offset - 1
		if offset%f.laneLen == 0 {
			prev += f.laneLen
		}
		var rand uint64
		if independent {
			if index%blockWords == 0 {
				w.nextAddresses()
			}
			rand = w.addresses[index%blockWords]
		} else {
			rand = f.b[prev][0]
		}
		refLane := uint32(rand>>32) % f.lanes
		if pass == 0 && slice == 0 {
			refLane = lane
		}
		ref := refLane*f.laneLen + f.refIndex(uint32(rand), pass, slice, index, refLane == lane)
		// From the second pass on, version 0x13 XORs the new block into the old one.
		processBlock(&f.b[offset], &f.b[prev], &f.b[ref], &w.scratch, pass > 0)
	}
}

// refIndex maps the low half of the pseudo-random value to a block of the reference
// lane (RFC 9106 section 3.4.1.2): one of the blocks already computed there, excluding
// the one being computed and, in another lane, its slice in progress.
func (f *filler) refIndex(j1, pass, slice, index uint32, sameLane bool) uint32 {
	var area uint32
	switch {
	case pass == 0 && sameLane:
		area = slice*f.segLen + index - 1
	case pass == 0:
		area = slice * f.segLen
	case sameLane:
		area = f.laneLen - f.segLen + index - 1
	default:
		area = f.laneLen - f.segLen
	}
	if !sameLane && index == 0 {
		area-- // the block before the first of a segment is still being computed
	}
	x := uint64(j1) * uint64(j1) >> 32
	rel := uint64(area) - 1 - (uint64(area) * x >> 32)
	start := uint64(0)
	if pass > 0 && slice < syncPoints-1 {
		start = uint64(slice+1) * uint64(f.segLen)
	}
	return uint32((start + rel) % uint64(f.laneLen))
}

// nextAddresses computes the next block of pseudo-random values of a data-independent
// segment: G(0, G(0, input)) with input's counter advanced.
func (w *Workspace) nextAddresses() {
	w.input[6]++
	processBlock(&w.addresses, &w.zero, &w.input, &w.scratch, false)
	processBlock(&w.addresses, &w.zero, &w.addresses, &w.scratch, false)
}

// finalize XORs the last block of every lane and hashes it to the key.
func (f *filler) finalize(keyLen uint32) []byte {
	last := f.b[f.laneLen-1]
	for lane := uint32(1); lane < f.lanes; lane++ {
		for i, v := range f.b[lane*f.laneLen+f.laneLen-1] {
			last[i] ^= v
		}
	}
	var buf [blockWords * 8]byte
	for i, v := range last {
		binary.LittleEndian.PutUint64(buf[i*8:], v)
	}
	key := make([]byte, keyLen)
	hashLong(key, buf[:])
	return key
}
