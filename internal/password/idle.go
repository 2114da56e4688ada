package password

import (
	"runtime/debug"
	"sync"
	"time"
)

// releaseDelay is how long hashing must have stopped before the Hasher gives the memory
// of the burst back to the operating system. Longer than the gaps between the logins of
// a steady trickle, so that only a real lull pays for it.
const releaseDelay = 5 * time.Second

// idleRelease gives memory back after a burst of hashing.
//
// Each argon2id run allocates its memory parameter (19 MiB by default) afresh, so a
// burst of logins leaves the heap grown by several times that, and nothing shrinks it
// afterwards: the garbage collector runs when something allocates, and the runtime
// returns freed pages to the operating system slowly. A service that had a login storm
// would keep the storm's footprint. So when the last hash of a burst finishes and no
// other starts within releaseDelay, the Hasher runs debug.FreeOSMemory once: a
// collection, then every free page returned. It costs a few milliseconds, once per
// lull, and the first hash after it takes its memory from the system again.
type idleRelease struct {
	mu    sync.Mutex
	timer *time.Timer
	delay time.Duration
	// free is debug.FreeOSMemory; tests count calls instead.
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

func newIdleRelease() idleRelease {
	return idleRelease{delay: releaseDelay, free: debug.FreeOSMemory}
}
