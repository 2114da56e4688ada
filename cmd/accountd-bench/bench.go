package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accountd/accountd/internal/password"
)

// options are the bench's flags.
type options struct {
	accountd string
	pgURL    string
	sqlite   bool
	settings Settings
	out      string
	readme   string
	pprofDir string
	// only, when set, keeps the scenarios whose key it matches (for profiling one).
	only *regexp.Regexp
	// serverEnv is added to accountd's environment (for experiments: GOGC=200).
	serverEnv []string
	verbose   bool
	// slice is the length of each measured window when a scenario alternates with what
	// it is compared with; rewarm the warm-up before each window after the first.
	slice, rewarm time.Duration
}

// Settings are the load and data the figures were measured with.
type Settings struct {
	Connections int
	Warmup      time.Duration
	Duration    time.Duration
	Users       int
	BigUsers    int
	AdminDepth  int
	Pool        int
	Argon2      password.Params
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{settings: Settings{Argon2: password.DefaultParams}}
	fs := flag.NewFlagSet("accountd-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.accountd, "accountd", "bin/accountd", "the accountd binary to measure")
	fs.StringVar(&o.pgURL, "pg", getenv("TEST_DATABASE_URL"), "PostgreSQL server URL (a fresh database is created on it); empty skips PostgreSQL")
	fs.BoolVar(&o.sqlite, "sqlite", true, "also measure on SQLite")
	fs.IntVar(&o.settings.Connections, "c", 32, "concurrent keep-alive connections")
	fs.DurationVar(&o.settings.Warmup, "warmup", time.Second, "unmeasured warm-up before each measurement")
	fs.DurationVar(&o.settings.Duration, "d", 6*time.Second, "measured time of each scenario and ceiling")
	fs.IntVar(&o.settings.Users, "users", 1000, "users seeded before the scenarios")
	fs.IntVar(&o.settings.BigUsers, "big-users", 1_000_000, "users for the scaling run on PostgreSQL (0 skips it)")
	fs.IntVar(&o.settings.AdminDepth, "admin-depth", 100_000, "how far into the listing the admin scenario starts in the scaling run")
	fs.IntVar(&o.settings.Pool, "pool", 2*runtime.NumCPU(), "database pool size of accountd (ACCOUNTD_DB_MAX_OPEN_CONNS) and the ceilings; "+
		"the default, twice the cores, is PostgreSQL's usual advice, and PostgreSQL runs on these cores")
	fs.DurationVar(&o.slice, "slice", 2*time.Second, "measured window when a scenario alternates with its ceiling")
	fs.DurationVar(&o.rewarm, "rewarm", 500*time.Millisecond, "warm-up before each alternating window after the first")
	fs.StringVar(&o.out, "out", "bench/results", "directory of the results file (<date>.md); empty writes none")
	fs.StringVar(&o.readme, "readme", "docs/performance.md", "Markdown page whose bench markers get the short table; empty leaves it")
	fs.StringVar(&o.pprofDir, "pprof", "", "directory for a CPU profile of accountd per scenario (sets ACCOUNTD_PPROF_ADDR)")
	fs.Func("server-env", "NAME=value added to accountd's environment (repeatable), for experiments", func(v string) error {
		if !strings.Contains(v, "=") {
			return fmt.Errorf("want NAME=value, got %q", v)
		}
		o.serverEnv = append(o.serverEnv, v)
		return nil
	})
	fs.BoolVar(&o.verbose, "v", false, "print each pair of alternating windows and more latency percentiles")
	only := fs.String("only", "", "run only the scenarios whose key (me, login, refresh, register, admin, djoser) this regexp matches")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.verbose {
		windowLog = func(a, b Sample) {
			fmt.Fprintf(stderr, "    window: %s req/s (CPU %.3f s/1k, busy elsewhere %.0f%%) alongside %s (CPU %.3f s/1k, %.0f%%)\n",
				fmtRate(a.RPS()), a.CPUPer1k()+a.DBCPUPer1k(), 100*a.ElsewhereShare(), fmtRate(b.RPS()), b.CPUPer1k()+b.DBCPUPer1k(), 100*b.ElsewhereShare())
		}
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return o, fmt.Errorf("-only: %w", err)
		}
		o.only = re
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.settings.Connections < 1 || o.settings.Users < 1 || o.settings.Duration <= 0 || o.slice <= 0 {
		return o, errors.New("-c, -users, -d and -slice must be positive")
	}
	return o, nil
}

// bench is one run of the whole bench.
type bench struct {
	opt    options
	out    io.Writer
	self   string // this binary, started again as the ceiling servers
	work   string // temporary directory: logs, the SQLite database
	hash   string // the seeded users' password hash
	env    []string
	runSeq int
}

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	opt, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	if opt.pgURL == "" && !opt.sqlite {
		return errors.New("nothing to measure: no PostgreSQL URL (-pg or TEST_DATABASE_URL) and -sqlite=false")
	}
	b := &bench{opt: opt, out: stdout}
	if b.self, err = os.Executable(); err != nil {
		return err
	}
	if opt.accountd, err = filepath.Abs(opt.accountd); err != nil {
		return err
	}
	if _, err := os.Stat(opt.accountd); err != nil {
		return fmt.Errorf("accountd binary: %w (make bench builds it)", err)
	}
	if b.work, err = os.MkdirTemp("", "accountd-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.work)
	if b.env, err = b.serverEnv(ctx); err != nil {
		return err
	}

	res := &Results{Settings: opt.settings, Started: time.Now(), Slice: opt.slice}
	res.Machine = describeMachine(ctx)
	logf(stdout, "%s, %d cores, load average %s; %d connections, %s per scenario after %s warm-up",
		res.Machine.CPU, res.Machine.Cores, res.Machine.LoadAvg, opt.settings.Connections, opt.settings.Duration, opt.settings.Warmup)

	// The seeded hash has the configured parameters, so logins never rehash.
	if b.hash, err = password.New(opt.settings.Argon2, 1).Hash(ctx, benchPassword); err != nil {
		return err
	}
	if opt.pgURL != "" {
		sr, err := b.postgres(ctx)
		if err != nil {
			return fmt.Errorf("PostgreSQL: %w", err)
		}
		res.Stores = append(res.Stores, sr)
		res.Machine.Postgres = sr.Version
	}
	if opt.sqlite {
		sr, err := b.sqliteRun(ctx)
		if err != nil {
			return fmt.Errorf("SQLite: %w", err)
		}
		res.Stores = append(res.Stores, sr)
		res.Machine.SQLite = sr.Version
	}
	res.Finished = time.Now()
	for _, sr := range res.Stores {
		sr.Targets = evaluate(sr)
	}

	report := FormatMarkdown(res)
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, report)
	resultsPath := ""
	if opt.out != "" {
		if resultsPath, err = writeResults(opt.out, res.Started, report); err != nil {
			return err
		}
		logf(stdout, "results written to %s", resultsPath)
	}
	if opt.readme != "" {
		if err := updateReadme(opt.readme, res, resultsPath); err != nil {
			logf(stdout, "%s not updated: %v", opt.readme, err)
		} else {
			logf(stdout, "%s: latest figures updated", opt.readme)
		}
	}
	for _, sr := range res.Stores {
		if sr.Required && !allPass(sr.Targets) {
			return errTargetsFailed
		}
	}
	return nil
}

// serverEnv is accountd's configuration for the bench: rate limits off (every setting
// the binary lists under ACCOUNTD_RATE_LIMIT_, so that a limit added later is off too),
// emails to the console, which goes to /dev/null, the configured pool size and
// argon2id parameters. Everything else keeps its production default.
func (b *bench) serverEnv(ctx context.Context) ([]string, error) {
	cmd := exec.CommandContext(ctx, b.opt.accountd, "serve", "-h")
	var help bytes.Buffer
	cmd.Stdout, cmd.Stderr = &help, &help
	_ = cmd.Run() // -h exits 1 after printing the settings
	limits := regexp.MustCompile(`ACCOUNTD_RATE_LIMIT_[A-Z_]+`).FindAllString(help.String(), -1)
	if len(limits) == 0 {
		return nil, fmt.Errorf("%s serve -h lists no ACCOUNTD_RATE_LIMIT_ settings:\n%s", b.opt.accountd, help.String())
	}
	env := []string{
		"ACCOUNTD_MAILER=console",
		"ACCOUNTD_DB_MAX_OPEN_CONNS=" + strconv.Itoa(b.opt.settings.Pool),
		"ACCOUNTD_ARGON2_MEMORY_KIB=" + strconv.Itoa(int(b.opt.settings.Argon2.Memory)),
		"ACCOUNTD_ARGON2_TIME=" + strconv.Itoa(int(b.opt.settings.Argon2.Time)),
		"ACCOUNTD_ARGON2_THREADS=" + strconv.Itoa(int(b.opt.settings.Argon2.Threads)),
	}
	seen := map[string]bool{}
	for _, l := range limits {
		if l == "ACCOUNTD_RATE_LIMIT_STORE" || seen[l] {
			continue
		}
		seen[l] = true
		env = append(env, l+"=off")
	}
	return env, nil
}

// startAccountd starts accountd on dsn and waits until it is ready.
func (b *bench) startAccountd(ctx context.Context, name, dsn string) (*child, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	// Metrics (memory snapshots read goroutines and pool gauges there) have a listener
	// of their own.
	metricsAddr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	env := append(append(slices.Clip(b.env), b.opt.serverEnv...), "ACCOUNTD_ADDR="+addr, "ACCOUNTD_DATABASE_URL="+dsn,
		"ACCOUNTD_METRICS_ADDR="+metricsAddr)
	pprofAddr := ""
	if b.opt.pprofDir != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, "", err
		}
		env = append(env, "ACCOUNTD_PPROF_ADDR="+pprofAddr)
	}
	c, err := startChild(name, b.work, addr, b.opt.accountd, []string{"serve"}, env, nil)
	if err != nil {
		return nil, "", err
	}
	c.metricsAddr = metricsAddr
	if err := c.waitHTTP(ctx, "/readyz", time.Minute); err != nil {
		c.stop()
		return nil, "", err
	}
	if err := watchDB(ctx, c, dsn); err != nil {
		c.stop()
		return nil, "", err
	}
	return c, pprofAddr, nil
}

// watchDB lets the bench read the CPU time of the child's PostgreSQL backends. SQLite
// runs inside the child, whose own CPU time covers it.
func watchDB(ctx context.Context, c *child, dsn string) error {
	if !strings.HasPrefix(dsn, "postgres") {
		return nil
	}
	db, err := newDBCPU(ctx, dsn)
	if err != nil {
		return err
	}
	c.db = db
	return nil
}

// startCeiling starts this binary as a ceiling server.
func (b *bench) startCeiling(ctx context.Context, mode, dsn string, users int) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p := b.opt.settings.Argon2
	args := []string{"ceiling", "-mode", mode, "-addr", addr, "-db", dsn,
		"-pool", strconv.Itoa(b.opt.settings.Pool), "-users", strconv.Itoa(users),
		"-argon2", fmt.Sprintf("%d,%d,%d", p.Memory, p.Time, p.Threads)}
	c, err := startChild("ceiling-"+mode, b.work, addr, b.self, args, nil, nil)
	if err != nil {
		return nil, err
	}
	if err := c.waitHTTP(ctx, "/ready", time.Minute); err != nil {
		c.stop()
		return nil, err
	}
	if err := watchDB(ctx, c, dsn); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// load is the Load for a server process.
func (b *bench) load(c *child) Load {
	return Load{
		Addr: c.addr, Connections: b.opt.settings.Connections,
		Warmup: b.opt.settings.Warmup, Duration: b.opt.settings.Duration,
		CPU: func() (time.Duration, time.Duration, error) {
			server, err := cpuTime(c.pid())
			if err != nil {
				return 0, 0, err
			}
			db, err := c.db.read()
			return server, db, err
		},
	}
}

// The ceilings' names.
var ceilingNames = map[string]string{
	ceilingBare:   "ceiling (a): bare net/http, 200-byte JSON",
	ceilingSelect: "ceiling (b): one primary-key SELECT",
	ceilingInsert: "ceiling (c): one INSERT",
	ceilingHash:   "ceiling (d): one argon2id hash, all cores",
}

var ceilingLabels = map[string]string{
	ceilingBare: "(a)", ceilingSelect: "(b)", ceilingInsert: "(c)", ceilingHash: "(d)",
}

// ceilingWorker sends the one request a ceiling server answers.
func ceilingWorker(mode string) NewWorker {
	method, body, want := "GET", []byte(nil), 200
	switch mode {
	case ceilingInsert:
		method, body, want = "POST", []byte(`{}`), 201
	case ceilingHash:
		method, body = "POST", []byte(`{}`)
	}
	return func(int, *client) (Step, error) {
		return func(cl *client) error {
			status, resp, err := cl.Do(method, "/", nil, body)
			if err != nil {
				return err
			}
			return expect(status, want, resp)
		}, nil
	}
}

// brief is a progress line's summary of a sample.
func brief(s Sample) string {
	return fmt.Sprintf("%8s req/s  p50 %-7s p99 %-7s errors %d  CPU s/1k: server %.3f db %.3f  busy elsewhere %2.0f%%",
		fmtRate(s.RPS()), fmtDuration(s.P50()), fmtDuration(s.P99()), s.Errors, s.CPUPer1k(), s.DBCPUPer1k(), 100*s.ElsewhereShare())
}

// ladder lists more percentiles than the table, to see the shape of a tail (-v).
func ladder(s Sample) string {
	var b strings.Builder
	for _, p := range []float64{10, 50, 75, 90, 95, 98, 99, 99.5, 99.9} {
		fmt.Fprintf(&b, " p%g %s", p, fmtDuration(Percentile(s.Latencies, p)))
	}
	return strings.TrimSpace(b.String())
}

// pairs says which ceiling each scenario with a target is measured alongside.
var pairs = map[string]string{
	scenarioMe.Key:       ceilingSelect,
	scenarioLogin.Key:    ceilingHash,
	scenarioRefresh.Key:  ceilingInsert,
	scenarioRegister.Key: ceilingHash,
}

// ceilingSet is what a suite measures scenarios alongside: the ceiling servers, and the
// samples each took.
type ceilingSet struct {
	servers map[string]*child
	samples map[string][]Sample
}

// ceilingWindowed returns a driver of the ceiling, to measure in windows, and a function
// to release it.
func (b *bench) ceilingWindowed(cs *ceilingSet, mode string) (Windowed, func(), error) {
	c := cs.servers[mode]
	if c == nil {
		return nil, nil, fmt.Errorf("no %s ceiling server", mode)
	}
	d, err := NewDriver(b.load(c), ceilingWorker(mode))
	if err != nil {
		return nil, nil, err
	}
	return d, d.Close, nil
}

// rows are the ceilings' rows for the table: each one's samples combined.
func (cs *ceilingSet) rows() []Row {
	var rows []Row
	for _, mode := range []string{ceilingBare, ceilingSelect, ceilingInsert, ceilingHash} {
		if ss := cs.samples[mode]; len(ss) > 0 {
			s := combine(ss...)
			rows = append(rows, Row{Key: mode, Name: ceilingNames[mode], Sample: &s})
		}
	}
	return rows
}

// startCeilings starts the ceiling servers of modes on dsn.
func (b *bench) startCeilings(ctx context.Context, dsn string, users int, modes ...string) (*ceilingSet, error) {
	cs := &ceilingSet{servers: map[string]*child{}, samples: map[string][]Sample{}}
	for _, mode := range modes {
		c, err := b.startCeiling(ctx, mode, dsn, users)
		if err != nil {
			cs.stop()
			return nil, err
		}
		cs.servers[mode] = c
	}
	return cs, nil
}

func (cs *ceilingSet) stop() {
	for _, c := range cs.servers {
		c.stop()
	}
}

// bare measures ceiling (a) on its own: no scenario's ratio depends on it.
func (b *bench) bare(ctx context.Context, cs *ceilingSet) error {
	s, err := Drive(ctx, b.load(cs.servers[ceilingBare]), ceilingWorker(ceilingBare))
	if err != nil {
		return fmt.Errorf("ceiling (a): %w", err)
	}
	cs.samples[ceilingBare] = append(cs.samples[ceilingBare], s)
	logf(b.out, "  %-44s %s", ceilingNames[ceilingBare], brief(s))
	return nil
}

// measure drives sc against accountd: alone, or in alternating windows with against
// (then the row carries against's rate over those windows). A Slow scenario that
// alternates is measured for slowFor times the bench's duration.
func (b *bench) measure(ctx context.Context, acc *child, pprofAddr, profile string, s *server, sc Scenario,
	against Windowed, againstName string, slowFor int) (Row, Sample, error) {
	pc := newClient(s.addr)
	ok, err := probe(pc, s, sc)
	pc.Close()
	if err != nil {
		return Row{}, Sample{}, fmt.Errorf("probe %s: %w\n%s", sc.Name, err, acc.logTail())
	}
	if !ok {
		logf(b.out, "  %-44s n/a: not served by this build", sc.Name)
		return Row{Key: sc.Key, Name: sc.Name, NA: "not served by this build (404)"}, Sample{}, nil
	}
	b.runSeq++
	s.runID = strconv.Itoa(b.runSeq) + randomHex(3)
	slice, rewarm := sc.windows(b.opt.slice, b.opt.rewarm)
	l := b.load(acc)
	var profDone chan struct{}
	if pprofAddr != "" {
		path := filepath.Join(b.opt.pprofDir, profile+"-"+sc.Key+".pprof")
		l.OnMeasure = func() {
			if profDone == nil { // the first measured window only
				profDone = fetchProfile(pprofAddr, path, slice)
			}
		}
	}
	d, err := NewDriver(l, sc.Worker(s))
	if err != nil {
		return Row{}, Sample{}, fmt.Errorf("%s: %w\n%s", sc.Name, err, acc.logTail())
	}
	defer d.Close()
	set := b.opt.settings
	var (
		sample, other Sample
		dropped       int
	)
	if against == nil {
		// Alone (run 2, for memory), a scenario needs no more pairs of windows.
		sample, err = d.Window(ctx, set.Warmup, set.Duration)
	} else {
		total := set.Duration
		if sc.Slow {
			total *= time.Duration(slowFor)
		}
		sample, other, dropped, err = Interleave(ctx, d, against, total, slice, set.Warmup, rewarm)
	}
	if profDone != nil {
		<-profDone
		// The allocations so far (cumulative: compare with the previous scenario's
		// using pprof -base).
		<-fetchURL(fmt.Sprintf("http://%s/debug/pprof/allocs", pprofAddr), filepath.Join(b.opt.pprofDir, profile+"-"+sc.Key+".allocs.pprof"))
	}
	if err != nil {
		return Row{}, Sample{}, fmt.Errorf("%s: %w\n%s", sc.Name, err, acc.logTail())
	}
	if acc.exited() {
		return Row{}, Sample{}, fmt.Errorf("accountd exited during %s: %v\n%s", sc.Name, acc.err, acc.logTail())
	}
	row := Row{Key: sc.Key, Name: sc.Name, Sample: &sample}
	line := brief(sample)
	if against != nil {
		row.Against, row.AgainstRPS, row.Dropped = againstName, other.RPS(), dropped
		line += fmt.Sprintf("  %.2f× %s (%s alongside", row.Ratio(), againstName, fmtRate(other.RPS()))
		if dropped > 0 {
			line += fmt.Sprintf("; %d busy pair(s) measured again", dropped)
		}
		line += ")"
		if b.opt.verbose {
			line += "\n      alongside: " + brief(other)
		}
	}
	logf(b.out, "  %-44s %s", sc.Name, line)
	if b.opt.verbose {
		logf(b.out, "      latency: %s", ladder(sample))
	}
	for _, e := range sample.FirstErrors {
		logf(b.out, "      error: %s", e)
	}
	return row, other, nil
}

// suite measures every scenario, each with its ceiling from cs if it has one (cs nil:
// alone). slowFor is how many times as long the hashing scenarios alternate with theirs:
// 3 where their ratios are required targets (PostgreSQL), whose margin is a few
// hundredths, 1 where they are only reported.
func (b *bench) suite(ctx context.Context, acc *child, pprofAddr string, s *server, label string, cs *ceilingSet, slowFor int) ([]Row, error) {
	var rows []Row
	for _, sc := range allScenarios {
		if b.opt.only != nil && !b.opt.only.MatchString(sc.Key) {
			continue
		}
		var against Windowed
		var release func()
		mode := pairs[sc.Key]
		if cs != nil && mode != "" {
			var err error
			if against, release, err = b.ceilingWindowed(cs, mode); err != nil {
				return nil, err
			}
		}
		row, other, err := b.measure(ctx, acc, pprofAddr, label, s, sc, against, ceilingLabels[mode], slowFor)
		if release != nil {
			release()
		}
		if err != nil {
			return nil, err
		}
		if against != nil && row.Sample != nil {
			cs.samples[mode] = append(cs.samples[mode], other)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// fetchProfile saves a CPU profile of the next d from accountd's pprof listener.
func fetchProfile(addr, path string, d time.Duration) chan struct{} {
	secs := max(1, int(d.Seconds()))
	return fetchURL(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), path)
}

// fetchURL saves what url answers to path, in the background.
func fetchURL(url, path string) chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(url)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return
		}
		f, err := os.Create(path)
		if err != nil {
			return
		}
		_, _ = io.Copy(f, resp.Body)
		_ = f.Close()
	}()
	return done
}

// restBeforeSnapshot is how long accountd rests before its memory is read: longer than
// the lull after which its password hasher gives a burst's memory back (5s).
const restBeforeSnapshot = 7 * time.Second

// snapshot records accountd's memory, goroutines and open database connections after a
// moment of rest.
func (b *bench) snapshot(ctx context.Context, acc *child, sr *StoreResults, label string, final bool) error {
	sleepCtx(ctx, restBeforeSnapshot)
	m, err := memory(acc.pid())
	if err != nil {
		return err
	}
	p := MemPoint{Label: label, Final: final, Memory: m, Goroutines: -1, DBConns: -1, HeapInuse: -1, DBClosedIdle: -1}
	c := newClient(acc.metricsAddr)
	defer c.Close()
	if body, err := getOK(c, "/metrics", nil); acc.metricsAddr != "" && err == nil {
		p.Goroutines = metricValue(body, "go_goroutines")
		p.DBConns = metricValue(body, "go_sql_open_connections")
		p.HeapInuse = metricValue(body, "go_memstats_heap_inuse_bytes")
		p.DBClosedIdle = metricValue(body, "go_sql_max_idle_closed_total")
	}
	logf(b.out, "  memory %s: RSS %.1f MiB (peak %.1f MiB), heap in use %.1f MiB, %g goroutines, %g DB connections (%g closed by the idle limit so far)",
		label, mib(m.RSS), mib(m.Peak), p.HeapInuse/(1<<20), p.Goroutines, p.DBConns, p.DBClosedIdle)
	sr.Memory = append(sr.Memory, p)
	return nil
}

// metricValue returns the value of the first sample of a metric in Prometheus text
// format, or -1.
func metricValue(body []byte, name string) float64 {
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			return v
		}
	}
	return -1
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newServer describes accountd at addr, seeded with the configured users, with admin
// workers starting at cursors depth users deep (the second half of the walk).
func (b *bench) newServer(ctx context.Context, addr string, users, depth int) (*server, error) {
	s := &server{addr: addr, users: users, conns: b.opt.settings.Connections}
	c := newClient(addr)
	defer c.Close()
	ok, err := probe(c, s, scenarioAdmin)
	if err != nil || !ok {
		return s, err
	}
	start := time.Now()
	if s.adminStarts, err = prewalkAdmin(c, depth, s.conns); err != nil {
		return nil, fmt.Errorf("walk the admin listing: %w", err)
	}
	logf(b.out, "  walked %d users into the admin listing in %s", depth, time.Since(start).Round(time.Millisecond))
	return s, nil
}

// postgres runs the PostgreSQL part: two identical runs of every scenario (the first
// alongside the ceilings), then the scaling run: a second accountd on a database with a
// million users, each scenario alongside the same one on the thousand-user database.
func (b *bench) postgres(ctx context.Context) (*StoreResults, error) {
	set := b.opt.settings
	dbURL, drop, err := createDatabase(ctx, b.opt.pgURL)
	if err != nil {
		return nil, err
	}
	defer drop()
	sr := &StoreResults{Name: "PostgreSQL", Required: true, Users: set.Users, BigUsers: set.BigUsers}
	if sr.Version, err = postgresVersion(ctx, dbURL); err != nil {
		return nil, err
	}
	logf(b.out, "PostgreSQL %s, fresh database", sr.Version)
	acc, pprofAddr, err := b.startAccountd(ctx, "accountd-postgres", dbURL)
	if err != nil {
		return nil, err
	}
	defer acc.stop()
	if err := seedPostgres(ctx, dbURL, 0, set.Users+1, b.hash); err != nil {
		return nil, err
	}
	logf(b.out, "seeded %s users (and a staff account)", fmtCount(set.Users))
	cs, err := b.startCeilings(ctx, dbURL, set.Users+1, ceilingBare, ceilingSelect, ceilingInsert, ceilingHash)
	if err != nil {
		return nil, err
	}
	defer cs.stop()
	s, err := b.newServer(ctx, acc.addr, set.Users, set.Users)
	if err != nil {
		return nil, err
	}
	logf(b.out, "accountd on PostgreSQL, %s users, run 1 (with the ceilings)", fmtCount(set.Users))
	if err := b.bare(ctx, cs); err != nil {
		return nil, err
	}
	rows, err := b.suite(ctx, acc, pprofAddr, s, "pg-run1", cs, 3)
	if err != nil {
		return nil, err
	}
	cs.stop()
	sr.Ceilings, sr.Runs = cs.rows(), append(sr.Runs, rows)
	if err := b.snapshot(ctx, acc, sr, "after run 1", false); err != nil {
		return nil, err
	}
	logf(b.out, "accountd on PostgreSQL, %s users, run 2 (the same requests, for memory growth)", fmtCount(set.Users))
	if rows, err = b.suite(ctx, acc, pprofAddr, s, "pg-run2", nil, 1); err != nil {
		return nil, err
	}
	sr.Runs = append(sr.Runs, rows)
	if err := b.snapshot(ctx, acc, sr, "after run 2", set.BigUsers <= set.Users); err != nil {
		return nil, err
	}
	if set.BigUsers > set.Users {
		if err := b.scaling(ctx, sr, acc, s); err != nil {
			return nil, err
		}
	}
	return sr, nil
}

// scaling measures the scaling scenarios on a second accountd and database seeded with
// BigUsers users, each in alternating windows with the same scenario on the first.
func (b *bench) scaling(ctx context.Context, sr *StoreResults, small *child, smallServer *server) error {
	set := b.opt.settings
	dbURL, drop, err := createDatabase(ctx, b.opt.pgURL)
	if err != nil {
		return err
	}
	defer drop()
	acc, pprofAddr, err := b.startAccountd(ctx, "accountd-postgres-big", dbURL)
	if err != nil {
		return err
	}
	defer acc.stop()
	start := time.Now()
	if err := seedPostgres(ctx, dbURL, 0, set.BigUsers+1, b.hash); err != nil {
		return err
	}
	logf(b.out, "seeded %s users with COPY in %s", fmtCount(set.BigUsers), time.Since(start).Round(time.Millisecond))
	big, err := b.newServer(ctx, acc.addr, set.BigUsers, set.AdminDepth)
	if err != nil {
		return err
	}
	logf(b.out, "accountd on PostgreSQL, %s users, alongside the %s-user one", fmtCount(set.BigUsers), fmtCount(set.Users))
	for _, sc := range bigScenarios {
		if b.opt.only != nil && !b.opt.only.MatchString(sc.Key) {
			continue
		}
		d, err := NewDriver(b.load(small), sc.Worker(smallServer))
		if err != nil {
			return err
		}
		row, _, err := b.measure(ctx, acc, pprofAddr, "pg-big", big, sc, d, fmtCount(set.Users)+" users", 1)
		d.Close()
		if err != nil {
			return err
		}
		sr.Big = append(sr.Big, row)
	}
	if err := b.snapshot(ctx, small, sr, "after the whole run", true); err != nil {
		return err
	}
	return b.snapshot(ctx, acc, sr, fmt.Sprintf("with %s users, at its end", fmtCount(set.BigUsers)), true)
}

// sqliteRun runs every scenario once on SQLite, alongside SQLite's own select and
// insert ceilings.
func (b *bench) sqliteRun(ctx context.Context) (*StoreResults, error) {
	set := b.opt.settings
	dsn := "sqlite://" + filepath.Join(b.work, "bench.db")
	sr := &StoreResults{Name: "SQLite", Required: true, Users: set.Users}
	var err error
	if sr.Version, err = sqliteVersion(ctx); err != nil {
		return nil, err
	}
	logf(b.out, "SQLite %s, fresh file", sr.Version)
	acc, pprofAddr, err := b.startAccountd(ctx, "accountd-sqlite", dsn)
	if err != nil {
		return nil, err
	}
	defer acc.stop()
	if err := seedSQLite(ctx, dsn, 0, set.Users+1, b.hash); err != nil {
		return nil, err
	}
	logf(b.out, "seeded %s users (and a staff account)", fmtCount(set.Users))
	cs, err := b.startCeilings(ctx, dsn, set.Users+1, ceilingSelect, ceilingInsert, ceilingHash)
	if err != nil {
		return nil, err
	}
	defer cs.stop()
	s, err := b.newServer(ctx, acc.addr, set.Users, set.Users)
	if err != nil {
		return nil, err
	}
	logf(b.out, "accountd on SQLite, %s users (with the ceilings)", fmtCount(set.Users))
	rows, err := b.suite(ctx, acc, pprofAddr, s, "sqlite", cs, 1)
	if err != nil {
		return nil, err
	}
	sr.Ceilings, sr.Runs = cs.rows(), append(sr.Runs, rows)
	return sr, b.snapshot(ctx, acc, sr, "after the run", true)
}
