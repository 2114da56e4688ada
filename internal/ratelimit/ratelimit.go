// Package ratelimit counts events per key and says when a key has had enough: login,
// registration and token refresh per client IP and per account, every email-sending
// operation, and the slowdown of an account after repeated failed logins.
//
// A Limiter is asked once per event:
//
//	d, err := lim.Allow(ctx, "login:ip:192.0.2.1", rule, now)
//	if err == nil && !d.Allowed {
//		// 429, Retry-After: d.RetryAfter rounded up to whole seconds
//	}
//
// Memory keeps the counters in the process, for a single instance; Postgres keeps them in
// the rate_limits table, so that every instance sharing the database shares the limits.
// Both give the same answers for the same calls.
//
// # Algorithm
//
// Each key holds a sliding-window approximation: the events counted in the current fixed
// window (aligned to multiples of the rule's window since the Unix epoch), the events
// counted in the window before it, and when the key's last counted event stops
// mattering. At an instant a fraction f of the way into the current window, the sliding
// window of the rule's length still covers 1−f of the previous window, so the estimate is
//
//	estimate = current + ⌈previous × (1 − f)⌉
//
// and an event is allowed when estimate + 1 ≤ Limit. Only allowed events are counted: a
// refused request costs nothing, so Retry-After is exact for a client that waits it out,
// and hammering does not extend the wait. The previous window is assumed to have been
// spread evenly. Two refinements keep the approximation honest:
//
//   - A key whose last counted event is a whole window old is forgotten, as a true
//     sliding window would have forgotten it. So a burst is refused for at most one
//     window (RetryAfter ≤ Window when time runs forward), where the plain approximation
//     could refuse for up to two.
//   - The approximation is never looser than a fixed window: at most 2×Limit−1 events
//     pass in any span of one window length, and only when the previous window's events
//     all came at its very end and the new ones are spread across the next window. A
//     fixed window lets the same 2×Limit through in an instant around its edge; here the
//     second Limit trickles in over a whole window.
//
// Arithmetic is exact, in integers, at microsecond resolution (PostgreSQL's), so both
// limiters agree to the microsecond; RetryAfter is the exact time until one more event
// would be allowed if nothing else were counted meanwhile.
//
// # Failed logins
//
// To slow down guessing, call Allow on the account's key before checking the password
// (it counts the attempt atomically, so parallel guesses cannot all pass a Check made
// first), and after a successful login Reset that key, or Undo the one attempt when the
// failures counted before must stay (they may be someone else's). The account is never locked for
// good: a refused key is allowed again within one window.
package ratelimit

import (
	"context"
	"math"
	"time"
)

// Limiter counts events per key. Keys are opaque strings; by convention
// "<operation>:<ip|account|email>:<value>", such as "login:ip:192.0.2.1". A key should be
// used with one rule: the counters do not record which rule they were counted under.
//
// now is the caller's clock, passed in so that tests and the service share one.
// Implementations are safe for concurrent use.
type Limiter interface {
	// Allow counts one event for key and reports whether it is within rule. A refused
	// event is not counted. A disabled rule allows everything and counts nothing. On an
	// error the Decision is the zero value (not allowed); whether to fail open or closed
	// is the caller's choice.
	Allow(ctx context.Context, key string, rule Rule, now time.Time) (Decision, error)
	// Check reports whether one more event would be allowed, without counting it: it
	// returns the Decision Allow would return at now.
	Check(ctx context.Context, key string, rule Rule, now time.Time) (Decision, error)
	// Reset forgets key (e.g. after a successful login). Forgetting an unknown key is
	// not an error.
	Reset(ctx context.Context, key string) error
	// Undo takes back one event of key counted in the window that holds now, for an
	// attempt that turned out not to be what the rule counts (a login that succeeded,
	// counted before the password was checked). An event counted in an earlier window,
	// or an unknown key, is left as it is.
	Undo(ctx context.Context, key string, rule Rule, now time.Time) error
}

// Decision is a Limiter's answer about one event.
type Decision struct {
	// Allowed reports whether the event is within the rule.
	Allowed bool
	// Remaining is how many more events would be allowed at the same instant after this
	// one (for Check: after this one, had it been counted). 0 when refused; math.MaxInt
	// for a disabled rule.
	Remaining int
	// RetryAfter is how long until one more event would be allowed, if no other event
	// were counted meanwhile: always > 0 when refused, and 0 while Remaining > 0. Send
	// it as Retry-After rounded up to whole seconds.
	RetryAfter time.Duration
}

// unlimited is the Decision for a disabled rule.
var unlimited = Decision{Allowed: true, Remaining: math.MaxInt}

var (
	_ Limiter = (*Memory)(nil)
	_ Limiter = (*Postgres)(nil)
)
