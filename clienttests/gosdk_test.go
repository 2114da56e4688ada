package clienttests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGoSDKFromAnotherModule builds testdata/goconsumer as a team's own module would
// be: in a directory outside the repository, with its own go.mod that requires the SDK's
// module (replaced by clients/go, as a published version would be fetched), and runs its
// tests against a live accountd: errors.As on a wrong password, a TokenSource shared by
// 50 goroutines across access-token expiries, and the JWKS Verifier. It needs nothing
// from the network: the SDK's dependencies are in the module cache once this module's
// tests are built.
func TestGoSDKFromAnotherModule(t *testing.T) {
	t.Parallel()
	goCmd := need(t, "go", "https://go.dev/doc/install")
	root := repoRoot(t)
	sdk := filepath.Join(root, "clients", "go")

	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join("testdata", "goconsumer", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in testdata/goconsumer (%v)", err)
	}
	for _, f := range files {
		copyFile(t, f, filepath.Join(dir, filepath.Base(f)))
	}
	copyFile(t, filepath.Join(sdk, "go.sum"), filepath.Join(dir, "go.sum"))
	writeFile(t, filepath.Join(dir, "go.mod"), consumerGoMod(t, goCmd, sdk))

	srv := startAccountd(t, 3*time.Second)
	login, password := srv.activeUser(t, "consumer")

	cmd := exec.Command(goCmd, "test", "-count=1", "-v", "./...")
	cmd.Dir = dir
	cmd.Env = environ(map[string]string{
		"GOWORK": "off", "GOPROXY": "off", "GOFLAGS": "-mod=readonly",
		"ACCOUNTD_URL": srv.URL, "ACCOUNTD_LOGIN": login, "ACCOUNTD_PASSWORD": password,
		"ACCOUNTD_ISSUER": srv.Issuer, "ACCOUNTD_AUDIENCE": srv.Audience, "ACCOUNTD_ACCESS_TTL": srv.AccessTTL.String(),
	})
	run(t, cmd)
}

// consumerGoMod is the go.mod of a module that requires the SDK's module, replaced by
// the directory sdk, with the SDK's own requirements as its indirect ones (what go mod
// tidy would add, looked up without the network).
func consumerGoMod(t *testing.T, goCmd, sdk string) string {
	t.Helper()
	out, err := exec.Command(goCmd, "mod", "edit", "-json", filepath.Join(sdk, "go.mod")).Output()
	if err != nil {
		t.Fatalf("go mod edit -json %s: %v", sdk, err)
	}
	var mod struct {
		Module  struct{ Path string }
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module example.com/consumer\n\ngo 1.26.0\n\nrequire %s v0.0.0-00010101000000-000000000000\n\nrequire (\n", mod.Module.Path)
	for _, r := range mod.Require {
		fmt.Fprintf(&b, "\t%s %s // indirect\n", r.Path, r.Version)
	}
	fmt.Fprintf(&b, ")\n\nreplace %s => %s\n", mod.Module.Path, sdk)
	return b.String()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(data))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
