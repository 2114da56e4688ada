package bunstore_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// pooledDatabase starts PgBouncer in transaction mode with poolSize server connections
// in front of the test server and returns the URL of a fresh, empty database through
// it, and the database's direct URL.
func pooledDatabase(t *testing.T, poolSize int) (pooled, direct string) {
	t.Helper()
	pgcluster.NeedPgBouncer(t)
	if bunstoretest.PostgresURL() == "" {
		t.Setenv(bunstoretest.EnvURL, pgcluster.ServerURL(t))
	}
	direct = bunstoretest.DSN(t, bunstoretest.Postgres)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	bouncer := pgcluster.StartBouncer(t, bunstoretest.PostgresURL(), pgcluster.BouncerOptions{PoolSize: poolSize})
	return bouncer.URL(strings.TrimPrefix(u.Path, "/")), direct
}

// openURL opens the database at dsn, closed when the test ends.
func openURL(t *testing.T, dsn string) *bunstore.Store {
	t.Helper()
	s, err := bunstore.Open(t.Context(), dsn, bunstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestBehindTransactionPooler runs the store through PgBouncer in transaction mode,
// where each transaction (each statement outside one) gets whichever server
// connection is free.
func TestBehindTransactionPooler(t *testing.T) {
	// The control: the pooler really does move clients between server connections,
	// so that prepared statements break without the URL's parameter. With one server
	// connection shared by two stores, the second store's prepare of the same statement
	// meets the first one's ("already exists").
	t.Run("prepared_statements_break_without_the_url_parameter", func(t *testing.T) {
		pooled, direct := pooledDatabase(t, 1)
		s := openURL(t, direct)
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		var errs []error
		for range 2 {
			if _, _, err := openURL(t, pooled).SessionUser(t.Context(), "no-such-session", time.Now()); err != nil && err != account.ErrNotFound {
				errs = append(errs, err)
			}
		}
		if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), "prepared statement") {
			t.Fatalf("errors %v, want one about a prepared statement: the pooler does not share server connections, so the tests below prove nothing", errs)
		}
	})

	// With default_query_exec_mode in the URL, every hot statement works from several
	// stores at once over two server connections.
	t.Run("hot_statements_with_the_url_parameter", func(t *testing.T) {
		pooled, _ := pooledDatabase(t, 2)
		pooled += "&default_query_exec_mode=cache_describe"
		stores := []*bunstore.Store{openURL(t, pooled), openURL(t, pooled), openURL(t, pooled)}
		if err := stores[0].Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Go(func() {
				if err := hotStatements(t.Context(), stores, w); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	})

	// The migration lock holds through the pooler: a second taker waits until the
	// first releases it (a session-level lock would be granted to it at once when it
	// lands on the holder's server connection), and while it waits it holds no server
	// connection, so that others, the holder's migrations among them, still get one.
	t.Run("migration_lock_excludes_and_waiters_pin_no_server_connection", func(t *testing.T) {
		pooled, _ := pooledDatabase(t, 2)
		a, b, c := openURL(t, pooled), openURL(t, pooled), openURL(t, pooled)
		unlock, err := a.LockMigrationsForTest(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan error, 1)
		go func() {
			unlockB, err := b.LockMigrationsForTest(t.Context())
			if err == nil {
				unlockB()
			}
			got <- err
		}()
		select {
		case err := <-got:
			unlock()
			t.Fatalf("second taker got the lock while the first held it (err %v)", err)
		case <-time.After(time.Second):
		}
		// A holds one server connection with its lock; B's tries must leave the other
		// free for C, as for the holder's migrations.
		for i := range 5 {
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			err := c.Ping(ctx)
			cancel()
			if err != nil {
				unlock()
				t.Fatalf("query %d of another store while the lock is held and waited for: %v", i, err)
			}
		}
		unlock()
		select {
		case err := <-got:
			if err != nil {
				t.Fatalf("second taker after the release: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("second taker still waiting 5s after the release")
		}
	})

	t.Run("concurrent_migrations_apply_each_once", func(t *testing.T) {
		pooled, direct := pooledDatabase(t, 2)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			s := openURL(t, pooled)
			wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("instance %d: Migrate: %v", i, err)
			}
		}
		if n, want := countRows(t, openURL(t, direct), "SELECT count(DISTINCT name) FROM bun_migrations"), migrationCount(t); n != want {
			t.Errorf("bun_migrations has %d migrations, want %d", n, want)
		}
	})
}

// hotStatements registers an account (CreateAccount), logs it in (StartSession),
// authenticates (SessionUser) and refreshes (RotateRefreshToken), each step on the next
// of stores.
func hotStatements(ctx context.Context, stores []*bunstore.Store, w int) error {
	on := func(i int) *bunstore.Store { return stores[(w+i)%len(stores)] }
	now := time.Now().UTC()
	name := fmt.Sprintf("pooled%d", w)
	u, err := on(0).CreateAccount(ctx, account.User{Username: name, Email: name + "@example.com", Active: true, Role: account.RoleUser,
		DateJoined: now, LinksVoidedAt: now, UpdatedAt: now},
		account.EmailToken{Hash: name + "-t", Purpose: account.PurposeActivation, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		account.Event{Type: account.EventRegistered, At: now})
	if err != nil {
		return fmt.Errorf("CreateAccount: %w", err)
	}
	sess := account.Session{ID: name + "-s", UserID: u.ID, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
	rt := account.RefreshToken{Hash: name + "-r0", CreatedAt: now, ExpiresAt: now.Add(time.Hour), SessionID: sess.ID, UserID: u.ID}
	if _, err := on(1).StartSession(ctx, sess, rt, "", account.Event{UserID: u.ID, Type: account.EventLoginSucceeded, At: now}, 0); err != nil {
		return fmt.Errorf("StartSession: %w", err)
	}
	spent := rt.Hash
	for i := range 6 {
		if _, _, err := on(i).SessionUser(ctx, sess.ID, now); err != nil {
			return fmt.Errorf("SessionUser %d: %w", i, err)
		}
		next := account.RefreshToken{Hash: fmt.Sprintf("%s-r%d", name, i+1), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if _, err := on(i+1).RotateRefreshToken(ctx, spent, next, now); err != nil {
			return fmt.Errorf("RotateRefreshToken %d: %w", i, err)
		}
		spent = next.Hash
	}
	return nil
}
