package bunstore

import (
	"context"
	"reflect"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/accountd/accountd/internal/account"
)

// startSessionQuery is StartSession on PostgreSQL: one prepared statement where a login
// otherwise takes six round trips (BEGIN, the user's UPDATE, three INSERTs, COMMIT), each
// parsed and planned anew. Its parameters: $1 the user's ID, $2 the last login, $3 the
// new password hash ("" keeps the stored one), then the columns of the session, of the
// refresh token and of the event, in the order of their insert fields.
type startSessionQuery struct {
	preparedSelect
	session, refresh, event []*schema.Field
}

// params numbers the parameters of a statement built from row types.
type params struct{ n int }

// next is the next parameter, cast to f's column type: a SELECT list gives a parameter
// no type of its own, as a VALUES list for a column would.
func (p *params) next(f *schema.Field) string {
	p.n++
	return "$" + strconv.Itoa(p.n) + "::" + f.DiscoveredSQLType
}

// insertSelect writes "INSERT INTO table (cols) SELECT ... FROM from", a parameter for
// each column except those subst gives an expression for (such as "u.id").
func (p *params) insertSelect(table string, fields []*schema.Field, from string, subst map[string]string) string {
	cols := make([]string, len(fields))
	vals := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = string(f.SQLName)
		if e, ok := subst[f.Name]; ok {
			vals[i] = e
		} else {
			vals[i] = p.next(f)
		}
	}
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(vals, ", ") + " FROM " + from
}

// insertFields are the columns an INSERT writes: every field but an autoincrement key.
func insertFields(t *schema.Table) []*schema.Field {
	var out []*schema.Field
	for _, f := range t.Fields {
		if !f.AutoIncrement {
			out = append(out, f)
		}
	}
	return out
}

func newStartSessionQuery(db *bun.DB) startSessionQuery {
	user := db.Table(reflect.TypeFor[userRow]())
	q := startSessionQuery{
		preparedSelect: selectOf(user),
		session:        insertFields(db.Table(reflect.TypeFor[sessionRow]())),
		refresh:        insertFields(db.Table(reflect.TypeFor[refreshTokenRow]())),
		event:          insertFields(db.Table(reflect.TypeFor[eventRow]())),
	}
	p := &params{n: 3}
	// Each part feeds the next, so nothing is written unless the user exists: u updates
	// the user; s inserts the session only for a user u updated; r inserts the refresh
	// token only for a session s inserted; e records the event for that user.
	q.query = `WITH u AS (
	UPDATE users SET last_login = $2, password_hash = CASE WHEN $3::text = '' THEN password_hash ELSE $3::text END
	WHERE id = $1
	RETURNING ` + columns(user, "users") + `
), s AS (
	` + p.insertSelect("sessions", q.session, "u", nil) + `
	RETURNING id
), r AS (
	` + p.insertSelect("refresh_tokens", q.refresh, "s", nil) + `
), e AS (
	` + p.insertSelect("events", q.event, "u", nil) + `
)
SELECT ` + columns(user, "u") + ` FROM u`
	return q
}

// args are the statement's parameters for one login.
func (q *startSessionQuery) args(sess sessionRow, rt refreshTokenRow, e eventRow, passwordHash string) []any {
	args := []any{sess.UserID, sess.CreatedAt, passwordHash}
	args = appendFieldValues(args, q.session, &sess)
	args = appendFieldValues(args, q.refresh, &rt)
	return appendFieldValues(args, q.event, &e)
}

// appendFieldValues appends the values of fields in the row struct that row points to,
// as Bun would write them: NULL for the zero value of a nullzero field.
func appendFieldValues(args []any, fields []*schema.Field, row any) []any {
	strct := reflect.ValueOf(row).Elem()
	for _, f := range fields {
		if f.NullZero && f.HasZeroValue(strct) {
			args = append(args, nil)
			continue
		}
		args = append(args, f.Value(strct).Interface())
	}
	return args
}

// StartSession records a login and starts its session in one step; see account.Store.
// It is one transaction: on PostgreSQL the prepared statement of startSessionQuery and,
// with a cap, the statement that ends the sessions beyond it (endSessionsBeyond); on
// SQLite the same writes one by one.
func (s *Store) StartSession(ctx context.Context, sess account.Session, rt account.RefreshToken, passwordHash string, e account.Event, maxLive int) (account.User, error) {
	if maxLive <= 0 {
		return s.startSession(ctx, sess, rt, passwordHash, e)
	}
	var user account.User
	err := s.InTx(ctx, func(txs account.Store) error {
		tx := txs.(*Store)
		var err error
		if user, err = tx.startSession(ctx, sess, rt, passwordHash, e); err != nil {
			return err
		}
		return tx.endSessionsBeyond(ctx, sess.UserID, sess.ID, maxLive, sess.CreatedAt, e)
	})
	if err != nil {
		return account.User{}, err
	}
	return user, nil
}

// startSession is StartSession without the cap: on PostgreSQL one prepared statement,
// whose UPDATE of the user's row also takes the lock that serializes the account's
// logins until the transaction around it ends.
func (s *Store) startSession(ctx context.Context, sess account.Session, rt account.RefreshToken, passwordHash string, e account.Event) (account.User, error) {
	if s.hot == nil {
		return s.startSessionInTx(ctx, sess, rt, passwordHash, e)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q := &s.hot.startSession
	var user userRow
	if err := s.queryRow(ctx, &q.preparedSelect, q.args(sessionToRow(sess), refreshTokenToRow(rt), eventToRow(e), passwordHash), &user); err != nil {
		return account.User{}, translate(err)
	}
	return user.domain(), nil
}

// startSessionInTx is StartSession as a transaction.
func (s *Store) startSessionInTx(ctx context.Context, sess account.Session, rt account.RefreshToken, passwordHash string, e account.Event) (account.User, error) {
	var user account.User
	err := s.InTx(ctx, func(txs account.Store) error {
		tx := txs.(*Store)
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		var row userRow
		q := tx.db.NewUpdate().Model(&row).
			Set("last_login = ?", dbTime(sess.CreatedAt)).
			Where("id = ?", sess.UserID).
			Returning("*")
		if passwordHash != "" {
			q = q.Set("password_hash = ?", passwordHash)
		}
		n, err := rowsAffected(q.Exec(ctx))
		switch {
		case err != nil:
			return err
		case n == 0:
			return account.ErrNotFound
		}
		user = row.domain()
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		if err := tx.CreateRefreshToken(ctx, rt); err != nil {
			return err
		}
		return tx.AddEvent(ctx, e)
	})
	if err != nil {
		return account.User{}, err
	}
	return user, nil
}
