package bunstore

import (
	"context"
	"reflect"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// The methods in this file serve imports from other systems (internal/store/djangoimport),
// which keep the IDs users had there and write rows in batches. They are not part of
// account.Store: no use case needs them.

// Tx runs fn in a transaction as InTx does, with the Store itself rather than the
// account.Store interface, for callers that use the methods below.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	return s.InTx(ctx, func(tx account.Store) error { return fn(tx.(*Store)) })
}

// RolledBack runs fn with a Store bound to a transaction that is rolled back whatever
// fn returns: a dry run that sees its own writes and leaves nothing behind. Tx and
// InTx inside fn join that transaction. Unlike InTx it is not bounded by TxTimeout
// (ctx bounds it), since a dry run lasts as long as the import it rehearses; every
// statement is still bounded by QueryTimeout.
func (s *Store) RolledBack(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx {
		return fn(s)
	}
	if s.gate != nil {
		if err := s.gate.enter(ctx); err != nil {
			return translate(err)
		}
		defer s.gate.leave()
	}
	tx, err := s.root.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(&Store{db: tx, root: s.root, dialect: s.dialect, opts: s.opts, inTx: true, hot: s.hot, gate: s.gate})
}

// UsersMatching returns, in one query, every user whose ID is one of ids or whose
// username or email equals one of usernames or emails without regard to case (compared
// by their keys, through the unique indexes): what a batch of imported rows may collide
// with.
func (s *Store) UsersMatching(ctx context.Context, ids []int64, usernames, emails []string) ([]account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	keys := func(values []string) []string {
		out := make([]string, len(values))
		for i, v := range values {
			out[i] = caseKey(v)
		}
		return out
	}
	// bun.In of an empty list renders as IN (NULL), which matches nothing.
	var rows []userRow
	err := s.db.NewSelect().Model(&rows).
		Where("u.id IN (?)", bun.In(ids)).
		WhereOr("u.username_key IN (?)", bun.In(keys(usernames))).
		WhereOr("u.email_key IN (?)", bun.In(keys(emails))).
		Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	users := make([]account.User, len(rows))
	for i, r := range rows {
		users[i] = r.domain()
	}
	return users, nil
}

// PutUsers writes users with the IDs they carry (each above 0), in one statement: a
// user whose ID is not in the table is inserted, and one whose ID is has every field
// overwritten. An empty role is stored as account.RoleUser. A username or email another
// user holds is account.ErrUsernameTaken or account.ErrEmailTaken, and then nothing is
// written; an OrganizationID that names no organization is account.ErrNotFound. Call
// ContinueIDs once the import is done.
func (s *Store) PutUsers(ctx context.Context, users []account.User) error {
	if len(users) == 0 {
		return nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows := make([]userRow, len(users))
	for i, u := range users {
		rows[i] = userToRow(u)
	}
	q := s.db.NewInsert().Model(&rows).On("CONFLICT (id) DO UPDATE")
	// Every column but the key, from the row model, so that a column added to users
	// later is written here too.
	for _, f := range s.root.Table(reflect.TypeFor[userRow]()).DataFields {
		q = q.Set("? = EXCLUDED.?", f.SQLName, f.SQLName)
	}
	_, err := q.Returning("NULL").Exec(ctx)
	return translate(err)
}

// PutOrganization inserts o with its own ID when o.ID is above 0 (and with a new one
// when it is 0) and returns it as stored; a zero CreatedAt is taken as now. An ID in use
// is a unique violation, reported as an error; otherwise the errors of
// CreateOrganization.
func (s *Store) PutOrganization(ctx context.Context, o account.Organization) (account.Organization, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	row := organizationToRow(o)
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return account.Organization{}, translate(err)
	}
	return row.domain(), nil
}

// ContinueIDs makes the IDs the database assigns next to users and organizations
// follow the largest one in the table, after rows were written with IDs of their own.
// On PostgreSQL it moves each identity sequence, never backwards. On SQLite there is
// nothing to do: AUTOINCREMENT continues after the largest ID ever inserted, explicit
// ones included (sqlite_sequence follows them).
func (s *Store) ContinueIDs(ctx context.Context) error {
	if s.dialect == SQLite {
		return nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	for _, table := range []string{"users", "organizations"} {
		_, err := s.db.ExecContext(ctx, `SELECT setval(seq, m) FROM (
	SELECT pg_get_serial_sequence(?, 'id')::regclass AS seq, (SELECT max(id) FROM ?) AS m
) t WHERE m > COALESCE(pg_sequence_last_value(seq), 0)`, table, bun.Ident(table))
		if err != nil {
			return translate(err)
		}
	}
	return nil
}
