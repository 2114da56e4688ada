package bunstore

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestConnGate(t *testing.T) {
	t.Run("first_come_first_served", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g := newConnGate(1)
			if err := g.enter(t.Context()); err != nil {
				t.Fatal(err)
			}
			order := make(chan int, 5)
			for i := range 5 {
				go func() {
					if err := g.enter(context.Background()); err != nil {
						t.Error(err)
						return
					}
					order <- i
					g.leave()
				}()
				synctest.Wait() // waiter i is in line before waiter i+1 starts
			}
			g.leave()
			for want := range 5 {
				if got := <-order; got != want {
					t.Fatalf("waiter %d got the slot in turn %d", got, want)
				}
			}
		})
	})
	t.Run("at_most_slots_holders", func(t *testing.T) {
		g := newConnGate(2)
		for range 2 {
			if err := g.enter(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		if err := g.enter(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("third enter on two slots = %v, want the deadline", err)
		}
		g.leave()
		if err := g.enter(t.Context()); err != nil {
			t.Fatalf("enter after a leave: %v", err)
		}
	})
	t.Run("ended_context_refused_even_with_a_free_slot", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := newConnGate(1).enter(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("enter with an ended context = %v, want context.Canceled", err)
		}
	})
}
