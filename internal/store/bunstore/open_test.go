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
