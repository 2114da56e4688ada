package bunstore

import (
	"context"
	"errors"
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
//
// capped is the same with the cap of live sessions (StartSession's maxLive) enforced in
// the same statement, where it otherwise takes a transaction of its own around it; its
// parameters go on with the keep-ID, the offset of the first session to end, then the
// columns of the events that record each ending.
type startSessionQuery struct {
	preparedSelect
	capped                  preparedSelect
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

// nextAs is the next parameter, cast to the SQL type typ.
func (p *params) nextAs(typ string) string {
	p.n++
	return "$" + strconv.Itoa(p.n) + "::" + typ
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
	q.capped = q.preparedSelect
	q.query = q.statement(user, "", nil)
	q.capped.query = q.statement(user,
		// Only the version of the user's row this statement's snapshot holds: see
		// startSessionCapped for why.
		" AND users.xmin = (SELECT xmin FROM users WHERE id = $1)",
		func(p *params) string {
			keep, offset := p.nextAs("text"), p.nextAs("bigint")
			// The sessions beyond the cap, ended in the order endSessionsBeyond ends them;
			// none unless u updated the user.
			return `, ended AS (
	UPDATE sessions SET revoked_at = $2
	WHERE revoked_at IS NULL AND EXISTS (SELECT 1 FROM u) AND id IN (
		SELECT id FROM sessions WHERE user_id = $1 AND id <> ` + keep + ` AND revoked_at IS NULL AND expires_at > $2
		ORDER BY created_at DESC, id DESC OFFSET ` + offset + `)
	RETURNING id
), ended_events AS (
	` + p.insertSelect("events", q.event, "ended", map[string]string{"detail": "'session ' || ended.id || " + p.nextAs("text")}) + `
)`
		})
	return q
}

// statement writes the statement: guard narrows the UPDATE of the user's row, more
// (when not nil) adds parts after the event's, numbering their parameters on.
func (q *startSessionQuery) statement(user *schema.Table, guard string, more func(p *params) string) string {
	p := &params{n: 3}
	// Each part feeds the next, so nothing is written unless the user exists: u updates
	// the user; s inserts the session only for a user u updated; r inserts the refresh
	// token only for a session s inserted; e records the event for that user.
	text := `WITH u AS (
	UPDATE users SET last_login = $2, password_hash = CASE WHEN $3::text = '' THEN password_hash ELSE $3::text END
	WHERE id = $1` + guard + `
	RETURNING ` + columns(user, "users") + `
), s AS (
	` + p.insertSelect("sessions", q.session, "u", nil) + `
	RETURNING id
), r AS (
	` + p.insertSelect("refresh_tokens", q.refresh, "s", nil) + `
), e AS (
	` + p.insertSelect("events", q.event, "u", nil) + `
)`
	if more != nil {
		text += more(p)
	}
	return text + `
SELECT ` + columns(user, "u") + ` FROM u`
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

// cappedArgs are the capped statement's parameters for one login that leaves max
// sessions live: args, then those of the endings.
func (q *startSessionQuery) cappedArgs(sess sessionRow, rt refreshTokenRow, e eventRow, passwordHash string, max int) []any {
	args := q.args(sess, rt, e, passwordHash)
	args = append(args, sess.ID, max-1, ": over the limit of "+strconv.Itoa(max)+" sessions")
	ended := e
	ended.Type = string(account.EventSessionRevoked)
	for _, f := range q.event {
		if f.Name != "detail" {
			args = appendFieldValues(args, []*schema.Field{f}, &ended)
		}
	}
	return args
}

// StartSession records a login and starts its session in one step; see account.Store.
// On PostgreSQL it is one prepared statement, the cap included (startSessionCapped),
// unless a concurrent login of the account got in between; then, and on SQLite, it is
// a transaction: the statement of startSession and, with a cap, the one that ends the
// sessions beyond it (endSessionsBeyond), or on SQLite the same writes one by one.
func (s *Store) StartSession(ctx context.Context, sess account.Session, rt account.RefreshToken, passwordHash string, e account.Event, maxLive int) (account.User, error) {
	if maxLive <= 0 {
		return s.startSession(ctx, sess, rt, passwordHash, e)
	}
	if s.hot != nil {
		user, err := s.startSessionCapped(ctx, sess, rt, passwordHash, e, maxLive)
		if !errors.Is(err, account.ErrNotFound) {
			return user, err
		}
		// Nothing was written: no such user, or its row changed after the statement's
		// snapshot was taken. The transaction below tells which, and caps in order.
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

// startSessionCapped is StartSession with its cap in one statement (PostgreSQL), or
// account.ErrNotFound with nothing written.
//
// A statement sees one snapshot, taken as it starts. The sessions it ends beyond the
// cap are those of that snapshot, so the sessions of a concurrent login that commits
// after it are not counted: two logins at the cap would each leave the cap live, one
// too many together. The guard on the user's row closes that gap. Every login updates
// that row (u), so a login that committed after the snapshot left a newer version of it
// than the snapshot's: the UPDATE waits for its lock, finds the row changed (another
// xmin), updates nothing, and with it the whole statement writes nothing. The caller
// then does it as a transaction, whose statements each read after the lock.
func (s *Store) startSessionCapped(ctx context.Context, sess account.Session, rt account.RefreshToken, passwordHash string, e account.Event, maxLive int) (account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q := &s.hot.startSession
	var user userRow
	args := q.cappedArgs(sessionToRow(sess), refreshTokenToRow(rt), eventToRow(e), passwordHash, maxLive)
	if err := s.queryRow(ctx, &q.capped, args, &user); err != nil {
		return account.User{}, translate(err)
	}
	return user.domain(), nil
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
