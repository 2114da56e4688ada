package version

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSpecVersionIsARelease: info.version is what `accountd version` reports unstamped,
// so it must be a plain semantic version, and CHANGELOG.md must have its section.
func TestSpecVersionIsARelease(t *testing.T) {
	v := SpecVersion()
	if !regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`).MatchString(v) {
		t.Fatalf("openapi.yaml info.version = %q, want a semantic version such as 0.2.0", v)
	}
	changelog, err := os.ReadFile("../../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(changelog), "\n## ["+v+"]") {
		t.Errorf("CHANGELOG.md has no section \"## [%s]\" for openapi.yaml's info.version: add one (Keep a Changelog), or move the Unreleased entries under it", v)
	}
}

// TestGetUnstamped: without -ldflags, Get reports the spec's version and says it does
// not know the build date rather than inventing one.
func TestGetUnstamped(t *testing.T) {
	i := Get()
	if i.Version != SpecVersion() || i.Date != "unknown" || i.Commit == "" {
		t.Fatalf("Get() = %+v, want the spec's version %s and date unknown", i, SpecVersion())
	}
	if s := i.String(); !strings.HasPrefix(s, i.Version+" (commit ") || !strings.HasSuffix(s, ", built unknown)") {
		t.Fatalf("String() = %q", s)
	}
}

// TestBuildsStampTheSameVariables: make build and the Dockerfile both set each variable
// of this package, under its full name (a typo in an -X flag is silently ignored by the
// linker, leaving the binary unstamped). contracttests' TestAgainstURL runs `make build`
// and checks what the binary prints.
func TestBuildsStampTheSameVariables(t *testing.T) {
	for _, file := range []string{"../../Makefile", "../../deploy/Dockerfile"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "$(VERSION_PKG)", "github.com/accountd/accountd/internal/version")
		for _, name := range []string{"Version", "Commit", "Date"} {
			if want := "-X github.com/accountd/accountd/internal/version." + name + "="; !strings.Contains(text, want) {
				t.Errorf("%s does not stamp %s: want %q in its go build flags", file, name, want)
			}
		}
	}
}
