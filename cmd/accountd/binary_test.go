package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// The tests in this file drive the built binary, as an operator would: its exit codes,
// its output on stdout and stderr, and its answers over HTTP.

var built struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// binary builds accountd once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "accountd-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "accountd")
		// The test's own build settings, so that go build reuses what go test compiled.
		built.out, built.err = exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.path
}

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		_ = os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

// result is what a finished run of the binary gave.
type result struct {
	code           int
	stdout, stderr string
}

// runBinary runs the binary to its end in dir with env added to a clean environment
// (no ACCOUNTD_* of the test's own).
func runBinary(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// cleanEnv is the test's environment without ACCOUNTD_* variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ACCOUNTD_") {
			env = append(env, kv)
		}
	}
	return env
}

func TestBinaryHelp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	overview := runBinary(t, dir, nil, "help")
	if overview.code != 0 || overview.stderr != "" {
		t.Fatalf("help: exit %d, stderr %q", overview.code, overview.stderr)
	}
	for _, c := range []string{"serve", "migrate", "createadmin", "users list", "users deactivate", "import django", "version", "help"} {
		if !strings.Contains(overview.stdout, "\n  "+c+" ") {
			t.Errorf("help does not list %q:\n%s", c, overview.stdout)
		}
	}
	for _, flag := range []string{"-h", "--help"} {
		if r := runBinary(t, dir, nil, flag); r.code != 0 || r.stdout != overview.stdout {
			t.Errorf("accountd %s: exit %d, and not the same help as `accountd help`:\n%s", flag, r.code, r.stdout)
		}
	}

	settings := []string{"-database-url, ACCOUNTD_DATABASE_URL (default ./accountd.db)", "-addr, ACCOUNTD_ADDR (default 127.0.0.1:8080)",
		"ACCOUNTD_DJOSER_FRONTEND_URL", "ACCOUNTD_RESTREG_TOKEN_TTL"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "-h"}, append([]string{"usage: accountd [serve] [settings]"}, settings...)},
		{[]string{"migrate", "-h"}, append([]string{"usage: accountd migrate [settings]"}, settings...)},
		{[]string{"createadmin", "-h"}, append([]string{"usage: accountd createadmin", "-username string", "-email string", "-password-file string"}, settings...)},
		{[]string{"users", "-h"}, []string{"usage: accountd users SUBCOMMAND", "list", "deactivate"}},
		{[]string{"users", "list", "-h"}, append([]string{"usage: accountd users list", "-q string"}, settings...)},
		{[]string{"users", "deactivate", "-h"}, append([]string{"usage: accountd users deactivate USERNAME"}, settings...)},
		{[]string{"import", "-h"}, []string{"usage: accountd import SUBCOMMAND", "django"}},
		{[]string{"import", "django", "-h"}, append([]string{"usage: accountd import django", "-source string", "-dry-run", "-table string"}, settings...)},
		{[]string{"version", "-h"}, []string{"usage: accountd version"}},
		{[]string{"help", "-h"}, []string{"usage: accountd help [COMMAND]"}},
		{[]string{"help", "createadmin"}, []string{"usage: accountd createadmin", "-password-file string"}},
	} {
		r := runBinary(t, dir, nil, tc.args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("accountd %s: exit %d, stderr %q; want 0 and nothing", strings.Join(tc.args, " "), r.code, r.stderr)
		}
		for _, want := range tc.want {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("accountd %s: the help lacks %q:\n%s", strings.Join(tc.args, " "), want, r.stdout)
			}
		}
	}

	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		if r := runBinary(t, dir, nil, args...); r.code != 0 || !strings.HasPrefix(r.stdout, "accountd ") {
			t.Errorf("accountd %s: exit %d, %q", args[0], r.code, r.stdout)
		}
	}

	// Mistakes exit 1 with one line saying where the help is.
	for _, args := range [][]string{{"frobnicate"}, {"serve", "-adress", ":1"}, {"users", "list", "-x"}, {"users", "promote"}} {
		r := runBinary(t, dir, nil, args...)
		if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || !strings.Contains(r.stderr, "-h") && !strings.Contains(r.stderr, "help") {
			t.Errorf("accountd %s: exit %d, stderr %q; want 1 and one line pointing at the help", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("help and mistakes left files behind: %v", entries)
	}
}

func TestBinaryRefusesMistakes(t *testing.T) {
	t.Parallel()
	t.Run("database_url_garbage", func(t *testing.T) {
		dir := t.TempDir()
		r := runBinary(t, dir, []string{"ACCOUNTD_DATABASE_URL=garbage", "ACCOUNTD_ADDR=127.0.0.1:0"}, "serve")
		if r.code != 1 || !strings.Contains(r.stderr, "ACCOUNTD_DATABASE_URL") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Fatalf("exit %d, stderr %q; want 1 and one line naming ACCOUNTD_DATABASE_URL", r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "garbage")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a file named garbage: %v", err)
		}
	})
	t.Run("sqlite_path_that_cannot_be_opened", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "no-such-dir", "accountd.db")
		r := runBinary(t, dir, []string{"ACCOUNTD_DATABASE_URL=sqlite://" + path, "ACCOUNTD_ADDR=127.0.0.1:0"}, "serve")
		if r.code != 1 || !strings.Contains(r.stderr, path) {
			t.Fatalf("exit %d, stderr %q; want 1 and the path named", r.code, r.stderr)
		}
	})
	t.Run("typo_in_a_variable", func(t *testing.T) {
		s := startServer(t, []string{"ACCOUNTD_ADRR=:9999", "ACCOUNTD_DATABASE_URL=sqlite://" + filepath.Join(t.TempDir(), "a.db")})
		s.waitLog(t, "accountd listening")
		s.stop(t)
		if !strings.Contains(s.logs(), "ACCOUNTD_ADRR is not a setting and is ignored (did you mean ACCOUNTD_ADDR?)") {
			t.Fatalf("no warning naming ACCOUNTD_ADRR:\n%s", s.logs())
		}
	})
}

// TestBinaryUnreachableDatabase: an unreachable PostgreSQL is no reason to exit: accountd
// listens, answers /healthz 200 and /readyz 503 with Retry-After, warns of each attempt
// naming the setting (its password masked), and stops cleanly on SIGTERM.
func TestBinaryUnreachableDatabase(t *testing.T) {
	t.Parallel()
	s := startServer(t, []string{"ACCOUNTD_DATABASE_URL=postgres://accountd:s3cret@" + closedPort(t) + "/accountd?sslmode=disable"})
	base := s.waitListening(t)
	s.waitLog(t, "database unreachable")
	if res := get(t, base+"/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d, want 200", res.StatusCode)
	}
	res := get(t, base+"/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("/readyz: %d Retry-After %q, want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	s.stop(t)
	logs := s.logs()
	if !strings.Contains(logs, `"setting":"ACCOUNTD_DATABASE_URL"`) || strings.Contains(logs, "s3cret") {
		t.Errorf("the attempts' warnings should name the setting and never the password:\n%s", logs)
	}
}

// TestBinaryStartsBeforeItsDatabase: accountd started before its PostgreSQL answers
// /readyz 503, and 200 once the server is up, without a restart; metrics are on their
// own listener, and the API's port answers 404 for /metrics.
func TestBinaryStartsBeforeItsDatabase(t *testing.T) {
	t.Parallel()
	cluster := pgcluster.Start(t)
	cluster.Stop(t)
	s := startServer(t, []string{"ACCOUNTD_DATABASE_URL=" + cluster.URL(), "ACCOUNTD_METRICS_ADDR=127.0.0.1:0"})
	base := s.waitListening(t)
	metrics := "http://" + s.logField(t, "operations listener", "addr")
	if res := get(t, base+"/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz before the database: %d, want 503", res.StatusCode)
	}
	cluster.Start(t)
	deadline := time.Now().Add(30 * time.Second)
	for get(t, base+"/readyz").StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 200 30s after the database started:\n%s", s.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if res := get(t, base+"/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the API's port: %d, want 404", res.StatusCode)
	}
	res := get(t, metrics+"/metrics")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "accountd_http_requests_total") {
		t.Errorf("/metrics on ACCOUNTD_METRICS_ADDR: %d\n%.300s", res.StatusCode, body)
	}
	s.stop(t)
}

// server is the binary running `accountd serve`, its log (JSON lines) collected.
type server struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  []string
	done chan struct{}
	code int
}

// startServer starts `accountd serve` on a free loopback port with env, logging JSON.
func startServer(t *testing.T, env []string) *server {
	t.Helper()
	cmd := exec.Command(binary(t), "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = append(append(cleanEnv(), "ACCOUNTD_ADDR=127.0.0.1:0", "ACCOUNTD_LOG_FORMAT=json"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			s.mu.Unlock()
		}
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			s.code = exit.ExitCode()
		}
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	return s
}

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

// waitLog waits until a log line holds text, for at most 20s.
func (s *server) waitLog(t *testing.T, text string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		for _, line := range s.log {
			if strings.Contains(line, text) {
				s.mu.Unlock()
				return line
			}
		}
		s.mu.Unlock()
		select {
		case <-s.done:
			t.Fatalf("accountd exited (%d) before logging %q:\n%s", s.code, text, s.logs())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q after 20s:\n%s", text, s.logs())
		}
	}
}

// logField returns a field of the first log line whose message is msg.
func (s *server) logField(t *testing.T, msg, field string) string {
	t.Helper()
	var entry map[string]any
	if err := json.Unmarshal([]byte(s.waitLog(t, `"msg":"`+msg+`"`)), &entry); err != nil {
		t.Fatal(err)
	}
	v, _ := entry[field].(string)
	if v == "" {
		t.Fatalf("log line %q has no %s", msg, field)
	}
	return v
}

// waitListening returns the API's base URL once accountd says where it listens.
func (s *server) waitListening(t *testing.T) string {
	t.Helper()
	return "http://" + s.logField(t, "accountd listening", "addr")
}

// stop sends SIGTERM and wants a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("accountd still running 30s after SIGTERM:\n%s", s.logs())
	}
	if s.code != 0 {
		t.Fatalf("accountd exited %d after SIGTERM:\n%s", s.code, s.logs())
	}
}

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
