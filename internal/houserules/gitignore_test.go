package houserules

import (
	"path"
	"slices"
	"strings"
	"testing"
)

// TestBuildOutputIsIgnored checks .gitignore against where build output really lands:
// `go build` writes a command's binary, named after its directory, into whatever folder
// it runs in, so each command's name must be ignored in every folder (and its source
// directory must not be); bin/, test binaries and profiles likewise. A new command whose
// name .gitignore lacks fails here, before its binary is committed by accident.
func TestBuildOutputIsIgnored(t *testing.T) {
	t.Parallel()
	mod := thisModule(t)
	needGit(t, mod.Dir)
	pkgs := loadPackages(t)

	ignored := []string{ // paths that must be ignored
		"bin/accountd", "deploy/bin/x", // make build's output, and any other bin/
		"internal/account/account.test", // go test -c
		"cpu.prof", "internal/store/bunstore/mem.prof", "bin/prof/profile.pb.gz",
		"coverage.out",
	}
	visible := []string{ // paths that must not be
		"go.mod", "internal/account/register.go",
	}
	var commands []string
	for _, p := range pkgs {
		if p.Name != "main" || !p.inModule(mod.Path) {
			continue
		}
		name := path.Base(p.ImportPath)
		dir := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, mod.Path), "/")
		commands = append(commands, dir)
		ignored = append(ignored,
			name,                    // go build ./cmd/x at the root
			dir+"/"+name,            // go build inside cmd/x
			"deploy/"+name,          // go build -o somewhere
			name+".exe",             // GOOS=windows
			"bin/"+name,             // make build
			dir+"/"+name+".test",    // go test -c inside cmd/x
			"internal/"+name+".exe", // anywhere
		)
		visible = append(visible, dir+"/main.go", dir+"/"+name+"_test.go")
	}
	if len(commands) == 0 {
		t.Fatal("go list found no main package in the module: the rule would check nothing")
	}
	t.Logf("commands: %s", strings.Join(commands, ", "))

	// --no-index: judge the paths by .gitignore alone, as if none were tracked yet.
	out, err := runInput(mod.Dir, []byte(strings.Join(append(slices.Clone(ignored), visible...), "\x00")+"\x00"),
		"git", "check-ignore", "--no-index", "--stdin", "-z")
	// check-ignore exits 1 when it ignores nothing; its output is what matters.
	if err != nil && len(out) == 0 && !strings.Contains(err.Error(), "exit status 1") {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for p := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		got[p] = true
	}
	const why = "    why: build output is rebuilt from source; an ignore rule keeps `git add .` from committing it (a 24.8 MB binary once was)"
	for _, p := range ignored {
		if !got[p] {
			t.Errorf("rule \"build output is ignored wherever it lands\": .gitignore does not ignore %s\n%s\n"+
				"    fix: add a pattern for it to .gitignore's build-output lines (for a command: its name, then !name/)", p, why)
		}
	}
	for _, p := range visible {
		if got[p] {
			t.Errorf("rule \"build output is ignored wherever it lands\": .gitignore ignores the source file %s\n"+
				"    why: an ignored source file is silently left out of commits\n"+
				"    fix: re-include the directory with a !name/ line after the pattern that matches it (git check-ignore -v %s says which)", p, p)
		}
	}
}
