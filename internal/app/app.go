// Package app assembles accountd from its configuration: the store, the token issuer,
// the password hasher, the mailer, the account service and the HTTP handler (New, and
// a builder per part in build.go), with the compatibility profiles registered in
// profiles.go. cmd/accountd and the contract tests load the settings (LoadConfig) and
// build it the same way.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/mail/outbox"
	"github.com/accountd/accountd/internal/metrics"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/idempotency"
)

// Options are the parts a caller may supply instead of the configured ones.
type Options struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Stdout receives console emails (default io.Discard).
	Stdout io.Writer
	// Sender replaces the configured mail transport (tests pass a mail.Recorder).
	Sender mail.Sender
	// Now replaces the clock.
	Now func() time.Time
	// Store replaces the configured database (tests pass one opened on a fresh database).
	// The caller keeps ownership: App.Close does not close it.
	Store *bunstore.Store
}

// App is an assembled accountd.
type App struct {
	Handler http.Handler
	Service *account.Service
	Store   *bunstore.Store

	cfg      config.Config
	logger   *slog.Logger
	ownStore bool
	mail     *outbox.Outbox
	// idempotency keeps the answers to Idempotency-Key requests.
	idempotency *idempotency.Store
	// cleanup deletes what no longer matters, periodically (cleanup.go).
	cleanup *cleaner
	// metrics serves the Prometheus metrics, built once (App.Metrics).
	metrics http.Handler
	// stopRequests stops the worker of email requests; requestsDone is closed when it
	// has returned.
	stopRequests, requestsDone chan struct{}
}

// New assembles the app from cfg, one builder per part; opt may supply some parts
// instead. It migrates the database first when cfg.AutoMigrate is set. The mail worker
// and the cleanup, the parts that run on their own, start last, so that a failed assembly leaves
// nothing behind (and a database it opened is closed again).
func New(ctx context.Context, cfg config.Config, opt Options) (_ *App, err error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Stdout == nil {
		opt.Stdout = io.Discard
	}
	store, ownStore, err := openStore(ctx, cfg, opt)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil && ownStore {
			_ = store.Close()
		}
	}()
	issuer, err := newIssuer(ctx, cfg, store)
	if err != nil {
		return nil, err
	}
	hasher, err := newHasher(cfg)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	queue, mailer, err := newMailer(cfg, opt, store, m)
	if err != nil {
		return nil, err
	}
	counters, err := newLimiter(cfg, store)
	if err != nil {
		return nil, err
	}
	// The pool's gauges (open, in use, idle, waits); the pool is the store's, read-only here.
	m.Register(collectors.NewDBStatsCollector(store.DB().DB, "accountd"))
	// The mail queue's depth, read at each scrape: what an alert on mail that does not go
	// out watches, and what the contract tests wait on against a URL before they read
	// the mail folder.
	m.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "accountd_mail_outbox_pending",
		Help: "Emails queued or waiting for a retry, on every instance sharing the database.",
	}, func() float64 {
		pending, _, err := queue.Stats(context.Background())
		if err != nil {
			return math.NaN()
		}
		return float64(pending)
	}))
	// The email requests (forgot password, resend activation) not yet carried out: their
	// emails are not in the outbox yet. The contract tests wait on it too.
	m.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "accountd_email_requests_pending",
		Help: "Requests for a password reset or activation email not yet carried out, on every instance sharing the database.",
	}, func() float64 {
		n, err := store.EmailRequestsPending(context.Background())
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	}))
	svc, err := newService(cfg, opt, store, hasher, issuer, mailer, counters, m)
	if err != nil {
		return nil, err
	}
	a := &App{Service: svc, Store: store, cfg: cfg, logger: opt.Logger, ownStore: ownStore, mail: queue, metrics: m.Handler()}
	if a.Handler, err = newHandler(cfg, opt, a, issuer, m); err != nil {
		return nil, err
	}
	a.cleanup = newCleaner(a, cfg, opt)
	queue.Start()
	a.startEmailRequests()
	a.cleanup.start()
	return a, nil
}

// Metrics returns the Prometheus metrics in text format, for a listener of their own
// (ACCOUNTD_METRICS_ADDR): the API's handler never serves them.
func (a *App) Metrics() http.Handler { return a.metrics }

// Ready reports whether the database answers and its schema is current.
func (a *App) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		return errors.New("database unreachable")
	}
	current, err := a.Store.MigrationsCurrent(ctx)
	if err != nil {
		return errors.New("database unreachable")
	}
	if !current {
		return errors.New("database schema not migrated (run `accountd migrate`)")
	}
	return nil
}

// Close stops the mail worker, letting the sends under way finish (up to the shutdown
// timeout; queued emails stay in the outbox for the next start or another instance),
// and releases the database, unless the caller supplied it.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	a.cleanup.close()
	// Requests first: what they queue goes through the outbox, which stops next.
	a.stopEmailRequests()
	if err := a.mail.Close(ctx); err != nil {
		a.logger.Warn("emails being sent at shutdown were abandoned; they are retried later", "err", err)
	}
	if !a.ownStore {
		return nil
	}
	return a.Store.Close()
}

// serverLimits bound what one client can hold: a slow sender (slowloris) is cut off
// after readHeader/read, a slow reader after write, an idle keep-alive after idle.
// Request bodies are bounded separately (ACCOUNTD_MAX_BODY_BYTES). A variable so that
// tests can shorten the waits.
var serverLimits = struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}{
	readHeader:     5 * time.Second,
	read:           15 * time.Second,
	write:          30 * time.Second,
	idle:           120 * time.Second,
	maxHeaderBytes: 32 << 10,
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully: new connections
// are refused and in-flight requests get cfg.ShutdownTimeout to finish.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	return serveHTTP(ctx, ln, a.Handler, a.cfg.ShutdownTimeout, a.logger, nil)
}

// serveHTTP answers HTTP with h on ln until ctx ends, or until failed yields an error,
// which it returns; then it shuts down gracefully, giving in-flight requests drain to
// finish.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, drain time.Duration, logger *slog.Logger, failed <-chan error) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: serverLimits.readHeader,
		ReadTimeout:       serverLimits.read,
		WriteTimeout:      serverLimits.write,
		IdleTimeout:       serverLimits.idle,
		MaxHeaderBytes:    serverLimits.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var cause error
	select {
	case err := <-errc:
		return err
	case cause = <-failed:
		logger.Error("accountd cannot start", "err", cause)
	case <-ctx.Done():
		logger.Info("shutting down", "drain_timeout", drain)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// The drain time is up: cut the connections still open, so that shutdown is
		// bounded whatever the requests are doing (their contexts end with them).
		_ = srv.Close()
		return errors.Join(cause, fmt.Errorf("shutdown: requests still running after %v were cut off: %w", drain, err))
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(cause, err)
	}
	return cause
}
