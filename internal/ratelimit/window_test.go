package ratelimit

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMulDiv(t *testing.T) {
	for _, tc := range []struct{ a, b, c, floor, ceil int64 }{
		{0, 5, 3, 0, 0},
		{7, 3, 3, 7, 7},
		{7, 2, 3, 4, 5},
		{math.MaxInt32, math.MaxInt64, math.MaxInt64, math.MaxInt32, math.MaxInt32}, // 2^94 intermediate
		{math.MaxInt32, math.MaxInt64 - 1, math.MaxInt64, math.MaxInt32 - 1, math.MaxInt32},
		{math.MaxInt64, math.MaxInt64, 1, math.MaxInt64, math.MaxInt64}, // capped
		{math.MaxInt64, 4, 2, math.MaxInt64, math.MaxInt64},             // capped
	} {
		if got := mulDivFloor(tc.a, tc.b, tc.c); got != tc.floor {
			t.Errorf("mulDivFloor(%d, %d, %d) = %d, want %d", tc.a, tc.b, tc.c, got, tc.floor)
		}
		if got := mulDivCeil(tc.a, tc.b, tc.c); got != tc.ceil {
			t.Errorf("mulDivCeil(%d, %d, %d) = %d, want %d", tc.a, tc.b, tc.c, got, tc.ceil)
		}
	}
}

func TestWindowAlignment(t *testing.T) {
	at := time.Date(2030, 1, 7, 10, 17, 42, 123456789, time.UTC)
	p := newParams(Rule{Limit: 1, Window: 15 * time.Minute}, at)
	if got, want := time.UnixMicro(p.start).UTC(), time.Date(2030, 1, 7, 10, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("window start = %v, want %v", got, want)
	}
	if got, want := time.Duration(p.rem)*time.Microsecond, 12*time.Minute+17*time.Second+876544*time.Microsecond; got != want {
		t.Errorf("rem = %v, want %v", got, want)
	}
	before := time.Date(1969, 12, 31, 23, 59, 30, 0, time.UTC)
	p = newParams(Rule{Limit: 1, Window: time.Minute}, before)
	if got, want := time.UnixMicro(p.start).UTC(), time.Date(1969, 12, 31, 23, 59, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("window start before 1970 = %v, want %v", got, want)
	}
}

// TestDecisionsAgainstReplay drives one counter with random events and checks every
// Decision against the counter itself: Remaining more events fit at the same instant
// and no more; RetryAfter is the exact first instant one more fits; and however the
// events fall, no span of one window holds more than 2×Limit−1 of them.
func TestDecisionsAgainstReplay(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	windows := []time.Duration{time.Second, 7 * time.Second, time.Minute, 15 * time.Minute, time.Hour}
	for run := range 300 {
		r := Rule{Limit: 1 + rng.IntN(20), Window: windows[rng.IntN(len(windows))]}
		w := r.Window.Microseconds()
		now := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(w)) * time.Microsecond)
		var (
			c       counter
			counted []int64
		)
		for range 200 {
			// Mostly short steps (bursts), sometimes long gaps.
			step := rng.Int64N(w / int64(r.Limit+1))
			if rng.IntN(10) == 0 {
				step = rng.Int64N(3 * w)
			}
			now = now.Add(time.Duration(step) * time.Microsecond)
			p := newParams(r, now)
			d, next, ok := evaluate(c, p)
			if ok != d.Allowed {
				t.Fatalf("run %d: evaluate says %v, Decision %+v", run, ok, d)
			}
			if !ok {
				if d.Remaining != 0 || d.RetryAfter <= 0 || d.RetryAfter > r.Window {
					t.Fatalf("run %d, rule %v: refused with %+v, want Remaining 0 and RetryAfter in (0, %v]", run, r, d, r.Window)
				}
				checkRetryAfter(t, c, r, now, d.RetryAfter)
				continue
			}
			c = next
			counted = append(counted, p.now)
			// Remaining more fit now, and then no more.
			probe := c
			for i := range d.Remaining {
				_, probe, ok = evaluate(probe, p)
				if !ok {
					t.Fatalf("run %d: Remaining %d but event %d more refused", run, d.Remaining, i+1)
				}
			}
			if pd, _, ok := evaluate(probe, p); ok {
				t.Fatalf("run %d: Remaining %d but one more allowed", run, d.Remaining)
			} else if d.Remaining == 0 && pd.RetryAfter != d.RetryAfter {
				t.Fatalf("run %d: allowed with RetryAfter %v, the next event says %v", run, d.RetryAfter, pd.RetryAfter)
			}
			if d.Remaining > 0 && d.RetryAfter != 0 {
				t.Fatalf("run %d: Remaining %d with RetryAfter %v", run, d.Remaining, d.RetryAfter)
			}
			if d.Remaining == 0 {
				checkRetryAfter(t, c, r, now, d.RetryAfter)
			}
			// At most 2×Limit−1 counted events in any window-long span ending now.
			n := 0
			for _, at := range counted {
				if at > p.now-w {
					n++
				}
			}
			if n > 2*r.Limit-1 {
				t.Fatalf("run %d, rule %v: %d events within one window", run, r, n)
			}
		}
	}
}

// checkRetryAfter checks that counter c refuses an event 1µs before now+after and admits
// one at now+after.
func checkRetryAfter(t *testing.T, c counter, r Rule, now time.Time, after time.Duration) {
	t.Helper()
	if _, _, ok := evaluate(c, newParams(r, now.Add(after-time.Microsecond))); ok {
		t.Fatalf("rule %v, %+v at %v: allowed 1µs before RetryAfter %v", r, c, now, after)
	}
	if d, _, ok := evaluate(c, newParams(r, now.Add(after))); !ok {
		t.Fatalf("rule %v, %+v at %v: refused at RetryAfter %v: %+v", r, c, now, after, d)
	}
}
