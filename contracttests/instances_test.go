package contracttests

import (
	"bufio"
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// freshPostgres returns the DSN of a new empty database on the test server (or on a
// throwaway one when TEST_DATABASE_URL is not set), dropped when the test ends.
func freshPostgres(t *testing.T) string {
	t.Helper()
	if bunstoretest.PostgresURL() == "" {
		t.Setenv(bunstoretest.EnvURL, pgcluster.ServerURL(t))
	}
	return bunstoretest.DSN(t, bunstoretest.Postgres)
}

// buildAccountd builds cmd/accountd into a temporary directory.
func buildAccountd(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build cmd/accountd: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "accountd")
	cmd := exec.Command(goBin, "build", "-o", bin, "../cmd/accountd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/accountd: %v\n%s", err, out)
	}
	return bin
}

// process is one running accountd.
type process struct {
	name string
	url  string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan error // gets Wait's result
	// wait returns the address once the process listens.
	wait func() string
}

// startAccountd starts bin with env (ACCOUNTD_* settings) on a port of its own choosing.
// The process is asked to stop with SIGTERM when the test ends and must exit cleanly.
func startAccountd(t *testing.T, bin, name string, env map[string]string) *process {
	t.Helper()
	p := &process{name: name, logs: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ACCOUNTD_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	env["ACCOUNTD_ADDR"] = "127.0.0.1:0"
	env["ACCOUNTD_LOG_FORMAT"] = "json"
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout = io.Discard // console emails
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		// The log, kept for failure messages; the start line gives the address.
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "accountd listening" {
				listening <- entry.Addr
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("%s did not exit cleanly on SIGTERM: %v\n%s", name, err, p.logs.String())
			}
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			t.Errorf("%s still running 15s after SIGTERM", name)
		}
	})
	p.wait = func() string {
		select {
		case addr := <-listening:
			return addr
		case err := <-p.done:
			t.Fatalf("%s exited before listening: %v\n%s", name, err, p.logs.String())
		case <-time.After(30 * time.Second):
			t.Fatalf("%s not listening after 30s\n%s", name, p.logs.String())
		}
		return ""
	}
	return p
}

// request sends a JSON request to the process and returns the status and body.
func (p *process) request(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	e := &env{t: t, url: p.url, http: &http.Client{Transport: &validatingTransport{t: t, next: http.DefaultTransport}, Timeout: 30 * time.Second}}
	status, b, err := e.send(method, path, body, token)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, p.name, err)
	}
	return status, b
}

// TestSeveralInstances runs two accountd processes on one PostgreSQL database, started
// together on an empty database, and checks what they must share.
func TestSeveralInstances(t *testing.T) {
	inProcessOnly(t, "starts instances of its own on a database of its own")
	dsn := freshPostgres(t)
	bin := buildAccountd(t)
	settings := func() map[string]string {
		return map[string]string{
			"ACCOUNTD_DATABASE_URL":              dsn,
			"ACCOUNTD_RATE_LIMIT_STORE":          "postgres",
			"ACCOUNTD_RATE_LIMIT_LOGIN_FAILURES": "4/1m",
			"ACCOUNTD_SHUTDOWN_TIMEOUT":          "5s",
		}
	}
	// Both at once, on a database with no schema yet: both migrate at start.
	a := startAccountd(t, bin, "instance A", settings())
	b := startAccountd(t, bin, "instance B", settings())
	a.url, b.url = "http://"+a.wait(), "http://"+b.wait()
	// An instance listens at once and connects (and migrates) in the background: ready
	// is /readyz 200, which the tests below check first.
	for _, p := range []*process{a, b} {
		deadline := time.Now().Add(30 * time.Second)
		for status, _ := p.request(t, http.MethodGet, "/readyz", "", nil); status != http.StatusOK; status, _ = p.request(t, http.MethodGet, "/readyz", "", nil) {
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready 30s after listening:\n%s", p.name, p.logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	t.Run("concurrent_start_migrates_once_both_ready", func(t *testing.T) {
		for _, p := range []*process{a, b} {
			if status, body := p.request(t, http.MethodGet, "/readyz", "", nil); status != http.StatusOK {
				t.Fatalf("%s /readyz: %d %s", p.name, status, body)
			}
		}
		files, err := filepath.Glob("../internal/store/bunstore/migrations/*.up.sql")
		if err != nil || len(files) == 0 {
			t.Fatalf("no migrations found: %v", err)
		}
		store := openStore(t, dsn)
		var applied, distinct int
		if err := store.DB().QueryRowContext(context.Background(),
			"SELECT count(*), count(DISTINCT name) FROM bun_migrations").Scan(&applied, &distinct); err != nil {
			t.Fatal(err)
		}
		if applied != len(files) || distinct != len(files) {
			t.Fatalf("bun_migrations holds %d rows (%d distinct) for %d migrations", applied, distinct, len(files))
		}
	})

	t.Run("session_ended_on_one_refused_by_the_other_at_once", func(t *testing.T) {
		u := seedPostgresUser(t, dsn, "multi")
		status, body := a.request(t, http.MethodPost, "/v1/auth/login", "", map[string]string{"login": u.username, "password": u.password})
		if status != http.StatusOK {
			t.Fatalf("login on A: %d %s", status, body)
		}
		var tokens struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(body, &tokens); err != nil || tokens.AccessToken == "" {
			t.Fatalf("login answer %s: %v", body, err)
		}
		if status, body := b.request(t, http.MethodGet, "/v1/me", tokens.AccessToken, nil); status != http.StatusOK {
			t.Fatalf("B before logout: %d %s", status, body)
		}
		if status, body := a.request(t, http.MethodPost, "/v1/auth/logout", tokens.AccessToken, nil); status != http.StatusNoContent {
			t.Fatalf("logout on A: %d %s", status, body)
		}
		// No wait: every request checks its session in the database, so the bound on
		// how long another instance keeps honouring an ended session is zero.
		if status, body := b.request(t, http.MethodGet, "/v1/me", tokens.AccessToken, nil); status != http.StatusUnauthorized {
			t.Fatalf("B right after logout on A: %d %s, want 401", status, body)
		}
	})

	t.Run("rate_limit_shared_429_from_both", func(t *testing.T) {
		// Four failed logins for one name are allowed in all, two through each
		// instance; the fifth is refused wherever it arrives. Counters per instance
		// would allow four through each.
		creds := map[string]string{"login": "nobody-" + strings.ToLower(rand.Text()), "password": "wrong-password-123"}
		for i, p := range []*process{a, b, a, b} {
			if status, body := p.request(t, http.MethodPost, "/v1/auth/login", "", creds); status != http.StatusUnauthorized {
				t.Fatalf("attempt %d on %s: %d %s, want 401", i+1, p.name, status, body)
			}
		}
		for _, p := range []*process{a, b} {
			if status, body := p.request(t, http.MethodPost, "/v1/auth/login", "", creds); status != http.StatusTooManyRequests {
				t.Fatalf("fifth attempt on %s: %d %s, want 429", p.name, status, body)
			}
		}
	})
}

// openStore opens the database at dsn, closed when the test ends.
func openStore(t *testing.T, dsn string) *bunstore.Store {
	t.Helper()
	s, err := bunstore.Open(context.Background(), dsn, bunstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seedPostgresUser makes an active account straight in the database (as e.seedUser).
func seedPostgresUser(t *testing.T, dsn, prefix string) user {
	t.Helper()
	u := newUser(prefix)
	key, err := pbkdf2.Key(sha256.New, u.password, []byte("seedsalt"), 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	_, err = openStore(t, dsn).CreateUser(context.Background(), account.User{
		Username: u.username, Email: u.email, Active: true, EmailVerified: true, Role: account.RoleUser,
		PasswordHash: "pbkdf2_sha256$1000$seedsalt$" + base64.StdEncoding.EncodeToString(key),
		DateJoined:   now, LinksVoidedAt: now, UpdatedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
