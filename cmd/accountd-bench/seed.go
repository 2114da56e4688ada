package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/store/bunstore"
)

// The seeded accounts. User n (1-based) is usern, with the one password every seeded
// account shares; the staff account lists users in the admin scenario.
const (
	benchPassword = "bench-Pa55word-for-everyone"
	staffUsername = "benchstaff"
	userDomain    = "bench.example"
)

func username(n int) string { return fmt.Sprintf("user%07d", n) }

// seedEpoch is when the first seeded user joined; user n joined n seconds later, so the
// admin listing (newest first) has a stable, total order.
var seedEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// seedRow is one users row as the seeders write it, straight into the table whose shape
// internal/store/bunstore/migrations defines (the API would cost a password hash each).
type seedRow struct {
	bun.BaseModel `bun:"table:users"`

	Username      string    `bun:"username"`
	Email         string    `bun:"email"`
	UsernameKey   string    `bun:"username_key"`
	EmailKey      string    `bun:"email_key"`
	SearchKey     string    `bun:"search_key"`
	EmailVerified bool      `bun:"email_verified"`
	PasswordHash  string    `bun:"password_hash"`
	Active        bool      `bun:"active"`
	FirstName     string    `bun:"first_name"`
	LastName      string    `bun:"last_name"`
	Role          string    `bun:"role"`
	DateJoined    time.Time `bun:"date_joined"`
	LinksVoidedAt time.Time `bun:"password_changed_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// seedColumns are seedRow's columns, in order, for COPY.
var seedColumns = []string{"username", "email", "username_key", "email_key", "search_key", "email_verified",
	"password_hash", "active", "first_name", "last_name", "role", "date_joined", "password_changed_at", "updated_at"}

func (r *seedRow) values() []any {
	return []any{r.Username, r.Email, r.UsernameKey, r.EmailKey, r.SearchKey, r.EmailVerified,
		r.PasswordHash, r.Active, r.FirstName, r.LastName, r.Role, r.DateJoined, r.LinksVoidedAt, r.UpdatedAt}
}

// makeRow fills r with seeded user n (n = 0 is the staff account), keys computed as
// bunstore computes them.
func makeRow(r *seedRow, n int, hash string) {
	name, role := username(n), "user"
	if n == 0 {
		name, role = staffUsername, "staff"
	}
	joined := seedEpoch.Add(time.Duration(n) * time.Second)
	*r = seedRow{
		Username: name, Email: name + "@" + userDomain,
		EmailVerified: true, PasswordHash: hash, Active: true,
		FirstName: "Bench", LastName: fmt.Sprintf("User %d", n), Role: role,
		DateJoined: joined, LinksVoidedAt: joined, UpdatedAt: joined,
	}
	r.UsernameKey, r.EmailKey = strings.ToLower(r.Username), strings.ToLower(r.Email)
	r.SearchKey = strings.ToLower(r.Username + "\n" + r.Email + "\n" + r.FirstName + " " + r.LastName)
}

// createDatabase creates an empty PostgreSQL database on the server of serverURL and
// returns its URL and a function that drops it.
func createDatabase(ctx context.Context, serverURL string) (string, func(), error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "accountd_bench_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// seedPostgres COPYs users from (inclusive) to to (exclusive) into the database, then
// refreshes the planner's statistics, as autovacuum would after a bulk load.
func seedPostgres(ctx context.Context, dbURL string, from, to int, hash string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	cols, err := existingColumns(ctx, func(ctx context.Context) ([]string, error) {
		rows, err := conn.Query(ctx, "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'")
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	})
	if err != nil {
		return err
	}
	n := from
	var r seedRow
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"users"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if n >= to {
			return nil, nil
		}
		makeRow(&r, n, hash)
		n++
		return pick(r.values(), cols), nil
	}))
	if err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	for _, q := range claimLoginNames {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("claim login names: %w", err)
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE users, login_names"); err != nil {
		return err
	}
	return nil
}

// claimLoginNames give the seeded users their login names (login_names, one namespace
// of every account's username and email keys, which a login looks up) as the
// migration that introduced the table gave existing users theirs: the email, then the
// username. Users that have theirs already are left alone, so that the scaling run's
// second batch adds only its own.
var claimLoginNames = []string{
	`INSERT INTO login_names (name_key, user_id) SELECT email_key, id FROM users
	WHERE NOT EXISTS (SELECT 1 FROM login_names n WHERE n.user_id = users.id) ON CONFLICT (name_key) DO NOTHING`,
	`INSERT INTO login_names (name_key, user_id) SELECT username_key, id FROM users
	WHERE NOT EXISTS (SELECT 1 FROM login_names n WHERE n.name_key = users.username_key) ON CONFLICT (name_key) DO NOTHING`,
}

// seedSQLite inserts users from to to (exclusive) with multi-row INSERTs through Bun,
// which writes times the way bunstore does.
func seedSQLite(ctx context.Context, dsn string, from, to int, hash string) error {
	store, err := bunstore.Open(ctx, dsn, bunstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	db := store.DB()
	cols, err := existingColumns(ctx, func(ctx context.Context) ([]string, error) {
		var names []string
		err := db.NewRaw("SELECT name FROM pragma_table_info('users')").Scan(ctx, &names)
		return names, err
	})
	if err != nil {
		return err
	}
	var excluded []string
	for _, c := range seedColumns {
		if !slices.Contains(cols, c) {
			excluded = append(excluded, c)
		}
	}
	const batch = 500
	rows := make([]seedRow, 0, batch)
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for n := from; n < to; {
			rows = rows[:0]
			for ; n < to && len(rows) < batch; n++ {
				rows = append(rows, seedRow{})
				makeRow(&rows[len(rows)-1], n, hash)
			}
			q := tx.NewInsert().Model(&rows)
			if len(excluded) > 0 {
				q = q.ExcludeColumn(excluded...)
			}
			if _, err := q.Exec(ctx); err != nil {
				return fmt.Errorf("insert users: %w", err)
			}
		}
		for _, q := range claimLoginNames {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("claim login names: %w", err)
			}
		}
		return nil
	})
}

// existingColumns returns the seed columns the users table has: a column added by a
// later migration (search_key) is filled only where it exists.
func existingColumns(ctx context.Context, list func(context.Context) ([]string, error)) ([]string, error) {
	have, err := list(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users columns: %w", err)
	}
	var cols []string
	for _, c := range seedColumns {
		if slices.Contains(have, c) {
			cols = append(cols, c)
		}
	}
	return cols, nil
}

// pick returns the values of the columns in cols, from values in seedColumns order.
func pick(values []any, cols []string) []any {
	if len(cols) == len(seedColumns) {
		return values
	}
	out := make([]any, 0, len(cols))
	for i, c := range seedColumns {
		if slices.Contains(cols, c) {
			out = append(out, values[i])
		}
	}
	return out
}

// postgresVersion is the server's version number.
func postgresVersion(ctx context.Context, dbURL string) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var v string
	err = conn.QueryRow(ctx, "SHOW server_version").Scan(&v)
	return v, err
}

// sqliteVersion is the version of the SQLite library accountd links.
func sqliteVersion(ctx context.Context) (string, error) {
	store, err := bunstore.Open(ctx, "sqlite::memory:", bunstore.Options{})
	if err != nil {
		return "", err
	}
	defer store.Close()
	var v string
	err = store.DB().NewRaw("SELECT sqlite_version()").Scan(ctx, &v)
	return v, err
}
