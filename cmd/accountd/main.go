// Command accountd is the account and authentication service.
//
//	accountd [serve] [flags]   run the server (the default)
//	accountd migrate [flags]   apply pending database migrations and exit
//	accountd version           print the version
//	accountd createadmin -username U -email E [-password-file F] [flags]
//	                           create a superuser (the password is asked for without one)
//	accountd users list [-q TEXT] [flags], accountd users deactivate USERNAME [flags]
//	                           list users; deactivate one and end its sessions
//
// Every flag has an ACCOUNTD_* environment variable; `accountd serve -h` lists them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/store/bunstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "accountd:", err)
		}
		os.Exit(1)
	}
}

// run is the whole program, with its dependencies passed in so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "accountd", version())
		return nil
	case "serve", "migrate":
	case "createadmin", "users":
		return adminCommand(ctx, cmd, args, getenv, stdout, stderr, stdinConsole{in: os.Stdin, prompt: stderr})
	case "import":
		return importCommand(ctx, args, getenv, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate, createadmin, users, import or version)", cmd)
	}
	cfg, err := app.LoadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	if cmd == "migrate" {
		return migrate(ctx, cfg, logger)
	}
	return serve(ctx, cfg, logger, stdout)
}

func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, stdout io.Writer) error {
	a, err := app.New(ctx, cfg, app.Options{Logger: logger, Stdout: stdout})
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.PprofAddr != "" {
		if err := servePprof(ctx, cfg.PprofAddr, logger); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("config: ACCOUNTD_ADDR: %w", err)
	}
	logger.Info("accountd listening", "addr", ln.Addr().String(), "version", version(),
		"database", config.Mask(cfg.DatabaseURL), "docs", "http://"+displayAddr(ln.Addr())+"/docs")
	return a.Serve(ctx, ln)
}

func migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	store, err := bunstore.Open(ctx, cfg.DatabaseURL, bunstore.Options{QueryTimeout: cfg.DBQueryTimeout})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	logger.Info("database schema is current", "database", config.Mask(cfg.DatabaseURL))
	return nil
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

// version is the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
