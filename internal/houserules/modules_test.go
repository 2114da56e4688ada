package houserules

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// goModFile is the part of `go mod edit -json` output the rules read.
type goModFile struct {
	Module  struct{ Path string }
	Require []struct{ Path string }
	Replace []struct {
		Old struct{ Path string }
		New struct{ Path, Version string }
	}
}

func readGoMod(dir string) (goModFile, error) {
	var m goModFile
	out, err := run(dir, "go", "mod", "edit", "-json")
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return m, fmt.Errorf("go mod edit -json in %s: %w", dir, err)
	}
	return m, nil
}

// TestNestedModulesStandAlone checks the modules nested in this one (the Go SDK,
// clients/go): other programs depend on them, so they must not need the server, and
// the server's own tests must use them as they are in this tree.
func TestNestedModulesStandAlone(t *testing.T) {
	t.Parallel()
	mod := thisModule(t)
	nested := nestedModules(t)
	if len(nested) == 0 {
		t.Fatal("no nested module found, but clients/go is one: the rule would check nothing")
	}
	root, err := readGoMod(mod.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range nested {
		rel, _ := filepath.Rel(mod.Dir, dir)
		m, err := readGoMod(dir)
		if err != nil {
			t.Fatal(err)
		}
		if want := mod.Path + "/" + filepath.ToSlash(rel); m.Module.Path != want {
			t.Errorf("rule \"nested modules stand alone\": %s/go.mod declares module %s, want %s\n"+
				"    why: the module path must follow the directory, or `go get` of a tag clients/go/vX.Y.Z finds nothing", rel, m.Module.Path, want)
		}
		for _, r := range m.Require {
			if r.Path == mod.Path || strings.HasPrefix(r.Path, mod.Path+"/") {
				t.Errorf("rule \"nested modules stand alone\": %s/go.mod requires %s\n"+
					"    why: programs that import %s would pull in the server and its dependencies", rel, r.Path, m.Module.Path)
			}
		}
		for _, r := range m.Replace {
			t.Errorf("rule \"nested modules stand alone\": %s/go.mod replaces %s\n"+
				"    why: a replace in a dependency's go.mod is ignored by the programs that import it, so they would build with other code than the tests here", rel, r.Old.Path)
		}

		required, replaced := false, false
		for _, r := range root.Require {
			required = required || r.Path == m.Module.Path
		}
		for _, r := range root.Replace {
			if r.Old.Path == m.Module.Path && r.New.Version == "" && filepath.Clean(r.New.Path) == filepath.Clean(rel) {
				replaced = true
			}
		}
		if required && !replaced {
			t.Errorf("rule \"nested modules stand alone\": go.mod requires %s without `replace %s => ./%s`\n"+
				"    why: the server's tests must exercise the SDK in this tree, not a published version of it", m.Module.Path, m.Module.Path, filepath.ToSlash(rel))
		}
	}
}
