package contracttests

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/config"
	mailpkg "github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// launch starts accountd as `accountd serve` does (app.Launch: it answers at once and
// connects to the database in the background) on cfg's database, behind a test server.
func launch(t *testing.T, cfg config.Config) (*app.Launcher, *env) {
	t.Helper()
	e := &env{t: t, mail: &mailpkg.Recorder{}, clock: &clock{now: time.Now().UTC()}, logs: &lockedBuffer{}}
	l, err := app.Launch(cfg, app.Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil)), Sender: e.mail, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.http = &http.Client{Transport: &validatingTransport{t: t, next: http.DefaultTransport}, Timeout: 30 * time.Second}
	if e.client, err = client.NewClientWithResponses(srv.URL, client.WithHTTPClient(e.http)); err != nil {
		t.Fatal(err)
	}
	return l, e
}

// waitStatus polls GET path until it answers want, for at most limit.
func (e *env) waitStatus(path string, want int, limit time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		status, _, body := e.do("GET", path, "", nil)
		if status == want {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("GET %s still answers %d after %v, want %d: %s\nlogs:\n%s", path, status, limit, want, body, e.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// registerStatus registers u over plain HTTP and returns the status and Retry-After.
func (e *env) registerStatus(u user) (int, string) {
	e.t.Helper()
	body := `{"username":"` + u.username + `","email":"` + u.email + `","password":"` + u.password + `"}`
	status, h, _ := e.do("POST", "/v1/auth/register", "application/json", []byte(body))
	return status, h.Get("Retry-After")
}

// TestStartBeforeTheDatabase: accountd started while its PostgreSQL is down serves at
// once: /healthz 200, /readyz 503 and 503 with Retry-After on everything that needs the
// database; it connects and migrates in the background, logging each attempt, and
// /readyz turns 200 once the server is up, without a restart. A database that goes away
// later gets 503 again, and service resumes when it is back.
func TestStartBeforeTheDatabase(t *testing.T) {
	cluster := pgcluster.Start(t)
	cluster.Stop(t)
	cfg := testConfig(t)
	cfg.DatabaseURL = cluster.URL()
	l, e := launch(t, cfg)

	if status, _, _ := e.do("GET", "/healthz", "", nil); status != http.StatusOK {
		t.Fatalf("/healthz with the database down: %d, want 200", status)
	}
	status, h, body := e.do("GET", "/readyz", "", nil)
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Fatalf("/readyz with the database down: %d Retry-After %q %s, want 503 with Retry-After", status, h.Get("Retry-After"), body)
	}
	for _, path := range []string{"/v1/me", "/.well-known/jwks.json", "/api/users/me/"} {
		if status, h, _ := e.do("GET", path, "", nil); status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
			t.Errorf("GET %s with the database down: %d Retry-After %q, want 503 with Retry-After", path, status, h.Get("Retry-After"))
		}
	}
	early := newUser("early")
	if status, retry := e.registerStatus(early); status != http.StatusServiceUnavailable || retry == "" {
		t.Fatalf("register with the database down: %d Retry-After %q, want 503 with Retry-After", status, retry)
	}
	if status, _, _ := e.do("GET", "/docs/", "", nil); status != http.StatusOK {
		t.Errorf("/docs/ with the database down: %d, want 200", status)
	}
	if l.App() != nil {
		t.Fatal("the app is assembled with the database down")
	}

	cluster.Start(t)
	e.waitStatus("/readyz", http.StatusOK, 30*time.Second)
	if !strings.Contains(e.logs.String(), "ACCOUNTD_DATABASE_URL") || !strings.Contains(e.logs.String(), `"attempt":1`) {
		t.Errorf("the attempts are not logged with the setting:\n%s", e.logs.String())
	}
	e.app = l.App()
	// The request refused with 503 left nothing behind: the same registration succeeds.
	if status, _ := e.registerStatus(early); status != http.StatusCreated {
		t.Fatalf("register once the database is up: %d, want 201", status)
	}
	e.emailedToken(early.email)

	// The database goes away, and comes back: 503 meanwhile, then service without a restart.
	cluster.Stop(t)
	e.waitStatus("/readyz", http.StatusServiceUnavailable, 15*time.Second)
	late := newUser("late")
	if status, _ := e.registerStatus(late); status != http.StatusServiceUnavailable {
		t.Fatalf("register with the database gone: %d, want 503", status)
	}
	cluster.Start(t)
	e.waitStatus("/readyz", http.StatusOK, 30*time.Second)
	if status, _ := e.registerStatus(late); status != http.StatusCreated {
		t.Fatalf("register once the database is back: %d, want 201", status)
	}
}

// TestStartWithAMistakeEnds: a failure that waiting cannot mend ends the server with the
// reason, rather than 503 for ever: here a signing key file that does not exist.
func TestStartWithAMistakeEnds(t *testing.T) {
	cfg := testConfig(t)
	cfg.DatabaseURL = "sqlite://" + filepath.Join(t.TempDir(), "accountd.db")
	cfg.SigningKeyFiles = []string{filepath.Join(t.TempDir(), "missing.pem")}
	l, err := app.Launch(cfg, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = l.Serve(ctx, ln)
	if err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Fatalf("Serve = %v, want the key file's error", err)
	}
}

// TestSQLiteDiskFull: a SQLite database on a disk that fills up answers 503 (with
// nothing half-written: the refused registration succeeds, not 409, once there is room
// again), never 500, and recovers by itself when space returns. The disk is a small
// tmpfs, which mounting takes root (CAP_SYS_ADMIN).
func TestSQLiteDiskFull(t *testing.T) {
	dir := mountTmpfs(t, "8m")
	cfg := testConfig(t)
	cfg.DatabaseURL = "sqlite://" + filepath.Join(dir, "accountd.db")
	l, e := launch(t, cfg)
	select {
	case <-l.Ready():
	case <-time.After(30 * time.Second):
		t.Fatalf("not ready:\n%s", e.logs.String())
	}
	e.app = l.App()
	first := e.activeUser("roomy")

	// Fold the write-ahead log into the database and truncate it, so that the next write
	// must grow a file, then fill the disk.
	if _, err := e.app.Store.DB().ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)

	cramped := newUser("cramped")
	status, _ := e.registerStatus(cramped)
	if status != http.StatusServiceUnavailable {
		t.Fatalf("register on a full disk: %d, want 503\nlogs:\n%s", status, e.logs.String())
	}
	// A login writes its session: 503 too, never 500.
	if status, _, _ := e.do("POST", "/v1/auth/login", "application/json",
		[]byte(`{"login":"`+first.username+`","password":"`+first.password+`"}`)); status != http.StatusServiceUnavailable && status != http.StatusOK {
		t.Fatalf("login on a full disk: %d, want 503 (or 200 if the write found room)", status)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.registerStatus(cramped); status != http.StatusCreated {
		t.Fatalf("the registration refused on the full disk, again with room: %d, want 201 (409 would mean it was half-written)", status)
	}
	e.login(first)
	if strings.Contains(e.logs.String(), `"status":500`) {
		t.Errorf("a request answered 500:\n%s", e.logs.String())
	}
}

// mountTmpfs mounts a tmpfs of size (as mount -o size= takes it) on a new directory,
// unmounted when the test ends.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mounting a small tmpfs for the full disk needs root (CAP_SYS_ADMIN) and mount(8) from util-linux "+
			"(apt-get install mount); run the tests as root to run this one: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		_, err := f.Write(chunk)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Whatever fits in less than a chunk.
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			break
		}
	}
}
