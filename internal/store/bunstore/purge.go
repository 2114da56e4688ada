package bunstore

import (
	"context"
	"time"
)

// PurgeOptions say what Purge deletes. Zero fields take the defaults noted.
type PurgeOptions struct {
	// Now is the time the ages are measured from.
	Now time.Time
	// Retention is how long what has stopped mattering is kept before it goes: sessions
	// after they ended (revoked or expired), with their refresh tokens; spent refresh
	// tokens after they were issued (a spent token is what reuse detection compares
	// against, so this is also how long a replayed one is still caught as theft); emailed
	// tokens after they were used or expired. Default 7 days. (Reservations of
	// usernames by hidden registrations go as soon as they expire: an expired one holds
	// nothing, and it keeps a password hash.)
	Retention time.Duration
	// EventRetention, when positive, deletes history events older than it. Zero keeps
	// every event.
	EventRetention time.Duration
	// Batch bounds the rows one statement deletes (default 1000), so that no statement
	// holds locks, or SQLite's single writer, for long.
	Batch int
	// MaxBatches bounds the statements per kind of row in one Purge (default 100): a
	// backlog larger than that is worked off over several passes.
	MaxBatches int
}

// Purged counts what one Purge deleted, by kind.
type Purged struct {
	Sessions, RefreshTokens, EmailTokens, Events int
	// Reservations counts the expired reservations of usernames (hidden registrations'
	// holds, see account.Reservation).
	Reservations int
}

// purgeQuery is one kind of row Purge deletes: a DELETE of at most $batch rows picked
// by pick, a SELECT of their keys. On PostgreSQL pick takes its rows FOR UPDATE SKIP
// LOCKED: instances that purge at once each take rows the others are not deleting, and
// neither waits for, nor deadlocks with, the other or a request holding a row.
type purgeQuery struct {
	table, key, pick string
}

// Purge deletes, in bounded batches, the rows that no longer matter at o.Now (see
// PurgeOptions). Every statement is idempotent and takes its own rows, so any number of
// instances may purge at the same moment; no lock outlives a statement, which suits a
// pooler in transaction mode. It stops at the first error, returning what it deleted
// until then.
func (s *Store) Purge(ctx context.Context, o PurgeOptions) (Purged, error) {
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.MaxBatches <= 0 {
		o.MaxBatches = 100
	}
	now := dbTime(o.Now)
	cut := dbTime(o.Now.Add(-o.Retention))
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var p Purged
	// Each step picks at most Batch rows; args are its parameters, Batch last.
	steps := []struct {
		q     purgeQuery
		args  []any
		count *int
	}{
		// Sessions that ended before the cut, revoked or expired; the foreign key takes
		// their refresh tokens with them. No index serves this scan: one on expires_at
		// would make every refresh, which moves it, update an index. The table holds at
		// most SessionsPerAccount live rows per account besides the retained ones.
		{purgeQuery{"sessions", "id",
			"SELECT id FROM sessions WHERE revoked_at < ? OR expires_at < ? LIMIT ?" + lock},
			[]any{cut, cut, o.Batch}, &p.Sessions},
		// Refresh tokens issued before the cut that are spent, or expired by now, in live
		// sessions: the bulk of the table, found through its created_at index.
		{purgeQuery{"refresh_tokens", "hash",
			"SELECT hash FROM refresh_tokens WHERE created_at < ? AND (used_at IS NOT NULL OR expires_at <= ?) LIMIT ?" + lock},
			[]any{cut, now, o.Batch}, &p.RefreshTokens},
		// Emailed tokens used or expired before the cut.
		{purgeQuery{"email_tokens", "hash",
			"SELECT hash FROM email_tokens WHERE used_at < ? OR expires_at < ? LIMIT ?" + lock},
			[]any{cut, cut, o.Batch}, &p.EmailTokens},
		// Reservations of usernames that expired by now, through their partial index.
		{purgeQuery{"login_names", "name_key",
			"SELECT name_key FROM login_names WHERE user_id IS NULL AND expires_at <= ? LIMIT ?" + lock},
			[]any{now, o.Batch}, &p.Reservations},
	}
	if o.EventRetention > 0 {
		// Events are added in time order, so the oldest by ID are the oldest in time: a
		// batch looks at the Batch oldest rows only and deletes those older than the
		// retention, so a young one among them ends the purge, without an index on the
		// time or a scan of the whole history.
		steps = append(steps, struct {
			q     purgeQuery
			args  []any
			count *int
		}{purgeQuery{"events", "id",
			"SELECT id FROM (SELECT id, at FROM events ORDER BY id LIMIT ?" + lock + ") AS oldest WHERE at < ?"},
			[]any{o.Batch, dbTime(o.Now.Add(-o.EventRetention))}, &p.Events})
	}
	for _, step := range steps {
		for range o.MaxBatches {
			n, err := s.purgeBatch(ctx, step.q, step.args)
			*step.count += n
			if err != nil {
				return p, err
			}
			if n < o.Batch {
				break
			}
		}
	}
	return p, nil
}

// purgeBatch runs one DELETE of q and returns how many rows went.
func (s *Store) purgeBatch(ctx context.Context, q purgeQuery, args []any) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewRaw("DELETE FROM "+q.table+" WHERE "+q.key+" IN ("+q.pick+")", args...).Exec(ctx))
	return int(n), err
}
