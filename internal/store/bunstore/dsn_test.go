package bunstore

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		dsn, dialect, path string
		memory             bool
	}{
		{"postgres://u:p@db:5432/accountd?sslmode=disable", Postgres, "", false},
		{"postgresql://db/accountd", Postgres, "", false},
		{"sqlite::memory:", SQLite, ":memory:", true},
		{"sqlite:///var/lib/accountd.db", SQLite, "/var/lib/accountd.db", false},
		{"sqlite://accountd.db", SQLite, "accountd.db", false},
		{"sqlite:accountd.db", SQLite, "accountd.db", false},
		{"./accountd.db", SQLite, "./accountd.db", false},
		{"/abs/accountd.db", SQLite, "/abs/accountd.db", false},
		{"accountd.sqlite3", SQLite, "accountd.sqlite3", false},
		{"data/accounts", SQLite, "data/accounts", false},
		{"file:accountd.db?mode=memory&cache=shared", SQLite, "file:accountd.db", true},
	} {
		t.Run(tc.dsn, func(t *testing.T) {
			got, err := parseDSN(tc.dsn)
			if err != nil {
				t.Fatalf("parseDSN: %v", err)
			}
			if got.dialect != tc.dialect || got.memory != tc.memory {
				t.Errorf("dialect, memory = %s, %v; want %s, %v", got.dialect, got.memory, tc.dialect, tc.memory)
			}
			path, rawQuery, _ := strings.Cut(got.dsn, "?")
			q, err := url.ParseQuery(rawQuery)
			if err != nil {
				t.Fatal(err)
			}
			if tc.dialect == Postgres {
				if q.Get("connect_timeout") != defaultConnectTimeout {
					t.Errorf("connect_timeout = %q, want the default %s", q.Get("connect_timeout"), defaultConnectTimeout)
				}
				return
			}
			if path != tc.path {
				t.Errorf("path = %q, want %q", path, tc.path)
			}
			pragmas := strings.Join(q["_pragma"], " ")
			for _, want := range []string{"foreign_keys(1)", "busy_timeout(5000)"} {
				if !strings.Contains(pragmas, want) {
					t.Errorf("pragmas %q lack %s", pragmas, want)
				}
			}
			if hasWAL := strings.Contains(pragmas, "journal_mode(WAL)"); hasWAL == tc.memory {
				t.Errorf("pragmas %q: journal_mode(WAL) present = %v, want %v", pragmas, hasWAL, !tc.memory)
			}
		})
	}
}

func TestParseDSNKeepsCallerSettings(t *testing.T) {
	got, err := parseDSN("postgres://db/x?connect_timeout=10")
	if err != nil || !strings.Contains(got.dsn, "connect_timeout=10") {
		t.Errorf("parseDSN = %q, %v; want connect_timeout=10 kept", got.dsn, err)
	}
	got, err = parseDSN("sqlite:x.db?_pragma=busy_timeout(100)")
	if err != nil || strings.Contains(got.dsn, "busy_timeout%285000") {
		t.Errorf("parseDSN = %q, %v; want the caller's busy_timeout alone", got.dsn, err)
	}
}

func TestParseDSNRefuses(t *testing.T) {
	// A bare word ("garbage", a URL missing its scheme) would have SQLite create a file
	// of that name.
	for _, dsn := range []string{"", "mysql://u:secret@db/x", "sqlite:", "sqlite://", "garbage", "u:secret@db", "accountd"} {
		_, err := parseDSN(dsn)
		if err == nil {
			t.Errorf("parseDSN(%q): no error", dsn)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("parseDSN(%q) error shows the password: %v", dsn, err)
		}
	}
}
