package bunstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/uptrace/bun/migrate"
)

// The migrations are SQL templates rendered with templateData. Files named *.tx.up.sql
// run inside a transaction, so a failed migration leaves no half-built schema behind
// (both PostgreSQL and SQLite have transactional DDL).
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Bun's default table names, spelled out because MigrationsCurrent looks for them.
const (
	migrationsTable     = "bun_migrations"
	migrationLocksTable = "bun_migration_locks"
)

// migrationLockKey is the PostgreSQL advisory lock taken while migrating ("accountd"
// in ASCII). Every instance uses the same key, so concurrent starts take turns.
const migrationLockKey int64 = 0x6163636f756e7464

// migrationLockRetry is how long Migrate waits before trying the lock again while
// another instance holds it (a variable for tests).
var migrationLockRetry = 100 * time.Millisecond

// templateData is what the migration templates see.
type templateData struct {
	// PG is true on PostgreSQL and false on SQLite.
	PG bool
}

func (s *Store) migrator() (*migrate.Migrator, error) {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return s.migratorOf(dir)
}

// migratorOf is migrator over the migration files in dir.
func (s *Store) migratorOf(dir fs.FS) (*migrate.Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(dir); err != nil {
		return nil, err
	}
	return migrate.NewMigrator(s.root, ms,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(migrationLocksTable),
		migrate.WithTemplateData(templateData{PG: s.dialect == Postgres}),
		// Record a migration only once it succeeded, so a failed one is retried on
		// the next start instead of being skipped as applied.
		migrate.WithMarkAppliedOnSuccess(true),
	), nil
}

// Migrate applies the pending migrations. It is safe to call on every start: on
// PostgreSQL it holds an advisory lock, so instances starting together migrate one
// after the other and the later ones find nothing to do. It is not bounded by
// QueryTimeout; ctx bounds it.
func (s *Store) Migrate(ctx context.Context) (err error) {
	m, err := s.migrator()
	if err != nil {
		return fmt.Errorf("bunstore: migrate: %w", err)
	}
	if s.dialect == Postgres {
		unlock, err := s.lockMigrations(ctx)
		if err != nil {
			return translate(fmt.Errorf("migrate: lock: %w", err))
		}
		defer unlock()
	}
	if err := m.Init(ctx); err != nil {
		return translate(fmt.Errorf("migrate: create migration tables: %w", err))
	}
	if _, err := m.Migrate(ctx); err != nil {
		return translate(fmt.Errorf("migrate: %w", err))
	}
	if s.lite != nil && !s.inTx {
		// The tables are there now: SQLite's hot statements can be prepared (lite.go).
		s.lite.prepare(ctx)
	}
	return nil
}

// lockMigrations takes the migration lock and returns the function that releases it.
//
// The lock is a transaction-scoped advisory lock held by a transaction left open while
// the migrations run on other connections, never a session-level one: a connection
// pooler in transaction mode (PgBouncer's pool_mode=transaction) gives each
// transaction whichever server connection is free, so a session lock would stay behind
// on a server connection that other clients then use (they would hold it too, being
// the same session), and the unlock would run on another one and release nothing. An
// open transaction keeps its server connection until it ends, through any pooler; its
// lock ends with it, also when the process dies (the pooler or the server rolls the
// transaction back when the client goes away).
//
// A waiting instance does not keep a transaction open: it tries the lock, and if
// another holds it, ends its transaction and tries again a moment later. A waiter that
// blocked inside its transaction would hold a server connection of the pooler all the
// while, and with as many waiters as the pool has server connections, the holder could
// not get one to migrate with.
func (s *Store) lockMigrations(ctx context.Context) (unlock func(), err error) {
	for {
		tx, err := s.root.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		var locked bool
		if err := tx.NewRaw("SELECT pg_try_advisory_xact_lock(?)", migrationLockKey).Scan(ctx, &locked); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		if locked {
			// Rollback ends the transaction and its lock; it wrote nothing.
			return func() { _ = tx.Rollback() }, nil
		}
		if err := tx.Rollback(); err != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(migrationLockRetry):
		}
	}
}

// MigrationsCurrent reports whether every migration this binary knows has been
// applied, for a readiness check. It only reads.
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	exists, err := s.tableExists(ctx, migrationsTable)
	if err != nil || !exists {
		return false, translate(err)
	}
	m, err := s.migrator()
	if err != nil {
		return false, fmt.Errorf("bunstore: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return false, translate(err)
	}
	return len(ms.Unapplied()) == 0, nil
}

func (s *Store) tableExists(ctx context.Context, name string) (bool, error) {
	var n int
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if s.dialect == Postgres {
		q = "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?"
	}
	err := s.root.NewRaw(q, name).Scan(ctx, &n)
	return n > 0, err
}
