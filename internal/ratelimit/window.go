package ratelimit

import (
	"math"
	"math/bits"
	"time"
)

// counter is one key's state. Times are microseconds since the Unix epoch: PostgreSQL
// keeps microseconds, so both limiters compute with exactly the same numbers.
type counter struct {
	start   int64 // when the current window began, a multiple of the window
	prev    int64 // events counted in the window before start
	cur     int64 // events counted since start
	expires int64 // a window after the last counted event; 0 when nothing is counted
}

// params is a rule applied at one instant, in microseconds.
type params struct {
	now   int64
	w     int64 // window length
	start int64 // start of the window holding now
	rem   int64 // start + w - now, in (0, w]: how much of the previous window the sliding window still covers
	limit int64
}

func newParams(r Rule, now time.Time) params {
	n := now.UnixMicro()
	w := r.Window.Microseconds()
	off := n % w
	if off < 0 { // before 1970: floor, not truncation toward zero
		off += w
	}
	return params{now: n, w: w, start: n - off, rem: w - off, limit: int64(r.Limit)}
}

// rolled returns c as it stands at p.now: moved into the current window, or forgotten
// once expired. Each step is mirrored by the PostgreSQL upsert (postgres.go).
func (c counter) rolled(p params) counter {
	switch {
	case c.expires <= p.now || c.cur == 0 && c.prev == 0:
		// Nothing counted within the last window: a true sliding window is empty too.
		return counter{start: p.start}
	case c.start >= p.start:
		// The current window. (A start after p.start comes from an instance whose
		// clock runs ahead; counting into its window is the cautious choice.)
		return c
	case c.start >= p.start-p.w:
		// The window before: it becomes the previous one.
		return counter{start: p.start, prev: c.cur, expires: c.expires}
	default:
		return counter{start: p.start, expires: c.expires}
	}
}

// weightedPrev is the previous window's events still inside the sliding window,
// rounded up: ⌈prev × rem / w⌉.
func (c counter) weightedPrev(p params) int64 {
	return mulDivCeil(c.prev, p.rem, p.w)
}

// admits reports whether one more event fits in the rolled counter c:
// cur + 1 + ⌈prev × rem / w⌉ ≤ limit, which for integers is the same as
// prev × rem + (cur + 1) × w ≤ limit × w, the form the SQL uses.
func (c counter) admits(p params) bool {
	return c.cur+1+c.weightedPrev(p) <= p.limit
}

// evaluate decides one event on the stored counter c. When the event is allowed it
// returns the counter with the event counted, to be stored by Allow (and not by Check).
func evaluate(c counter, p params) (d Decision, next counter, ok bool) {
	r := c.rolled(p)
	if !r.admits(p) {
		return refused(r, p), c, false
	}
	r.cur++
	r.expires = max(r.expires, p.now+p.w)
	return allowed(r, p), r, true
}

// allowed is the Decision for an event counted in c (c includes it).
func allowed(c counter, p params) Decision {
	remaining := max(p.limit-c.cur-c.weightedPrev(p), 0)
	d := Decision{Allowed: true, Remaining: int(remaining)}
	if remaining == 0 {
		d.RetryAfter = c.wait(p)
	}
	return d
}

// refused is the Decision for an event that the rolled counter c does not admit.
func refused(c counter, p params) Decision {
	return Decision{RetryAfter: c.wait(p)}
}

// wait returns how long from p.now until the rolled counter c admits one more event,
// if nothing else is counted meanwhile; > 0 whenever c does not admit one now.
func (c counter) wait(p params) time.Duration {
	var t int64
	if c.cur+1 <= p.limit {
		// Within this window, once the previous window's weight has decayed enough:
		// prev × (rem − t) ≤ (limit − cur − 1) × w.
		if c.prev > 0 {
			t = p.rem - min(mulDivFloor(p.limit-c.cur-1, p.w, c.prev), p.rem)
		}
	} else {
		// This window is full: wait for the next one (rem), where cur becomes the
		// previous window, then until its weight has decayed enough:
		// cur × (w − t′) ≤ (limit − 1) × w.
		t = p.rem + p.w - min(mulDivFloor(p.limit-1, p.w, c.cur), p.w)
	}
	// And never longer than until the key is forgotten. (c holds an event here: it
	// either refused one or has just counted one.)
	t = min(t, c.expires-p.now, math.MaxInt64/int64(time.Microsecond))
	return time.Duration(t) * time.Microsecond
}

// mulDivFloor returns ⌊a × b / c⌋ for a, b ≥ 0 and c > 0, computed in 128 bits and
// capped at math.MaxInt64.
func mulDivFloor(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(min(q, math.MaxInt64))
}

// mulDivCeil returns ⌈a × b / c⌉ for a, b ≥ 0 and c > 0, computed in 128 bits and
// capped at math.MaxInt64.
func mulDivCeil(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, r := bits.Div64(hi, lo, uint64(c))
	if r != 0 {
		q++
	}
	return int64(min(q, math.MaxInt64))
}
