//go:build !unix

package argon2

// mapBlocks allocates n blocks on the heap where there is no mmap; the collector frees
// them once the workspace lets go.
func mapBlocks(n uint32) ([]block, func(), error) {
	return make([]block, n), func() {}, nil
}
