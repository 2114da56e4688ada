// Package bunstoretest gives tests a fresh, migrated bunstore.Store on SQLite or
// PostgreSQL, and fresh empty databases for tests that open the store themselves (for
// example through the app's configuration).
//
// PostgreSQL needs a server: set TEST_DATABASE_URL to a URL whose role may create
// databases, for example
//
//	TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// Each call creates its own database on that server (accountd_test_<random>) and drops
// it when the test ends; the database named in the URL is only used to do that.
package bunstoretest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/store/bunstore"
)

// Kinds of database, as accepted by Open and DSN.
const (
	SQLite   = bunstore.SQLite
	Postgres = bunstore.Postgres
)

// EnvURL is the environment variable that names the PostgreSQL server for tests.
const EnvURL = "TEST_DATABASE_URL"

// PostgresURL returns TEST_DATABASE_URL, or "" when PostgreSQL tests are not wanted.
func PostgresURL() string { return os.Getenv(EnvURL) }

// Kinds returns the kinds to run a test against: SQLite always, and Postgres when
// TEST_DATABASE_URL is set.
func Kinds() []string {
	if PostgresURL() == "" {
		return []string{SQLite}
	}
	return []string{SQLite, Postgres}
}

// Open returns a migrated store on a database of its own, closed (and for PostgreSQL
// dropped) when the test ends. kind is SQLite (in memory) or Postgres; asking for
// Postgres without TEST_DATABASE_URL fails the test, so callers decide whether to ask.
func Open(t testing.TB, kind string) *bunstore.Store {
	t.Helper()
	dsn := "sqlite::memory:"
	if kind != SQLite {
		dsn = DSN(t, kind)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := bunstore.Open(ctx, dsn, bunstore.Options{})
	if err != nil {
		t.Fatalf("bunstoretest: open %s store: %v", kind, err)
	}
	// Registered after DSN's cleanup, so it runs before the database is dropped.
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("bunstoretest: migrate %s store: %v", kind, err)
	}
	return s
}

// DSN returns the DSN of a new, empty (unmigrated) database of the given kind that is
// removed when the test ends: for SQLite a file in t.TempDir(), for Postgres a new
// database on the TEST_DATABASE_URL server. Close what you open on it before the test
// ends (t.Cleanup does that in the right order, as cleanups run last-in first-out).
func DSN(t testing.TB, kind string) string {
	t.Helper()
	switch kind {
	case SQLite:
		return "sqlite://" + filepath.Join(t.TempDir(), "accountd.db")
	case Postgres:
		return postgresDatabase(t)
	}
	t.Fatalf("bunstoretest: unknown database kind %q (want %q or %q)", kind, SQLite, Postgres)
	return ""
}

func postgresDatabase(t testing.TB) string {
	t.Helper()
	server := PostgresURL()
	if server == "" {
		t.Fatalf("bunstoretest: PostgreSQL requested but %s is not set; set it to a server URL such as "+
			"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", EnvURL)
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("bunstoretest: %s must be a postgres:// URL", EnvURL)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := bunstore.Open(ctx, server, bunstore.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatalf("bunstoretest: connect to the %s server: %v", EnvURL, err)
	}
	// The name is generated, never user input, so it is safe to splice into DDL.
	name := "accountd_test_" + randomHex(8)
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		t.Fatalf("bunstoretest: create database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends connections a test left open (PostgreSQL 13 and later).
		if _, err := admin.DB().ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("bunstoretest: drop database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
