package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// Prepared hot statements, PostgreSQL only.
//
// Bun writes every value into a statement's text, so each text is new: it goes through
// the simple protocol (see Open) and PostgreSQL parses and plans it every time. For
// most statements that costs little. For the session lookup that authenticates every
// request it is most of the work: planning the join of sessions and users costs the
// backend about twice what running it does (the bench, cmd/accountd-bench, measured
// 0.19 ms of PostgreSQL CPU per GET /v1/me, against 0.07 ms for a primary-key SELECT;
// pgbench runs the join 3–4× faster prepared than unprepared).
//
// So on PostgreSQL such a statement is a fixed text with $n parameters, which pgx
// prepares once per connection and keeps (QueryExecModeCacheStatement); later runs skip
// parsing and planning. Its column list and its scanning come from Bun's description of
// the row types, so a column added to sessionRow or userRow is selected and read here
// as everywhere else. SQLite prepares only its session lookup (lite.go) and the
// refresh's writes, and keeps the Bun query for the rest. Preparing the reads and writes
// of a login and a registration as well was tried and reverted (ffd8bac): a login
// flood's peak RSS looked 2-4 MiB higher, against a 96 MiB target with little room.
// Compiling those statements on every request still costs SQLite about 4% of a
// registration's CPU (a profile of 2026-12-05).
//
// A connection pooler between accountd and PostgreSQL must keep prepared statements
// with their connection (PgBouncer in session mode, or transaction mode from 1.21 with
// max_prepared_statements set). Behind one that does not (PgBouncer in transaction mode
// before 1.21), the database URL names another mode with pgx's own parameter,
// default_query_exec_mode: cache_describe sends each statement with its parameters in
// one round trip through the unnamed statement, and keeps nothing on the server but for
// that round trip (docs/operations.md compares the modes and what they cost).
type hotQueries struct {
	// mode is how pgx sends these statements: QueryExecModeCacheStatement unless the
	// database URL says otherwise.
	mode pgx.QueryExecMode
	// sessionUser is SessionUser: $1 the session ID, $2 now.
	sessionUser preparedSelect
	// userByLogin is UserByLogin, a login's first statement: $1 the name's key.
	userByLogin preparedSelect
	// mfaStatus is MFAStatus, a login's second: $1 the user's ID.
	mfaStatus string
	// reservation is ReservationOf, a registration's second look at its username
	// (after UserByLogin): $1 the name's key, $2 now.
	reservation preparedSelect
	// rotate is RotateRefreshToken (rotate.go).
	rotate preparedSelect
	// startSession is StartSession (startsession.go).
	startSession startSessionQuery
	// createAccount is CreateAccount (createaccount.go).
	createAccount createAccountQuery
}

// preparedSelect is one such statement and how to scan its rows into row structs.
type preparedSelect struct {
	query string
	// readOnly: the statement writes nothing (else running it counts as a write of its
	// work, replica.go).
	readOnly bool
	// fields are the columns of each row struct, in the order the statement selects
	// them.
	fields [][]*schema.Field
	n      int
}

// preparedQueryHook, when set (by tests), sees each prepared statement sent: Bun's query
// hooks do not, since these bypass Bun.
var preparedQueryHook func(query string)

// newHotQueries builds the statements from the row types Bun knows.
func newHotQueries(db *bun.DB, mode pgx.QueryExecMode) *hotQueries {
	sess := db.Table(reflect.TypeFor[sessionRow]())
	user := db.Table(reflect.TypeFor[userRow]())
	name := db.Table(reflect.TypeFor[loginNameRow]())
	return &hotQueries{
		mode: mode,
		sessionUser: selectOf(sess, user).with(
			"SELECT " + columns(sess, "s") + ", " + columns(user, "u") +
				" FROM sessions AS s JOIN users AS u ON u.id = s.user_id" +
				" WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2").reading(),
		userByLogin: selectOf(user).with(
			"SELECT " + columns(user, "u") +
				" FROM users AS u JOIN login_names AS n ON n.user_id = u.id WHERE n.name_key = $1").reading(),
		mfaStatus: mfaStatusSQL("$1"),
		reservation: selectOf(name).with(
			"SELECT " + columns(name, "n") +
				" FROM login_names AS n WHERE n.name_key = $1 AND n.user_id IS NULL AND n.expires_at > $2").reading(),
		rotate:        selectOf(sess).with(rotateSQL(sess)),
		startSession:  newStartSessionQuery(db),
		createAccount: newCreateAccountQuery(db),
	}
}

// selectOf is a statement that selects every column of tables, in order.
func selectOf(tables ...*schema.Table) preparedSelect {
	var p preparedSelect
	for _, t := range tables {
		p.fields = append(p.fields, t.Fields)
		p.n += len(t.Fields)
	}
	return p
}

func (p preparedSelect) with(query string) preparedSelect {
	p.query = query
	return p
}

// reading marks p as writing nothing.
func (p preparedSelect) reading() preparedSelect {
	p.readOnly = true
	return p
}

// columns lists the columns of t, qualified by alias, in Bun's field order.
func columns(t *schema.Table, alias string) string {
	cols := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = alias + "." + string(f.SQLName)
	}
	return strings.Join(cols, ", ")
}

// queryRow runs p with args and scans its first row into dests, pointers to the row
// structs of p's tables. No row is sql.ErrNoRows, which translate makes ErrNotFound.
func (s *Store) queryRow(ctx context.Context, p *preparedSelect, args []any, dests ...any) error {
	if s.replica != nil && !p.readOnly {
		wrote(ctx)
	}
	rows, err := s.queryPrepared(ctx, p.query, args...)
	if err != nil {
		return err
	}
	return scanFirst(rows, p, dests...)
}

// scanFirst scans the first of rows into dests, pointers to the row structs of p's
// tables, and closes rows. No row is sql.ErrNoRows.
func scanFirst(rows *sql.Rows, p *preparedSelect, dests ...any) error {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	vals := make([]any, p.n)
	ptrs := make([]any, p.n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return err
	}
	k := 0
	for i, fields := range p.fields {
		strct := reflect.ValueOf(dests[i]).Elem()
		for _, f := range fields {
			if err := f.ScanValue(strct, vals[k]); err != nil {
				return fmt.Errorf("bunstore: scan %s: %w", f.Name, err)
			}
			k++
		}
	}
	return rows.Close()
}

// queryPrepared sends query with args on the Store's database or transaction in the hot
// statements' mode: by default prepared and cached per connection by pgx.
func (s *Store) queryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if preparedQueryHook != nil {
		preparedQueryHook(query)
	}
	// pgx reads a QueryExecMode given as the first argument as the mode of this query;
	// its database/sql driver passes arguments through unchanged.
	args = append([]any{s.hot.mode}, args...)
	switch db := s.db.(type) {
	case *bun.DB:
		return db.DB.QueryContext(ctx, query, args...)
	case bun.Tx:
		return db.Tx.QueryContext(ctx, query, args...)
	}
	return nil, fmt.Errorf("bunstore: unexpected database handle %T", s.db)
}
