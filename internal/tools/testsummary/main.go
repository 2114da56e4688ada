// Command testsummary turns the event stream of `go test -json` into output
// a person can read, and ends it with a count of the tests that ran.
//
//	go test -json ./... | go run ./internal/tools/testsummary
//
// It prints, as they happen, the output of every failed test, every build
// failure, and one line per package (ok, FAIL, or no test files). At the end
// it prints the tests run per store (the subtests with a /sqlite or
// /postgres element in their name, as storetest and the contract tests name
// them) and a last line of the form "N passed, N failed[, N skipped]".
// Every pass, fail and skip event that names a test is counted, parents and
// subtests alike, as go test reports them.
//
// The exit status is 1 when a test, a package or a build failed, or when
// the input held no test events at all; 0 otherwise. It does not know go
// test's own exit status: run the pipeline with `set -o pipefail`.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	os.Exit(run(os.Stdin, os.Stdout))
}

// event is one line of `go test -json` output: a test2json TestEvent or,
// since Go 1.24, a BuildEvent (ImportPath set, Action build-output or
// build-fail).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string
	ImportPath  string
}

// stores are the names that, as an element of a test name, tell which
// account.Store implementation a test ran against.
var stores = []string{"postgres", "sqlite"}

type counts struct{ passed, failed, skipped int }

func (c *counts) add(action string) {
	switch action {
	case "pass":
		c.passed++
	case "fail":
		c.failed++
	case "skip":
		c.skipped++
	}
}

func (c counts) String() string {
	s := fmt.Sprintf("%d passed, %d failed", c.passed, c.failed)
	if c.skipped > 0 {
		s += fmt.Sprintf(", %d skipped", c.skipped)
	}
	return s
}

type testKey struct{ pkg, test string }

type summary struct {
	w io.Writer

	total    counts
	perStore map[string]*counts

	// output of tests and packages still running, dropped when they pass
	testOut  map[testKey]*strings.Builder
	pkgOut   map[string]*strings.Builder
	buildOut map[string]*strings.Builder

	// tests with a failed subtest: their own output is then only the
	// "--- FAIL" line, which is not worth a block of its own
	failedChild map[testKey]bool

	pkgsOK, pkgsFailed, pkgsNoTests int
	buildFailures                   int
	unfinished                      int
	events                          int
}

func newSummary(w io.Writer) *summary {
	s := &summary{
		w:        w,
		perStore: map[string]*counts{},
		testOut:  map[testKey]*strings.Builder{},
		pkgOut:   map[string]*strings.Builder{},
		buildOut: map[string]*strings.Builder{},

		failedChild: map[testKey]bool{},
	}
	for _, name := range stores {
		s.perStore[name] = &counts{}
	}
	return s
}

func run(stdin io.Reader, stdout io.Writer) int {
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	s := newSummary(w)

	r := bufio.NewReaderSize(stdin, 64*1024)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			s.line(line)
			// Flush per line: the run takes minutes and CI logs should
			// show progress as it happens.
			w.Flush()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(w, "testsummary: reading input: %v\n", err)
			s.finish()
			return 1
		}
	}
	return s.finish()
}

// line handles one line of input. Lines that are not JSON events (go test
// can print some plain text, e.g. with GODEBUG=gotestjsonbuildtext=1) are
// passed through unchanged.
func (s *summary) line(line string) {
	trimmed := strings.TrimSpace(line)
	var e event
	if !strings.HasPrefix(trimmed, "{") || json.Unmarshal([]byte(trimmed), &e) != nil || e.Action == "" {
		if trimmed != "" {
			fmt.Fprint(s.w, strings.TrimRight(line, "\n")+"\n")
		}
		return
	}
	s.events++
	s.handle(e)
}

func (s *summary) handle(e event) {
	switch e.Action {
	case "build-output":
		appendTo(s.buildOut, e.ImportPath, e.Output)
		return
	case "build-fail":
		s.buildFailures++
		fmt.Fprintf(s.w, "=== BUILD FAILED: %s\n", e.ImportPath)
		if b := s.buildOut[e.ImportPath]; b != nil {
			fmt.Fprint(s.w, endLine(b.String()))
		}
		delete(s.buildOut, e.ImportPath)
		return
	}

	if e.Test == "" {
		s.packageEvent(e)
		return
	}

	key := testKey{e.Package, e.Test}
	switch e.Action {
	case "run":
		// Make the test known even before it prints, so that a test that
		// never finishes (timeout, crash) can be reported.
		if s.testOut[key] == nil {
			s.testOut[key] = &strings.Builder{}
		}
	case "output":
		appendTo(s.testOut, key, e.Output)
	case "pass", "skip":
		s.count(e.Test, e.Action)
		delete(s.testOut, key)
	case "fail":
		s.count(e.Test, e.Action)
		if i := strings.LastIndexByte(e.Test, '/'); i >= 0 {
			s.failedChild[testKey{e.Package, e.Test[:i]}] = true
		}
		var out string
		if b := s.testOut[key]; b != nil {
			out = testOutput(b.String())
		}
		if !s.failedChild[key] || !onlyFailLine(out) {
			fmt.Fprintf(s.w, "=== FAIL: %s %s (%.2fs)\n", e.Package, e.Test, e.Elapsed)
			fmt.Fprint(s.w, endLine(out))
		}
		delete(s.testOut, key)
		delete(s.failedChild, key)
	}
}

func (s *summary) packageEvent(e event) {
	switch e.Action {
	case "output":
		appendTo(s.pkgOut, e.Package, e.Output)
	case "pass":
		s.pkgsOK++
		s.reportUnfinished(e.Package) // should not happen; be safe
		fmt.Fprintf(s.w, "ok   %s (%.1fs)\n", e.Package, e.Elapsed)
		delete(s.pkgOut, e.Package)
	case "skip":
		// A package without test files.
		s.pkgsNoTests++
		fmt.Fprintf(s.w, "?    %s [no test files]\n", e.Package)
		delete(s.pkgOut, e.Package)
	case "fail":
		s.pkgsFailed++
		s.reportUnfinished(e.Package)
		if out := packageOutput(s.pkgOut[e.Package], e.Package); out != "" {
			fmt.Fprintf(s.w, "=== FAIL: %s (package output)\n", e.Package)
			fmt.Fprint(s.w, endLine(out))
		}
		delete(s.pkgOut, e.Package)
		if e.FailedBuild != "" {
			// The build output was printed at the build-fail event,
			// under the name e.FailedBuild.
			fmt.Fprintf(s.w, "FAIL %s [build failed]\n", e.Package)
		} else {
			fmt.Fprintf(s.w, "FAIL %s (%.1fs)\n", e.Package, e.Elapsed)
		}
	}
}

// reportUnfinished prints, and counts as failed, the tests of pkg that
// started but never reported a result: the test binary died under them
// (a timeout, a panic in another goroutine, os.Exit).
func (s *summary) reportUnfinished(pkg string) {
	var names []string
	for k := range s.testOut {
		if k.pkg == pkg {
			names = append(names, k.test)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		key := testKey{pkg, name}
		s.unfinished++
		s.count(name, "fail")
		fmt.Fprintf(s.w, "=== FAIL: %s %s (did not finish)\n", pkg, name)
		fmt.Fprint(s.w, endLine(testOutput(s.testOut[key].String())))
		delete(s.testOut, key)
	}
}

func (s *summary) count(test, action string) {
	s.total.add(action)
	if store := storeOf(test); store != "" {
		s.perStore[store].add(action)
	}
}

// finish prints the closing summary and returns the exit status.
func (s *summary) finish() int {
	// Packages that never finished: the input was cut short.
	var pending []string
	for k := range s.testOut {
		pending = append(pending, k.pkg)
	}
	sort.Strings(pending)
	for i, pkg := range pending {
		if i == 0 || pending[i-1] != pkg {
			s.reportUnfinished(pkg)
		}
	}
	// Build output never followed by build-fail (should not happen).
	for path, b := range s.buildOut {
		fmt.Fprintf(s.w, "=== BUILD OUTPUT: %s\n%s", path, endLine(b.String()))
	}

	fmt.Fprintln(s.w)
	if s.events == 0 {
		fmt.Fprintln(s.w, "testsummary: no go test -json events on input (did go test fail to start?)")
	}
	fmt.Fprintf(s.w, "packages: %d ok, %d failed, %d without tests", s.pkgsOK, s.pkgsFailed, s.pkgsNoTests)
	if s.buildFailures > 0 {
		fmt.Fprintf(s.w, "; build failures: %d", s.buildFailures)
	}
	fmt.Fprintln(s.w)
	if s.unfinished > 0 {
		fmt.Fprintf(s.w, "%d tests did not finish (counted as failed)\n", s.unfinished)
	}
	for _, name := range stores {
		fmt.Fprintf(s.w, "%s: %s\n", name, s.perStore[name])
	}
	fmt.Fprintln(s.w, s.total.String())

	if s.events == 0 || s.total.failed > 0 || s.pkgsFailed > 0 || s.buildFailures > 0 {
		return 1
	}
	return 0
}

// storeOf returns the store a test ran against, judged by the elements of
// its name after the top-level test: "TestContract/sqlite/login" and
// "TestStore/Postgres" name a store, "TestPostgresURL" does not. An element
// may carry a suffix after a separator ("postgres-15", "sqlite_memory"), and
// "postgresql" counts as postgres.
func storeOf(test string) string {
	parts := strings.Split(test, "/")
	for _, p := range parts[1:] {
		p = strings.ToLower(p)
		if p == "postgresql" || strings.HasPrefix(p, "postgresql") && len(p) > len("postgresql") && isSep(p[len("postgresql")]) {
			return "postgres"
		}
		for _, name := range stores {
			if p == name || strings.HasPrefix(p, name) && isSep(p[len(name)]) {
				return name
			}
		}
	}
	return ""
}

func isSep(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == ':' || c == '#' || c == '(' || c == '['
}

// testOutput drops the framing lines go test -json adds around every test
// (=== RUN, === PAUSE, === CONT, === NAME); they carry no information once
// the output is grouped per test.
func testOutput(out string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(line, "=== RUN") || strings.HasPrefix(line, "=== PAUSE") ||
			strings.HasPrefix(line, "=== CONT") || strings.HasPrefix(line, "=== NAME") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// onlyFailLine reports whether a test's output is nothing but its own
// "--- FAIL: Name (0.00s)" line.
func onlyFailLine(out string) bool {
	out = strings.TrimSpace(out)
	return out == "" || strings.HasPrefix(out, "--- FAIL: ") && !strings.Contains(out, "\n")
}

// packageOutput is what a failed package printed outside any test, less the
// PASS/FAIL lines that the package line printed after it says again.
func packageOutput(b *strings.Builder, pkg string) string {
	if b == nil {
		return ""
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		t := strings.TrimRight(line, "\r\n")
		if t == "" || t == "PASS" || t == "FAIL" || strings.HasPrefix(t, "FAIL\t"+pkg) ||
			strings.HasPrefix(t, "ok  \t"+pkg) || strings.HasPrefix(t, "=== ") {
			continue
		}
		out.WriteString(line)
	}
	return out.String()
}

// endLine makes sure a block of output ends with a newline.
func endLine(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

func appendTo[K comparable](m map[K]*strings.Builder, k K, s string) {
	b := m[k]
	if b == nil {
		b = &strings.Builder{}
		m[k] = b
	}
	b.WriteString(s)
}
