package ratelimit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

const (
	// cleanupEvery is how many Allow calls of one Postgres pass between cleanups.
	cleanupEvery = 1000
	// cleanupBatch bounds the rows one cleanup deletes. Twice cleanupEvery: each Allow
	// adds at most one row, so cleanup keeps up, and catches up after a lull.
	cleanupBatch = 2 * cleanupEvery
)

// Postgres is a Limiter whose counters live in the rate_limits table (created by
// bunstore's migrations), so that every instance using the database shares them. Each
// Allow is one atomic statement: instances cannot both take the last slot. Keys are
// stored as their SHA-256, never in clear.
//
// Every cleanupEvery-th Allow of a Postgres also deletes a bounded batch of expired
// rows; Cleanup does so on demand.
type Postgres struct {
	db    *sql.DB
	calls atomic.Uint64
	every uint64 // cleanupEvery, changed by tests
}

// NewPostgres returns a Postgres using db, a PostgreSQL database (pgx's "pgx" driver)
// holding the rate_limits table.
func NewPostgres(db *sql.DB) *Postgres {
	return &Postgres{db: db, every: cleanupEvery}
}

// allowSQL counts one event, in one statement, on the row locked by ON CONFLICT: it
// rolls the row to the current window as counter.rolled does, decides as
// counter.admits does, and writes the counted event only when admitted. A refused
// event leaves the counters as they were; as no indexed column changes, PostgreSQL can
// update the row in place (HOT). RETURNING sees only the new row, so the row records
// its own decision in allowed.
//
// $1 key digest, $2 now, $3 current window start, $4 previous window start,
// $5 now + window (expires_at after counting), $6 window µs, $7 rem µs, $8 limit.
const allowSQL = `
INSERT INTO rate_limits AS rl (key, window_start, prev_count, count, expires_at, allowed)
VALUES ($1::text, $3::timestamptz, 0, 1, $5::timestamptz, true)
ON CONFLICT (key) DO UPDATE SET (window_start, prev_count, count, expires_at, allowed) = (
	SELECT
		CASE WHEN s.ok THEN s.ws ELSE rl.window_start END,
		CASE WHEN s.ok THEN s.p ELSE rl.prev_count END,
		CASE WHEN s.ok THEN s.c + 1 ELSE rl.count END,
		CASE WHEN s.ok THEN GREATEST(rl.expires_at, $5::timestamptz) ELSE rl.expires_at END,
		s.ok
	FROM (
		SELECT r.ws, r.p, r.c,
			r.p::numeric * $7::bigint + (r.c + 1)::numeric * $6::bigint <= $8::bigint::numeric * $6::bigint AS ok
		FROM (
			SELECT
				CASE WHEN f.fresh OR rl.window_start < $3::timestamptz THEN $3::timestamptz
					ELSE rl.window_start END AS ws,
				CASE WHEN f.fresh THEN 0
					WHEN rl.window_start >= $3::timestamptz THEN rl.prev_count
					WHEN rl.window_start >= $4::timestamptz THEN rl.count
					ELSE 0 END AS p,
				CASE WHEN f.fresh OR rl.window_start < $3::timestamptz THEN 0
					ELSE rl.count END AS c
			FROM (SELECT rl.expires_at <= $2::timestamptz
				OR (rl.count = 0 AND rl.prev_count = 0) AS fresh) f
		) r
	) s
)
RETURNING window_start, prev_count, count, expires_at, allowed`

const checkSQL = `SELECT window_start, prev_count, count, expires_at FROM rate_limits WHERE key = $1`

const resetSQL = `DELETE FROM rate_limits WHERE key = $1`

// undoSQL takes back one event counted in the current window: $1 key digest, $2 the
// window's start, $3 now.
const undoSQL = `UPDATE rate_limits SET count = count - 1
WHERE key = $1 AND window_start = $2::timestamptz AND count > 0 AND expires_at > $3::timestamptz`

// cleanupSQL deletes up to $2 rows that expired by $1. SKIP LOCKED passes over rows an
// Allow is updating (and other instances' cleanups); the lock makes a concurrent Allow
// wait and then insert afresh, which is what an expired row means anyway. "= ANY(ARRAY(
// ...))" rather than "IN (...)": the planner hashes an IN list and scans the whole
// table for it, but looks an array up in the primary key.
const cleanupSQL = `
DELETE FROM rate_limits WHERE key = ANY(ARRAY(
	SELECT key FROM rate_limits WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`

// Allow implements Limiter.
func (pg *Postgres) Allow(ctx context.Context, key string, rule Rule, now time.Time) (Decision, error) {
	if rule.Disabled() {
		return unlimited, nil
	}
	if err := rule.validate(); err != nil {
		return Decision{}, err
	}
	p := newParams(rule, now)
	var (
		c       counter
		ok      bool
		start   time.Time
		expires time.Time
	)
	err := pg.db.QueryRowContext(ctx, allowSQL,
		digest(key), micros(p.now), micros(p.start), micros(p.start-p.w), micros(p.now+p.w),
		p.w, p.rem, p.limit,
	).Scan(&start, &c.prev, &c.cur, &expires, &ok)
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: allow: %w", err)
	}
	c.start, c.expires = start.UnixMicro(), expires.UnixMicro()

	var d Decision
	if ok {
		d = allowed(c, p)
	} else {
		d = refused(c.rolled(p), p)
	}
	if pg.calls.Add(1)%pg.every == 0 {
		// Housekeeping: its failure does not change the decision, and the next
		// cleanup retries.
		_, _ = pg.Cleanup(ctx, now)
	}
	return d, nil
}

// Check implements Limiter with one SELECT.
func (pg *Postgres) Check(ctx context.Context, key string, rule Rule, now time.Time) (Decision, error) {
	if rule.Disabled() {
		return unlimited, nil
	}
	if err := rule.validate(); err != nil {
		return Decision{}, err
	}
	var (
		c       counter
		start   time.Time
		expires time.Time
	)
	err := pg.db.QueryRowContext(ctx, checkSQL, digest(key)).Scan(&start, &c.prev, &c.cur, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// No row: nothing counted.
	case err != nil:
		return Decision{}, fmt.Errorf("ratelimit: check: %w", err)
	default:
		c.start, c.expires = start.UnixMicro(), expires.UnixMicro()
	}
	d, _, _ := evaluate(c, newParams(rule, now))
	return d, nil
}

// Reset implements Limiter.
func (pg *Postgres) Reset(ctx context.Context, key string) error {
	if _, err := pg.db.ExecContext(ctx, resetSQL, digest(key)); err != nil {
		return fmt.Errorf("ratelimit: reset: %w", err)
	}
	return nil
}

// Undo implements Limiter with one UPDATE.
func (pg *Postgres) Undo(ctx context.Context, key string, rule Rule, now time.Time) error {
	if rule.Disabled() {
		return nil
	}
	if err := rule.validate(); err != nil {
		return err
	}
	p := newParams(rule, now)
	if _, err := pg.db.ExecContext(ctx, undoSQL, digest(key), micros(p.start), micros(p.now)); err != nil {
		return fmt.Errorf("ratelimit: undo: %w", err)
	}
	return nil
}

// Cleanup deletes up to one batch of rows that expired by now and returns how many it
// deleted. Allow calls it now and then; call it on a timer to keep the table small
// when traffic is light.
func (pg *Postgres) Cleanup(ctx context.Context, now time.Time) (int64, error) {
	res, err := pg.db.ExecContext(ctx, cleanupSQL, micros(now.UnixMicro()), cleanupBatch)
	if err != nil {
		return 0, fmt.Errorf("ratelimit: cleanup: %w", err)
	}
	return res.RowsAffected()
}

// digest is the stored form of a key: hex SHA-256. Keys carry emails and IP addresses,
// which the table must not hold in clear; the digest also bounds the key's size.
func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// micros turns microseconds since the Unix epoch back into a time.
func micros(us int64) time.Time { return time.UnixMicro(us).UTC() }
