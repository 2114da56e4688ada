package idempotency_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/idempotency"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func forEachKind(t *testing.T, test func(t *testing.T, s *idempotency.Store, c *clock, secret []byte)) {
	for _, kind := range bunstoretest.Kinds() {
		t.Run(kind, func(t *testing.T) {
			db := bunstoretest.Open(t, kind)
			c := &clock{now: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
			secret := []byte("0123456789abcdef0123456789abcdef")
			test(t, idempotency.New(db.DB(), secret, idempotency.Options{TTL: time.Hour, Lease: time.Minute, Now: c.Now}), c, secret)
		})
	}
}

func TestStates(t *testing.T) {
	forEachKind(t, func(t *testing.T, s *idempotency.Store, c *clock, secret []byte) {
		ctx := context.Background()
		begin := func(r idempotency.Request, fp string) (idempotency.State, []byte) {
			t.Helper()
			state, answer, _, err := s.Begin(ctx, r, fp)
			if err != nil {
				t.Fatal(err)
			}
			return state, answer
		}
		r := s.For("user 1", "key-aaaaaaaaaaaaaaaa")
		fp := r.Fingerprint([]byte("POST"), []byte("/v1/x"), []byte(`{"a":1}`))
		if state, _ := begin(r, fp); state != idempotency.Started {
			t.Fatalf("first Begin: %v, want Started", state)
		}
		if state, _ := begin(r, fp); state != idempotency.InFlight {
			t.Fatalf("Begin while in flight: %v, want InFlight", state)
		}
		if state, _ := begin(r, r.Fingerprint([]byte("other"))); state != idempotency.Mismatch {
			t.Fatalf("Begin with another request: %v, want Mismatch", state)
		}
		if err := s.Finish(ctx, r, []byte("the answer, with a token")); err != nil {
			t.Fatal(err)
		}
		if state, answer := begin(r, fp); state != idempotency.Replay || string(answer) != "the answer, with a token" {
			t.Fatalf("Begin after Finish: %v %q, want the answer", state, answer)
		}
		// Another scope, same key: another record.
		if state, _ := begin(s.For("user 2", "key-aaaaaaaaaaaaaaaa"), fp); state != idempotency.Started {
			t.Fatalf("the key in another scope: %v, want Started", state)
		}
		// The same key under another server secret reads nothing.
		other := idempotency.New(nil, append(bytes.Clone(secret[:31]), 'X'), idempotency.Options{})
		if other.For("user 1", "key-aaaaaaaaaaaaaaaa").Fingerprint([]byte("POST"), []byte("/v1/x"), []byte(`{"a":1}`)) == fp {
			t.Fatal("the fingerprint does not depend on the server's secret")
		}
		// Past the TTL the key is forgotten.
		c.Advance(time.Hour + time.Second)
		if state, _ := begin(r, fp); state != idempotency.Started {
			t.Fatalf("Begin past the TTL: %v, want Started", state)
		}
		// A released key runs again; a lease that ran out may be taken over.
		if err := s.Release(ctx, r); err != nil {
			t.Fatal(err)
		}
		if state, _ := begin(r, fp); state != idempotency.Started {
			t.Fatalf("Begin after Release: %v, want Started", state)
		}
		c.Advance(time.Minute + time.Second)
		if state, _ := begin(r, fp); state != idempotency.Started {
			t.Fatalf("Begin after the lease ran out: %v, want Started", state)
		}
	})
}

func TestConcurrentBeginOneStarts(t *testing.T) {
	forEachKind(t, func(t *testing.T, s *idempotency.Store, c *clock, _ []byte) {
		r := s.For("anonymous refresh", "key-bbbbbbbbbbbbbbbb")
		fp := r.Fingerprint([]byte("x"))
		var wg sync.WaitGroup
		var mu sync.Mutex
		started := 0
		for range 10 {
			wg.Go(func() {
				state, _, _, err := s.Begin(context.Background(), r, fp)
				if err != nil {
					t.Error(err)
					return
				}
				if state == idempotency.Started {
					mu.Lock()
					started++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if started != 1 {
			t.Fatalf("%d of 10 concurrent Begins started the request, want 1", started)
		}
	})
}

func TestPurgeDeletesExpiredOnly(t *testing.T) {
	forEachKind(t, func(t *testing.T, s *idempotency.Store, c *clock, _ []byte) {
		ctx := context.Background()
		old := s.For("user 1", "key-old-aaaaaaaaaaaa")
		if _, _, _, err := s.Begin(ctx, old, "fp"); err != nil {
			t.Fatal(err)
		}
		if err := s.Finish(ctx, old, []byte("old")); err != nil {
			t.Fatal(err)
		}
		c.Advance(2 * time.Hour)
		young := s.For("user 1", "key-young-aaaaaaaaaa")
		if _, _, _, err := s.Begin(ctx, young, "fp"); err != nil {
			t.Fatal(err)
		}
		n, err := s.Purge(ctx, 1, 10)
		if err != nil || n != 1 {
			t.Fatalf("Purge = %d, %v; want the one expired record", n, err)
		}
		if state, _, _, _ := s.Begin(ctx, young, "fp"); state != idempotency.InFlight {
			t.Fatalf("the young record: %v, want it kept (InFlight)", state)
		}
	})
}
