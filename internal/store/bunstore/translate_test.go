package bunstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/accountd/accountd/internal/account"
)

func TestTranslateErrors(t *testing.T) {
	other := errors.New("syntax error")
	for _, tc := range []struct {
		name string
		err  error
		want error // nil: no domain error
	}{
		{"no_rows_ErrNotFound", fmt.Errorf("scan: %w", sql.ErrNoRows), account.ErrNotFound},
		{"pg_unique_email_ErrEmailTaken", &pgconn.PgError{Code: "23505", ConstraintName: emailIndex}, account.ErrEmailTaken},
		{"pg_unique_username_ErrUsernameTaken", &pgconn.PgError{Code: "23505", ConstraintName: usernameIndex}, account.ErrUsernameTaken},
		{"pg_unique_email_tokens_pkey_not_domain", &pgconn.PgError{Code: "23505", ConstraintName: "email_tokens_pkey"}, nil},
		{"pg_foreign_key_ErrNotFound", &pgconn.PgError{Code: "23503", ConstraintName: "sessions_user_id_fkey"}, account.ErrNotFound},
		{"pg_admin_shutdown_ErrUnavailable", &pgconn.PgError{Code: "57P01"}, account.ErrUnavailable},
		{"pg_connection_failure_ErrUnavailable", &pgconn.PgError{Code: "08006"}, account.ErrUnavailable},
		{"pg_serialization_failure_not_domain", &pgconn.PgError{Code: "40001"}, nil},
		{"bad_conn_ErrUnavailable", driver.ErrBadConn, account.ErrUnavailable},
		{"conn_done_ErrUnavailable", sql.ErrConnDone, account.ErrUnavailable},
		{"deadline_ErrUnavailable", fmt.Errorf("query: %w", context.DeadlineExceeded), account.ErrUnavailable},
		{"net_error_ErrUnavailable", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, account.ErrUnavailable},
		{"eof_ErrUnavailable", io.ErrUnexpectedEOF, account.ErrUnavailable},
		{"refused_text_ErrUnavailable", errors.New("dial tcp 127.0.0.1:5432: connection refused"), account.ErrUnavailable},
		{"other_not_domain", other, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := translate(tc.err)
			if got == nil {
				t.Fatalf("translate(%v) = nil", tc.err)
			}
			if tc.want != nil {
				if !errors.Is(got, tc.want) {
					t.Errorf("translate(%v) = %v, want %v", tc.err, got, tc.want)
				}
				return
			}
			for _, domain := range []error{account.ErrNotFound, account.ErrEmailTaken, account.ErrUsernameTaken, account.ErrUnavailable} {
				if errors.Is(got, domain) {
					t.Errorf("translate(%v) = %v, want no domain error", tc.err, got)
				}
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("translate(%v) = %v, lost its cause", tc.err, got)
			}
		})
	}
	if err := translate(nil); err != nil {
		t.Errorf("translate(nil) = %v", err)
	}
}

// TestTranslateNamesThePoolerSetting: a prepared statement missing on, or already on,
// the server connection is what a transaction-mode pooler does to the hot statements;
// the error says what to set.
func TestTranslateNamesThePoolerSetting(t *testing.T) {
	for _, code := range []string{"26000", "42P05"} {
		err := &pgconn.PgError{Code: code, Message: `prepared statement "stmtcache_1" does not exist`}
		got := translate(err)
		if !errors.Is(got, err) || !strings.Contains(got.Error(), "default_query_exec_mode=cache_describe") {
			t.Errorf("translate(%s) = %v, want the cause and the setting to add", code, got)
		}
	}
	if got := translate(&pgconn.PgError{Code: "42601"}); strings.Contains(got.Error(), "pooler") {
		t.Errorf("a syntax error blamed on a pooler: %v", got)
	}
}

func TestUniqueIndexNames(t *testing.T) {
	for _, tc := range []struct {
		text string
		want error // nil: neither
	}{
		{usernameIndex, account.ErrUsernameTaken},
		{emailIndex, account.ErrEmailTaken},
		// modernc's messages for a plain column index, and for an expression index.
		{"constraint failed: UNIQUE constraint failed: users.email_key (2067)", account.ErrEmailTaken},
		{"constraint failed: UNIQUE constraint failed: users.username_key (2067)", account.ErrUsernameTaken},
		{"UNIQUE constraint failed: index 'users_email_key_key'", account.ErrEmailTaken},
		// Names that merely start or end like them are someone else's.
		{"UNIQUE constraint failed: users.email_key_old (2067)", nil},
		{"UNIQUE constraint failed: old_users.email_key (2067)", nil},
		{"users_email_key_key2", nil},
		{"UNIQUE constraint failed: email_tokens.hash (1555)", nil},
		{"organizations_slug_key", nil},
	} {
		var got error
		switch {
		case names(tc.text, emailIndex, emailColumn):
			got = account.ErrEmailTaken
		case names(tc.text, usernameIndex, usernameColumn):
			got = account.ErrUsernameTaken
		}
		if got != tc.want {
			t.Errorf("%q names %v, want %v", tc.text, got, tc.want)
		}
	}
}
