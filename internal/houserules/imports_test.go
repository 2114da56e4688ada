package houserules

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Package patterns in the tables below: "./x/..." is the module's package x and every
// package under it, "./x" that package alone; without "./" a pattern names a standard
// library or third-party import path the same way ("net/http/..." is net/http and its
// subpackages).

// httpPackages are the imports that make a package know about HTTP.
var httpPackages = []string{"net/http/...", "github.com/go-chi/...", "./internal/httpapi/..."}

// sqlPackages are the imports that make a package speak SQL: the standard interface,
// Bun, and every driver the module uses or could pick up.
var sqlPackages = []string{
	"database/sql/...",
	"github.com/uptrace/bun/...",
	"github.com/jackc/pgx/...", "github.com/jackc/pgconn/...", "github.com/lib/pq/...",
	"modernc.org/sqlite/...", "github.com/mattn/go-sqlite3/...",
}

// generatedPackages are the packages generated from openapi.yaml.
var generatedPackages = []string{"./gen/...", "./clients/..."}

// importRule is one rule about imports: no package matching Packages, other than those
// matching Except, may import a package matching MustNotImport.
type importRule struct {
	Name string
	// Why the rule exists, in one line: it is printed with every violation.
	Why string
	// Packages the rule binds, and the ones it leaves out. Except is for the packages
	// the rule is about ("only the store speaks SQL": the store); exceptions to the
	// rule go in importExemptions, where each says why.
	Packages, Except []string
	MustNotImport    []string
	// Transitive: an import through other packages counts too (net/http reached through
	// some helper package is still net/http). Otherwise only a package's own imports do.
	Transitive bool
	// TestFiles: the package's _test.go files are held to the rule too. (Transitive rules
	// never are: tests may pull in real parts, such as the Bun store in account's tests.)
	TestFiles bool
}

// importRules are the directions the code's dependencies may take (cmd → app →
// {httpapi, compat/*, store, token, mail, config}; httpapi and compat/* → account;
// store → account), written as what may not happen.
//
// The domain's three rules bind internal/account/storetest too, with no exception: it is
// the suite every Store implementation must pass, so it must know none of them (it
// needs only account, testing and the standard library, none of which a rule forbids).
var importRules = []importRule{
	{
		Name:          "the domain knows no HTTP",
		Why:           "internal/account serves /v1 and every compatibility profile alike; how a request arrived is the handlers' business (httpapi, compat/*)",
		Packages:      []string{"./internal/account/..."},
		MustNotImport: httpPackages,
		Transitive:    true,
	},
	{
		Name:          "the domain knows no SQL",
		Why:           "internal/account runs on every store (Bun on PostgreSQL and SQLite, and storetest's suite); it talks to them through its Store interface only",
		Packages:      []string{"./internal/account/..."},
		MustNotImport: sqlPackages,
		Transitive:    true,
	},
	{
		Name:          "the domain knows no generated code",
		Why:           "gen/ and clients/ are the shapes of the wire (openapi.yaml), which change with the spec; the domain's types must not follow them",
		Packages:      []string{"./internal/account/..."},
		MustNotImport: generatedPackages,
		Transitive:    true,
	},
	{
		Name:          "only the store, the outbox and the PostgreSQL rate limiter speak SQL",
		Why:           "queries, transactions and the translation of database errors each live in one place, so a schema change or a driver's quirk is handled once",
		Packages:      []string{"./..."},
		Except:        []string{"./internal/store/...", "./internal/mail/outbox", "./internal/ratelimit"},
		MustNotImport: sqlPackages,
		TestFiles:     true,
	},
	{
		Name:          "only the handlers import gen",
		Why:           "httpapi and compat/* translate between the wire's generated types and the domain's, so that a spec change touches the handlers and nothing behind them",
		Packages:      []string{"./..."},
		Except:        []string{"./internal/httpapi/...", "./internal/compat/...", "./gen/..."},
		MustNotImport: []string{"./gen/..."},
		TestFiles:     true,
	},
	{
		Name:          "password does not import account",
		Why:           "account uses password hashing, never the reverse: hashing stays a leaf any package can use without pulling in the domain (and without an import cycle)",
		Packages:      []string{"./internal/password/..."},
		MustNotImport: []string{"./internal/account/..."},
		Transitive:    true,
	},
	{
		Name:          "generated code imports nothing internal",
		Why:           "gen/ and clients/ are rebuilt from openapi.yaml alone, and clients/go is a module of its own that programs outside this repository import: it must not need the server",
		Packages:      generatedPackages,
		MustNotImport: []string{"./internal/..."},
		Transitive:    true,
	},
}

// importExemption lets one package break one rule, for a reason written next to it.
// Each must still be needed: an exemption nothing uses fails the test, so it cannot
// outlive its reason.
type importExemption struct {
	Rule    string // importRule.Name
	Package string // the package exempted (a pattern)
	// Imports it may make despite the rule (patterns); all of MustNotImport when empty.
	Imports []string
	// Through, for a transitive rule: the import is allowed only when it comes through
	// this package (a third-party dependency's own import, say).
	Through string
	// TestFilesOnly: only the package's _test.go files are exempted.
	TestFilesOnly bool
	Why           string
}

var importExemptions = []importExemption{
	{
		Rule:    "the domain knows no SQL",
		Package: "./internal/account/...",
		Imports: []string{"database/sql/driver"},
		Through: "github.com/google/uuid",
		Why:     "uuid.UUID implements driver.Valuer, so uuid imports database/sql/driver's interfaces; that opens no database and runs no query",
	},
	{
		Rule:    "only the store, the outbox and the PostgreSQL rate limiter speak SQL",
		Package: "./cmd/accountd-bench",
		Why:     "the load generator measures the database's own ceiling (a select through Bun), bulk-loads users with pgx's COPY and reads the server's CPU through pgx, to judge accountd against them; it is a tool, not part of the service",
	},
	{
		Rule:          "only the handlers import gen",
		Package:       "./contracttests",
		TestFilesOnly: true,
		Why:           "the contract tests drive the server from outside through the generated types and check its answers against them",
	},
}

// TestImportRules checks importRules against the module's packages as go list sees them.
func TestImportRules(t *testing.T) {
	t.Parallel()
	mod := thisModule(t)
	pkgs := loadPackages(t)
	problems, unused := checkImports(mod.Path, pkgs, importRules, importExemptions)
	for _, p := range problems {
		t.Error(p)
	}
	for _, e := range unused {
		t.Errorf("importExemptions: the exemption of %s from rule %q is no longer needed (nothing it covers happens): remove it from internal/houserules/imports_test.go", e.Package, e.Rule)
	}
}

// listedPackage is the part of `go list -json` output the rules read.
type listedPackage struct {
	ImportPath   string
	Name         string
	Dir          string
	Module       *struct{ Path string }
	Imports      []string
	TestImports  []string
	XTestImports []string
	GoFiles      []string
	TestGoFiles  []string
	XTestGoFiles []string
}

// inModule reports whether p is one of the repository's own packages: in the module
// modPath or in a module nested in it, such as the Go SDK's (false for nil: an import go
// list did not list, such as the "C" of cgo).
func (p *listedPackage) inModule(modPath string) bool {
	return p != nil && p.Module != nil && (p.Module.Path == modPath || strings.HasPrefix(p.Module.Path, modPath+"/"))
}

var (
	packagesOnce sync.Once
	packages     map[string]*listedPackage
	packagesErr  error
)

// loadPackages returns the packages of the module and of the modules nested in it (the
// Go SDK's), with all their dependencies, by import path, asking go list once per module
// for all the tests. `go list ./...` stops at a nested module's go.mod, so each is listed
// in its own directory.
func loadPackages(t *testing.T) map[string]*listedPackage {
	t.Helper()
	mod := thisModule(t)
	nested := nestedModules(t)
	packagesOnce.Do(func() {
		packages = map[string]*listedPackage{}
		for _, dir := range append([]string{mod.Dir}, nested...) {
			var out []byte
			out, packagesErr = run(dir, "go", "list", "-deps",
				"-json=ImportPath,Name,Dir,Module,Imports,TestImports,XTestImports,GoFiles,TestGoFiles,XTestGoFiles",
				"./...")
			if packagesErr != nil {
				return
			}
			dec := json.NewDecoder(strings.NewReader(string(out)))
			for {
				var p listedPackage
				if err := dec.Decode(&p); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					packagesErr = fmt.Errorf("go list -json in %s: %w", dir, err)
					return
				}
				packages[p.ImportPath] = &p
			}
		}
	})
	if packagesErr != nil {
		t.Fatal(packagesErr)
	}
	return packages
}

// checkImports applies rules and exemptions to pkgs (a module's packages and their
// dependencies, by import path). It returns one message per violation, each naming the
// rule, the package, the import (and the chain of imports for a transitive rule, and
// the file that starts it) and why the rule exists, and the exemptions nothing needed.
func checkImports(modPath string, pkgs map[string]*listedPackage, rules []importRule, exemptions []importExemption) (problems []string, unused []importExemption) {
	m := matcher{modPath}
	used := make([]bool, len(exemptions))
	// exemption returns the exemption that lets pkg import chain's last package under
	// rule (chain being pkg's imports down to it), marking it used; nil when none does.
	exemption := func(rule importRule, pkg string, chain []string, test bool) *importExemption {
		for i, e := range exemptions {
			if e.Rule != rule.Name || !m.match(e.Package, pkg) || (e.TestFilesOnly && !test) {
				continue
			}
			if len(e.Imports) > 0 && !m.matchAny(e.Imports, chain[len(chain)-1]) {
				continue
			}
			if e.Through != "" && !slices.Contains(chain[1:len(chain)-1], e.Through) {
				continue
			}
			used[i] = true
			return &exemptions[i]
		}
		return nil
	}

	paths := make([]string, 0, len(pkgs))
	for p := range pkgs {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, rule := range rules {
		bound := func(p string) bool {
			return pkgs[p].inModule(modPath) && m.matchAny(rule.Packages, p) && !m.matchAny(rule.Except, p)
		}
		forbidden := func(p string) bool { return m.matchAny(rule.MustNotImport, p) }
		for _, path := range paths {
			if !bound(path) {
				continue
			}
			pkg := pkgs[path]
			if rule.Transitive {
				chains := forbiddenChains(pkgs, path, forbidden, bound, "")
				for _, target := range slices.Sorted(maps.Keys(chains)) {
					chain := chains[target]
					e := exemption(rule, path, chain, false)
					if e != nil && e.Through != "" {
						// Allowed through e.Through; is it also reached some other way?
						chain = forbiddenChains(pkgs, path, func(p string) bool { return p == target }, bound, e.Through)[target]
						e = nil
					}
					if e == nil && chain != nil {
						problems = append(problems, violation(m, rule, pkg, chain, false))
					}
				}
				continue
			}
			check := func(imports []string, test bool) {
				for _, imp := range imports {
					chain := []string{path, imp}
					if forbidden(imp) && exemption(rule, path, chain, test) == nil {
						problems = append(problems, violation(m, rule, pkg, chain, test))
					}
				}
			}
			check(pkg.Imports, false)
			if rule.TestFiles {
				check(pkg.TestImports, true)
				check(pkg.XTestImports, true)
			}
		}
	}
	for i, e := range exemptions {
		if !used[i] {
			unused = append(unused, e)
		}
	}
	return problems, unused
}

// forbiddenChains returns, for each package that forbidden matches and start reaches
// through imports, the shortest chain of imports from start to it, not going through
// the package avoid (when not ""). It does not go on through packages the same rule
// binds (stop): those are checked, and reported, on their own.
func forbiddenChains(pkgs map[string]*listedPackage, start string, forbidden, stop func(string) bool, avoid string) map[string][]string {
	chains := map[string][]string{}
	seen := map[string]bool{start: true, avoid: true}
	queue := [][]string{{start}}
	for len(queue) > 0 {
		chain := queue[0]
		queue = queue[1:]
		p := pkgs[chain[len(chain)-1]]
		if p == nil {
			continue
		}
		for _, imp := range p.Imports {
			next := append(slices.Clone(chain), imp)
			if forbidden(imp) {
				if chains[imp] == nil {
					chains[imp] = next
				}
				continue
			}
			if seen[imp] || stop(imp) {
				continue
			}
			seen[imp] = true
			queue = append(queue, next)
		}
	}
	return chains
}

// violation formats one broken rule: who, through which import, from which file, why.
func violation(m matcher, rule importRule, pkg *listedPackage, chain []string, test bool) string {
	files := pkg.GoFiles
	if test {
		files = append(slices.Clone(pkg.TestGoFiles), pkg.XTestGoFiles...)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "import rule %q: %s imports %s", rule.Name, m.short(chain[0]), m.short(chain[len(chain)-1]))
	if len(chain) > 2 {
		short := make([]string, len(chain))
		for i, p := range chain {
			short[i] = m.short(p)
		}
		fmt.Fprintf(&b, " through %s", strings.Join(short, " → "))
	}
	switch f := importingFile(pkg.Dir, files, chain[1]); {
	case f != "" && len(chain) == 2:
		fmt.Fprintf(&b, " (in %s/%s)", m.short(chain[0]), f)
	case f != "":
		fmt.Fprintf(&b, " (%s/%s imports %s)", m.short(chain[0]), f, m.short(chain[1]))
	case test:
		b.WriteString(" (in its test files)")
	}
	fmt.Fprintf(&b, "\n    why: %s", rule.Why)
	return b.String()
}

// importingFile returns the first of files (in dir) that imports imp, or "".
func importingFile(dir string, files []string, imp string) string {
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, spec := range f.Imports {
			if p, _ := strconv.Unquote(spec.Path.Value); p == imp {
				return name
			}
		}
	}
	return ""
}

// matcher matches import paths against the patterns of the tables above.
type matcher struct{ modPath string }

func (m matcher) match(pattern, importPath string) bool {
	if rest, ok := strings.CutPrefix(pattern, "./"); ok {
		pattern = m.modPath + "/" + rest
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return importPath == base || strings.HasPrefix(importPath, base+"/")
	}
	return importPath == pattern
}

func (m matcher) matchAny(patterns []string, importPath string) bool {
	for _, p := range patterns {
		if m.match(p, importPath) {
			return true
		}
	}
	return false
}

// short is an import path as a reader of this repository says it: relative to the module.
func (m matcher) short(importPath string) string {
	if rest, ok := strings.CutPrefix(importPath, m.modPath+"/"); ok {
		return rest
	}
	return importPath
}

// TestCheckImports runs the real rules on a made-up module with one of each kind of
// violation, showing that each rule fires (directly, transitively, in test files) and
// that exemptions allow exactly what they say.
func TestCheckImports(t *testing.T) {
	t.Parallel()
	const mod = "example.com/m"
	in := &struct{ Path string }{mod}
	pkgs := map[string]*listedPackage{}
	add := func(path string, inModule bool, imports, testImports []string) {
		p := &listedPackage{ImportPath: path, Imports: imports, TestImports: testImports}
		if inModule {
			p.Module = in
		}
		pkgs[path] = p
	}
	add(mod+"/internal/account", true, []string{mod + "/internal/helper", "github.com/google/uuid", "strings"}, []string{mod + "/internal/store/bunstore"})
	add(mod+"/internal/account/sub", true, []string{mod + "/internal/account", "database/sql/driver"}, nil)
	add(mod+"/internal/helper", true, []string{"net/http"}, nil)
	add("github.com/google/uuid", false, []string{"database/sql/driver"}, nil)
	add(mod+"/internal/password", true, []string{mod + "/internal/account"}, nil)
	add(mod+"/internal/store/bunstore", true, []string{"database/sql", "github.com/uptrace/bun", mod + "/internal/account"}, nil)
	add(mod+"/internal/web", true, []string{mod + "/gen", "net/http"}, nil)
	add(mod+"/internal/httpapi", true, []string{mod + "/gen", mod + "/internal/account"}, nil)
	add(mod+"/contracttests", true, []string{mod + "/gen"}, []string{mod + "/gen", mod + "/clients/go"})
	add(mod+"/cmd/tool", true, nil, []string{"modernc.org/sqlite"})
	add(mod+"/gen", true, []string{mod + "/internal/util", "net/http"}, nil)
	add(mod+"/internal/util", true, nil, nil)
	for _, p := range []string{"strings", "net/http", "database/sql", "database/sql/driver", "github.com/uptrace/bun", "modernc.org/sqlite", mod + "/clients/go"} {
		if pkgs[p] == nil {
			add(p, strings.HasPrefix(p, mod), nil, nil)
		}
	}
	exemptions := []importExemption{
		{Rule: "the domain knows no SQL", Package: "./internal/account/...", Imports: []string{"database/sql/driver"}, Through: "github.com/google/uuid"},
		{Rule: "only the handlers import gen", Package: "./contracttests", TestFilesOnly: true},
		{Rule: "only the store, the outbox and the PostgreSQL rate limiter speak SQL", Package: "./internal/metrics"}, // stale
	}

	problems, unused := checkImports(mod, pkgs, importRules, exemptions)

	want := []string{
		`import rule "the domain knows no HTTP": internal/account imports net/http through internal/account → internal/helper → net/http`,
		`import rule "the domain knows no SQL": internal/account/sub imports database/sql/driver`, // direct: not through uuid
		`import rule "only the store, the outbox and the PostgreSQL rate limiter speak SQL": internal/account/sub imports database/sql/driver`,
		`import rule "only the store, the outbox and the PostgreSQL rate limiter speak SQL": cmd/tool imports modernc.org/sqlite (in its test files)`,
		`import rule "only the handlers import gen": contracttests imports gen`, // its non-test code; its tests are exempt
		`import rule "only the handlers import gen": internal/web imports gen`,
		`import rule "password does not import account": internal/password imports internal/account`,
		`import rule "generated code imports nothing internal": gen imports internal/util`,
	}
	for _, w := range want {
		n := 0
		for _, p := range problems {
			if strings.HasPrefix(p, w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("want one problem starting %q, got %d", w, n)
		}
	}
	if len(problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(problems), len(want), strings.Join(problems, "\n"))
	}
	for _, p := range problems {
		if !strings.Contains(p, "\n    why: ") {
			t.Errorf("problem without a why: %s", p)
		}
	}
	if len(unused) != 1 || unused[0].Package != "./internal/metrics" {
		t.Errorf("unused exemptions: got %+v, want only the one for ./internal/metrics", unused)
	}
}
