package bunstore

import "context"

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

// LockMigrationsForTest takes the migration lock as Migrate does and returns its
// release.
func (s *Store) LockMigrationsForTest(ctx context.Context) (unlock func(), err error) {
	return s.lockMigrations(ctx)
}
