package clienttests

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTypeScriptClient compiles clients/typescript (its types generated from
// openapi.yaml, so a spec change that breaks the wrapper or its tests fails here) and
// runs its tests with Node's test runner: the client's own behaviour against a stand-in,
// and the token flow against a live accountd (register, activate through the emailed
// link, log in, me, refresh, log out, problems). Skipped, saying so, where Node.js or npm
// is not installed.
func TestTypeScriptClient(t *testing.T) {
	t.Parallel()
	const install = "Node.js 20+ and npm: apt-get install nodejs npm"
	node := need(t, "node", install)
	npm := need(t, "npm", install)
	dir := filepath.Join(repoRoot(t), "clients", "typescript")

	// npm ci when node_modules is missing or older than the lockfile, as `make generate`
	// does (it has usually done it already).
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil || installed.ModTime().Before(lock.ModTime()) {
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		run(t, cmd)
	}
	tsc := exec.Command(node, filepath.Join("node_modules", "typescript", "bin", "tsc"), "-p", ".")
	tsc.Dir = dir
	run(t, tsc)

	srv := startAccountd(t, 15*time.Minute)
	test := exec.Command(node, "--test", "--test-reporter=spec", filepath.Join("dist", "test"))
	test.Dir = dir
	test.Env = environ(map[string]string{"ACCOUNTD_URL": srv.URL, "ACCOUNTD_MAIL_DIR": srv.MailDir})
	run(t, test)
}

// TestBrowsersMaySendIdempotencyKey: the TypeScript client sends Idempotency-Key on every
// POST, so a browser app on an allowed origin must be allowed to send it, or its
// preflight fails and no request leaves the browser.
func TestBrowsersMaySendIdempotencyKey(t *testing.T) {
	t.Parallel()
	const origin = "https://app.example.com"
	srv := startAccountd(t, 15*time.Minute, "ACCOUNTD_CORS_ORIGINS", origin)
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/v1/auth/register", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,idempotency-key")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	allowed := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
	if res.StatusCode >= 300 || res.Header.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(allowed, "idempotency-key") {
		t.Errorf("preflight with Idempotency-Key: %d, Allow-Origin %q, Allow-Headers %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), allowed)
	}
}
