package bunstore

import (
	"context"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"

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
	return nil
}

// lockMigrations takes the migration advisory lock on a connection of its own and
// returns the function that releases it.
func (s *Store) lockMigrations(ctx context.Context) (unlock func(), err error) {
	conn, err := s.root.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return func() {
		// Release even if ctx was cancelled meanwhile.
		ctx, cancel := s.bound(context.WithoutCancel(ctx))
		defer cancel()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", migrationLockKey); err != nil {
			// The lock belongs to the session: if it could not be released, end the
			// session rather than return a locked connection to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}, nil
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
