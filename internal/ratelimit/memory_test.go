package ratelimit_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/ratelimit"
)

func TestMemory(t *testing.T) {
	runSuite(t, func(t *testing.T, n int) []ratelimit.Limiter {
		// One process: every "instance" is the same Memory.
		m := ratelimit.NewMemory(1000)
		ls := make([]ratelimit.Limiter, n)
		for i := range ls {
			ls[i] = m
		}
		return ls
	})
}

func TestMemoryBound(t *testing.T) {
	r := ratelimit.Rule{Limit: 1, Window: time.Hour}
	for _, maxKeys := range []int{1, 100, 10_000} {
		t.Run(fmt.Sprint("max_", maxKeys), func(t *testing.T) {
			m := ratelimit.NewMemory(maxKeys)
			// A flood of distinct keys, none expiring meanwhile.
			total := 10 * maxKeys
			for i := range total {
				now := base.Add(time.Duration(i) * time.Millisecond)
				if d := allow(t, m, fmt.Sprint("flood:", i), r, now); !d.Allowed {
					t.Fatalf("new key %d refused: %+v", i, d)
				}
				if n := m.Len(); n > maxKeys {
					t.Fatalf("after %d keys Len() = %d, want ≤ %d", i+1, n, maxKeys)
				}
			}
			if n := m.Len(); n < maxKeys*3/4 {
				t.Errorf("Len() = %d after the flood, want close to %d (shards evict early only a little)", n, maxKeys)
			}
			end := base.Add(time.Duration(total) * time.Millisecond)
			// The newest key is still counted; the oldest went first.
			if d := allow(t, m, fmt.Sprint("flood:", total-1), r, end); d.Allowed {
				t.Errorf("newest key forgotten: %+v", d)
			}
			if d := allow(t, m, "flood:0", r, end); !d.Allowed {
				t.Errorf("oldest key still counted: %+v", d)
			}
		})
	}
}

func TestMemoryDropsExpired(t *testing.T) {
	m := ratelimit.NewMemory(1000)
	r := ratelimit.Rule{Limit: 1, Window: time.Minute}
	for i := range 500 {
		allow(t, m, fmt.Sprint("old:", i), r, base)
	}
	if n := m.Len(); n != 500 {
		t.Fatalf("Len() = %d, want 500", n)
	}
	// A window later the old counters are dead weight, dropped as their shards are used.
	for i := range 500 {
		allow(t, m, fmt.Sprint("new:", i), r, base.Add(time.Minute))
	}
	if n := m.Len(); n != 500 {
		t.Errorf("Len() = %d, want 500: only the new keys", n)
	}
	// Check and refused events store nothing.
	check(t, m, "checked", r, base.Add(time.Minute))
	allow(t, m, "new:0", r, base.Add(time.Minute))
	if n := m.Len(); n != 500 {
		t.Errorf("Len() = %d after Check and a refusal, want 500", n)
	}
	if err := m.Reset(t.Context(), "new:1"); err != nil {
		t.Fatal(err)
	}
	if n := m.Len(); n != 499 {
		t.Errorf("Len() = %d after Reset, want 499", n)
	}
}

func TestNewMemoryDefault(t *testing.T) {
	m := ratelimit.NewMemory(0)
	r := ratelimit.Rule{Limit: 1, Window: time.Hour}
	for i := range ratelimit.DefaultMaxKeys + 1000 {
		if _, err := m.Allow(t.Context(), fmt.Sprint(i), r, base); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Len(); n > ratelimit.DefaultMaxKeys || n < ratelimit.DefaultMaxKeys*3/4 {
		t.Errorf("NewMemory(0) holds %d keys, want about DefaultMaxKeys (%d) and no more", n, ratelimit.DefaultMaxKeys)
	}
}

// BenchmarkMemoryAllow measures Allow from all Ps at once.
//
//	spread: requests spread over 10,000 live keys (the usual case)
//	hot_key: every request on one key, refused (a flood from one client)
//	new_keys: every request a new key at maxKeys, each evicting another (a random-key flood)
func BenchmarkMemoryAllow(b *testing.B) {
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("login:email:user%d@example.com", i)
	}
	b.Run("spread", func(b *testing.B) {
		m := ratelimit.NewMemory(100_000)
		r := ratelimit.Rule{Limit: 1 << 30, Window: time.Hour}
		var seq atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := seq.Add(7919)
			for pb.Next() {
				i++
				if _, err := m.Allow(b.Context(), keys[i%uint64(len(keys))], r, base); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("hot_key", func(b *testing.B) {
		m := ratelimit.NewMemory(100_000)
		r := ratelimit.Rule{Limit: 10, Window: time.Minute}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := m.Allow(b.Context(), "login:ip:192.0.2.1", r, base); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("new_keys", func(b *testing.B) {
		m := ratelimit.NewMemory(10_000)
		r := ratelimit.Rule{Limit: 10, Window: time.Minute}
		var seq atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			buf := make([]byte, 0, 32)
			for pb.Next() {
				buf = fmt.Appendf(buf[:0], "login:ip:%d", seq.Add(1))
				if _, err := m.Allow(b.Context(), string(buf), r, base); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
