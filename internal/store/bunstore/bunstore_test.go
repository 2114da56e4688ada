package bunstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/account/storetest"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// forEachKind runs test on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
func forEachKind(t *testing.T, test func(t *testing.T, kind string)) {
	for _, kind := range bunstoretest.Kinds() {
		t.Run(kind, func(t *testing.T) { test(t, kind) })
	}
}

func TestStore(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		storetest.Run(t, func(t *testing.T) account.Store { return bunstoretest.Open(t, kind) })
	})
}

func TestDialect(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		if got := bunstoretest.Open(t, kind).Dialect(); got != kind {
			t.Errorf("Dialect() = %q, want %q", got, kind)
		}
	})
}

// openUnmigrated opens a store on a fresh, empty database of the given kind.
func openUnmigrated(t *testing.T, kind string, opts bunstore.Options) *bunstore.Store {
	t.Helper()
	s, err := bunstore.Open(t.Context(), bunstoretest.DSN(t, kind), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func countRows(t *testing.T, s *bunstore.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().NewRaw(query, args...).Scan(t.Context(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// migrationCount is the number of migrations in the migrations directory.
func migrationCount(t *testing.T) int {
	t.Helper()
	ups, err := filepath.Glob(filepath.Join("migrations", "*.up.sql"))
	if err != nil || len(ups) == 0 {
		t.Fatalf("no up migrations found: %v", err)
	}
	return len(ups)
}

func TestMigrate(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		t.Run("pending_until_migrated_then_current", func(t *testing.T) {
			s := openUnmigrated(t, kind, bunstore.Options{})
			if ok, err := s.MigrationsCurrent(t.Context()); err != nil || ok {
				t.Errorf("MigrationsCurrent before Migrate = %v, %v; want false, nil", ok, err)
			}
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if ok, err := s.MigrationsCurrent(t.Context()); err != nil || !ok {
				t.Errorf("MigrationsCurrent after Migrate = %v, %v; want true, nil", ok, err)
			}
		})
		t.Run("users_pages_keep_room_for_login_updates", func(t *testing.T) {
			if kind != bunstoretest.Postgres {
				return // SQLite updates rows in place
			}
			s := bunstoretest.Open(t, kind)
			// A login rewrites last_login, which no index covers: with room on its page the
			// new row version is a HOT update and leaves the six indexes alone.
			if n := countRows(t, s, "SELECT count(*) FROM pg_class WHERE oid = 'users'::regclass AND 'fillfactor=85' = ANY(reloptions)"); n != 1 {
				t.Fatal("users has no fillfactor of 85")
			}
		})
		t.Run("twice_is_a_no_op", func(t *testing.T) {
			s := bunstoretest.Open(t, kind)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
			if n, want := countRows(t, s, "SELECT count(*) FROM bun_migrations"), migrationCount(t); n != want {
				t.Errorf("bun_migrations has %d rows, want %d (each migration applied once)", n, want)
			}
			if ok, err := s.MigrationsCurrent(t.Context()); err != nil || !ok {
				t.Errorf("MigrationsCurrent = %v, %v; want true, nil", ok, err)
			}
		})
		t.Run("down_then_up_again", func(t *testing.T) {
			s := bunstoretest.Open(t, kind)
			if err := s.RollbackForTest(t.Context()); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			if ok, err := s.MigrationsCurrent(t.Context()); err != nil || ok {
				t.Errorf("MigrationsCurrent after rollback = %v, %v; want false, nil", ok, err)
			}
			// The down migrations leave nothing of the schema behind.
			q := "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'bun\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
			if kind == bunstoretest.Postgres {
				q = "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
					"WHERE n.nspname = current_schema() AND c.relname NOT LIKE 'bun\\_%'"
			}
			if n := countRows(t, s, q); n != 0 {
				t.Errorf("%d tables, indexes or sequences left after rolling back every migration", n)
			}
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate after rollback: %v", err)
			}
			if _, err := s.CreateUser(t.Context(), account.User{Username: "a", Email: "a@example.com"}); err != nil {
				t.Errorf("CreateUser after re-migrating: %v", err)
			}
		})
	})
	t.Run("postgres/concurrent_instances_all_succeed", func(t *testing.T) {
		if bunstoretest.PostgresURL() == "" {
			t.Skip("TEST_DATABASE_URL not set")
		}
		dsn := bunstoretest.DSN(t, bunstoretest.Postgres)
		const instances = 4
		stores := make([]*bunstore.Store, instances)
		for i := range stores {
			s, err := bunstore.Open(t.Context(), dsn, bunstore.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			stores[i] = s
		}
		var wg sync.WaitGroup
		errs := make([]error, instances)
		start := make(chan struct{})
		for i, s := range stores {
			wg.Go(func() {
				<-start
				errs[i] = s.Migrate(t.Context())
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("instance %d: Migrate: %v", i, err)
			}
		}
		if n, want := countRows(t, stores[0], "SELECT count(*) FROM bun_migrations"), migrationCount(t); n != want {
			t.Errorf("bun_migrations has %d rows, want %d", n, want)
		}
	})
}

func TestTranslate(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		t.Run("unique_violations_by_index", func(t *testing.T) {
			s := bunstoretest.Open(t, kind)
			ctx := t.Context()
			u, err := s.CreateUser(ctx, account.User{Username: "alice", Email: "alice@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.CreateUser(ctx, account.User{Username: "ALICE", Email: "ALICE@example.com"})
			// Both indexes are violated; either answer is right, a raw error is not.
			if !errors.Is(err, account.ErrUsernameTaken) && !errors.Is(err, account.ErrEmailTaken) {
				t.Errorf("CreateUser(both taken) = %v, want ErrUsernameTaken or ErrEmailTaken", err)
			}
			// A duplicate primary key elsewhere is an error, but no domain one, even on
			// a table whose name says "email".
			tok := account.EmailToken{Hash: "h", UserID: u.ID, Purpose: account.PurposeActivation}
			if err := s.CreateEmailToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
			err = s.CreateEmailToken(ctx, tok)
			if err == nil || errors.Is(err, account.ErrEmailTaken) || errors.Is(err, account.ErrUsernameTaken) {
				t.Errorf("CreateEmailToken(duplicate hash) = %v, want a non-domain error", err)
			}
		})
		t.Run("missing_parent_ErrNotFound", func(t *testing.T) {
			s := bunstoretest.Open(t, kind)
			err := s.CreateSession(t.Context(), account.Session{ID: "s", UserID: 12345})
			if !errors.Is(err, account.ErrNotFound) {
				t.Errorf("CreateSession(unknown user) = %v, want ErrNotFound", err)
			}
		})
		t.Run("closed_database_ErrUnavailable", func(t *testing.T) {
			s := bunstoretest.Open(t, kind)
			_ = s.Close()
			if _, err := s.UserByID(t.Context(), 1); !errors.Is(err, account.ErrUnavailable) {
				t.Errorf("UserByID on a closed store = %v, want ErrUnavailable", err)
			}
			if err := s.Ping(t.Context()); !errors.Is(err, account.ErrUnavailable) {
				t.Errorf("Ping on a closed store = %v, want ErrUnavailable", err)
			}
		})
		t.Run("query_timeout_ErrUnavailable", func(t *testing.T) {
			// A transaction holds the user's row (PostgreSQL) or the only connection
			// (SQLite); a second writer must give up after QueryTimeout, not hang.
			const timeout = 200 * time.Millisecond
			s := openUnmigrated(t, kind, bunstore.Options{QueryTimeout: timeout})
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			u, err := s.CreateUser(t.Context(), account.User{Username: "alice", Email: "alice@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			var elapsed time.Duration
			var blocked error
			err = s.InTx(t.Context(), func(tx account.Store) error {
				if _, err := tx.UpdateUser(t.Context(), u); err != nil {
					return err
				}
				start := time.Now()
				_, blocked = s.UpdateUser(t.Context(), u)
				elapsed = time.Since(start)
				return nil
			})
			if err != nil {
				t.Fatalf("InTx: %v", err)
			}
			if !errors.Is(blocked, account.ErrUnavailable) {
				t.Errorf("blocked UpdateUser = %v, want ErrUnavailable", blocked)
			}
			if elapsed > 10*timeout {
				t.Errorf("blocked UpdateUser took %v, want about %v", elapsed, timeout)
			}
		})
	})
	t.Run("postgres/unreachable_server_ErrUnavailable", func(t *testing.T) {
		start := time.Now()
		// Port 1 on loopback refuses connections.
		_, err := bunstore.Open(t.Context(), "postgres://nobody:secret@127.0.0.1:1/none?sslmode=disable", bunstore.Options{})
		if !errors.Is(err, account.ErrUnavailable) {
			t.Errorf("Open = %v, want ErrUnavailable", err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Open error shows the password: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Open took %v to fail, want a few seconds at most", d)
		}
	})
}

// queryCounter counts the statements a Store sends.
type queryCounter struct {
	mu sync.Mutex
	n  int
}

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func TestSessionUserIsOneQuery(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		now := time.Now()
		u, err := s.CreateUser(t.Context(), account.User{Username: "alice", Email: "alice@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(t.Context(), account.Session{ID: "s1", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		counter := &queryCounter{}
		s.DB().AddQueryHook(counter)
		// On PostgreSQL the query is a prepared statement, which Bun's hooks do not see.
		prepared := bunstore.RecordPrepared(func() {
			if _, _, err := s.SessionUser(t.Context(), "s1", now); err != nil {
				t.Fatalf("SessionUser: %v", err)
			}
		})
		if n := counter.n + len(prepared); n != 1 {
			t.Errorf("SessionUser sent %d queries, want 1", n)
		}
	})
}

func TestZeroTimeIsNull(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		ctx := t.Context()
		now := time.Now()
		u, err := s.CreateUser(ctx, account.User{Username: "alice", Email: "alice@example.com", DateJoined: now})
		if err != nil {
			t.Fatal(err)
		}
		steps := []error{
			s.CreateSession(ctx, account.Session{ID: "s1", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}),
			s.CreateRefreshToken(ctx, account.RefreshToken{Hash: "r1", SessionID: "s1", UserID: u.ID}),
			s.CreateEmailToken(ctx, account.EmailToken{Hash: "e1", UserID: u.ID, Purpose: account.PurposeActivation}),
		}
		if err := errors.Join(steps...); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"SELECT count(*) FROM users WHERE last_login IS NULL",
			"SELECT count(*) FROM sessions WHERE revoked_at IS NULL",
			"SELECT count(*) FROM refresh_tokens WHERE used_at IS NULL",
			"SELECT count(*) FROM email_tokens WHERE used_at IS NULL",
		} {
			if n := countRows(t, s, q); n != 1 {
				t.Errorf("%s = %d, want 1", q, n)
			}
		}
	})
}

func TestEventStored(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		ctx := t.Context()
		u, err := s.CreateUser(ctx, account.User{Username: "alice", Email: "alice@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		when := time.Date(2026, 11, 23, 14, 0, 0, 5000, time.FixedZone("UTC+2", 7200))
		e := account.Event{UserID: u.ID, Type: account.EventLogout, At: when, IP: "192.0.2.1", UserAgent: "ua", Detail: "session s1"}
		if err := s.AddEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Type, IP, UserAgent, Detail string
			At                          time.Time
		}
		err = s.DB().NewRaw("SELECT type, ip, user_agent, detail, at FROM events WHERE user_id = ?", u.ID).
			Scan(ctx, &got.Type, &got.IP, &got.UserAgent, &got.Detail, &got.At)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != string(e.Type) || got.IP != e.IP || got.UserAgent != e.UserAgent || got.Detail != e.Detail || !got.At.Equal(when) {
			t.Errorf("stored event = %+v, want %+v", got, e)
		}
	})
}

func TestSigningKeysOldestFirst(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		now := time.Now()
		for _, k := range []account.SigningKey{
			{ID: "new", Algorithm: "EdDSA", Private: []byte("n"), CreatedAt: now},
			{ID: "old", Algorithm: "EdDSA", Private: []byte("o"), CreatedAt: now.Add(-time.Hour)},
		} {
			if err := s.AddSigningKey(t.Context(), k); err != nil {
				t.Fatal(err)
			}
		}
		keys, err := s.SigningKeys(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || keys[0].ID != "old" || keys[1].ID != "new" {
			t.Errorf("SigningKeys = %v, want old then new", keys)
		}
	})
}

// TestMigrateLoginNamesKeepsEmailOwners: before the namespace of login names, a
// username could equal another account's email and shadow its login. The migration
// that makes the namespace gives such a name to the email's owner, and leaves the other
// account working by its own email.
func TestMigrateLoginNamesKeepsEmailOwners(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := openUnmigrated(t, kind, bunstore.Options{})
		ctx := t.Context()
		if err := s.MigrateBeforeForTest(ctx, "20261205000001"); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		for _, u := range []struct{ username, email string }{
			{"carol", "carol@example.com"},
			{"Carol@example.com", "squatter@example.com"}, // shadows carol's email
			{"dave@example.com", "Dave@example.com"},      // the account's own email
		} {
			if _, err := s.DB().NewRaw("INSERT INTO users (username, email, username_key, email_key, date_joined, password_changed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				u.username, u.email, strings.ToLower(u.username), strings.ToLower(u.email), now, now, now).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate over old data: %v", err)
		}
		for login, want := range map[string]string{
			"carol@example.com": "carol", "CAROL": "carol",
			"squatter@example.com": "Carol@example.com",
			"dave@example.com":     "dave@example.com",
		} {
			got, err := s.UserByLogin(ctx, login)
			if err != nil || got.Username != want {
				t.Errorf("UserByLogin(%s) = %q, %v; want %s", login, got.Username, err, want)
			}
		}
		// The squatter's account still takes changes that leave its names alone.
		squatter, err := s.UserByLogin(ctx, "squatter@example.com")
		if err != nil {
			t.Fatal(err)
		}
		squatter.Profile.Bio = "still here"
		if _, err := s.UpdateUser(ctx, squatter); err != nil {
			t.Errorf("UpdateUser(bio) of the account whose username shadowed an email: %v", err)
		}
	})
}

func TestOpenSQLiteForms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct{ dsn, file string }{
		{"sqlite://" + filepath.Join(dir, "abs.db"), "abs.db"}, // sqlite:///abs/path
		{"sqlite://rel.db", "rel.db"},
		{"sqlite:plain.db", "plain.db"},
		{"./bare.db", "bare.db"},
		{"sqlite::memory:", ""},
	} {
		t.Run(tc.dsn, func(t *testing.T) {
			s, err := bunstore.Open(t.Context(), tc.dsn, bunstore.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			var fk int
			var journal string
			if err := s.DB().NewRaw("PRAGMA foreign_keys").Scan(t.Context(), &fk); err != nil || fk != 1 {
				t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
			}
			if err := s.DB().NewRaw("PRAGMA journal_mode").Scan(t.Context(), &journal); err != nil {
				t.Fatal(err)
			}
			if tc.file == "" {
				if journal != "memory" {
					t.Errorf("journal_mode = %q, want memory", journal)
				}
				return
			}
			if journal != "wal" {
				t.Errorf("journal_mode = %q, want wal", journal)
			}
			if _, err := os.Stat(filepath.Join(dir, tc.file)); err != nil {
				t.Errorf("database file: %v", err)
			}
		})
	}
}
