package bunstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// TestWaitForConnection checks the line for connections on PostgreSQL (gate.go): with
// every connection held by a transaction, a statement waits in line no longer than
// QueryTimeout and then fails as unavailable; once one is free, it runs.
func TestWaitForConnection(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		if kind != bunstoretest.Postgres {
			return // SQLite has one connection and no line of its own
		}
		ctx := t.Context()
		s, err := bunstore.Open(ctx, bunstoretest.DSN(t, kind), bunstore.Options{MaxOpenConns: 2, QueryTimeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		held := make(chan struct{})
		done := make(chan error, 2)
		for range 2 {
			go func() {
				done <- s.InTx(context.Background(), func(tx account.Store) error {
					held <- struct{}{}
					<-release
					return nil
				})
			}()
			<-held
		}
		start := time.Now()
		_, err = s.UserByID(ctx, 1)
		if !errors.Is(err, account.ErrUnavailable) {
			t.Errorf("statement with every connection taken = %v, want ErrUnavailable", err)
		}
		if waited := time.Since(start); waited < 250*time.Millisecond || waited > 5*time.Second {
			t.Errorf("waited %v in line, want about the 300ms QueryTimeout", waited)
		}
		close(release)
		for range 2 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.UserByID(ctx, 1); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("statement with connections free = %v, want ErrNotFound (no such user)", err)
		}
	})
}
