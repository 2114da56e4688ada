package bunstore

import (
	"context"
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
	for i, f := range q.user {
		cols[i], vals[i] = string(f.SQLName), p.next(f)
	}
	byUser := map[string]string{"user_id": "u.id"}
	// The token and the event are inserted only for the user u inserted; a unique
	// violation or a missing organization fails the whole statement.
	q.query = `WITH u AS (
	INSERT INTO users (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(vals, ", ") + `)
	RETURNING ` + columns(user, "users") + `
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
// see account.Store. On PostgreSQL it is one prepared statement (createAccountQuery); on
// SQLite, a transaction of the same writes.
func (s *Store) CreateAccount(ctx context.Context, u account.User, t account.EmailToken, e account.Event) (account.User, error) {
	if s.hot == nil {
		return s.createAccountInTx(ctx, u, t, e)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := userToRow(u)
	row.ID = 0 // the database assigns IDs
	q := &s.hot.createAccount
	var user userRow
	if err := s.queryRow(ctx, &q.preparedSelect, q.args(row, emailTokenToRow(t), eventToRow(e)), &user); err != nil {
		return account.User{}, translate(err)
	}
	return user.domain(), nil
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
