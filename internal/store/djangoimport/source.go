package djangoimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// source is the Django database, opened read-only where the driver allows.
type source struct {
	db       *sql.DB
	postgres bool
}

// openSource opens postgres://... (or postgresql://...) with pgx, or sqlite:///path
// (sqlite://relative/path) with modernc's SQLite, read-only. Errors never repeat the
// DSN, which may hold a password.
func openSource(ctx context.Context, dsn string) (*source, error) {
	var s source
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			// pgx redacts the password in its parse errors.
			return nil, fmt.Errorf("--source: %w", err)
		}
		if cfg.ConnectTimeout == 0 {
			cfg.ConnectTimeout = 5 * time.Second
		}
		s = source{db: stdlib.OpenDB(*cfg), postgres: true}
	case strings.HasPrefix(dsn, "sqlite://"):
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" || strings.Contains(path, "?") {
			return nil, errors.New("--source: want sqlite:///absolute/path or sqlite://relative/path, without parameters")
		}
		// mode=ro: the import never writes to Django's database, and a mistyped path is
		// an error rather than a new empty file.
		db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
		if err != nil {
			return nil, fmt.Errorf("--source: %w", err)
		}
		s = source{db: db}
	default:
		return nil, errors.New("--source: want a postgres:// URL or sqlite:///path to the Django database")
	}
	// One connection: the import reads one query at a time.
	s.db.SetMaxOpenConns(1)
	if err := s.db.PingContext(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("--source: cannot reach the Django database: %w", err)
	}
	return &s, nil
}

func (s *source) Close() error { return s.db.Close() }

// columns returns the columns of table, or an error naming the table if there is none.
func (s *source) columns(ctx context.Context, table string) ([]string, error) {
	quoted, err := quoteTable(table)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT * FROM "+quoted+" WHERE 1 = 0")
	if err != nil {
		return nil, fmt.Errorf("the Django database has no table %s (or it cannot be read): %w", table, err)
	}
	defer rows.Close()
	return rows.Columns()
}

// count returns how many rows table has, for the progress display.
func (s *source) count(ctx context.Context, table string) (int64, error) {
	quoted, err := quoteTable(table)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+quoted).Scan(&n)
	return n, err
}

// Values as the drivers hand them back: pgx gives typed values; SQLite gives int64 for
// Django's bool columns and time.Time for its datetime columns when the text parses
// (and the text otherwise). These read any of them.

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	case []byte:
		return asInt(string(x))
	}
	return 0, false
}

// asString reads text; NULL is "".
func asString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// asBool reads a boolean; NULL is def.
func asBool(v any, def bool) (bool, bool) {
	switch x := v.(type) {
	case nil:
		return def, true
	case bool:
		return x, true
	case int64:
		return x != 0, x == 0 || x == 1
	case string, []byte:
		s, _ := asString(x)
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "1", "t", "true":
			return true, true
		case "0", "f", "false":
			return false, true
		}
	}
	return false, false
}

// timeLayouts are the text forms of Django's datetimes on SQLite: UTC without an offset
// when USE_TZ is on (Django's default), with one if a value was written so.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// asTime reads a time in UTC, to the microsecond as accountd keeps it; NULL is the zero
// time. A time without an offset is taken as UTC.
func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, true
	case time.Time:
		return x.UTC().Truncate(time.Microsecond), true
	case string, []byte:
		s, _ := asString(x)
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, true
		}
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC().Truncate(time.Microsecond), true
			}
		}
	}
	return time.Time{}, false
}
