package bunstore

import (
	"context"
	"database/sql"
	"reflect"
	"sync"
	"time"

	"github.com/uptrace/bun"
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
	return q
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
