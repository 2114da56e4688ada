package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// Prepared hot statements on SQLite.
//
// Bun builds each query's text anew, and SQLite compiles each text anew: for the session
// lookup that authenticates every request, the building and compiling cost more than
// the lookup (the bench, cmd/accountd-bench, measured GET /v1/me at about half the rate
// of one primary-key SELECT). So on SQLite too that statement is a fixed text, prepared
// once on the one connection and kept (database/sql's Stmt), with the same columns and
// scanning as PostgreSQL's (hot.go).
type liteQueries struct {
	sessionUser liteSelect
	// spend, extend and insertRefresh are RotateRefreshToken's writes (rotateLite).
	spend, extend, insertRefresh liteStmt
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
	q := &liteQueries{}
	q.sessionUser.preparedSelect = selectOf(sess, user).with(
		"SELECT " + columns(sess, "s") + ", " + columns(user, "u") +
			" FROM sessions AS s JOIN users AS u ON u.id = s.user_id" +
			" WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ?").reading()
	q.sessionUser.db = db.DB
	// ?1 now, ?2 the successor's hash, ?3 the spent token's hash: the token is spent only
	// if it is unused and unexpired, its session live and its user active.
	q.spend = liteStmt{db: db.DB, query: `UPDATE refresh_tokens SET used_at = ?1, successor_hash = ?2
WHERE hash = ?3 AND used_at IS NULL AND expires_at > ?1 AND EXISTS (
	SELECT 1 FROM sessions AS s JOIN users AS u ON u.id = s.user_id
	WHERE s.id = refresh_tokens.session_id AND s.revoked_at IS NULL AND s.expires_at > ?1 AND u.active)
RETURNING session_id`}
	q.extend = liteStmt{db: db.DB, query: `UPDATE sessions SET last_used_at = ?1, expires_at = ?2 WHERE id = ?3 AND revoked_at IS NULL RETURNING id`}
	q.insertRefresh = liteStmt{db: db.DB, query: `INSERT INTO refresh_tokens (hash, session_id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)`}
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
	if preparedQueryHook != nil {
		preparedQueryHook(p.query)
	}
	var rows *sql.Rows
	var err error
	if tx, ok := s.db.(bun.Tx); ok {
		// The transaction holds the one connection: preparing on the database would
		// wait for it. The statement as prepared, if it is, else its text.
		if stmt := p.ready(); stmt != nil {
			rows, err = tx.Tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
		} else {
			rows, err = tx.Tx.QueryContext(ctx, p.query, args...)
		}
	} else {
		stmt, perr := p.prepared(ctx)
		if perr != nil {
			return perr
		}
		rows, err = stmt.QueryContext(ctx, args...)
	}
	if err != nil {
		return err
	}
	return scanFirst(rows, &p.preparedSelect, dests...)
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
	_, _ = q.sessionUser.prepared(ctx)
	for _, st := range []*liteStmt{&q.spend, &q.extend, &q.insertRefresh} {
		st.prepare(ctx)
	}
}
