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

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/accountd/accountd/internal/account"
)

// The unique indexes that stand for domain errors, as the migrations create them, and
// how each database names them in a violation: PostgreSQL gives the index name as the
// constraint name; SQLite's message names the columns of a plain column index ("UNIQUE
// constraint failed: users.email_key") and the index only for an expression index
// ("... index 'name'"). translate looks for any of these.
const (
	usernameIndex  = "users_username_key_key"
	emailIndex     = "users_email_key_key"
	usernameColumn = "users.username_key"
	emailColumn    = "users.email_key"
	// organizations' name index is on an expression (lower(name)), which SQLite names
	// by index; the slug's is a plain column index.
	orgNameIndex  = "organizations_name_lower_key"
	orgSlugIndex  = "organizations_slug_key"
	orgSlugColumn = "organizations.slug"
	// The namespace of login names (loginnames.go) checks names before it claims them,
	// so its key fires only in a race the check missed, and only where the name's kind
	// cannot be looked up after (a PostgreSQL transaction ends at the violation): it is
	// reported as a username taken.
	loginNamesIndex  = "login_names_pkey"
	loginNamesColumn = "login_names.name_key"
	// A passkey's credential ID is unique across accounts.
	passkeyCredentialIndex  = "passkeys_credential_id_idx"
	passkeyCredentialColumn = "passkeys.credential_id"
)

// SQLite extended result codes (modernc reports extended codes).
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteReadOnly         = 8
	sqliteIOErr            = 10
	sqliteFull             = 13
	sqliteCantOpen         = 14
	sqliteConstraintFK     = 787
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// translate is the one place database errors become domain errors:
//
//	no row                             → account.ErrNotFound
//	unique username / email            → account.ErrUsernameTaken / account.ErrEmailTaken
//	unique login name                  → account.ErrUsernameTaken
//	unique organization name / slug    → account.ErrOrganizationNameTaken / ...SlugTaken
//	foreign key (the referenced row is gone) → account.ErrNotFound
//	lost or refused connection, query timeout → an error wrapping account.ErrUnavailable
//	SQLite's disk full, read-only or failing  → an error wrapping account.ErrUnavailable
//	a prepared statement lost or met again    → an error saying what to set behind a pooler
//
// Domain sentinels are returned as they are, so both == and errors.Is work; anything
// else is wrapped with the package name and keeps its cause for errors.As.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return account.ErrNotFound
	}
	if name, ok := uniqueViolation(err); ok {
		switch {
		case names(name, emailIndex, emailColumn):
			return account.ErrEmailTaken
		case names(name, usernameIndex, usernameColumn), names(name, loginNamesIndex, loginNamesColumn):
			return account.ErrUsernameTaken
		case names(name, orgNameIndex, orgNameIndex):
			return account.ErrOrganizationNameTaken
		case names(name, orgSlugIndex, orgSlugColumn):
			return account.ErrOrganizationSlugTaken
		case names(name, passkeyCredentialIndex, passkeyCredentialColumn):
			return account.ErrPasskeyExists
		}
		return fmt.Errorf("bunstore: duplicate key: %w", err)
	}
	if foreignKeyViolation(err) {
		return account.ErrNotFound
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %v", account.ErrUnavailable, err)
	}
	if lostPreparedStatement(err) {
		return fmt.Errorf("bunstore: %w (a connection pooler in transaction mode between accountd and PostgreSQL? "+
			"add default_query_exec_mode=cache_describe to the database URL: docs/operations.md)", err)
	}
	return fmt.Errorf("bunstore: %w", err)
}

// lostPreparedStatement reports whether err is PostgreSQL refusing a prepared statement
// that pgx believed its connection held ("does not exist", 26000) or preparing one the
// server connection already had ("already exists", 42P05): what a pooler that moves
// clients between server connections does to the hot statements (hot.go).
func lostPreparedStatement(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "26000" || pgErr.Code == "42P05")
}

// names reports whether text, a constraint name or an SQLite message, names the index or
// the column: as a whole word, so that "users.email_key" does not match a longer column
// name that starts with it.
func names(text string, index, column string) bool {
	for _, name := range []string{index, column} {
		for rest := text; ; {
			i := strings.Index(rest, name)
			if i < 0 {
				break
			}
			end := i + len(name)
			if (i == 0 || !wordByte(rest[i-1])) && (end == len(rest) || !wordByte(rest[end])) {
				return true
			}
			rest = rest[end:]
		}
	}
	return false
}

func wordByte(b byte) bool {
	return b == '_' || b == '.' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// uniqueViolation reports whether err is a unique or primary key violation and returns
// the text that names the index: PostgreSQL's constraint name, SQLite's message.
func uniqueViolation(err error) (name string, ok bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName, true
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() {
		case sqliteConstraintUnique, sqliteConstraintPK:
			return liteErr.Error(), true
		}
	}
	return "", false
}

func foreignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var liteErr *sqlite.Error
	return errors.As(err, &liteErr) && liteErr.Code() == sqliteConstraintFK
}

// unavailable reports whether err means the database could not be reached or did not
// answer in time, as opposed to refusing the statement.
func unavailable(err error) bool {
	var (
		pgErr      *pgconn.PgError
		connectErr *pgconn.ConnectError
		netErr     *net.OpError
		liteErr    *sqlite.Error
	)
	switch {
	case errors.As(err, &pgErr):
		// Class 08 is connection exception; 57P01-03 are shutdown and startup;
		// 53300 is too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") ||
			pgErr.Code == "53300"
	case errors.As(err, &liteErr):
		// After busy_timeout, a lock that never came free is a transient overload. A
		// full disk, a read-only one and a failing one are outages of the storage, as a
		// lost connection is of a server: the statement is rolled back, nothing of it is
		// written, and the same request succeeds once space or the disk is back.
		switch liteErr.Code() & 0xff {
		case sqliteBusy, sqliteLocked, sqliteCantOpen, sqliteFull, sqliteReadOnly, sqliteIOErr:
			return true
		}
		return false
	case errors.As(err, &connectErr), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return true
	}
	// Last resort for errors that lost their type on the way (pgx "conn closed",
	// database/sql "database is closed").
	msg := err.Error()
	for _, s := range []string{"connection refused", "conn closed", "database is closed", "broken pipe", "connection reset"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
