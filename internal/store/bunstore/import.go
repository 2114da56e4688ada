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
	return fn(&Store{db: tx, root: s.root, dialect: s.dialect, opts: s.opts, inTx: true, hot: s.hot, lite: s.lite, gate: s.gate})
}

// UsersMatching returns, in one query, every user whose ID is one of ids or who holds,
// as its username or its email, one of the login names of usernames and emails (by
// their keys, LoginNameKeys, through the unique indexes): what a batch of imported rows
// may collide with, in the one namespace of login names (a username may collide with
// another user's email, and an email with another user's username).
func (s *Store) UsersMatching(ctx context.Context, ids []int64, usernames, emails []string) ([]account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	keys := make([]string, 0, len(usernames)+len(emails))
	for _, v := range usernames {
		keys = append(keys, caseKey(v))
	}
	for _, v := range emails {
		keys = append(keys, emailCaseKey(v))
	}
	// bun.In of an empty list renders as IN (NULL), which matches nothing.
	var rows []userRow
	err := s.db.NewSelect().Model(&rows).
		Where("u.id IN (?)", bun.In(ids)).
		WhereOr("u.username_key IN (?)", bun.In(keys)).
		WhereOr("u.email_key IN (?)", bun.In(keys)).
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

// LoginNameKeys returns the keys under which u's username and email are held in the
// namespace of login names (ignoring case; an email in its normalized form), for
// callers that compare names before writing them, as an import does.
func LoginNameKeys(u account.User) (username, email string) {
	return caseKey(u.Username), emailCaseKey(u.Email)
}

// PutUsers writes users with the IDs they carry (each above 0), in one transaction of
// a few statements whatever their number: a user whose ID is not in the table is
// inserted, and one whose ID is has every field overwritten. An empty role is stored as
// account.RoleUser. Their login names are replaced in the same transaction
// (putLoginNames). A username or email another user holds, as its username or its email,
// is account.ErrUsernameTaken or account.ErrEmailTaken, and then nothing is written; an
// OrganizationID that names no organization is account.ErrNotFound. Call ContinueIDs
// once the import is done.
func (s *Store) PutUsers(ctx context.Context, users []account.User) error {
	if len(users) == 0 {
		return nil
	}
	return s.Tx(ctx, func(tx *Store) error {
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		rows := make([]userRow, len(users))
		for i, u := range users {
			rows[i] = userToRow(u)
		}
		q := tx.db.NewInsert().Model(&rows).On("CONFLICT (id) DO UPDATE")
		// Every column but the key, from the row model, so that a column added to users
		// later is written here too.
		for _, f := range tx.root.Table(reflect.TypeFor[userRow]()).DataFields {
			q = q.Set("? = EXCLUDED.?", f.SQLName, f.SQLName)
		}
		if _, err := q.Returning("NULL").Exec(ctx); err != nil {
			return translate(err)
		}
		return tx.putLoginNames(ctx, rows)
	})
}

// putLoginNames gives the users of rows, just written, their login names (loginnames.go)
// in four steps: the names those users held are released, the reservations of the
// names they take are lifted (an import of real accounts outranks the hold a hidden
// registration keeps so that its answer looks like a real one's), then their emails are
// claimed, then their usernames that are not their own email. A name held by another
// user fails its statement: ErrEmailTaken in the first, ErrUsernameTaken in the second,
// so that an email is reported as such, as on every other write.
func (s *Store) putLoginNames(ctx context.Context, rows []userRow) error {
	ids := make([]int64, len(rows))
	keys := make([]string, 0, 2*len(rows))
	emails := make([]loginNameRow, len(rows))
	var usernames []loginNameRow
	for i, r := range rows {
		ids[i] = r.ID
		keys = append(keys, r.EmailKey, r.UsernameKey)
		emails[i] = loginNameRow{NameKey: r.EmailKey, UserID: r.ID}
		if r.UsernameKey != r.EmailKey {
			usernames = append(usernames, loginNameRow{NameKey: r.UsernameKey, UserID: r.ID})
		}
	}
	// Two statements, each served by an index (an OR of the two would scan the table).
	if _, err := s.db.NewDelete().Model((*loginNameRow)(nil)).Where("user_id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
		return translate(err)
	}
	if _, err := s.db.NewDelete().Model((*loginNameRow)(nil)).
		Where("name_key IN (?) AND user_id IS NULL", bun.In(keys)).Exec(ctx); err != nil {
		return translate(err)
	}
	claim := func(names []loginNameRow, taken error) error {
		if len(names) == 0 {
			return nil
		}
		_, err := s.db.NewInsert().Model(&names).Column("name_key", "user_id").Returning("NULL").Exec(ctx)
		if _, unique := uniqueViolation(err); unique {
			return taken
		}
		return translate(err)
	}
	if err := claim(emails, account.ErrEmailTaken); err != nil {
		return err
	}
	return claim(usernames, account.ErrUsernameTaken)
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
