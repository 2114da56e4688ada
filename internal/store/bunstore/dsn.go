package bunstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// target is a parsed DSN: which database and what its driver is given.
type target struct {
	dialect string // Postgres or SQLite
	dsn     string
	memory  bool // an SQLite database that lives only as long as its connection
	// execModeSet: a PostgreSQL URL that names pgx's default_query_exec_mode, the mode
	// of the statements accountd would otherwise prepare (see Open).
	execModeSet bool
}

// path is the file of an SQLite target, as it can be shown: without the parameters.
func (t target) path() string {
	p, _, _ := strings.Cut(t.dsn, "?")
	return strings.TrimPrefix(p, "file:")
}

// defaultConnectTimeout bounds a PostgreSQL connection attempt when the DSN sets none,
// so that a dead server is reported in seconds rather than after the OS gives up.
const defaultConnectTimeout = "3"

// sqlitePragmas are set on every SQLite connection unless the DSN sets them itself:
// SQLite enforces foreign keys only when asked, and waits for a lock only when told to.
var sqlitePragmas = []struct{ name, value string }{
	{"foreign_keys", "1"},
	{"busy_timeout", "5000"},
	{"journal_mode", "WAL"}, // not for memory databases, which have no journal file
}

// parseDSN accepts
//
//	postgres://... or postgresql://...      PostgreSQL
//	sqlite::memory:                           SQLite in memory
//	sqlite:///abs/path.db, sqlite://rel.db,
//	sqlite:path.db, file:path.db, ./path.db  SQLite file (a bare name needs a slash or
//	                                          an extension: .db, .sqlite, .sqlite3, .db3)
//
// Errors never repeat the DSN: it may hold a password.
func parseDSN(dsn string) (target, error) {
	switch {
	case dsn == "":
		return target{}, errors.New("bunstore: empty database DSN")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return parsePostgres(dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		rest := strings.TrimPrefix(dsn, "sqlite:")
		// sqlite:///abs → /abs and sqlite://rel → rel; sqlite:rel and sqlite::memory: as they are.
		rest = strings.TrimPrefix(rest, "//")
		return parseSQLite(rest)
	case strings.HasPrefix(dsn, "file:"):
		return parseSQLite(dsn)
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return target{}, fmt.Errorf("bunstore: unsupported database scheme %q (want postgres://, sqlite: or a file path)", scheme)
	}
	if !looksLikePath(dsn) {
		// SQLite would create a file named after any word (a mistyped URL, "garbage").
		return target{}, errors.New("bunstore: DSN is neither a database URL nor a path to a SQLite file (./accountd.db)")
	}
	return parseSQLite(dsn)
}

// looksLikePath reports whether a DSN without a scheme names a file: it has a directory
// (a slash) or a SQLite file's extension.
func looksLikePath(dsn string) bool {
	name, _, _ := strings.Cut(dsn, "?")
	if strings.ContainsRune(name, '/') {
		return true
	}
	for _, ext := range []string{".db", ".sqlite", ".sqlite3", ".db3"} {
		if len(name) > len(ext) && strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}

func parsePostgres(dsn string) (target, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return target{}, errors.New("bunstore: malformed PostgreSQL URL")
	}
	q := u.Query()
	if !q.Has("connect_timeout") {
		q.Set("connect_timeout", defaultConnectTimeout)
	}
	u.RawQuery = q.Encode()
	return target{dialect: Postgres, dsn: u.String(), execModeSet: q.Has("default_query_exec_mode")}, nil
}

func parseSQLite(s string) (target, error) {
	path, rawQuery, _ := strings.Cut(s, "?")
	if path == "" || path == "file:" {
		return target{}, errors.New("bunstore: SQLite DSN names no file")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return target{}, errors.New("bunstore: malformed SQLite DSN parameters")
	}
	memory := path == ":memory:" || q.Get("mode") == "memory"
	for _, p := range sqlitePragmas {
		if memory && p.name == "journal_mode" {
			continue
		}
		if !hasPragma(q, p.name) {
			q.Add("_pragma", p.name+"("+p.value+")")
		}
	}
	return target{dialect: SQLite, dsn: path + "?" + q.Encode(), memory: memory}, nil
}

// hasPragma reports whether the DSN sets the pragma already, as _pragma=name(...) or
// _pragma=name=... .
func hasPragma(q url.Values, name string) bool {
	for _, v := range q["_pragma"] {
		v = strings.ToLower(strings.TrimSpace(v))
		if strings.HasPrefix(v, name+"(") || strings.HasPrefix(v, name+"=") || strings.HasPrefix(v, name+" ") {
			return true
		}
	}
	return false
}
