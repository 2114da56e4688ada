package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// AddEvent appends e to its user's history (e.ID is ignored; the database numbers
// events). An event for a user that does not exist is account.ErrNotFound.
func (s *Store) AddEvent(ctx context.Context, e account.Event) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := eventToRow(e)
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// ListEvents returns up to limit of the user's events, newest (highest ID) first; with
// beforeID > 0, only those with an ID below it. Passing the last ID of one page as the
// next page's beforeID walks the history without duplicates or gaps while new events
// are added, since new events get higher IDs. The query is a range read of the
// (user_id, id) index, backwards, with each event's actor looked up by primary key. A
// limit of 0 or less returns no events.
func (s *Store) ListEvents(ctx context.Context, userID int64, beforeID int64, limit int) ([]account.Event, error) {
	if limit <= 0 {
		return []account.Event{}, nil
	}
	var rows []eventRow
	// A history may lag behind by what the replica has not replayed yet (replica.go).
	err := s.readMayLag(ctx, func(ctx context.Context, db bun.IDB) error {
		rows = nil
		q := db.NewSelect().Model(&rows).
			ColumnExpr("e.*").
			ColumnExpr("act.username AS actor_username").
			Join("LEFT JOIN users AS act ON act.id = e.actor_id").
			Where("e.user_id = ?", userID)
		if beforeID > 0 {
			q = q.Where("e.id < ?", beforeID)
		}
		return q.OrderExpr("e.id DESC").Limit(int64(limit)).Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	events := make([]account.Event, len(rows))
	for i, r := range rows {
		events[i] = r.domain()
	}
	return events, nil
}

// countsQuery is Counts in one round trip: three scalar subqueries, each a range read
// of an index on user_id. Failed logins count from since, inclusive.
const countsQuery = `SELECT
	(SELECT count(*) FROM sessions WHERE user_id = ?0 AND revoked_at IS NULL AND expires_at > ?1),
	(SELECT count(*) FROM events WHERE user_id = ?0),
	(SELECT count(*) FROM events WHERE user_id = ?0 AND type = ?2 AND at >= ?3)`

// Counts returns, for the account dashboard, the user's sessions live at now, all of
// the user's events, and the failed logins at or after since: one query. A user that
// does not exist has no sessions and no events, so all three are 0.
func (s *Store) Counts(ctx context.Context, userID int64, now, since time.Time) (account.AccountCounts, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var c account.AccountCounts
	err := s.db.NewRaw(countsQuery, userID, dbTime(now), string(account.EventLoginFailed), dbTime(since)).
		Scan(ctx, &c.LiveSessions, &c.Events, &c.FailedLogins)
	if err != nil {
		return account.AccountCounts{}, translate(err)
	}
	return c, nil
}

// SigningKeys returns every stored signing key, oldest first. It may be served by the
// replica (replica.go): the keys change once in a deployment's life, and the same work
// reads them again from the primary once it has stored one.
func (s *Store) SigningKeys(ctx context.Context) ([]account.SigningKey, error) {
	var rows []signingKeyRow
	err := s.readMayLag(ctx, func(ctx context.Context, db bun.IDB) error {
		rows = nil
		return db.NewSelect().Model(&rows).OrderExpr("sk.created_at, sk.id").Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	keys := make([]account.SigningKey, len(rows))
	for i, r := range rows {
		keys[i] = r.domain()
	}
	return keys, nil
}

// signingKeyLockKey is the PostgreSQL advisory lock (transaction-scoped, so it holds
// through a transaction-pooling PgBouncer too) that lines up instances adding the first
// signing key of an algorithm ("accountd" "key" in ASCII).
const signingKeyLockKey = 0x6163636f756e746b

// AddFirstSigningKey stores k unless a key of its algorithm is stored already, and
// reports whether it did. Instances that start together on an empty database each
// generate a key and call it: exactly one key is kept, so every one of them, reading
// the keys back, signs with that one. On PostgreSQL the check and the insert run under
// a transaction-scoped advisory lock; SQLite has one writer, so its single statement is
// atomic already.
func (s *Store) AddFirstSigningKey(ctx context.Context, k account.SigningKey) (bool, error) {
	row := signingKeyToRow(k)
	var added bool
	err := s.InTx(ctx, func(tx account.Store) error {
		st := tx.(*Store)
		ctx, cancel := st.bound(ctx)
		defer cancel()
		if st.dialect == Postgres {
			if _, err := st.db.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(signingKeyLockKey)); err != nil {
				return translate(err)
			}
		}
		res, err := st.db.NewRaw(`INSERT INTO signing_keys (id, algorithm, private_key, created_at)
			SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE algorithm = ?)`,
			row.ID, row.Algorithm, row.PrivateKey, row.CreatedAt, row.Algorithm).Exec(ctx)
		if err != nil {
			return translate(err)
		}
		n, err := res.RowsAffected()
		added = n == 1
		return translate(err)
	})
	return added, err
}

// AddSigningKey stores k unless a key with its ID exists, which is then left as it
// was: instances starting together may each generate a key, and the first one stays.
func (s *Store) AddSigningKey(ctx context.Context, k account.SigningKey) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := signingKeyToRow(k)
	_, err := s.db.NewInsert().Model(&row).On("CONFLICT (id) DO NOTHING").Exec(ctx)
	return translate(err)
}

// SignedInFrom reports whether the user has a successful login from ip since the given
// time in its history: a read of the user's events through the (user_id, id) index, run
// only when a login's budget for strangers is spent.
func (s *Store) SignedInFrom(ctx context.Context, userID int64, ip string, since time.Time) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	found, err := s.db.NewSelect().Model((*eventRow)(nil)).
		Where("e.user_id = ? AND e.type = ? AND e.ip = ? AND e.at >= ?", userID, string(account.EventLoginSucceeded), ip, dbTime(since)).
		Exists(ctx)
	return found, translate(err)
}
