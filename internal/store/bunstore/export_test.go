package bunstore

import (
	"context"
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
