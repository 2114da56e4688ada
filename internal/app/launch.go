package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/httpapi"
)

// Launcher runs accountd whether or not its database answers yet: what `accountd serve`
// does. It serves at once, and assembles the App (New: connect, migrate when
// ACCOUNTD_AUTO_MIGRATE is on, load the signing keys) in the background, retrying with
// backoff while the database is out of reach and logging each attempt. Until then it
// answers /healthz 200, /readyz 503 and 503 with Retry-After to everything that needs
// the database (httpapi.Unready); from then on, the App's handler answers, and a
// database that goes away later gets the App's own 503s. A mistake the retries cannot
// mend (a bad signing key file, a password PostgreSQL refuses) ends Serve with it.
type Launcher struct {
	cfg config.Config
	opt Options
	// handler answers: httpapi.Unready until the App is assembled, then the App's
	// handler, after which nothing holds Unready and its copy of the documentation
	// (a few MiB) goes.
	handler atomic.Pointer[http.Handler]
	app     atomic.Pointer[App]
	// why says, for /readyz, what the latest attempt found.
	why atomic.Pointer[string]

	cancel context.CancelFunc
	done   chan struct{} // closed when the background assembly has ended
	failed chan error    // the mistake that ended it, if one did
	ready  chan struct{} // closed once the App serves
}

// The wait between two attempts to assemble the app: the first is short, since a
// database started with accountd is usually up within a second or two; then it doubles
// up to the longest, so that a long outage costs one log line and one connection
// attempt every few seconds, and service resumes within seconds of the database.
const (
	firstRetryWait   = 250 * time.Millisecond
	longestRetryWait = 5 * time.Second
)

// Launch starts assembling the app from cfg in the background and returns at once; opt
// is passed to New. Serve answers on a listener; Close stops everything.
func Launch(cfg config.Config, opt Options) (*Launcher, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	l := &Launcher{cfg: cfg, opt: opt, done: make(chan struct{}), failed: make(chan error, 1), ready: make(chan struct{})}
	starting := "starting: connecting to the database"
	l.why.Store(&starting)
	unready, err := httpapi.Unready(func() string { return *l.why.Load() }, opt.Logger, docsProfiles(cfg), cfg.PasswordMinLength)
	if err != nil {
		return nil, err
	}
	l.handler.Store(&unready)
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.assemble(ctx)
	return l, nil
}

// assemble calls New until it succeeds, fails for a reason retrying cannot mend, or ctx
// ends.
func (l *Launcher) assemble(ctx context.Context) {
	defer close(l.done)
	logger := l.opt.Logger
	wait := firstRetryWait
	for attempt := 1; ; attempt++ {
		a, err := New(ctx, l.cfg, l.opt)
		if err == nil {
			l.app.Store(a)
			l.handler.Store(&a.Handler)
			close(l.ready)
			if attempt > 1 {
				logger.Info("database reachable: serving", "attempt", attempt)
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		if !errors.Is(err, account.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) {
			l.failed <- err
			return
		}
		why := fmt.Sprintf("starting: the database does not answer yet (attempt %d; the next in %v)", attempt, wait)
		l.why.Store(&why)
		logger.Warn("database unreachable; accountd answers 503 until it is, and tries again",
			"setting", "ACCOUNTD_DATABASE_URL", "database", config.Mask(l.cfg.DatabaseURL),
			"attempt", attempt, "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, longestRetryWait)
	}
}

// ServeHTTP answers with the App once it is assembled, and with httpapi.Unready until
// then.
func (l *Launcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*l.handler.Load()).ServeHTTP(w, r)
}

// Metrics returns the App's metrics handler (App.Metrics), or 503 while there is no App.
func (l *Launcher) Metrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := l.app.Load(); a != nil {
			a.Metrics().ServeHTTP(w, r)
			return
		}
		http.Error(w, "accountd is starting: no metrics until its database answers", http.StatusServiceUnavailable)
	})
}

// App returns the assembled app, or nil while the database has not answered yet.
func (l *Launcher) App() *App { return l.app.Load() }

// Ready is closed once the App is assembled and serving.
func (l *Launcher) Ready() <-chan struct{} { return l.ready }

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully as App.Serve does;
// or until the assembly fails for a reason retrying cannot mend, which it returns.
func (l *Launcher) Serve(ctx context.Context, ln net.Listener) error {
	return serveHTTP(ctx, ln, l, l.cfg.ShutdownTimeout, l.opt.Logger, l.failed)
}

// Close stops the background assembly, waiting for the attempt under way, and closes
// the App if there is one.
func (l *Launcher) Close() error {
	l.cancel()
	<-l.done
	if a := l.app.Load(); a != nil {
		return a.Close()
	}
	return nil
}
