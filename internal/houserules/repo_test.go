package houserules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// module is the Go module the rules check: where go.mod is, and its path.
type module struct {
	Dir  string // absolute directory of go.mod; git and go list run here
	Path string // module path, e.g. github.com/accountd/accountd
}

var (
	moduleOnce sync.Once
	moduleInfo module
	moduleErr  error
)

// thisModule returns the module the test runs in, asking the go command once.
func thisModule(t *testing.T) module {
	t.Helper()
	needTool(t, "go", "the go command (https://go.dev/doc/install); go test puts it in PATH")
	moduleOnce.Do(func() {
		var out []byte
		out, moduleErr = run("", "go", "list", "-m", "-json")
		if moduleErr == nil {
			moduleErr = json.Unmarshal(out, &moduleInfo)
		}
	})
	if moduleErr != nil {
		t.Fatalf("go list -m: %v", moduleErr)
	}
	return moduleInfo
}

// needGit skips the test when git or a git checkout is missing: the rules that use it
// are about what git tracks, and there is nothing to check without one. Any other git
// failure (a broken repository, "dubious ownership") fails the test instead: a skip
// must not hide it.
func needGit(t *testing.T, dir string) {
	t.Helper()
	needTool(t, "git", "git (apt-get install git)")
	out, err := run(dir, "git", "rev-parse", "--is-inside-work-tree")
	if err != nil {
		if strings.Contains(err.Error(), "not a git repository") {
			t.Skipf("%s is not a git checkout (no .git found): this rule checks what git tracks; run it in a clone of the repository", dir)
		}
		t.Fatalf("git rev-parse: %v", err)
	}
	if strings.TrimSpace(string(out)) != "true" {
		t.Skipf("%s is not inside a git work tree: this rule checks what git tracks; run it in a clone of the repository", dir)
	}
}

// needTool skips the test when the program name is not in PATH, saying how to get it.
func needTool(t *testing.T, name, install string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not found in PATH, and this rule needs it: install %s", name, install)
	}
}

// run runs a command in dir (the current directory when empty) and returns its
// standard output; on failure the error carries the command line and its stderr.
func run(dir, name string, args ...string) ([]byte, error) {
	return runInput(dir, nil, name, args...)
}

// runInput is run with stdin fed from in.
func runInput(dir string, in []byte, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if in != nil {
		cmd.Stdin = bytes.NewReader(in)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, errors.New(name + " " + strings.Join(args, " ") + ": " + err.Error() + ": " + strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

var (
	nestedOnce sync.Once
	nestedDirs []string
	nestedErr  error
)

// nestedModules returns the directories (absolute, sorted) of the Go modules inside this
// one, such as clients/go, the Go SDK: every go.mod below the root except in testdata,
// node_modules and hidden directories, which the go command ignores too.
func nestedModules(t *testing.T) []string {
	t.Helper()
	mod := thisModule(t)
	nestedOnce.Do(func() {
		nestedErr = filepath.WalkDir(mod.Dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				name := d.Name()
				if path != mod.Dir && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Name() == "go.mod" && filepath.Dir(path) != mod.Dir {
				nestedDirs = append(nestedDirs, filepath.Dir(path))
			}
			return nil
		})
	})
	if nestedErr != nil {
		t.Fatalf("looking for nested modules: %v", nestedErr)
	}
	return nestedDirs
}
