package pgcluster

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bouncer is a throwaway PgBouncer in transaction pooling mode in front of a PostgreSQL
// server: each transaction gets whichever server connection is free, so that session
// state (prepared statements, session advisory locks, SET) does not follow a client
// from one transaction to the next. It is what production deployments put between
// many accountd instances and PostgreSQL.
type Bouncer struct {
	port int
	// user and password of the server URL, which clients give too.
	user, password string
	cmd            *exec.Cmd
	log            *lockedBuffer
	done           chan struct{}
}

// BouncerOptions tune StartBouncer.
type BouncerOptions struct {
	// PoolSize is the number of server connections per database and user
	// (default_pool_size; default 2, so that clients share them).
	PoolSize int
}

// PgBouncerMissing says why a pooler test cannot run here and how to make it run, or
// returns "" when pgbouncer is installed.
func PgBouncerMissing() string {
	if _, err := pgbouncerPath(); err != nil {
		return "pgbouncer is not installed: install the Debian package pgbouncer (apt-get install pgbouncer; " +
			".ci/run does it in CI) to run the tests of accountd behind a transaction-mode pooler"
	}
	return ""
}

// NeedPgBouncer skips the test, saying how to install PgBouncer, when it is missing.
// In CI (CI set), where .ci/run installs it, a missing PgBouncer fails the test instead:
// the pooler tests must run there.
func NeedPgBouncer(t testing.TB) {
	t.Helper()
	missing := PgBouncerMissing()
	switch {
	case missing == "":
	case os.Getenv("CI") != "":
		t.Fatalf("%s; CI must run these tests", missing)
	default:
		t.Skip(missing)
	}
}

func pgbouncerPath() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	// Debian installs it in /usr/sbin, which a non-root PATH may leave out.
	const sbin = "/usr/sbin/pgbouncer"
	if _, err := os.Stat(sbin); err != nil {
		return "", err
	}
	return sbin, nil
}

// StartBouncer starts PgBouncer in transaction mode on a free port of 127.0.0.1, in
// front of the server of serverURL (a postgres:// URL on a TCP host), for every
// database on it; it is stopped when the test ends. Its clients authenticate as the
// URL's user (trust: PgBouncer passes the URL's password on to the server).
func StartBouncer(t testing.TB, serverURL string, opt BouncerOptions) *Bouncer {
	t.Helper()
	bin, err := pgbouncerPath()
	if err != nil {
		t.Fatalf("pgcluster: %s", PgBouncerMissing())
	}
	u, err := url.Parse(serverURL)
	if err != nil || u.Hostname() == "" {
		t.Fatalf("pgcluster: StartBouncer needs a postgres:// URL with a TCP host")
	}
	if opt.PoolSize <= 0 {
		opt.PoolSize = 2
	}
	b := &Bouncer{user: u.User.Username(), log: &lockedBuffer{}, done: make(chan struct{})}
	b.password, _ = u.User.Password()
	if b.user == "" {
		b.user = "postgres"
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	// PgBouncer refuses to run as root: it then switches to PG_OS_USER, who must read
	// its files.
	owner := ""
	parent := ""
	if os.Geteuid() == 0 {
		owner = os.Getenv("PG_OS_USER")
		if owner == "" {
			owner = "postgres"
		}
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "accountd-pgbouncer-")
	if err != nil {
		t.Fatalf("pgcluster: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("pgcluster: %v", err)
	}
	// The server's own connection string: every database name a client asks for (*)
	// goes to the database of that name on the server, as this user.
	server := fmt.Sprintf("host=%s port=%s user=%s", u.Hostname(), port, b.user)
	if b.password != "" {
		server += " password=" + quoteLibpq(b.password)
	}
	users := fmt.Sprintf("%q %q\n", b.user, "")
	for attempt := 1; ; attempt++ {
		if b.port, err = freePort(); err != nil {
			t.Fatalf("pgcluster: %v", err)
		}
		conf := strings.Join([]string{
			"[databases]",
			"* = " + server,
			"[pgbouncer]",
			"listen_addr = 127.0.0.1",
			"listen_port = " + strconv.Itoa(b.port),
			"unix_socket_dir =",
			"auth_type = trust",
			"auth_file = " + filepath.Join(dir, "users.txt"),
			"pool_mode = transaction",
			"default_pool_size = " + strconv.Itoa(opt.PoolSize),
			"max_client_conn = 1000",
			// A client waits this long at most for a server connection.
			"query_wait_timeout = 30",
		}, "\n") + "\n"
		if supportsPreparedStatements(bin) {
			// From 1.21 PgBouncer can carry prepared statements across server
			// connections (on by default from 1.22): off, as in the versions before,
			// which is what accountd must cope with.
			conf += "max_prepared_statements = 0\n"
		}
		for name, content := range map[string]string{"pgbouncer.ini": conf, "users.txt": users} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatalf("pgcluster: %v", err)
			}
		}
		args := []string{filepath.Join(dir, "pgbouncer.ini")}
		if owner != "" {
			args = append([]string{"-u", owner}, args...)
		}
		if err = b.start(bin, args); err == nil {
			break
		}
		if attempt == 3 {
			t.Fatalf("pgcluster: pgbouncer: %v\n%s", err, b.log.String())
		}
	}
	t.Cleanup(b.stop)
	return b
}

// supportsPreparedStatements reports whether pgbouncer is 1.21 or later, which knows
// max_prepared_statements (earlier versions refuse to start on an unknown setting).
func supportsPreparedStatements(bin string) bool {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return false
	}
	// "PgBouncer 1.18.0"
	first, _, _ := strings.Cut(string(out), "\n")
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(strings.TrimSpace(first), "PgBouncer "), "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 1 || (major == 1 && minor >= 21)
}

// start runs pgbouncer and waits until it accepts connections.
func (b *Bouncer) start(bin string, args []string) error {
	b.log = &lockedBuffer{}
	b.done = make(chan struct{})
	b.cmd = exec.Command(bin, args...)
	b.cmd.Stdout, b.cmd.Stderr = b.log, b.log
	if err := b.cmd.Start(); err != nil {
		return err
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-b.done:
			return fmt.Errorf("exited at start")
		default:
		}
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(b.port), time.Second); err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.stop()
	return fmt.Errorf("not listening after 10s")
}

// stop ends PgBouncer at once (SIGTERM: immediate shutdown).
func (b *Bouncer) stop() {
	select {
	case <-b.done:
		return
	default:
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

// URL is the URL of database db through the pooler, with the server URL's user and
// password.
func (b *Bouncer) URL(db string) string {
	u := &url.URL{Scheme: "postgres", User: url.User(b.user), Host: "127.0.0.1:" + strconv.Itoa(b.port),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	if b.password != "" {
		u.User = url.UserPassword(b.user, b.password)
	}
	return u.String()
}

// Log is what PgBouncer logged so far.
func (b *Bouncer) Log() string { return b.log.String() }

// quoteLibpq quotes a value of a libpq connection string.
func quoteLibpq(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
