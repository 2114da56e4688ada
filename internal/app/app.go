// Package app assembles accountd from its configuration: the store, the token issuer,
// the password hasher, the mailer, the account service and the HTTP handler. cmd/accountd
// and the contract tests build it the same way.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/djoser"
	"github.com/accountd/accountd/internal/compat/restregistration"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/httpapi"
	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/mail/outbox"
	"github.com/accountd/accountd/internal/metrics"
	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/ratelimit"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/token"
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
}

// newLimiter returns the configured rate-limit counters.
func newLimiter(cfg config.Config, store *bunstore.Store) (ratelimit.Limiter, error) {
	if cfg.RateLimitStore == "postgres" {
		if store.Dialect() != bunstore.Postgres {
			return nil, errors.New("config: ACCOUNTD_RATE_LIMIT_STORE: postgres needs a PostgreSQL database")
		}
		return ratelimit.NewPostgres(store.DB().DB), nil
	}
	return ratelimit.NewMemory(rateLimitKeys), nil
}

// rateLimitKeys bounds the memory of in-process rate limiting: about 100 bytes a key.
const rateLimitKeys = 100_000

// New assembles the app. It migrates the database first when cfg.AutoMigrate is set.
func New(ctx context.Context, cfg config.Config, opt Options) (*App, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Stdout == nil {
		opt.Stdout = io.Discard
	}
	if opt.Store != nil {
		return assemble(ctx, cfg, opt, opt.Store, false)
	}
	store, err := bunstore.Open(ctx, cfg.DatabaseURL, bunstore.Options{
		MaxOpenConns: cfg.DBMaxOpenConns, QueryTimeout: cfg.DBQueryTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a, err := assemble(ctx, cfg, opt, store, true)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return a, nil
}

func assemble(ctx context.Context, cfg config.Config, opt Options, store *bunstore.Store, ownStore bool) (*App, error) {
	if cfg.AutoMigrate {
		if err := store.Migrate(ctx); err != nil {
			return nil, fmt.Errorf("migrate database: %w", err)
		}
	}
	alg := cfg.SigningAlg
	if len(cfg.SigningKeyFiles) > 0 {
		alg = "" // key files carry their own algorithm
	}
	issuer, err := token.New(ctx, token.Config{
		Issuer: cfg.Issuer, Audience: cfg.Audience, TTL: cfg.AccessTokenTTL,
		Algorithm: alg, KeyFiles: cfg.SigningKeyFiles,
	}, store)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	params := password.Params{
		Memory: uint32(cfg.Argon2MemoryKiB), Time: uint32(cfg.Argon2Time), Threads: uint8(cfg.Argon2Threads),
		SaltLen: password.DefaultParams.SaltLen, KeyLen: password.DefaultParams.KeyLen,
	}
	if err := params.Validate(); err != nil {
		return nil, fmt.Errorf("config: ACCOUNTD_ARGON2_*: %w", err)
	}
	hasher := password.New(params, cfg.HashConcurrency)

	sender := opt.Sender
	if sender == nil {
		if sender, err = mail.Open(cfg.Mailer, opt.Stdout); err != nil {
			return nil, fmt.Errorf("config: ACCOUNTD_MAILER: %w", err)
		}
	}
	m := metrics.New()
	queue, err := newOutbox(cfg, opt, store, sender, m.Email)
	if err != nil {
		return nil, err
	}
	mailer, err := mail.NewComposer(queue, mail.ComposerConfig{
		From: cfg.MailFrom,
		Links: map[string]map[account.MessageKind]string{"": withInvitationLink(cfg, map[account.MessageKind]string{
			account.MessageActivation:    cfg.ActivationURL,
			account.MessagePasswordReset: cfg.ResetURL,
			account.MessageEmailChange:   cfg.EmailChangeURL,
		}), restregistration.Flow: restRegistrationLinks(cfg),
			djoser.Flow: djoserLinks(cfg)},
		Expiry: map[account.MessageKind]time.Duration{
			account.MessageActivation:    cfg.ActivationTTL,
			account.MessagePasswordReset: cfg.ResetTTL,
			account.MessageEmailChange:   cfg.EmailChangeTTL,
			account.MessageInvitation:    cfg.InvitationTTL,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("config: mail links: %w", err)
	}
	counters, err := newLimiter(cfg, store)
	if err != nil {
		return nil, err
	}

	linkKey, err := linkSecret(cfg, issuer)
	if err != nil {
		return nil, err
	}
	m.WatchDB(store.DB().DB)
	svc := account.New(store, hasher, issuer, mailer, account.Options{
		Now: opt.Now, Logger: opt.Logger,
		ActivationTTL: cfg.ActivationTTL, ResetTTL: cfg.ResetTTL, EmailChangeTTL: cfg.EmailChangeTTL, InvitationTTL: cfg.InvitationTTL,
		SessionTTL: cfg.SessionTTL, RefreshGrace: cfg.RefreshGrace,
		HideExistingEmails: cfg.HideExistingEmails, PasswordMinLength: cfg.PasswordMinLength,
		Limiter: limiter{counters, cfg.DBQueryTimeout}, Limits: cfg.Limits, Observer: m, LinkSecret: linkKey,
	})
	a := &App{Service: svc, Store: store, cfg: cfg, logger: opt.Logger, ownStore: ownStore, mail: queue}
	mounts, err := compatRoutes(cfg, svc, issuer, opt.Logger)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics {
		mounts = append(mounts, func(r chi.Router) { r.Method(http.MethodGet, "/metrics", m.Handler()) })
	}
	a.Handler, err = httpapi.New(httpapi.Config{
		Service: svc, JWKS: issuer.JWKS(), Ready: a, Logger: opt.Logger, MaxBodyBytes: cfg.MaxBodyBytes,
		Mount: mounts, Middleware: []func(http.Handler) http.Handler{m.Middleware},
		CORSOrigins: cfg.CORSOrigins, TrustedProxies: cfg.TrustedProxies,
	})
	if err != nil {
		return nil, err
	}
	// Last, so that a failed assembly leaves no goroutine behind.
	queue.Start()
	return a, nil
}

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
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: serverLimits.readHeader,
		ReadTimeout:       serverLimits.read,
		WriteTimeout:      serverLimits.write,
		IdleTimeout:       serverLimits.idle,
		MaxHeaderBytes:    serverLimits.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.logger.Info("shutting down", "drain_timeout", a.cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// The drain time is up: cut the connections still open, so that shutdown is
		// bounded whatever the requests are doing (their contexts end with them).
		_ = srv.Close()
		return fmt.Errorf("shutdown: requests still running after %v were cut off: %w", a.cfg.ShutdownTimeout, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
