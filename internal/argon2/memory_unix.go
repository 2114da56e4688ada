//go:build unix

package argon2

import (
	"fmt"
	"math"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapBlocks maps n blocks of anonymous memory outside the Go heap. Blocks hold no
// pointers, so the collector need not see them; kept out of the heap, they also stay
// out of its pacing, which would otherwise let the heap grow by as much garbage as
// the workspaces hold before collecting (GOGC=100 grows the heap to twice what is
// live). The pages are the system's zero pages until first written.
func mapBlocks(n uint32) ([]block, func(), error) {
	size := uint64(n) * uint64(unsafe.Sizeof(block{}))
	if size > math.MaxInt {
		// 2 GiB or more on a 32-bit platform.
		return nil, nil, fmt.Errorf("%d KiB do not fit in this platform's address space", n)
	}
	mem, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	blocks := unsafe.Slice((*block)(unsafe.Pointer(unsafe.SliceData(mem))), n)
	return blocks, func() { _ = unix.Munmap(mem) }, nil
}
