// Package bunstore implements account.Store on Bun, over PostgreSQL (pgx) or SQLite
// (modernc.org/sqlite, pure Go). Open picks the dialect from the DSN; one set of embedded
// migrations serves both. This package is the only place database errors are translated
// into the account package's errors.
//
// DSN forms:
//
//	postgres://user:pass@host:5432/db?sslmode=...   PostgreSQL (also postgresql://);
//	                                                connect_timeout defaults to 3s
//	sqlite::memory:                                 SQLite in memory, gone on Close
//	sqlite:///abs/path.db, sqlite://rel.db,
//	sqlite:rel.db, file:rel.db, ./accountd.db       SQLite file
//
// SQLite connections get foreign_keys(1), busy_timeout(5000) and, for files,
// journal_mode(WAL), unless the DSN's own _pragma parameters set them.
package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/txctx"
)

// Dialect names, as returned by (*Store).Dialect.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Options tunes the connection pool and timeouts. Zero fields take the defaults below.
type Options struct {
	// MaxOpenConns caps open connections (PostgreSQL default 20). SQLite always uses
	// exactly one: it has a single writer, and an in-memory database lives in its
	// connection.
	MaxOpenConns int
	// MaxIdleConns caps idle connections kept for reuse (PostgreSQL default:
	// MaxOpenConns). Fewer idle than open connections makes the pool churn under load:
	// database/sql closes a released connection whenever no request is waiting and the
	// idle list is full, and opens a new one (a new PostgreSQL backend process) moments
	// later. The bench saw hundreds of such reconnections per second at 20 open and 10
	// idle.
	MaxIdleConns int
	// ConnMaxLifetime recycles PostgreSQL connections after this long (default 30m), so
	// that server-side failovers and config changes are picked up.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes a PostgreSQL connection unused this long (default 5m): the
	// pool shrinks back once a burst is over, without churning during one.
	ConnMaxIdleTime time.Duration
	// QueryTimeout bounds every query, including the wait for a free connection
	// (default 5s): a dead database answers with account.ErrUnavailable instead of
	// hanging the request.
	QueryTimeout time.Duration
	// TxTimeout bounds a whole InTx transaction (default 15s), so that a stuck caller
	// cannot hold row locks and a connection indefinitely.
	TxTimeout time.Duration
	// ReplicaURL, when set, is a streaming replica of the PostgreSQL database that serves
	// the reads that tolerate lag (replica.go), with a pool of the same size.
	ReplicaURL string
	// Logger hears of the replica failing and coming back (default slog.Default()).
	Logger *slog.Logger
}

func (o Options) withDefaults(dialect string) Options {
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = 5 * time.Second
	}
	if o.TxTimeout <= 0 {
		o.TxTimeout = 15 * time.Second
	}
	if dialect == SQLite {
		// One connection that never expires: a second one would only queue for
		// SQLite's write lock, and closing the one of an in-memory database drops it.
		o.MaxOpenConns, o.MaxIdleConns, o.ConnMaxLifetime = 1, 1, 0
		return o
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 20
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = o.MaxOpenConns
	}
	if o.ConnMaxLifetime <= 0 {
		o.ConnMaxLifetime = 30 * time.Minute
	}
	if o.ConnMaxIdleTime <= 0 {
		o.ConnMaxIdleTime = 5 * time.Minute
	}
	return o
}

// Store is account.Store on a Bun database. The zero value is not usable; call Open.
type Store struct {
	db      bun.IDB // the database, or the transaction this Store is bound to
	root    *bun.DB
	dialect string
	opts    Options
	inTx    bool
	// txc is the open transaction as others may join it (Bind); nil outside one.
	txc *txctx.Tx
	// hot are the prepared statements of the hottest queries (hot.go); nil on SQLite.
	hot *hotQueries
	// lite are SQLite's (lite.go); nil on PostgreSQL.
	lite *liteQueries
	// gate queues statements and transactions for a connection in arrival order
	// (gate.go): on SQLite for its one connection.
	gate connGate
	// replica serves the reads that tolerate lag (replica.go); nil without one.
	replica *replica
}

var _ account.Store = (*Store)(nil)

// Open connects to the database named by dsn (see the package documentation for the
// forms) and checks that it answers. It does not migrate; call Migrate. An unreachable database is
// reported as an error wrapping account.ErrUnavailable.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	t, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults(t.dialect)
	if t.dialect == Postgres && opts.MaxOpenConns < 2 {
		// Migrate holds its advisory lock on one connection while it migrates on another.
		return nil, errors.New("bunstore: MaxOpenConns must be at least 2 on PostgreSQL")
	}
	var replicaTarget target
	if opts.ReplicaURL != "" {
		if t.dialect != Postgres {
			return nil, errors.New("bunstore: a replica needs a PostgreSQL database")
		}
		if replicaTarget, err = parseDSN(opts.ReplicaURL); err != nil || replicaTarget.dialect != Postgres {
			return nil, errors.New("bunstore: the replica's URL is not a PostgreSQL URL")
		}
	}

	if t.dialect == SQLite && !t.memory {
		// SQLite creates a missing file but not a missing directory, and says only
		// "unable to open database file": name the path and what is wrong with it.
		if _, err := os.Stat(filepath.Dir(t.path())); err != nil {
			return nil, fmt.Errorf("bunstore: cannot open the SQLite database %s: its directory: %w", t.path(), err)
		}
	}

	var (
		db      *bun.DB
		hotMode pgx.QueryExecMode
	)
	switch t.dialect {
	case Postgres:
		if db, hotMode, err = openPostgres(t, opts); err != nil {
			return nil, err
		}
	case SQLite:
		sqldb, err := sql.Open("sqlite", t.dsn)
		if err != nil {
			return nil, fmt.Errorf("bunstore: %w", err)
		}
		db = bun.NewDB(sqldb, sqlitedialect.New())
		setPool(db, opts)
	}

	s := &Store{db: db, root: db, dialect: t.dialect, opts: opts}
	// SQLite's one connection is a line too, and database/sql serves it in random
	// order: the gate makes it first come, first served.
	s.gate = newConnGate(opts.MaxOpenConns)
	if t.dialect == Postgres {
		s.hot = newHotQueries(db, hotMode)
	} else {
		s.lite = newLiteQueries(db)
	}
	if opts.ReplicaURL != "" {
		// Not pinged: a replica that is down must not stop the start; its first read
		// finds out, and the primary serves meanwhile.
		rdb, _, err := openPostgres(replicaTarget, opts)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("bunstore: the replica: %w", err)
		}
		logger := opts.Logger
		if logger == nil {
			logger = slog.Default()
		}
		s.replica = &replica{db: rdb, logger: logger}
		// Reads may go to the replica only for work that has not written (replica.go).
		db.AddQueryHook(writeTracker{})
	}
	if t.dialect == SQLite && !t.memory {
		// A local file that cannot be opened (permissions, a read-only directory for
		// the WAL) will not come back by itself: not ErrUnavailable, which callers
		// retry, but the path and the cause.
		pingCtx, cancel := context.WithTimeout(ctx, opts.QueryTimeout)
		err := db.PingContext(pingCtx)
		cancel()
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("bunstore: cannot open the SQLite database %s: %v", t.path(), err)
		}
		return s, nil
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close() // the replica's pool too
		return nil, err
	}
	return s, nil
}

// openPostgres returns the pool of a PostgreSQL target, and the mode of its hot
// statements (hot.go).
func openPostgres(t target, opts Options) (*bun.DB, pgx.QueryExecMode, error) {
	cfg, err := pgx.ParseConfig(t.dsn)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, 0, fmt.Errorf("bunstore: %w", err)
	}
	// The hot statements are prepared and kept per connection, unless the URL names
	// another mode for them: behind a pooler that moves a client between server
	// connections (PgBouncer in transaction mode before 1.21), a statement prepared on
	// one server connection is missing on the next.
	hotMode := pgx.QueryExecModeCacheStatement
	if t.execModeSet {
		hotMode = cfg.DefaultQueryExecMode
	}
	// Bun writes every value into the SQL text, so each query text is new: the simple
	// protocol runs it in one round trip instead of preparing it first. Whatever the URL
	// says, for Bun's statements (and the rate limiter's) any other mode would cost a
	// round trip more or fill a cache with texts never sent again.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	db := bun.NewDB(stdlib.OpenDB(*cfg), pgdialect.New())
	setPool(db, opts)
	return db, hotMode, nil
}

// setPool sizes db's pool as opts says.
func setPool(db *bun.DB, opts Options) {
	db.SetMaxOpenConns(opts.MaxOpenConns)
	db.SetMaxIdleConns(opts.MaxIdleConns)
	db.SetConnMaxLifetime(opts.ConnMaxLifetime)
	db.SetConnMaxIdleTime(opts.ConnMaxIdleTime)
}

// Dialect returns Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// DB returns the underlying Bun database, for tests and benchmarks. Queries on it bypass
// the error translation and timeouts of the Store.
func (s *Store) DB() *bun.DB { return s.root }

// HotExecMode returns the pgx mode the Store sends its prepared statements in on
// PostgreSQL (hot.go): QueryExecModeCacheStatement, or the mode the database URL names
// for a pooler that does not keep prepared statements. Code that prepares statements of
// its own on DB (the mail outbox) must use it too, or it breaks behind such a pooler.
// Zero on SQLite.
func (s *Store) HotExecMode() pgx.QueryExecMode {
	if s.hot == nil {
		return 0
	}
	return s.hot.mode
}

// Stats returns the connection pool statistics, for metrics.
func (s *Store) Stats() sql.DBStats { return s.root.Stats() }

// Close closes the database (and the replica's pool). A Store bound to a transaction
// (inside InTx) must not be closed.
func (s *Store) Close() error {
	if s.replica != nil {
		_ = s.replica.db.Close()
	}
	return s.root.Close()
}

// Ping reports whether the database answers, as account.ErrUnavailable if it does not.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if s.inTx {
		_, err := s.db.ExecContext(ctx, "SELECT 1")
		return translate(err)
	}
	return translate(s.root.PingContext(ctx))
}

// InTx runs fn with a Store bound to one transaction, committed when fn returns nil and
// rolled back when it returns an error (which InTx returns unchanged) or panics. Inside
// a transaction, InTx reuses it. fn must use only the Store it is given: on SQLite the
// transaction holds the only connection, so a query on the outer Store waits for it
// and fails after QueryTimeout.
func (s *Store) InTx(ctx context.Context, fn func(tx account.Store) error) error {
	if s.inTx {
		return fn(s)
	}
	if s.replica != nil {
		// A transaction is there to write: what the work reads next must see it.
		wrote(ctx)
	}
	if s.gate != nil {
		// A transaction holds its connection throughout, so it takes its place in the
		// line once, waiting no longer than a statement would.
		wait, done := context.WithTimeout(ctx, s.opts.QueryTimeout)
		err := s.gate.enter(wait)
		done()
		if err != nil {
			return translate(err)
		}
		defer s.gate.leave()
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.TxTimeout)
	defer cancel()
	// BEGIN and COMMIT run under the transaction's own context, which lives for
	// TxTimeout: a database that stops answering (a dead link, a hung host) would hold
	// the request that long. A watchdog bounds each of them by QueryTimeout, like any
	// other statement, by ending the transaction's context when it fires.
	var timedOut atomic.Bool
	watchdog := time.AfterFunc(s.opts.QueryTimeout, func() { timedOut.Store(true); cancel() })
	defer watchdog.Stop()
	var (
		fnErr error
		txc   *txctx.Tx
	)
	err := s.root.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if !watchdog.Stop() {
			return context.DeadlineExceeded // BEGIN came back too late
		}
		txc = txctx.New(tx)
		fnErr = fn(&Store{db: tx, root: s.root, dialect: s.dialect, opts: s.opts, inTx: true, txc: txc, hot: s.hot, lite: s.lite, gate: s.gate, replica: s.replica})
		if fnErr == nil {
			watchdog.Reset(s.opts.QueryTimeout) // for the COMMIT that follows
		}
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil && timedOut.Load() {
		return fmt.Errorf("%w: transaction: BEGIN or COMMIT took longer than %v", account.ErrUnavailable, s.opts.QueryTimeout)
	}
	if err != nil {
		return translate(err)
	}
	txc.Committed()
	return nil
}

// Bind returns ctx carrying the transaction this Store is bound to (txctx), so that work
// outside the store, the outbox's insert of an email, commits or rolls back with it.
// Outside a transaction it returns ctx as it is.
func (s *Store) Bind(ctx context.Context) context.Context {
	if s.txc == nil {
		return ctx
	}
	return txctx.With(ctx, s.txc)
}

// bound gives one query its deadline, and outside a transaction its place in the line
// for a connection (gate.go); the deadline covers the wait. The returned function
// releases both.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.QueryTimeout)
	if s.inTx || s.gate == nil {
		return ctx, cancel
	}
	if s.gate.enter(ctx) != nil {
		// The deadline passed in line: the query fails with it at once, as it would
		// have waiting for a connection in database/sql.
		return ctx, cancel
	}
	return ctx, func() {
		s.gate.leave()
		cancel()
	}
}

// rowsAffected takes an Exec's result and returns how many rows it changed, with any
// error translated.
func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, translate(err)
	}
	return n, nil
}
