// Package deploy holds the deployment files (Dockerfile, .dockerignore at the root, the
// systemd unit) and the tests that try them with the real tools: the image is built and
// started where a container engine answers, the unit is checked by systemd-analyze where
// systemd is installed. Each test says what it needs when it is skipped.
package deploy

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSystemdUnit: systemd-analyze verify finds nothing to say about accountd.service
// (a wrong directive, a bad specifier such as a mistyped %d, an unknown option all print
// a line), and the unit hands the signing key to its DynamicUser service the way the
// operations guide says (docs/operations.md, "Packaging"): LoadCredential= and
// ACCOUNTD_SIGNING_KEY_FILE in the credentials directory.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: install systemd (apt-get install systemd) to check deploy/accountd.service")
	}
	unit, err := os.ReadFile("accountd.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"\nLoadCredential=signing-key:/etc/accountd/signing-key.pem\n",
		"\nEnvironment=ACCOUNTD_SIGNING_KEY_FILE=%d/signing-key\n",
		"\nDynamicUser=yes\n",
	} {
		if !bytes.Contains(unit, []byte(line)) {
			t.Errorf("accountd.service lacks the line %q", strings.TrimSpace(line))
		}
	}
	guide, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"LoadCredential=signing-key:/etc/accountd/signing-key.pem", "ACCOUNTD_SIGNING_KEY_FILE=%d/signing-key"} {
		if !bytes.Contains(guide, []byte(text)) {
			t.Errorf("docs/operations.md does not say %q, as the unit does", text)
		}
	}

	// verify insists that ExecStart's program exists: this test's own binary stands in
	// for /usr/local/bin/accountd, which is not installed here.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "accountd.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(unit, []byte("/usr/local/bin/accountd"), []byte(self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify accountd.service: %v\n%s", err, out)
	}
}

// TestDockerImage builds deploy/Dockerfile from a copy of the repository with decoys
// that must stay out of the build context (.git, bin/, SQLite databases), checks they
// did, then runs the image on a named volume with the default SQLite database: it must
// get ready, register an account, and find it again after the container is replaced.
func TestDockerImage(t *testing.T) {
	docker := dockerEngine(t)
	if testing.Short() {
		t.Skip("-short: building the image downloads modules and takes minutes")
	}
	buildDir := buildContext(t)
	tag := "accountd-test-" + strings.ToLower(rand.Text()[:10])
	t.Cleanup(func() { _, _ = run(docker, "image", "rm", "-f", tag, tag+"-build") })

	if out, err := run(docker, "build", "--target", "build", "-t", tag+"-build", "-f", "deploy/Dockerfile", buildDir); err != nil {
		t.Fatalf("docker build --target build: %v\n%s", err, out)
	}
	// Every file of the build stage's /src, one per line, as ./path.
	listing, err := run(docker, "run", "--rm", "--entrypoint", "find", tag+"-build", "/src", "-mindepth", "1")
	if err != nil {
		t.Fatalf("listing the build context: %v\n%s", err, listing)
	}
	files := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(listing), "\n") {
		files[strings.TrimPrefix(line, "/src/")] = true
	}
	for _, decoy := range []string{".git", "bin", "accountd.db", "internal/stray.db-wal"} {
		if files[decoy] {
			t.Errorf("%s is in the build context", decoy)
		}
	}
	if !files["go.mod"] || !files["cmd/accountd/main.go"] {
		t.Fatalf("the build context lacks the source:\n%s", listing)
	}

	if out, err := run(docker, "build", "-t", tag, "-f", "deploy/Dockerfile", buildDir); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	if out, err := run(docker, "volume", "create", tag); err != nil {
		t.Fatalf("docker volume create: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = run(docker, "volume", "rm", "-f", tag) })

	register := `{"username":"docker_ada","email":"ada@example.com","password":"correct-horse-battery"}`
	for i, want := range []int{http.StatusCreated, http.StatusConflict} {
		base, stop := startContainer(t, docker, tag)
		res, err := http.Post(base+"/v1/auth/register", "application/json", strings.NewReader(register))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		stop()
		// The second container finds the account the first one stored in the volume.
		if res.StatusCode != want {
			t.Fatalf("container %d: register: %d %s, want %d", i+1, res.StatusCode, body, want)
		}
	}
}

// dockerEngine returns the docker command when a container engine answers it, and skips
// the test otherwise.
func dockerEngine(t *testing.T) string {
	t.Helper()
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("docker is not installed: install Docker Engine (apt-get install docker.io) to build and run deploy/Dockerfile")
	}
	if out, err := run(docker, "info", "--format", "{{.ServerVersion}}"); err != nil {
		t.Skipf("the docker client finds no container engine (docker info: %v: %s): start Docker Engine "+
			"(apt-get install docker.io; systemctl start docker) or set DOCKER_HOST to one to build and run deploy/Dockerfile",
			err, firstLine(out))
	}
	return docker
}

// buildContext copies the repository's tracked files into a directory, with decoys
// beside them that .dockerignore must keep out of the image's build context.
func buildContext(t *testing.T) string {
	t.Helper()
	files, err := run("git", "-C", "..", "ls-files", "-z")
	if err != nil {
		t.Fatalf("git ls-files: %v\n%s", err, files)
	}
	dir := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name), data)
	}
	for _, decoy := range []string{".git/HEAD", "bin/accountd", "accountd.db", "internal/stray.db-wal"} {
		writeFile(t, filepath.Join(dir, decoy), []byte("decoy\n"))
	}
	return dir
}

// startContainer runs the image on the named volume tag, waits until /readyz answers
// 200, and returns the API's base URL and the function that removes the container (also
// called when the test ends).
func startContainer(t *testing.T, docker, tag string) (string, func()) {
	t.Helper()
	id, err := run(docker, "run", "-d", "-p", "127.0.0.1::8080", "-v", tag+":/var/lib/accountd", tag)
	if err != nil {
		t.Fatalf("docker run: %v\n%s", err, id)
	}
	id = strings.TrimSpace(id)
	stop := func() { _, _ = run(docker, "rm", "-f", id) }
	t.Cleanup(stop)
	port, err := run(docker, "port", id, "8080/tcp")
	if err != nil {
		t.Fatalf("docker port: %v\n%s", err, port)
	}
	base := "http://" + firstLine(port)
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base, stop
			}
		}
		if time.Now().After(deadline) {
			logs, _ := run(docker, "logs", id)
			t.Fatalf("the container is not ready after a minute (%v):\n%s", err, logs)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w", name, args[0], err)
	}
	return string(out), nil
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
