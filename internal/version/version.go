// Package version says which accountd this is: the release (openapi.yaml's info.version,
// which CHANGELOG.md and `accountd version` follow), the commit it was built from and
// when. `make build` and deploy/Dockerfile stamp the three variables with -ldflags:
//
//	-X github.com/accountd/accountd/internal/version.Version=0.2.0
//	-X github.com/accountd/accountd/internal/version.Commit=1a2b3c4
//	-X github.com/accountd/accountd/internal/version.Date=2026-12-04T16:00:00Z
//
// A binary built without them (go build, go run, go test) reports the spec's version and
// whatever the Go toolchain recorded of the git checkout, so it never claims a commit
// or a date it does not know.
package version

import (
	"fmt"
	"runtime/debug"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/accountd/accountd"
)

// Stamped by the linker (see the package comment); empty when the build did not.
var (
	// Version is the release, such as 0.2.0.
	Version string
	// Commit is the git commit the binary was built from, with "-dirty" when the tree
	// had uncommitted changes.
	Commit string
	// Date is when the binary was built, in RFC 3339 (UTC).
	Date string
)

// Info is the version, commit and build date of the running binary.
type Info struct {
	Version string
	Commit  string
	Date    string
}

// Get returns what the linker stamped, and for what it did not: the spec's info.version,
// the commit the Go toolchain recorded (go build in a git checkout records it), and
// "unknown".
var Get = sync.OnceValue(func() Info {
	i := Info{Version: Version, Commit: Commit, Date: Date}
	if i.Version == "" {
		i.Version = SpecVersion()
	}
	if i.Commit == "" {
		i.Commit = vcsCommit()
	}
	if i.Date == "" {
		i.Date = "unknown"
	}
	return i
})

// String is the one line `accountd version` prints: "0.2.0 (commit 1a2b3c4, built
// 2026-12-04T16:00:00Z)".
func (i Info) String() string {
	return fmt.Sprintf("%s (commit %s, built %s)", i.Version, i.Commit, i.Date)
}

// SpecVersion is info.version of the embedded openapi.yaml: the version of the API
// contract, which is the release's.
func SpecVersion() string {
	var doc struct {
		Info struct {
			Version string `yaml:"version"`
		} `yaml:"info"`
	}
	if err := yaml.Unmarshal(accountd.OpenAPI, &doc); err != nil || doc.Info.Version == "" {
		return "unknown"
	}
	return doc.Info.Version
}

// vcsCommit returns the commit that `go build` recorded from the git checkout
// (-buildvcs), with "-dirty" for a modified tree, or "unknown".
func vcsCommit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	commit, modified := "unknown", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
			if len(commit) > 12 {
				commit = commit[:12]
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && commit != "unknown" {
		commit += "-dirty"
	}
	return commit
}
