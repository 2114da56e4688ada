package contracttests

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// specToolsDir holds the npm tools that check openapi.yaml from outside Go (Spectral,
// Prism), pinned by its package-lock.json; `make tools` installs them.
const specToolsDir = "../tools/spec"

// specTool returns the path of the installed npm tool name. Without it the test is
// skipped with the way to install it, except under `make test`, which installs the
// tools first and sets ACCOUNTD_REQUIRE_SPEC_TOOLS, so that a missing tool fails there
// instead of passing unseen.
func specTool(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join(specToolsDir, "node_modules", ".bin", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		msg := name + " is not installed: run `make tools` (npm ci in tools/spec, with Node 20 and npm)"
		if os.Getenv("ACCOUNTD_REQUIRE_SPEC_TOOLS") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// spectralResult is one problem in Spectral's JSON output.
type spectralResult struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Path     []any  `json:"path"`
	Severity int    `json:"severity"`
	Source   string `json:"source"`
	Range    struct {
		Start struct{ Line int } `json:"start"`
	} `json:"range"`
}

func (r spectralResult) at() string {
	parts := make([]string, len(r.Path))
	for i, p := range r.Path {
		b, _ := json.Marshal(p)
		parts[i] = strings.Trim(string(b), `"`)
	}
	return strings.Join(parts, ".")
}

// TestSpecLint runs Spectral with tools/spec/.spectral.yaml (spectral:oas and the house
// rules): openapi.yaml must draw no error and no warning, and a document that breaks
// each house rule once (testdata/lint/broken.yaml) must draw each, so that a rule that
// stopped firing fails here too. One Spectral run lints both.
func TestSpecLint(t *testing.T) {
	if remote != nil {
		t.Skip("lints openapi.yaml, not the deployment (make test and make lint-spec run it)")
	}
	spectral := specTool(t, "spectral")
	broken, err := filepath.Abs("testdata/lint/broken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := filepath.Abs("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(spectral, "lint", "--ruleset", ".spectral.yaml", "--format", "json", "--quiet", spec, broken)
	cmd.Dir = specToolsDir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Spectral exits 1 when it finds errors, which broken.yaml always has: what it found
	// is read from its output instead.
	_ = cmd.Run()
	var results []spectralResult
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("spectral: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	var found []string // code at path, for broken.yaml
	for _, r := range results {
		switch filepath.Base(r.Source) {
		case "openapi.yaml":
			t.Errorf("openapi.yaml:%d: %s (%s): %s", r.Range.Start.Line+1, r.Code, r.at(), r.Message)
		case "broken.yaml":
			found = append(found, r.Code+" at "+r.at())
		default:
			t.Errorf("spectral reports %s: %s %s", r.Source, r.Code, r.Message)
		}
	}
	want := []string{
		"operation-operationId at paths./v1/no-id.get",
		"accountd-operation-summary at paths./v1/no-summary.post",
		"accountd-operation-one-tag at paths./v1/two-tags.get.tags",
		"accountd-operation-example at paths./v1/no-example.post.requestBody.content.application/json",
		"accountd-operation-example at paths./v1/no-example.post.responses.200.content.application/json",
		"accountd-problem-responses at paths./v1/plain-errors.get.responses",
		"accountd-problem-responses at paths./v1/plain-errors.get.responses.400",
		"accountd-canonical-path-no-trailing-slash at paths./v1/trailing/",
	}
	for _, w := range want {
		if !slices.Contains(found, w) {
			t.Errorf("testdata/lint/broken.yaml: Spectral did not report %s; it reported:\n  %s", w, strings.Join(found, "\n  "))
		}
	}
	for _, f := range found {
		if strings.Contains(f, "/api/legacy/") {
			t.Errorf("testdata/lint/broken.yaml: the compatibility profile's operation is exempt, yet Spectral reported %s", f)
		}
	}
}
