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
