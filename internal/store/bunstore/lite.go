package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/accountd/accountd/internal/account"
)

// Prepared hot statements on SQLite.
//
// Bun builds each query's text anew, and SQLite compiles each text anew: for the session
// lookup that authenticates every request, the building and compiling cost more than
// the lookup (the bench, cmd/accountd-bench, measured GET /v1/me at about half the rate
// of one primary-key SELECT). So on SQLite too that statement is a fixed text, prepared
// once on the one connection and kept (database/sql's Stmt), with the same columns and
// scanning as PostgreSQL's (hot.go). So too the reads every login and registration makes
// (UserByLogin, MFAStatus, ReservationOf), which a CPU profile of a login flood showed
// Bun building and SQLite compiling (sqlite3_prepare_v2) on each.
type liteQueries struct {
	sessionUser liteSelect
	// userByLogin, mfaStatus and reservation are the reads of every login and every
	// registration before their writes, in the texts PostgreSQL's are (hot.go), with
	// SQLite's placeholders. mfaStatus selects counts, not a row type: scanned with
	// scanOne.
	userByLogin, mfaStatus, reservation liteSelect
	// spend, extend and insertRefresh are RotateRefreshToken's writes (rotateLite).
	spend, extend, insertRefresh liteStmt
	// startSession is StartSession's writes (startSessionLite): every login's.
	startSession liteStartSession
}

// liteStartSession is StartSession's writes on SQLite, each prepared once: the UPDATE of
// the user's row, read back as Bun's Returning("*") reads it, and the INSERTs of the
// session, its refresh token and the event, each of every column an insert writes (as
// Bun's do), from Bun's description of the row types.
type liteStartSession struct {
	user                       liteSelect
	session, refresh, event    liteStmt
	sessionF, refreshF, eventF []*schema.Field
}

// init builds q's statements from the row types Bun knows.
func (q *liteStartSession) init(db *bun.DB) {
	user := db.Table(reflect.TypeFor[userRow]())
	q.sessionF = insertFields(db.Table(reflect.TypeFor[sessionRow]()))
	q.refreshF = insertFields(db.Table(reflect.TypeFor[refreshTokenRow]()))
	q.eventF = insertFields(db.Table(reflect.TypeFor[eventRow]()))
	// ?1 the user's ID, ?2 the last login, ?3 the new password hash ("" keeps the stored
	// one), as startSessionInTx's Bun UPDATE sets them.
	q.user = liteSelect{db: db.DB, preparedSelect: selectOf(user).with(
		"UPDATE users SET last_login = ?2, password_hash = CASE WHEN ?3 = '' THEN password_hash ELSE ?3 END" +
			" WHERE id = ?1 RETURNING " + columns(user, "users"))}
	q.session = liteStmt{db: db.DB, query: liteInsert("sessions", q.sessionF)}
	q.refresh = liteStmt{db: db.DB, query: liteInsert("refresh_tokens", q.refreshF)}
	q.event = liteStmt{db: db.DB, query: liteInsert("events", q.eventF)}
}

// liteInsert is "INSERT INTO table (fields) VALUES (?1, ...)".
func liteInsert(table string, fields []*schema.Field) string {
	cols := make([]string, len(fields))
	vals := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = string(f.SQLName)
		vals[i] = "?" + strconv.Itoa(i+1)
	}
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")"
}

// liteFieldValues are the values of fields in the row struct that row points to, as
// Bun writes them into SQLite: NULL for the zero value of a nullzero field, times as
// liteTime's text (the driver's own text for a time.Time is another, which compares
// differently with the stored ones).
func liteFieldValues(fields []*schema.Field, row any) []any {
	args := appendFieldValues(nil, fields, row)
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			args[i] = liteTime(t)
		}
	}
	return args
}

// startSessionLite is startSessionInTx's writes on SQLite, in the caller's transaction:
// the user's row updated and read back (account.ErrNotFound if there is none), then the
// session, its refresh token and the event inserted.
func (s *Store) startSessionLite(ctx context.Context, sess sessionRow, rt refreshTokenRow, e eventRow, passwordHash string) (userRow, error) {
	q := &s.lite.startSession
	var user userRow
	if err := s.queryLite(ctx, &q.user, []any{sess.UserID, liteTime(sess.CreatedAt), passwordHash}, &user); err != nil {
		return userRow{}, translate(err)
	}
	for _, ins := range []struct {
		stmt   *liteStmt
		fields []*schema.Field
		row    any
	}{{&q.session, q.sessionF, &sess}, {&q.refresh, q.refreshF, &rt}, {&q.event, q.eventF, &e}} {
		rows, err := ins.stmt.run(ctx, s, liteFieldValues(ins.fields, ins.row)...)
		if err == nil {
			err = rows.Close()
		}
		if err != nil {
			return userRow{}, translate(err)
		}
	}
	return user, nil
}

// liteSelect is a preparedSelect with its statement prepared on SQLite, at its first
// use: Open comes before Migrate, when the tables may not be there yet.
type liteSelect struct {
	preparedSelect
	db   *sql.DB
	mu   sync.Mutex
	stmt *sql.Stmt
}

// ready is p's statement if it is prepared, else nil.
func (p *liteSelect) ready() *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stmt
}

// prepared is p's statement, prepared now if it was not yet.
func (p *liteSelect) prepared(ctx context.Context) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stmt == nil {
		stmt, err := p.db.PrepareContext(ctx, p.query)
		if err != nil {
			return nil, err
		}
		p.stmt = stmt
	}
	return p.stmt, nil
}

func newLiteQueries(db *bun.DB) *liteQueries {
	sess := db.Table(reflect.TypeFor[sessionRow]())
	user := db.Table(reflect.TypeFor[userRow]())
	name := db.Table(reflect.TypeFor[loginNameRow]())
	q := &liteQueries{}
	q.sessionUser.preparedSelect = selectOf(sess, user).with(
		"SELECT " + columns(sess, "s") + ", " + columns(user, "u") +
			" FROM sessions AS s JOIN users AS u ON u.id = s.user_id" +
			" WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ?").reading()
	q.sessionUser.db = db.DB
	q.userByLogin = liteSelect{preparedSelect: userByLoginSelect(user, "?1"), db: db.DB}
	q.mfaStatus = liteSelect{preparedSelect: preparedSelect{query: mfaStatusSQL("?1"), readOnly: true}, db: db.DB}
	q.reservation = liteSelect{preparedSelect: reservationSelect(name, "?1", "?2"), db: db.DB}
	// ?1 now, ?2 the successor's hash, ?3 the spent token's hash: the token is spent only
	// if it is unused and unexpired, its session live and its user active.
	q.spend = liteStmt{db: db.DB, query: `UPDATE refresh_tokens SET used_at = ?1, successor_hash = ?2
WHERE hash = ?3 AND used_at IS NULL AND expires_at > ?1 AND EXISTS (
	SELECT 1 FROM sessions AS s JOIN users AS u ON u.id = s.user_id
	WHERE s.id = refresh_tokens.session_id AND s.revoked_at IS NULL AND s.expires_at > ?1 AND u.active)
RETURNING session_id`}
	q.extend = liteStmt{db: db.DB, query: `UPDATE sessions SET last_used_at = ?1, expires_at = ?2 WHERE id = ?3 AND revoked_at IS NULL RETURNING id`}
	q.insertRefresh = liteStmt{db: db.DB, query: `INSERT INTO refresh_tokens (hash, session_id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)`}
	q.startSession.init(db)
	return q
}

// rotateLite is RotateRefreshToken on SQLite, in the caller's transaction: the token
// spent by one conditional UPDATE (the checks rotateInTx makes one by one), its session
// extended, read back with its user, and the successor stored, each statement prepared
// once. account.ErrNotFound when the token is not exchangeable.
func (s *Store) rotateLite(ctx context.Context, spent string, next account.RefreshToken, now time.Time) (account.Session, error) {
	q := s.lite
	var sessionID string
	if err := scanOne(q.spend.run(ctx, s, liteTime(now), next.Hash, spent))(&sessionID); err != nil {
		return account.Session{}, translate(err)
	}
	var extended string
	if err := scanOne(q.extend.run(ctx, s, liteTime(now), liteTime(next.ExpiresAt), sessionID))(&extended); err != nil {
		return account.Session{}, translate(err)
	}
	sess, user, err := s.SessionUser(ctx, sessionID, now)
	if err != nil {
		return account.Session{}, err
	}
	rows, err := q.insertRefresh.run(ctx, s, next.Hash, sessionID, user.ID, liteTime(next.CreatedAt), liteTime(next.ExpiresAt))
	if err != nil {
		return account.Session{}, translate(err)
	}
	if err := rows.Close(); err != nil {
		return account.Session{}, translate(err)
	}
	return sess, nil
}

// scanOne returns a function that scans the first row of rows into dest and closes
// rows; no row is sql.ErrNoRows.
func scanOne(rows *sql.Rows, err error) func(dest ...any) error {
	return func(dest ...any) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return sql.ErrNoRows
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		return rows.Close()
	}
}

// liteTime is t as Bun writes times into SQLite's text columns, so that a parameter
// compares with them as Bun's own queries' values do.
func liteTime(t time.Time) string {
	return dbTime(t).Format("2006-01-02 15:04:05.999999-07:00")
}

// queryLite runs p with args, on the Store's transaction when it has one, and scans its
// first row into dests as queryRow does.
func (s *Store) queryLite(ctx context.Context, p *liteSelect, args []any, dests ...any) error {
	rows, err := s.liteRows(ctx, p, args...)
	if err != nil {
		return err
	}
	return scanFirst(rows, &p.preparedSelect, dests...)
}

// liteRows runs p with args, on the Store's transaction when it has one, and returns
// its rows.
func (s *Store) liteRows(ctx context.Context, p *liteSelect, args ...any) (*sql.Rows, error) {
	if preparedQueryHook != nil {
		preparedQueryHook(p.query)
	}
	if tx, ok := s.db.(bun.Tx); ok {
		// The transaction holds the one connection: preparing on the database would
		// wait for it. The statement as prepared, if it is, else its text.
		if stmt := p.ready(); stmt != nil {
			return tx.Tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
		}
		return tx.Tx.QueryContext(ctx, p.query, args...)
	}
	stmt, err := p.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(ctx, args...)
}

// liteStmt is a statement that returns no columns worth scanning (an UPDATE, an
// INSERT), prepared on SQLite at its first use like liteSelect.
type liteStmt struct {
	query string
	db    *sql.DB
	mu    sync.Mutex
	stmt  *sql.Stmt
}

// run runs q with args on s's transaction (the statement as prepared, once it is) and
// returns its rows: RETURNING's, or none.
func (q *liteStmt) run(ctx context.Context, s *Store, args ...any) (*sql.Rows, error) {
	if preparedQueryHook != nil {
		preparedQueryHook(q.query)
	}
	tx, ok := s.db.(bun.Tx)
	if !ok {
		return nil, errors.New("bunstore: a prepared write outside a transaction")
	}
	q.mu.Lock()
	stmt := q.stmt
	q.mu.Unlock()
	if stmt == nil {
		// Not prepared (before Migrate did it): the transaction holds the one
		// connection, so preparing on the database would wait for it; the text will do.
		return tx.Tx.QueryContext(ctx, q.query, args...)
	}
	return tx.Tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
}

// prepare prepares q now, outside any transaction; on failure q goes on by its text.
func (q *liteStmt) prepare(ctx context.Context) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stmt == nil {
		if stmt, err := q.db.PrepareContext(ctx, q.query); err == nil {
			q.stmt = stmt
		}
	}
}

// prepare prepares every statement, once the tables are there (Migrate calls it).
func (q *liteQueries) prepare(ctx context.Context) {
	for _, sel := range []*liteSelect{&q.sessionUser, &q.userByLogin, &q.mfaStatus, &q.reservation, &q.startSession.user} {
		_, _ = sel.prepared(ctx)
	}
	ss := &q.startSession
	for _, st := range []*liteStmt{&q.spend, &q.extend, &q.insertRefresh, &ss.session, &ss.refresh, &ss.event} {
		st.prepare(ctx)
	}
}
