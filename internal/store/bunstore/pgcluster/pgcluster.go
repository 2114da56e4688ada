// Package pgcluster starts throwaway PostgreSQL servers for tests that need one of their
// own: to stop and restart it (database fault tests), or when TEST_DATABASE_URL names
// no shared server. It does what .ci/postgres.sh does in bash: initdb into a temporary
// directory, pg_ctl start on a free port of 127.0.0.1 with the socket in that directory,
// and stop and delete it when the test ends. A cluster can have a streaming replica
// (Standby, for the read replica tests), and any server a PgBouncer in transaction mode
// in front of it (StartBouncer, for the tests of many instances behind a pooler).
//
// The PostgreSQL programs are found in PG_BIN, else the newest /usr/lib/postgresql/*/bin,
// else PATH. initdb refuses to run as root, so as root the cluster belongs to the OS user
// PG_OS_USER (default postgres), through runuser. A missing program or user fails the
// test with a message saying what to install: these tests are never skipped, but for
// those that call NeedPrograms or NeedPgBouncer first, which skip outside CI.
package pgcluster

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Cluster is one running (or stopped) throwaway PostgreSQL server.
type Cluster struct {
	dir    string // holds data/, the socket and server.log
	port   int
	pgCtl  string
	owner  string // OS user the programs run as; "" for the current one
	mu     sync.Mutex
	active bool
}

// Start creates and starts a cluster, stopped and removed when the test ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c, bin := newCluster(t)
	initdb := filepath.Join(bin, "initdb")
	if out, err := c.command(initdb, "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--no-locale", "--no-sync", "--no-instructions").CombinedOutput(); err != nil {
		t.Fatalf("pgcluster: initdb: %v\n%s", err, out)
	}
	// The settings go into the configuration rather than pg_ctl's -o, so that a restart
	// with a plain "pg_ctl start" keeps them. Durability is off: the data lives as long
	// as one test.
	if err := c.configure(fmt.Sprintf("listen_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 100\n", c.dir)); err != nil {
		t.Fatalf("pgcluster: configure: %v", err)
	}
	c.startOnFreePort(t)
	return c
}

// Standby makes a streaming replica of c with pg_basebackup (-R: it follows c) and
// starts it as a hot standby, which answers reads; it is stopped and removed when the
// test ends.
func (c *Cluster) Standby(t testing.TB) *Cluster {
	t.Helper()
	r, bin := newCluster(t)
	if out, err := r.command(filepath.Join(bin, "pg_basebackup"), "-D", r.data(), "-R", "-X", "stream",
		"-c", "fast", "--no-sync", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres").CombinedOutput(); err != nil {
		t.Fatalf("pgcluster: pg_basebackup: %v\n%s", err, out)
	}
	// The copy holds the primary's configuration: its own socket directory, and a
	// port of its own below.
	if err := r.configure(fmt.Sprintf("unix_socket_directories = '%s'\nhot_standby = on\n", r.dir)); err != nil {
		t.Fatalf("pgcluster: configure: %v", err)
	}
	r.startOnFreePort(t)
	return r
}

// SQL runs query on the cluster's postgres database with psql and returns its output,
// unaligned and without headers.
func (c *Cluster) SQL(t testing.TB, query string) string {
	t.Helper()
	out, err := c.command(filepath.Join(filepath.Dir(c.pgCtl), "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", "-d", "postgres", "-c", query).CombinedOutput()
	if err != nil {
		t.Fatalf("pgcluster: psql %q: %v\n%s", query, err, out)
	}
	return strings.TrimSpace(string(out))
}

// PauseReplay stops a standby replaying what its primary writes, and returns once it
// has: until ResumeReplay, it answers with what it had.
func (c *Cluster) PauseReplay(t testing.TB) {
	t.Helper()
	c.SQL(t, "SELECT pg_wal_replay_pause()")
	c.await(t, "SELECT pg_get_wal_replay_pause_state() = 'paused'", "replay paused")
}

// ResumeReplay lets a paused standby replay again.
func (c *Cluster) ResumeReplay(t testing.TB) {
	t.Helper()
	c.SQL(t, "SELECT pg_wal_replay_resume()")
}

// CatchUp waits until the standby c has replayed everything primary had written when
// CatchUp was called.
func (c *Cluster) CatchUp(t testing.TB, primary *Cluster) {
	t.Helper()
	// The insert position, not the write position: with synchronous_commit off, a
	// commit may not be written yet (the WAL writer does it within moments).
	lsn := primary.SQL(t, "SELECT pg_current_wal_insert_lsn()")
	c.await(t, fmt.Sprintf("SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn", lsn), "the standby caught up with "+lsn)
}

// await polls query until it answers t (true), for up to 30s.
func (c *Cluster) await(t testing.TB, query, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for c.SQL(t, query) != "t" {
		if time.Now().After(deadline) {
			t.Fatalf("pgcluster: not %s after 30s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CPUTime is the CPU time (user and system) the server's processes have used so far:
// the postmaster and its children alive now, whose ticks /proc counts (a child that has
// exited takes its own with it).
func (c *Cluster) CPUTime(t testing.TB) time.Duration {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.data(), "postmaster.pid"))
	if err != nil {
		t.Fatalf("pgcluster: server not running: %v", err)
	}
	pid, _, _ := strings.Cut(string(b), "\n")
	kids, _ := os.ReadFile(fmt.Sprintf("/proc/%s/task/%s/children", pid, pid))
	var ticks int64
	for _, p := range append([]string{pid}, strings.Fields(string(kids))...) {
		stat, err := os.ReadFile("/proc/" + p + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		// Fields after the command name, which is in parentheses and may hold spaces:
		// utime and stime are the 12th and 13th.
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 13 {
			continue
		}
		user, _ := strconv.ParseInt(f[11], 10, 64)
		sys, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += user + sys
	}
	// Linux counts in USER_HZ, 100 per second on every architecture Go supports.
	return time.Duration(ticks) * 10 * time.Millisecond
}

// NeedPrograms skips a test that starts PostgreSQL servers of its own (a primary and
// its standby, say) where the server programs are missing, saying to install the
// postgresql package. In CI (CI set) it fails instead: these tests must run there.
func NeedPrograms(t testing.TB) {
	t.Helper()
	_, err := binDir()
	switch {
	case err == nil:
	case os.Getenv("CI") != "":
		t.Fatalf("pgcluster: %v; CI must run these tests", err)
	default:
		t.Skipf("pgcluster: %v", err)
	}
}

// newCluster makes the directory of a cluster, owned by the OS user the programs run
// as, removed (the server stopped first) when the test ends; and returns the directory
// of the PostgreSQL programs.
func newCluster(t testing.TB) (*Cluster, string) {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		t.Fatalf("pgcluster: %v", err)
	}
	c := &Cluster{pgCtl: filepath.Join(bin, "pg_ctl")}
	parent := os.TempDir()
	if os.Geteuid() == 0 {
		c.owner = os.Getenv("PG_OS_USER")
		if c.owner == "" {
			c.owner = "postgres"
		}
		// The owner must reach the directory: not under t.TempDir(), whose parents
		// are private to root.
		parent = "/tmp"
	}
	// A short path: the socket's must stay under about 107 bytes.
	if c.dir, err = os.MkdirTemp(parent, "accountd-pg-"); err != nil {
		t.Fatalf("pgcluster: %v", err)
	}
	t.Cleanup(func() {
		c.stop("immediate")
		_ = os.RemoveAll(c.dir)
	})
	if c.owner != "" {
		if err := chown(c.dir, c.owner); err != nil {
			t.Fatalf("pgcluster: running as root, and %v; initdb refuses to run as root. Create the user or set PG_OS_USER", err)
		}
	}
	return c, bin
}

// startOnFreePort starts the server on a free port of 127.0.0.1.
func (c *Cluster) startOnFreePort(t testing.TB) {
	t.Helper()
	// Another process may take the free port before the server does: try another.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("pgcluster: %v", err)
		}
		c.port = port
		// A later line wins over an earlier one.
		if err := c.configure(fmt.Sprintf("port = %d\n", c.port)); err != nil {
			t.Fatalf("pgcluster: configure: %v", err)
		}
		err = c.start()
		if err == nil {
			return
		}
		if attempt == 3 {
			t.Fatalf("pgcluster: %v", err)
		}
	}
}

// configure appends lines to postgresql.conf.
func (c *Cluster) configure(lines string) error {
	f, err := os.OpenFile(filepath.Join(c.data(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("\n" + lines)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// URL is the server's URL for the postgres superuser and database (trust auth).
func (c *Cluster) URL() string {
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Host: "127.0.0.1:" + strconv.Itoa(c.port),
		Path: "/postgres", RawQuery: "sslmode=disable"}).String()
}

// Start starts the server again (after Stop) and waits until it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	if err := c.start(); err != nil {
		t.Fatalf("pgcluster: %v", err)
	}
}

func (c *Cluster) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if out, err := c.command(c.pgCtl, "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		// pg_ctl may have got the server going before it gave up waiting.
		_, _ = c.command(c.pgCtl, "-D", c.data(), "-m", "immediate", "-w", "stop").CombinedOutput()
		return fmt.Errorf("pg_ctl start: %v\n%s\nserver log:\n%s", err, out, tail(string(log), 30))
	}
	c.active = true
	return nil
}

// Stop stops the server in fast mode, as an orderly shutdown does: sessions are ended
// and committed data is kept.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if err := c.stop("fast"); err != nil {
		t.Fatalf("pgcluster: pg_ctl stop: %v", err)
	}
}

// Freeze stops every process of the server with SIGSTOP: it neither answers nor
// closes anything, as a database behind a dead network link or a hung host looks. New
// connections still complete in the kernel and then wait for an answer that never
// comes. Thaw resumes it; the test's end thaws it too.
func (c *Cluster) Freeze(t testing.TB) {
	t.Helper()
	c.signal(t, syscall.SIGSTOP)
	t.Cleanup(func() { c.signal(t, syscall.SIGCONT) })
}

// Thaw resumes a frozen server.
func (c *Cluster) Thaw(t testing.TB) {
	t.Helper()
	c.signal(t, syscall.SIGCONT)
}

// signal sends sig to the postmaster and its children (the backends and the auxiliary
// processes), the postmaster first so that it forks no new child meanwhile.
func (c *Cluster) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.data(), "postmaster.pid"))
	if err != nil {
		t.Fatalf("pgcluster: server not running: %v", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("pgcluster: bad postmaster.pid: %q", first)
	}
	pids := []int{pid}
	// /proc/<pid>/task/<pid>/children lists the children (Linux).
	kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		t.Fatalf("pgcluster: list the server's processes: %v", err)
	}
	for _, f := range strings.Fields(string(kids)) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	for _, p := range pids {
		if err := syscall.Kill(p, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("pgcluster: signal %d: %v", p, err)
		}
	}
}

func (c *Cluster) stop(mode string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.active {
		return nil
	}
	out, err := c.command(c.pgCtl, "-D", c.data(), "-m", mode, "-w", "-t", "60", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	c.active = false
	return nil
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// command runs a PostgreSQL program as the cluster's owner, from its directory (the
// owner may not be able to reach the current one).
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	// pg_ctl's own -t bounds its waits.
	cmd := exec.Command(name, args...)
	if c.owner != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.owner, "--", name}, args...)...)
	}
	cmd.Dir = c.dir
	return cmd
}

// binDir finds the directory holding initdb and pg_ctl.
func binDir() (string, error) {
	has := func(dir string) bool {
		for _, p := range []string{"initdb", "pg_ctl"} {
			if st, err := os.Stat(filepath.Join(dir, p)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("PG_BIN"); dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("PG_BIN=%s holds no initdb and pg_ctl", dir)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest version first.
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL server programs (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or PATH: " +
		"install the postgresql package (apt-get install postgresql) or set PG_BIN")
}

// version reads the major version out of /usr/lib/postgresql/<version>/bin.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func chown(dir, owner string) error {
	u, err := user.Lookup(owner)
	if err != nil {
		return fmt.Errorf("OS user %q does not exist", owner)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

// freePort returns a port of 127.0.0.1 nobody listens on at the moment.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// ServerURL returns TEST_DATABASE_URL when set, else the URL of a throwaway cluster
// started for this test: PostgreSQL tests that need a server then always run.
func ServerURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	t.Log("pgcluster: TEST_DATABASE_URL is not set; starting a throwaway PostgreSQL server")
	return Start(t).URL()
}
