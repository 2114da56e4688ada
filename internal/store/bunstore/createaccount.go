package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/accountd/accountd/internal/account"
)

// createAccountQuery is CreateAccount on PostgreSQL: one prepared statement where a
// registration otherwise takes five round trips (BEGIN, three INSERTs, COMMIT). Its
// parameters are the columns of the user, then of the emailed token and of the event
// but their user_id, which the new user's ID fills in.
type createAccountQuery struct {
	preparedSelect
	user, token, event []*schema.Field
}

func newCreateAccountQuery(db *bun.DB) createAccountQuery {
	user := db.Table(reflect.TypeFor[userRow]())
	q := createAccountQuery{
		preparedSelect: selectOf(user),
		user:           insertFields(user),
		token:          insertFields(db.Table(reflect.TypeFor[emailTokenRow]())),
		event:          insertFields(db.Table(reflect.TypeFor[eventRow]())),
	}
	p := &params{}
	cols := make([]string, len(q.user))
	vals := make([]string, len(q.user))
	var usernameKey, emailKey string
	for i, f := range q.user {
		cols[i], vals[i] = string(f.SQLName), p.next(f)
		switch f.Name {
		case "username_key":
			usernameKey = vals[i]
		case "email_key":
			emailKey = vals[i]
		}
	}
	byUser := map[string]string{"user_id": "u.id"}
	// The user is inserted only if neither of its names is held (loginnames.go); then
	// nothing is, and no row comes back, without an error that would end a
	// transaction around the statement. Its names, token and event are inserted only
	// for the user u inserted; a unique violation (a race the check missed) or a
	// missing organization fails the whole statement.
	q.query = `WITH u AS (
	INSERT INTO users (` + strings.Join(cols, ", ") + `)
	SELECT ` + strings.Join(vals, ", ") + `
	WHERE NOT EXISTS (SELECT 1 FROM login_names WHERE name_key IN (` + usernameKey + `, ` + emailKey + `))
	RETURNING ` + columns(user, "users") + `
), n AS (
	INSERT INTO login_names (name_key, user_id)
	SELECT DISTINCT k.name_key, u.id FROM u CROSS JOIN LATERAL (VALUES (u.username_key), (u.email_key)) AS k (name_key)
), t AS (
	` + p.insertSelect("email_tokens", q.token, "u", byUser) + `
), e AS (
	` + p.insertSelect("events", q.event, "u", byUser) + `
)
SELECT ` + columns(user, "u") + ` FROM u`
	return q
}

// args are the statement's parameters: every field but the ones filled from the user.
func (q *createAccountQuery) args(u userRow, t emailTokenRow, e eventRow) []any {
	args := appendFieldValues(nil, q.user, &u)
	args = appendFieldValues(args, without(q.token, "user_id"), &t)
	return appendFieldValues(args, without(q.event, "user_id"), &e)
}

func without(fields []*schema.Field, name string) []*schema.Field {
	out := make([]*schema.Field, 0, len(fields))
	for _, f := range fields {
		if f.Name != name {
			out = append(out, f)
		}
	}
	return out
}

// CreateAccount stores a new user with its first emailed token and event in one step;
// see account.Store. On PostgreSQL it is one prepared statement (createAccountQuery),
// which stores nothing when one of the user's names is held: the names are then looked
// at to tell which (and an expired reservation cleared, and the statement tried again).
// On SQLite, a transaction of the same writes.
func (s *Store) CreateAccount(ctx context.Context, u account.User, t account.EmailToken, e account.Event) (account.User, error) {
	if s.hot == nil {
		return s.createAccountInTx(ctx, u, t, e)
	}
	row := userToRow(u)
	row.ID = 0 // the database assigns IDs
	q := &s.hot.createAccount
	args := q.args(row, emailTokenToRow(t), eventToRow(e))
	for range 3 {
		var user userRow
		err := s.boundQueryRow(ctx, &q.preparedSelect, args, &user)
		if err == nil {
			return user.domain(), nil
		}
		_, unique := uniqueViolation(err)
		if !errors.Is(err, sql.ErrNoRows) && (!unique || s.inTx) {
			return account.User{}, translate(err)
		}
		// A name is held (or was taken by a concurrent write the statement's own
		// check missed): say which, the username first, as on every database. After
		// an expired reservation, which checkNames clears, try again.
		if err := s.inBound(ctx, func(ctx context.Context) error {
			return s.checkNames(ctx, 0, namesOf(u), writeTime(u))
		}); err != nil {
			return account.User{}, err
		}
		if unique {
			// Not a clash in the namespace (a username from before it, the same as
			// another's email): as the database reports it.
			return account.User{}, translate(err)
		}
	}
	return account.User{}, errNamesUnsettled
}

// boundQueryRow is queryRow within one query's deadline and turn (bound).
func (s *Store) boundQueryRow(ctx context.Context, p *preparedSelect, args []any, dests ...any) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.queryRow(ctx, p, args, dests...)
}

// inBound runs fn within one query's deadline and turn (bound).
func (s *Store) inBound(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return fn(ctx)
}

// createAccountInTx is CreateAccount as a transaction.
func (s *Store) createAccountInTx(ctx context.Context, u account.User, t account.EmailToken, e account.Event) (account.User, error) {
	var created account.User
	err := s.InTx(ctx, func(tx account.Store) error {
		var err error
		if created, err = tx.CreateUser(ctx, u); err != nil {
			return err
		}
		t.UserID, e.UserID = created.ID, created.ID
		if err := tx.CreateEmailToken(ctx, t); err != nil {
			return err
		}
		return tx.AddEvent(ctx, e)
	})
	if err != nil {
		return account.User{}, err
	}
	return created, nil
}
