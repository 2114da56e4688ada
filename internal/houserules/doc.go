// Package houserules holds the repository's rules that check themselves: tests, run by
// `make test` like any other, that fail with a message naming the rule, the file or
// package that broke it, and why the rule exists. A newcomer learns the house from these
// failures instead of from a wiki.
//
// The rules, one file each:
//
//   - files_test.go: no tracked file is an executable binary (ELF, Mach-O, PE), has the
//     executable bit without being a #! script, or is larger than 1 MiB (generated code
//     and the common-password list excepted by name).
//   - gitignore_test.go: the build output of every command of the module is ignored by
//     .gitignore wherever it lands, and source files are not.
//   - imports_test.go: which packages may import which (the domain knows no HTTP, SQL or
//     generated code; only the store, the outbox and the PostgreSQL rate limiter speak
//     SQL; only the handlers import gen; ...), as a table of rules, over the module's
//     packages and those of the modules nested in it (the Go SDK, clients/go).
//   - modules_test.go: a nested module requires nothing of the repository and replaces
//     nothing, and the root go.mod replaces it by its directory.
//   - gofmt_test.go: every tracked Go file is as gofmt writes it.
//   - links_test.go: every relative link and #anchor in the repository's Markdown files
//     resolves (the file exists; the anchor is a heading of it, slugged as GitHub does);
//     external links are not fetched; and the README stays under 250 lines.
//
// The rules read the repository through git (git ls-files, git check-ignore) and the go
// command (go list); without git, or outside a git checkout, the git-based ones skip and
// say what is missing. The package has no code outside its tests: nothing imports it.
package houserules
