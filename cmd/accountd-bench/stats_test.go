package main

import (
	"testing"
	"time"
)

func ms(n ...int) []time.Duration {
	out := make([]time.Duration, len(n))
	for i, v := range n {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for name, tc := range map[string]struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		"empty_is_zero":             {nil, 50, 0},
		"single_value_every_rank":   {ms(7), 99, 7 * time.Millisecond},
		"p50_of_1_to_100_is_50":     {hundred, 50, 50 * time.Millisecond},
		"p99_of_1_to_100_is_99":     {hundred, 99, 99 * time.Millisecond},
		"p100_is_max":               {hundred, 100, 100 * time.Millisecond},
		"tiny_p_is_min":             {hundred, 0.001, time.Millisecond},
		"nearest_rank_rounds_up":    {ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		"p51_of_four_takes_third":   {ms(1, 2, 3, 4), 51, 3 * time.Millisecond},
		"p99_of_ten_is_the_largest": {ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			if got := Percentile(tc.sorted, tc.p); got != tc.want {
				t.Fatalf("Percentile(p%g) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestSampleFigures(t *testing.T) {
	s := merge([]workerTally{
		{latencies: ms(30, 10), errors: 1, firstErrors: []string{"status 500"}},
		{latencies: ms(20), errors: 2, firstErrors: []string{"status 500", "EOF"}},
	}, 2*time.Second, 30*time.Millisecond)
	t.Run("counts_and_sorted_latencies", func(t *testing.T) {
		if s.Requests != 3 || s.Errors != 3 {
			t.Fatalf("requests %d errors %d, want 3 and 3", s.Requests, s.Errors)
		}
		if s.Latencies[0] != 10*time.Millisecond || s.Max() != 30*time.Millisecond || s.P50() != 20*time.Millisecond {
			t.Fatalf("latencies %v not sorted or misread", s.Latencies)
		}
	})
	t.Run("distinct_error_messages", func(t *testing.T) {
		if len(s.FirstErrors) != 2 {
			t.Fatalf("first errors %q, want the two distinct ones", s.FirstErrors)
		}
	})
	t.Run("rate_and_cpu_per_1000", func(t *testing.T) {
		if s.RPS() != 1.5 {
			t.Fatalf("RPS = %v, want 1.5", s.RPS())
		}
		if got := s.CPUPer1k(); got < 9.99 || got > 10.01 {
			t.Fatalf("CPU per 1k = %v, want 10 (30ms over 3 requests)", got)
		}
	})
	t.Run("combine_adds_windows", func(t *testing.T) {
		c := combine(s, s)
		if c.Requests != 6 || c.Elapsed != 4*time.Second || c.CPU != 60*time.Millisecond || c.Max() != 30*time.Millisecond || c.RPS() != 1.5 {
			t.Fatalf("combined %+v", c)
		}
	})
	t.Run("empty_sample_is_zero_not_nan", func(t *testing.T) {
		var e Sample
		if e.RPS() != 0 || e.CPUPer1k() != 0 || e.P99() != 0 || e.Max() != 0 {
			t.Fatalf("empty sample figures %v %v %v %v", e.RPS(), e.CPUPer1k(), e.P99(), e.Max())
		}
	})
}
