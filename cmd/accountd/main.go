// Command accountd is the account and authentication service.
//
//	accountd [serve] [settings]  run the server (the default)
//	accountd migrate [settings]  apply pending database migrations and exit
//	accountd createadmin -username U -email E [-password-file F] [settings]
//	                             create a superuser (the password is asked for without one)
//	accountd users list [-q TEXT] [settings], accountd users deactivate USERNAME [settings]
//	                             list users; deactivate one and end its sessions
//	accountd import django --source URL [flags] [settings]
//	                             copy a Django site's users in
//	accountd version, accountd --version
//	                             print the version, commit and build date
//	accountd help [COMMAND], accountd -h, accountd COMMAND -h
//
// Every setting is an ACCOUNTD_* environment variable and a flag; `accountd serve -h`
// lists them (help.go prints the help, from the same settings table as the docs).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if isHelp(err) {
			return // the help asked for is printed
		}
		fmt.Fprintln(os.Stderr, "accountd:", err)
		os.Exit(1)
	}
}

// run is the whole program, with its dependencies passed in so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		switch {
		case isHelpFlag(args[0]):
			printOverview(stdout)
			return errHelpShown
		case args[0] == "-version" || args[0] == "--version":
			args[0] = "version"
		}
		if args[0] != "" && args[0][0] != '-' {
			cmd, args = args[0], args[1:]
		}
	}
	switch cmd {
	case "help":
		return helpCommand(stdout, args)
	case "version":
		if wantsHelp(args) {
			printHelp(stdout, cmd, nil)
			return errHelpShown
		}
		fmt.Fprintln(stdout, versionText())
		return nil
	case "serve", "migrate":
		if wantsHelp(args) {
			printHelp(stdout, cmd, nil)
			return errHelpShown
		}
	case "createadmin", "users":
		return adminCommand(ctx, cmd, args, getenv, stdout, stderr, stdinConsole{in: os.Stdin, prompt: stderr})
	case "import":
		return importCommand(ctx, args, getenv, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q (`accountd help` lists the commands: serve, migrate, createadmin, users, import, version, help)", cmd)
	}
	cfg, logger, err := loadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cmd == "migrate" {
		return migrate(ctx, cfg, logger)
	}
	return serve(ctx, cfg, logger, stdout)
}

// serve runs the server until ctx ends. It listens at once, whether or not the
// database answers: app.Launcher connects (and migrates) in the background, and answers
// 503 until it has.
func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, stdout io.Writer) error {
	collectSooner()
	l, err := app.Launch(cfg, app.Options{Logger: logger, Stdout: stdout})
	if err != nil {
		return err
	}
	defer l.Close()
	if err := serveOps(ctx, cfg, l.Metrics(), logger); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("config: ACCOUNTD_ADDR: %w", err)
	}
	// What runs, in one line: where, on which database and mailer (credentials masked),
	// which APIs, and the issuer its tokens name.
	logger.Info("accountd listening", "addr", ln.Addr().String(), "version", version.Get().Version,
		"database", config.Mask(cfg.DatabaseURL), "mailer", config.Mask(cfg.Mailer),
		"profiles", profilesText(cfg.Compat), "issuer", cfg.Issuer, "metrics", orOff(cfg.MetricsAddr),
		"docs", "http://"+displayAddr(ln.Addr())+"/docs")
	go giveBackStartupMemory(ctx, l.Ready())
	return l.Serve(ctx, ln)
}

// gcPercent is the collector's GOGC unless the environment sets GOGC: collect when the
// heap has grown by half of what was live, not by all of it. accountd's live heap is
// small (about 10 MiB) and its garbage is per request, so the collector's cycles cost
// little; at 50 a login flood's peak RSS is 3–4 MiB lower (the bench, within its 96 MiB
// target by 1 MiB on SQLite at 100), for 1–2% more CPU on the endpoints that run
// thousands of requests a second.
const gcPercent = 50

// collectSooner sets gcPercent, unless GOGC says otherwise.
func collectSooner() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// giveBackStartupMemory returns the garbage of assembling the App to the system once it
// is assembled. Assembling parses the OpenAPI document of every API served: about a
// hundred MiB allocated and dropped, which the runtime would otherwise give back only
// slowly, so that for minutes RSS would hold the startup's peak. Given back at once,
// it leaves that room to what load needs, the hashing slots' memory first (the bench's
// target on peak RSS, cmd/accountd-bench).
func giveBackStartupMemory(ctx context.Context, ready <-chan struct{}) {
	select {
	case <-ready:
		debug.FreeOSMemory()
	case <-ctx.Done():
	}
}

func migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	store, err := bunstore.Open(ctx, cfg.DatabaseURL, bunstore.Options{QueryTimeout: cfg.DBQueryTimeout})
	if err != nil {
		return fmt.Errorf("open database (ACCOUNTD_DATABASE_URL=%s): %w", config.Mask(cfg.DatabaseURL), err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	logger.Info("database schema is current", "database", config.Mask(cfg.DatabaseURL))
	return nil
}

// environ lists the process's environment, for the warning about ACCOUNTD_* variables
// that are no setting (getenv cannot list them).
var environ = os.Environ

// loadConfig reads the settings, as every command that opens the database does, makes
// the logger they ask for, and warns of each ACCOUNTD_* variable that is no setting (a
// typo that would otherwise leave a default in place without a word).
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config.Config, *slog.Logger, error) {
	cfg, err := app.LoadConfig(args, getenv, stderr)
	if err != nil {
		return cfg, nil, err
	}
	logger := newLogger(cfg, stderr)
	for _, w := range config.UnknownVariables(environ(), app.Settings()) {
		logger.Warn(w)
	}
	return cfg, logger, nil
}

// orOff is an optional address, or "off".
func orOff(addr string) string {
	if addr == "" {
		return "off"
	}
	return addr
}

// profilesText lists the compatibility profiles served, or says there are none.
func profilesText(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	l := slog.New(h)
	slog.SetDefault(l)
	return l
}

// displayAddr turns ":8080"-style listen addresses into something a browser opens.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
