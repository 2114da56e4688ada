package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/ratelimit"
	"github.com/accountd/accountd/internal/store/bunstore"
)

// newLimiter returns the rate-limit counters of ACCOUNTD_RATE_LIMIT_STORE: in this
// process's memory, or in PostgreSQL, shared by every instance on the database.
func newLimiter(cfg config.Config, store *bunstore.Store) (ratelimit.Limiter, error) {
	if cfg.RateLimitStore == "postgres" {
		if store.Dialect() != bunstore.Postgres {
			return nil, errors.New("config: ACCOUNTD_RATE_LIMIT_STORE: postgres needs a PostgreSQL database")
		}
		return ratelimit.NewPostgres(store.DB().DB), nil
	}
	return ratelimit.NewMemory(rateLimitKeys), nil
}

// rateLimitKeys bounds the memory of in-process rate limiting: about 100 bytes a key.
const rateLimitKeys = 100_000

// limiter lets the account service count with a ratelimit.Limiter.
//
// Counters kept in PostgreSQL fail when the database does: each call is bounded by the
// query timeout, and a failure is account.ErrUnavailable (503, retry later) rather than
// an internal error. The request could not go on without the database anyway, and
// letting it through uncounted would open the limits to whoever waits for an outage.
type limiter struct {
	l       ratelimit.Limiter
	timeout time.Duration
}

func (a limiter) Allow(ctx context.Context, key string, r account.Rule, now time.Time) (bool, time.Duration, error) {
	ctx, cancel := a.bound(ctx)
	defer cancel()
	d, err := a.l.Allow(ctx, key, ratelimit.Rule{Limit: r.Limit, Window: r.Window}, now)
	if err != nil {
		return false, 0, fmt.Errorf("%w: %v", account.ErrUnavailable, err)
	}
	return d.Allowed, d.RetryAfter, nil
}

func (a limiter) Reset(ctx context.Context, key string) error {
	ctx, cancel := a.bound(ctx)
	defer cancel()
	if err := a.l.Reset(ctx, key); err != nil {
		return fmt.Errorf("%w: %v", account.ErrUnavailable, err)
	}
	return nil
}

func (a limiter) Undo(ctx context.Context, key string, r account.Rule, now time.Time) error {
	ctx, cancel := a.bound(ctx)
	defer cancel()
	if err := a.l.Undo(ctx, key, ratelimit.Rule{Limit: r.Limit, Window: r.Window}, now); err != nil {
		return fmt.Errorf("%w: %v", account.ErrUnavailable, err)
	}
	return nil
}

func (a limiter) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, a.timeout)
}
