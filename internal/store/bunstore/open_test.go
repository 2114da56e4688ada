package bunstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// TestOpenNamesAnUnopenableSQLiteFile: a SQLite path that cannot be opened is a mistake
// to fix, not an outage to wait out: the error names the path and the cause, and is not
// ErrUnavailable (which the app would retry for ever).
func TestOpenNamesAnUnopenableSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"missing_directory":       filepath.Join(dir, "no-such-dir", "accountd.db"),
		"directory_is_a_file":     filepath.Join(notADir, "accountd.db"),
		"the_file_is_a_directory": dir,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Open(context.Background(), "sqlite://"+path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), path) || errors.Is(err, account.ErrUnavailable) {
				t.Fatalf("err = %v, want one naming %s and not ErrUnavailable", err, path)
			}
		})
	}
}

// TestReadOnlySQLiteIsUnavailable: a SQLite database that can be read but not written (a
// read-only file, disk or mount; here the file opened read-only, which holds even for
// root) answers reads, and refuses writes as ErrUnavailable, which the API answers 503,
// never as an internal error; and nothing of the refused write is stored.
func TestReadOnlySQLiteIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "accountd.db")
	rw, err := Open(ctx, "sqlite://"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.CreateUser(ctx, account.User{Username: "ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	rw.Close()

	ro, err := Open(ctx, "file:"+path+"?mode=ro", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.UserByLogin(ctx, "ada"); err != nil {
		t.Fatalf("read on a read-only database: %v", err)
	}
	_, err = ro.CreateUser(ctx, account.User{Username: "bob", Email: "bob@example.com"})
	if !errors.Is(err, account.ErrUnavailable) {
		t.Fatalf("write on a read-only database: %v, want ErrUnavailable", err)
	}
	if _, err := ro.UserByLogin(ctx, "bob"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("the refused user: %v, want ErrNotFound", err)
	}
}
