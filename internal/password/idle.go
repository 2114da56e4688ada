package password

import (
	"sync"
	"time"
)

// releaseDelay is how long hashing must have stopped before the Hasher gives the memory
// of the burst back to the operating system. Longer than the gaps between the logins of
// a steady trickle, so that only a real lull pays for it.
const releaseDelay = 5 * time.Second

// idleRelease gives memory back after a burst of hashing.
//
// While hashing goes on, each slot keeps its argon2 memory (19 MiB by default) for the
// next hash. A service that had a login storm hours ago should not keep that, so when
// the last hash of a burst finishes and no other starts within releaseDelay, the
// Hasher drops the idle slots' memory and runs debug.FreeOSMemory once: a collection,
// then every free page returned. It costs a few milliseconds, once per lull, and the
// first hash after it takes its memory from the system again.
type idleRelease struct {
	mu    sync.Mutex
	timer *time.Timer
	delay time.Duration
	// free drops the workspaces and returns the memory; tests count calls instead.
	free func()
}

// arm (re)starts the countdown; when it runs out, free is called if idle still holds.
func (r *idleRelease) arm(idle func() bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer != nil {
		r.timer.Reset(r.delay)
		return
	}
	r.timer = time.AfterFunc(r.delay, func() {
		if idle() {
			r.free()
		}
	})
}

func newIdleRelease(free func()) idleRelease {
	return idleRelease{delay: releaseDelay, free: free}
}
