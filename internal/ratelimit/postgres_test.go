package ratelimit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"text/template"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver
	_ "modernc.org/sqlite"             // "sqlite" driver

	"github.com/accountd/accountd/internal/ratelimit"
)

// envURL names a PostgreSQL server whose role may create databases, for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. Without it the
// PostgreSQL limiter is not tested.
const envURL = "TEST_DATABASE_URL"

// migrationFile is the bunstore migration that creates rate_limits.
func migrationFile(direction string) string {
	return filepath.Join("..", "store", "bunstore", "migrations", "20261123000003_rate_limits.tx."+direction+".sql")
}

// migration renders the migration for one dialect and splits it into statements, as
// bun's migrator does (text/template with .PG, then "--bun:split" lines).
func migration(tb testing.TB, direction string, pg bool) []string {
	tb.Helper()
	text, err := os.ReadFile(migrationFile(direction))
	if err != nil {
		tb.Fatal(err)
	}
	tmpl, err := template.New(direction).Parse(string(text))
	if err != nil {
		tb.Fatalf("%s: %v", migrationFile(direction), err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ PG bool }{pg}); err != nil {
		tb.Fatalf("%s: %v", migrationFile(direction), err)
	}
	var stmts []string
	for stmt := range strings.SplitSeq(buf.String(), "\n--bun:split\n") {
		if strings.TrimSpace(stmt) != "" {
			stmts = append(stmts, stmt)
		}
	}
	return stmts
}

// migrate runs the migration in one transaction, as a .tx. migration runs.
func migrate(tb testing.TB, db *sql.DB, direction string, pg bool) {
	tb.Helper()
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for _, stmt := range migration(tb, direction, pg) {
		if _, err := tx.Exec(stmt); err != nil {
			tb.Fatalf("migrate %s: %v\n%s", direction, err, stmt)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// checkMigration runs the migration up, down and up again, using the table in between.
func checkMigration(t testing.TB, db *sql.DB, pg bool, insert string) {
	t.Helper()
	migrate(t, db, "up", pg)
	if _, err := db.Exec(insert); err != nil {
		t.Fatalf("insert into rate_limits: %v", err)
	}
	migrate(t, db, "down", pg)
	if _, err := db.Exec("SELECT 1 FROM rate_limits"); err == nil {
		t.Fatal("rate_limits survives the down migration")
	}
	migrate(t, db, "up", pg)
}

// The table exists on SQLite too (one migration set serves both); its branch must run.
func TestMigrationSQLite(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	checkMigration(t, db, false, `INSERT INTO rate_limits (key, window_start, count, expires_at)
		VALUES ('k', '2030-01-07 00:00:00', 1, '2030-01-07 00:01:00')`)
}

// postgresDatabase creates a database of its own (accountd_test_<hex>) on the
// TEST_DATABASE_URL server, migrated, and drops it when the test ends. It returns its URL.
func postgresDatabase(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(envURL)
	if server == "" {
		tb.Skipf("%s not set: PostgreSQL limiter not tested", envURL)
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("%s must be a postgres:// URL", envURL)
	}
	admin := openPostgres(tb, server)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Generated, never user input: safe to splice into DDL.
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails
	name := "accountd_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	db := openPostgres(tb, u.String())
	checkMigration(tb, db, true, `INSERT INTO rate_limits (key, window_start, count, expires_at)
		VALUES ('k', now(), 1, now())`)
	return u.String()
}

// openPostgres opens dsn, closed when the test ends (before a database made earlier in
// the test is dropped: cleanups run last-in first-out).
func openPostgres(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func TestPostgres(t *testing.T) {
	dsn := postgresDatabase(t)
	setup := openPostgres(t, dsn)
	// Each subtest starts from an empty table, on handles of its own: n handles are n
	// instances of the service.
	instances := func(t *testing.T, n int) []*ratelimit.Postgres {
		if _, err := setup.ExecContext(t.Context(), "TRUNCATE rate_limits"); err != nil {
			t.Fatal(err)
		}
		pgs := make([]*ratelimit.Postgres, n)
		for i := range pgs {
			db := openPostgres(t, dsn)
			db.SetMaxOpenConns(5)
			pgs[i] = ratelimit.NewPostgres(db)
		}
		return pgs
	}
	rows := func(t *testing.T) int {
		t.Helper()
		var n int
		if err := setup.QueryRowContext(t.Context(), "SELECT count(*) FROM rate_limits").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	runSuite(t, func(t *testing.T, n int) []ratelimit.Limiter {
		ls := make([]ratelimit.Limiter, n)
		for i, pg := range instances(t, n) {
			ls[i] = pg
		}
		return ls
	})

	t.Run("stores_key_digests_never_keys", func(t *testing.T) {
		pg := instances(t, 1)[0]
		key := "login:email:alice@example.com"
		allow(t, pg, key, ratelimit.Rule{Limit: 5, Window: time.Minute}, base)
		var stored string
		if err := setup.QueryRowContext(t.Context(), "SELECT key FROM rate_limits").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(key))
		if want := hex.EncodeToString(sum[:]); stored != want {
			t.Errorf("stored key %q, want the hex SHA-256 %q", stored, want)
		}
		var leaks int
		err := setup.QueryRowContext(t.Context(),
			"SELECT count(*) FROM rate_limits WHERE strpos(CAST(rate_limits.* AS text), 'alice') > 0").Scan(&leaks)
		if err != nil || leaks != 0 {
			t.Errorf("rows mentioning the email: %d, %v; want 0", leaks, err)
		}
	})

	t.Run("refusals_leave_the_counters_alone", func(t *testing.T) {
		pg := instances(t, 1)[0]
		r := ratelimit.Rule{Limit: 2, Window: time.Minute}
		exhaust(t, pg, "k", r, base)
		for range 5 {
			allow(t, pg, "k", r, base.Add(time.Second))
		}
		var prev, count int
		var allowed bool
		err := setup.QueryRowContext(t.Context(), "SELECT prev_count, count, allowed FROM rate_limits").Scan(&prev, &count, &allowed)
		if err != nil {
			t.Fatal(err)
		}
		if prev != 0 || count != 2 || allowed {
			t.Errorf("after 2 allowed and 5 refused: prev_count %d, count %d, allowed %v; want 0, 2, false", prev, count, allowed)
		}
	})

	t.Run("cleanup_deletes_expired_rows_only", func(t *testing.T) {
		pg := instances(t, 1)[0]
		r := ratelimit.Rule{Limit: 5, Window: time.Minute}
		for i := range 5 {
			allow(t, pg, fmt.Sprint("old:", i), r, base)                      // expire at base+1m
			allow(t, pg, fmt.Sprint("live:", i), r, base.Add(10*time.Minute)) // expire at base+11m
		}
		n, err := pg.Cleanup(t.Context(), base.Add(time.Minute))
		if err != nil || n != 5 {
			t.Errorf("Cleanup = %d, %v; want 5 rows deleted", n, err)
		}
		if n, err := pg.Cleanup(t.Context(), base.Add(time.Minute)); err != nil || n != 0 {
			t.Errorf("second Cleanup = %d, %v; want 0", n, err)
		}
		if n := rows(t); n != 5 {
			t.Errorf("%d rows left, want the 5 live ones", n)
		}
		if d := allow(t, pg, "live:0", r, base.Add(10*time.Minute)); d.Remaining != 3 {
			t.Errorf("live key after cleanup: %+v, want its count kept (Remaining 3)", d)
		}
	})

	t.Run("allow_cleans_up_now_and_then", func(t *testing.T) {
		pg := instances(t, 1)[0]
		ratelimit.SetCleanupEvery(pg, 3)
		r := ratelimit.Rule{Limit: 5, Window: time.Minute}
		for i := range 5 {
			allow(t, pg, fmt.Sprint("old:", i), r, base)
		}
		if n := rows(t); n != 5 {
			t.Fatalf("%d rows, want 5 (nothing expired yet)", n)
		}
		allow(t, pg, "new", r, base.Add(time.Hour)) // the 6th Allow cleans up
		if n := rows(t); n != 1 {
			t.Errorf("%d rows after the 6th Allow, want 1: the expired ones cleaned up", n)
		}
	})
}

// BenchmarkPostgresAllow measures one Allow round trip, from all Ps at once, on keys
// spread over 10,000 rows.
func BenchmarkPostgresAllow(b *testing.B) {
	db := openPostgres(b, postgresDatabase(b))
	db.SetMaxOpenConns(8)
	pg := ratelimit.NewPostgres(db)
	r := ratelimit.Rule{Limit: 1 << 30, Window: time.Hour}
	var seq atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := pg.Allow(b.Context(), fmt.Sprint("k", seq.Add(1)%10_000), r, base); err != nil {
				b.Fatal(err)
			}
		}
	})
}
