package houserules

import (
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoFilesAreFormatted enforces "every tracked Go file is as gofmt writes it": a
// diff then shows only what changed in meaning, and merges do not fight over spaces.
// It reads what git tracks, so generated code is checked too (the generator formats it).
func TestGoFilesAreFormatted(t *testing.T) {
	t.Parallel()
	mod := thisModule(t)
	needGit(t, mod.Dir)
	out, err := run(mod.Dir, "git", "ls-files", "-z", "--", "*.go")
	if err != nil {
		t.Fatal(err)
	}
	var unformatted []string
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if name == "" || strings.Contains(name, "/testdata/") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(mod.Dir, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		formatted, err := format.Source(src)
		if err != nil || string(formatted) != string(src) {
			unformatted = append(unformatted, name)
		}
	}
	if len(unformatted) > 0 {
		t.Errorf("rule \"Go files are gofmt'ed\": %s\n    why: a diff should show only what changed in meaning, and merges should not fight over spaces\n    fix: gofmt -w %s",
			strings.Join(unformatted, ", "), strings.Join(unformatted, " "))
	}
}
