package app

import (
	"context"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/ratelimit"
)

// limiter lets the account service count with a ratelimit.Limiter.
type limiter struct{ l ratelimit.Limiter }

func (a limiter) Allow(ctx context.Context, key string, r account.Rule, now time.Time) (bool, time.Duration, error) {
	d, err := a.l.Allow(ctx, key, ratelimit.Rule{Limit: r.Limit, Window: r.Window}, now)
	return d.Allowed, d.RetryAfter, err
}

func (a limiter) Reset(ctx context.Context, key string) error { return a.l.Reset(ctx, key) }
