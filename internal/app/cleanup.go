package app

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/idempotency"
)

// cleaner deletes, every ACCOUNTD_CLEANUP_INTERVAL, what no longer matters: ended
// sessions, spent and expired refresh tokens, used and expired emailed tokens (after
// ACCOUNTD_CLEANUP_RETENTION), expired reservations of usernames by hidden
// registrations, expired Idempotency-Key answers and, with
// ACCOUNTD_EVENT_RETENTION, old history events. Every instance runs one: each pass is a
// series of bounded, idempotent DELETEs that skip rows another instance is deleting, so
// passes may overlap, and no lock is held between statements (a pooler in transaction
// mode is fine). The outbox and the PostgreSQL rate limiter clean their own tables.
type cleaner struct {
	store  *bunstore.Store
	idem   *idempotency.Store
	cfg    config.Config
	now    func() time.Time
	logger *slog.Logger

	stop chan struct{}
	done sync.WaitGroup
}

func newCleaner(a *App, cfg config.Config, opt Options) *cleaner {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	return &cleaner{store: a.Store, idem: a.idempotency, cfg: cfg, now: now, logger: opt.Logger, stop: make(chan struct{})}
}

// start runs passes until close: the first after a random part of the interval, so that
// instances started together spread out, then one every interval.
func (c *cleaner) start() {
	if c.cfg.CleanupInterval <= 0 {
		return
	}
	c.done.Go(func() {
		wait := time.Duration(rand.Int64N(int64(c.cfg.CleanupInterval)))
		for {
			select {
			case <-c.stop:
				return
			case <-time.After(wait):
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.CleanupInterval)
			go func() {
				select {
				case <-c.stop:
					cancel()
				case <-ctx.Done():
				}
			}()
			if err := c.pass(ctx); err != nil && !errors.Is(err, context.Canceled) {
				c.logger.Warn("cleanup pass failed; the next one catches up", "err", err)
			}
			cancel()
			wait = c.cfg.CleanupInterval
		}
	})
}

// close stops the passes and waits for the one under way to stop.
func (c *cleaner) close() {
	close(c.stop)
	c.done.Wait()
}

// pass deletes one round of what no longer matters.
func (c *cleaner) pass(ctx context.Context) error {
	const batch, maxBatches = 1000, 100
	purged, err := c.store.Purge(ctx, bunstore.PurgeOptions{
		Now: c.now(), Retention: c.cfg.CleanupRetention, EventRetention: c.cfg.EventRetention,
		Batch: batch, MaxBatches: maxBatches,
	})
	answers, idemErr := c.idem.Purge(ctx, batch, maxBatches)
	if n := purged.Sessions + purged.RefreshTokens + purged.EmailTokens + purged.Events + purged.Reservations + answers; n > 0 {
		c.logger.Info("cleanup", "sessions", purged.Sessions, "refresh_tokens", purged.RefreshTokens,
			"email_tokens", purged.EmailTokens, "events", purged.Events, "username_reservations", purged.Reservations,
			"idempotency_answers", answers)
	}
	return errors.Join(err, idemErr)
}

// Cleanup runs one cleanup pass now, as every instance does every
// ACCOUNTD_CLEANUP_INTERVAL.
func (a *App) Cleanup(ctx context.Context) error { return a.cleanup.pass(ctx) }
