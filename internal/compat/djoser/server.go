package djoser

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	gen "github.com/accountd/accountd/gen/compat/djoser"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// Flow names this profile in emails, so that their links take djoser's format
// (`{frontend}/activate/{uid}/{token}`).
const Flow = "djoser"

// Config assembles the profile.
type Config struct {
	Service *account.Service
	// Meta returns who is calling (client IP, user agent), as the router worked it out;
	// it goes into sessions, events and rate limits.
	Meta func(ctx context.Context) account.RequestMeta
	// HideExistingEmails is ACCOUNTD_HIDE_EXISTING_EMAILS: when set, no answer of this
	// profile tells whether an email has an account.
	HideExistingEmails bool
	// PasswordMinLength is the service's minimum, for Django's "too short" message.
	PasswordMinLength int
	// MaxBodyBytes bounds request bodies (default 64 KiB).
	MaxBodyBytes int64
	// Logger receives internal errors (default slog.Default()).
	Logger *slog.Logger
}

// Server implements the profile's generated interface.
type Server struct {
	svc    *account.Service
	meta   func(ctx context.Context) account.RequestMeta
	hide   bool
	minLen int
	body   drf.Reader
	log    *slog.Logger
}

var _ gen.ServerInterface = (*Server)(nil)

// New returns the profile's server.
func New(cfg Config) *Server {
	if cfg.Meta == nil {
		cfg.Meta = func(context.Context) account.RequestMeta { return account.RequestMeta{} }
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Server{
		svc: cfg.Service, meta: cfg.Meta, hide: cfg.HideExistingEmails,
		minLen: cfg.PasswordMinLength, body: drf.Reader{MaxBytes: cfg.MaxBodyBytes}, log: cfg.Logger,
	}
}

// Routes returns the function that adds the profile's routes to a router. Every path
// of the profile also answers the methods it does not serve, with DRF's 405 rather than
// the canonical API's problem.
func (s *Server) Routes() (func(chi.Router), error) {
	spec, err := gen.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("djoser: load the profile's spec: %w", err)
	}
	notAllowed := drf.MethodNotAllowed(spec, func(w http.ResponseWriter, status int, msg string) {
		writeJSON(w, status, detail{Detail: msg})
	})
	return func(r chi.Router) {
		notAllowed(r) // first: see drf.MethodNotAllowed
		gen.HandlerWithOptions(s, gen.ChiServerOptions{
			BaseRouter: r,
			// The only parameter is a user id; one that does not parse names no user.
			ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				writeJSON(w, http.StatusNotFound, detail{Detail: drf.MsgNotFound})
			},
		})
	}, nil
}
