package password

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestIdleRelease(t *testing.T) {
	cheap := Params{Memory: minMemory, Time: minTime, Threads: 1, SaltLen: 16, KeyLen: 32}
	newHasher := func() (*Hasher, *atomic.Int32) {
		h := New(cheap, 2)
		var n atomic.Int32
		h.idle.free = func() { n.Add(1) }
		return h, &n
	}
	t.Run("released_once_after_a_burst", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, freed := newHasher()
			for range 3 {
				if _, err := h.Hash(context.Background(), "pw"); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(releaseDelay - time.Millisecond)
			synctest.Wait()
			if n := freed.Load(); n != 0 {
				t.Fatalf("memory released %d times before the delay", n)
			}
			time.Sleep(2 * time.Millisecond)
			synctest.Wait()
			if n := freed.Load(); n != 1 {
				t.Fatalf("memory released %d times after the burst, want once", n)
			}
			time.Sleep(10 * releaseDelay)
			synctest.Wait()
			if n := freed.Load(); n != 1 {
				t.Fatalf("memory released %d times while idle, want once", n)
			}
		})
	})
	t.Run("steady_hashing_releases_nothing", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, freed := newHasher()
			for range 10 {
				if _, err := h.Hash(context.Background(), "pw"); err != nil {
					t.Fatal(err)
				}
				time.Sleep(releaseDelay / 2)
			}
			synctest.Wait()
			if n := freed.Load(); n != 0 {
				t.Fatalf("memory released %d times between hashes closer than the delay", n)
			}
		})
	})
	t.Run("not_released_while_a_hash_runs", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, freed := newHasher()
			if _, err := h.Hash(context.Background(), "pw"); err != nil {
				t.Fatal(err)
			}
			// A slot held past the countdown, as a long hash would.
			h.sem <- struct{}{}
			time.Sleep(2 * releaseDelay)
			synctest.Wait()
			if n := freed.Load(); n != 0 {
				t.Fatalf("memory released %d times while a hash was running", n)
			}
			h.release(nil)
			time.Sleep(2 * releaseDelay)
			synctest.Wait()
			if n := freed.Load(); n != 1 {
				t.Fatalf("memory released %d times after the hash, want once", n)
			}
		})
	})
}
