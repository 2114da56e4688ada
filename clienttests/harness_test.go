// Package clienttests runs accountd's clients the way the teams that use them do,
// against a live accountd: the Go SDK from a module outside this repository, the
// TypeScript client with Node's test runner, and the examples (the protected Go service
// and the curl script of every canonical flow). Each test starts accountd on a free port
// with a fresh SQLite database and the directory mailer, so that emailed links can be
// read back.
package clienttests

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/app"
)

// server is a running accountd.
type server struct {
	URL     string
	MailDir string
	// Issuer and Audience are the iss and aud of its access tokens.
	Issuer, Audience string
	// AccessTTL is the lifetime of its access tokens.
	AccessTTL time.Duration
}

// lockedBuffer collects the app's logs from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startAccountd starts accountd, configured through its ACCOUNTD_* settings as an
// operator would (settings adds to them), on a free port of 127.0.0.1, until the test
// ends. Access tokens live accessTTL. Rate limits are off (every request comes from 127.0.0.1) and so is the
// refresh grace window: a refresh token presented twice ends its session at once, so a
// client that reuses one fails its test instead of being forgiven.
func startAccountd(t *testing.T, accessTTL time.Duration, settings ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &server{
		URL:       "http://" + ln.Addr().String(),
		MailDir:   filepath.Join(dir, "mail"),
		Audience:  "accountd",
		AccessTTL: accessTTL,
	}
	s.Issuer = s.URL
	env := map[string]string{
		"ACCOUNTD_DATABASE_URL":     "sqlite://" + filepath.Join(dir, "accountd.db"),
		"ACCOUNTD_MAILER":           "dir://" + s.MailDir,
		"ACCOUNTD_ISSUER":           s.Issuer,
		"ACCOUNTD_AUDIENCE":         s.Audience,
		"ACCOUNTD_ACCESS_TOKEN_TTL": accessTTL.String(),
		"ACCOUNTD_REFRESH_GRACE":    "0",
	}
	for _, name := range []string{"LOGIN_IP", "LOGIN_FAILURES", "REGISTER_IP", "REFRESH_IP", "EMAIL_IP", "EMAIL_ADDRESS"} {
		env["ACCOUNTD_RATE_LIMIT_"+name] = "off"
	}
	for i := 0; i+1 < len(settings); i += 2 {
		env[settings[i]] = settings[i+1]
	}
	cfg, err := app.LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		_ = a.Close()
		if t.Failed() {
			t.Logf("accountd's log:\n%s", logs.String())
		}
	})
	return s
}

// activeUser registers an account through the Go SDK and activates it with the token of
// the emailed link, returning its login and password.
func (s *server) activeUser(t *testing.T, username string) (login, password string) {
	t.Helper()
	ctx := context.Background()
	c, err := accountd.New(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	email, password := username+"@example.com", "correct-horse-battery-"+username
	if _, err := c.RegisterWithResponse(ctx, nil, accountd.RegisterRequest{Username: username, Email: email, Password: password}); err != nil {
		t.Fatal(err)
	}
	token := s.emailedToken(t, email)
	if _, err := c.ActivateWithResponse(ctx, accountd.TokenRequest{Token: token}); err != nil {
		t.Fatal(err)
	}
	return username, password
}

var linkToken = regexp.MustCompile(`[?&]token=([A-Za-z0-9._~-]+)`)

// emailedToken waits for an email to address in the mail folder and returns the token of
// the link in it.
func (s *server) emailedToken(t *testing.T, address string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(s.MailDir, "*.eml"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if to, err := mail.ParseAddress(msg.Header.Get("To")); err != nil || to.Address != address {
				continue
			}
			body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			m := linkToken.FindSubmatch(body)
			if m == nil {
				t.Fatalf("the email to %s (%s) has no link with a token:\n%s", address, f, body)
			}
			return string(m[1])
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no email to %s in %s within 10 s", address, s.MailDir)
	return ""
}

// repoRoot is the repository's root directory (this package is one level below it).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// need skips the test when program is not in PATH, saying how to install it.
func need(t *testing.T, program, install string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		t.Skipf("%s not found in PATH: this test needs it (%s)", program, install)
	}
	return path
}

// run runs a command, putting its output (stdout and stderr) in the test's log, and fails
// the test when it fails.
func run(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s (%s):\n%s", strings.Join(cmd.Args, " "), time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
}

// environ is the current environment with the given variables set over it.
func environ(vars map[string]string) []string {
	env := os.Environ()
	for k, v := range vars {
		env = append(env, fmt.Sprintf("%s=%s", k, v))
	}
	return env
}
