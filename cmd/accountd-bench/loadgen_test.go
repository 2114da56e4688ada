package main

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// scripted is a Windowed whose windows report given request counts and shares of the
// machine busy elsewhere, in turn.
type scripted struct {
	requests []int
	busy     []float64
	calls    int
}

func (s *scripted) Window(_ context.Context, _, d time.Duration) (Sample, error) {
	i := s.calls % len(s.requests)
	s.calls++
	cpus := float64(runtime.NumCPU())
	return Sample{
		Requests: s.requests[i], Elapsed: d,
		Elsewhere: time.Duration(s.busy[i] * cpus * float64(d)),
	}, nil
}

func TestInterleaveDropsBusyPairs(t *testing.T) {
	ctx := context.Background()
	t.Run("busy_pair_measured_again", func(t *testing.T) {
		a := &scripted{requests: []int{10, 50, 10, 10}, busy: []float64{0, 0.5, 0, 0}}
		b := &scripted{requests: []int{20, 20, 20, 20}, busy: []float64{0, 0, 0, 0}}
		sa, sb, dropped, err := Interleave(ctx, a, b, 3*time.Second, time.Second, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if dropped != 1 || a.calls != 4 || sa.Requests != 30 || sb.Requests != 60 || sa.Elapsed != 3*time.Second {
			t.Fatalf("dropped %d after %d windows, %d vs %d requests over %v; want 1, 4, 30 vs 60 over 3s",
				dropped, a.calls, sa.Requests, sb.Requests, sa.Elapsed)
		}
	})
	t.Run("always_busy_keeps_everything", func(t *testing.T) {
		a := &scripted{requests: []int{10}, busy: []float64{0.9}}
		b := &scripted{requests: []int{20}, busy: []float64{0}}
		sa, _, dropped, err := Interleave(ctx, a, b, 2*time.Second, time.Second, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if dropped != 0 || a.calls != 4 || sa.Requests != 40 {
			t.Fatalf("dropped %d after %d windows with %d requests; want 0 dropped, 4 windows (twice the plan), all 40 kept",
				dropped, a.calls, sa.Requests)
		}
	})
}
