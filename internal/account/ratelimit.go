package account

import (
	"context"
	"strings"
	"time"
)

// Rule allows Limit events per Window; a zero Limit disables it.
type Rule struct {
	Limit  int
	Window time.Duration
}

// Limits are the rate limits of the operations that cost the most or could be abused.
// Keys never depend on whether an account exists, so a limit's answer reveals nothing.
type Limits struct {
	// LoginIP bounds login attempts per client IP.
	LoginIP Rule
	// LoginFailures bounds login attempts that have not ended in a success: per
	// account, whatever name is typed (or per unknown name), for clients the account
	// does not know, and apart from that per device and per IP address it signed in
	// from (see Service.Login). Past it, those clients are slowed down (refused until
	// the window frees a slot), never locked for good.
	LoginFailures Rule
	// RegisterIP bounds registrations per client IP.
	RegisterIP Rule
	// RefreshIP bounds token refreshes per client IP.
	RefreshIP Rule
	// EmailIP and EmailAddress bound the operations that send email, per client IP and
	// per recipient address.
	EmailIP      Rule
	EmailAddress Rule
}

// Limiter counts events per key. ratelimit provides one in memory and one on
// PostgreSQL, shared by several instances.
type Limiter interface {
	// Allow counts an event and reports whether it is within the rule; when it is not,
	// retryAfter says when it would be.
	Allow(ctx context.Context, key string, rule Rule, now time.Time) (ok bool, retryAfter time.Duration, err error)
	// Reset forgets the key's events.
	Reset(ctx context.Context, key string) error
	// Undo takes back one event counted at now under rule, for an attempt that turned
	// out not to be what the rule counts (a login that succeeded).
	Undo(ctx context.Context, key string, rule Rule, now time.Time) error
}

// RateLimitError is returned when a rate limit refuses a request.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string { return "rate limited; retry after " + e.RetryAfter.String() }

type noLimiter struct{}

func (noLimiter) Allow(context.Context, string, Rule, time.Time) (bool, time.Duration, error) {
	return true, 0, nil
}
func (noLimiter) Reset(context.Context, string) error                 { return nil }
func (noLimiter) Undo(context.Context, string, Rule, time.Time) error { return nil }

// bucket is one rate-limit counter: a limit's name (also the metrics label), the subject
// it counts (an IP, a login name, an address) and the rule.
type bucket struct {
	name, subject string
	rule          Rule
}

func (b bucket) key() string { return b.name + ":" + b.subject }

// limit counts one event in each bucket and refuses with the longest wait if any
// refuses. Disabled rules are skipped.
func (s *Service) limit(ctx context.Context, buckets ...bucket) error {
	now := s.now()
	var wait time.Duration
	for _, b := range buckets {
		if b.rule.Limit <= 0 {
			continue
		}
		ok, retry, err := s.opt.Limiter.Allow(ctx, b.key(), b.rule, now)
		if err != nil {
			return err
		}
		if !ok {
			s.opt.Observer.RateLimited(b.name)
			wait = max(wait, retry)
		}
	}
	if wait > 0 {
		return &RateLimitError{RetryAfter: wait}
	}
	return nil
}

// emailLimits are the limits of an operation that sends email to address.
func (s *Service) emailLimits(ctx context.Context, meta RequestMeta, address string) error {
	return s.limit(ctx,
		bucket{"mail:ip", meta.IP, s.opt.Limits.EmailIP},
		bucket{"mail:to", strings.ToLower(strings.TrimSpace(address)), s.opt.Limits.EmailAddress})
}

// LoginOutcome classifies a login attempt, for metrics.
type LoginOutcome string

// Login outcomes.
const (
	LoginSucceeded          LoginOutcome = "succeeded"
	LoginInvalidCredentials LoginOutcome = "invalid_credentials"
	LoginInactive           LoginOutcome = "inactive"
	LoginRateLimited        LoginOutcome = "rate_limited"
)

// Observer hears about outcomes worth counting; the metrics package implements it.
type Observer interface {
	Login(outcome LoginOutcome)
	// RateLimited is told the name of the limit that refused a request.
	RateLimited(limit string)
}

type noObserver struct{}

func (noObserver) Login(LoginOutcome) {}
func (noObserver) RateLimited(string) {}
