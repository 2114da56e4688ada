//go:build unix

package argon2scratch

import (
	"syscall"
	"unsafe"
)

// allocBlocks maps n zeroed blocks of anonymous memory outside the Go heap, and returns
// the mapping to give to freeBlocks (nil when it fell back to the heap).
//
// Outside, because the collector paces itself by the heap: it lets the heap grow to
// twice what was live after its last cycle (GOGC=100). Scratches on the heap would be
// live at every cycle, so each slot's 19 MiB would let 19 MiB more of garbage pile up
// before the next collection; out of it, they weigh on nothing but themselves. Blocks
// hold no pointers, so the collector has nothing to find there either.
func allocBlocks(n uint32) ([]block, []byte) {
	size := int(n) * blockLength * 8
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		// Out of address space or a limit on mappings: the heap will do.
		return make([]block, n), nil
	}
	return unsafe.Slice((*block)(unsafe.Pointer(unsafe.SliceData(mem))), n), mem
}

// freeBlocks unmaps a mapping of allocBlocks, giving its memory back at once.
func freeBlocks(mapping []byte) {
	if mapping != nil {
		_ = syscall.Munmap(mapping)
	}
}
