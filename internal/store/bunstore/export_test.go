package bunstore

import (
	"context"
	"io/fs"
	"path"
	"testing/fstest"
	"time"
)

// RollbackForTest rolls back the last migration group, so that tests can check the
// down migrations.
func (s *Store) RollbackForTest(ctx context.Context) error {
	m, err := s.migrator()
	if err != nil {
		return err
	}
	_, err = m.Rollback(ctx)
	return err
}

// MigrateBeforeForTest applies the migrations whose names sort before name, leaving the
// database as an older accountd made it, so that tests can put in data of that time
// and check what the later migrations make of it.
func (s *Store) MigrateBeforeForTest(ctx context.Context, name string) error {
	files := fstest.MapFS{}
	err := fs.WalkDir(migrationFiles, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(p) >= name {
			return err
		}
		data, err := migrationFiles.ReadFile(p)
		files[path.Base(p)] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		return err
	}
	m, err := s.migratorOf(files)
	if err != nil {
		return err
	}
	if err := m.Init(ctx); err != nil {
		return err
	}
	_, err = m.Migrate(ctx)
	return err
}

// LockMigrationsForTest takes the migration lock as Migrate does and returns its
// release.
func (s *Store) LockMigrationsForTest(ctx context.Context) (unlock func(), err error) {
	return s.lockMigrations(ctx)
}

// SetReplicaRetryForTest changes how long reads skip a failed replica, until the test
// ends.
func SetReplicaRetryForTest(t interface{ Cleanup(func()) }, d time.Duration) {
	old := replicaRetry
	replicaRetry = d
	t.Cleanup(func() { replicaRetry = old })
}
