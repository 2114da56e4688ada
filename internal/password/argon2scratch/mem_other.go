//go:build !unix

package argon2scratch

// allocBlocks allocates n zeroed blocks on the heap (mem_unix.go maps them outside it).
func allocBlocks(n uint32) ([]block, []byte) { return make([]block, n), nil }

// freeBlocks has nothing to do: the collector frees heap blocks.
func freeBlocks([]byte) {}
