package ratelimit_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/ratelimit"
)

// base starts a minute, an hour and a day, so tests know where windows begin.
var base = time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)

// newLimiters returns n limiters that share one set of empty counters, as n instances
// of the service do.
type newLimiters func(t *testing.T, n int) []ratelimit.Limiter

func allow(t *testing.T, l ratelimit.Limiter, key string, r ratelimit.Rule, now time.Time) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(t.Context(), key, r, now)
	if err != nil {
		t.Fatalf("Allow(%q, %v, %v): %v", key, r, now, err)
	}
	return d
}

func check(t *testing.T, l ratelimit.Limiter, key string, r ratelimit.Rule, now time.Time) ratelimit.Decision {
	t.Helper()
	d, err := l.Check(t.Context(), key, r, now)
	if err != nil {
		t.Fatalf("Check(%q, %v, %v): %v", key, r, now, err)
	}
	return d
}

func wantDecision(t *testing.T, what string, got, want ratelimit.Decision) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

// exhaust counts rule.Limit events for key at now, checking each is allowed.
func exhaust(t *testing.T, l ratelimit.Limiter, key string, r ratelimit.Rule, now time.Time) {
	t.Helper()
	for i := range r.Limit {
		if d := allow(t, l, key, r, now); !d.Allowed {
			t.Fatalf("event %d of %d refused: %+v", i+1, r.Limit, d)
		}
	}
}

// runSuite is what every Limiter must do. Both implementations must give exactly the
// same decisions, so the expected values are spelled out.
func runSuite(t *testing.T, newLimiters newLimiters) {
	one := func(t *testing.T) ratelimit.Limiter { return newLimiters(t, 1)[0] }
	perMinute := func(n int) ratelimit.Rule { return ratelimit.Rule{Limit: n, Window: time.Minute} }

	t.Run("limit_reached_refused_with_retry_after", func(t *testing.T) {
		l, r := one(t), perMinute(5)
		now := base.Add(17 * time.Second)
		for i := range 5 {
			want := ratelimit.Decision{Allowed: true, Remaining: 4 - i}
			if i == 4 {
				// Full: the next event fits once this window is the previous one
				// and weighs 4 of its 5 events: 48s into the next window.
				want.RetryAfter = 55 * time.Second
			}
			wantDecision(t, "Allow", allow(t, l, "k", r, now), want)
		}
		d := allow(t, l, "k", r, now)
		if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > r.Window {
			t.Fatalf("Allow over the limit = %+v, want refused with RetryAfter in (0, %v]", d, r.Window)
		}
		wantDecision(t, "refused Allow", d, ratelimit.Decision{RetryAfter: 55 * time.Second})
		// RetryAfter is exact, to the microsecond.
		if d := check(t, l, "k", r, now.Add(d.RetryAfter-time.Microsecond)); d.Allowed {
			t.Errorf("Check 1µs before RetryAfter = %+v, want refused", d)
		}
		if d := allow(t, l, "k", r, now.Add(d.RetryAfter)); !d.Allowed {
			t.Errorf("Allow at RetryAfter = %+v, want allowed", d)
		}
	})

	t.Run("allowed_again_after_the_window", func(t *testing.T) {
		l, r := one(t), perMinute(3)
		exhaust(t, l, "k", r, base)
		// A burst at the start of a window waits the whole window, and no longer:
		// by then the burst has left the sliding window.
		wantDecision(t, "refused Allow", allow(t, l, "k", r, base), ratelimit.Decision{RetryAfter: time.Minute})
		if d := allow(t, l, "k", r, base.Add(time.Minute-time.Microsecond)); d.Allowed {
			t.Errorf("Allow 1µs before the window ends = %+v, want refused", d)
		}
		wantDecision(t, "Allow a window later", allow(t, l, "k", r, base.Add(time.Minute)),
			ratelimit.Decision{Allowed: true, Remaining: 2})
	})

	t.Run("previous_window_weighs_in_as_it_slides_out", func(t *testing.T) {
		l, r := one(t), perMinute(10)
		exhaust(t, l, "k", r, base.Add(50*time.Second))
		// 10s later the sliding window still covers 10 events (the previous
		// window at full weight); 6s further on it covers 54/60 of them: 9.
		wantDecision(t, "Allow at the next window", allow(t, l, "k", r, base.Add(60*time.Second)),
			ratelimit.Decision{RetryAfter: 6 * time.Second})
		wantDecision(t, "Allow 6s into it", allow(t, l, "k", r, base.Add(66*time.Second)),
			ratelimit.Decision{Allowed: true, Remaining: 0, RetryAfter: 6 * time.Second})
		wantDecision(t, "Allow 7s into it", allow(t, l, "k", r, base.Add(67*time.Second)),
			ratelimit.Decision{RetryAfter: 5 * time.Second})
		wantDecision(t, "Allow 12s into it", allow(t, l, "k", r, base.Add(72*time.Second)),
			ratelimit.Decision{Allowed: true, Remaining: 0, RetryAfter: 6 * time.Second})
		// 30s into it the weight is 5 and 2 are counted: 3 more fit.
		wantDecision(t, "Check 30s into it", check(t, l, "k", r, base.Add(90*time.Second)),
			ratelimit.Decision{Allowed: true, Remaining: 2})
	})

	t.Run("keys_are_independent", func(t *testing.T) {
		l, r := one(t), perMinute(2)
		exhaust(t, l, "login:ip:192.0.2.1", r, base)
		if d := allow(t, l, "login:ip:192.0.2.1", r, base); d.Allowed {
			t.Fatalf("exhausted key allowed: %+v", d)
		}
		wantDecision(t, "Allow on another key", allow(t, l, "login:ip:192.0.2.2", r, base),
			ratelimit.Decision{Allowed: true, Remaining: 1})
		long := "login:email:" + strings.Repeat("a", 10_000) + "@example.com"
		wantDecision(t, "Allow on a long key", allow(t, l, long, r, base),
			ratelimit.Decision{Allowed: true, Remaining: 1})
		wantDecision(t, "Allow on the long key's prefix", allow(t, l, long[:1000], r, base),
			ratelimit.Decision{Allowed: true, Remaining: 1})
	})

	t.Run("check_does_not_count", func(t *testing.T) {
		l, r := one(t), perMinute(3)
		for range 10 {
			wantDecision(t, "Check", check(t, l, "k", r, base), ratelimit.Decision{Allowed: true, Remaining: 2})
		}
		exhaust(t, l, "k", r, base)
		c := check(t, l, "k", r, base.Add(time.Second))
		if c.Allowed || c.RetryAfter <= 0 {
			t.Fatalf("Check on an exhausted key = %+v, want refused with RetryAfter > 0", c)
		}
		wantDecision(t, "Allow after Check (Check returns what Allow would)", allow(t, l, "k", r, base.Add(time.Second)), c)
	})

	t.Run("reset_forgets_the_key", func(t *testing.T) {
		l, r := one(t), perMinute(2)
		exhaust(t, l, "k", r, base)
		exhaust(t, l, "other", r, base)
		if err := l.Reset(t.Context(), "k"); err != nil {
			t.Fatalf("Reset: %v", err)
		}
		wantDecision(t, "Allow after Reset", allow(t, l, "k", r, base), ratelimit.Decision{Allowed: true, Remaining: 1})
		if d := allow(t, l, "other", r, base); d.Allowed {
			t.Errorf("Reset of k freed other: %+v", d)
		}
		if err := l.Reset(t.Context(), "never-seen"); err != nil {
			t.Errorf("Reset of an unknown key: %v", err)
		}
	})

	t.Run("undo_takes_back_one_event_of_the_current_window", func(t *testing.T) {
		l, r := one(t), perMinute(2)
		exhaust(t, l, "k", r, base)
		if err := l.Undo(t.Context(), "k", r, base.Add(time.Second)); err != nil {
			t.Fatalf("Undo: %v", err)
		}
		wantDecision(t, "Allow after Undo", allow(t, l, "k", r, base.Add(time.Second)), ratelimit.Decision{Allowed: true, RetryAfter: time.Minute})
		if d := allow(t, l, "k", r, base.Add(time.Second)); d.Allowed {
			t.Errorf("Undo took back more than one event: %+v", d)
		}
		for _, key := range []string{"never-seen", "k"} {
			// Nothing to take back in a later window: k's events moved to the
			// previous one, which still counts them.
			if err := l.Undo(t.Context(), key, r, base.Add(time.Minute)); err != nil {
				t.Errorf("Undo(%s): %v", key, err)
			}
		}
		// Refused until the last event is a window old.
		wantDecision(t, "Check in the next window", check(t, l, "k", r, base.Add(time.Minute)), ratelimit.Decision{RetryAfter: time.Second})
	})

	t.Run("disabled_rule_allows_everything_and_counts_nothing", func(t *testing.T) {
		l := one(t)
		off, err := ratelimit.ParseRule("off")
		if err != nil {
			t.Fatal(err)
		}
		unlimited := ratelimit.Decision{Allowed: true, Remaining: int(^uint(0) >> 1)}
		for _, r := range []ratelimit.Rule{off, {}, {Limit: 0, Window: time.Minute}} {
			for range 100 {
				wantDecision(t, "Allow("+r.String()+")", allow(t, l, "k", r, base), unlimited)
			}
			wantDecision(t, "Check("+r.String()+")", check(t, l, "k", r, base), unlimited)
		}
		wantDecision(t, "Allow with a real rule afterwards", allow(t, l, "k", perMinute(1), base),
			ratelimit.Decision{Allowed: true, Remaining: 0, RetryAfter: time.Minute})
	})

	t.Run("invalid_rule_is_an_error", func(t *testing.T) {
		l := one(t)
		for _, r := range []ratelimit.Rule{
			{Limit: 5},
			{Limit: 5, Window: -time.Minute},
			{Limit: 5, Window: 1500 * time.Nanosecond},
			{Limit: -1, Window: time.Minute},
		} {
			if d, err := l.Allow(t.Context(), "k", r, base); err == nil || d.Allowed {
				t.Errorf("Allow(%+v) = %+v, %v; want an error and not allowed", r, d, err)
			}
			if d, err := l.Check(t.Context(), "k", r, base); err == nil || d.Allowed {
				t.Errorf("Check(%+v) = %+v, %v; want an error and not allowed", r, d, err)
			}
		}
	})

	t.Run("concurrent_allows_admit_exactly_the_limit", func(t *testing.T) {
		const goroutines, limit = 50, 10
		ls := newLimiters(t, 5) // five instances sharing the counters
		r := perMinute(limit)
		var (
			allowed   atomic.Int32
			remaining [limit]atomic.Int32
			wg        sync.WaitGroup
			start     = make(chan struct{})
		)
		for i := range goroutines {
			l := ls[i%len(ls)]
			wg.Go(func() {
				<-start
				d, err := l.Allow(t.Context(), "login:account:42", r, base)
				switch {
				case err != nil:
					t.Errorf("Allow: %v", err)
				case d.Allowed:
					allowed.Add(1)
					if d.Remaining >= 0 && d.Remaining < limit {
						remaining[d.Remaining].Add(1)
					}
				case d.RetryAfter <= 0:
					t.Errorf("refused without RetryAfter: %+v", d)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := allowed.Load(); n != limit {
			t.Errorf("%d of %d concurrent events allowed, want exactly %d", n, goroutines, limit)
		}
		// Each allowed event saw a different count: nothing was counted twice.
		for i := range remaining {
			if n := remaining[i].Load(); n != 1 {
				t.Errorf("%d allowed events reported Remaining %d, want 1", n, i)
			}
		}
	})
}
