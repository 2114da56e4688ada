package djoser

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	gen "github.com/accountd/accountd/gen/compat/djoser"
	"github.com/accountd/accountd/internal/account"
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
	svc     *account.Service
	meta    func(ctx context.Context) account.RequestMeta
	hide    bool
	minLen  int
	maxBody int64
	log     *slog.Logger
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
		minLen: cfg.PasswordMinLength, maxBody: cfg.MaxBodyBytes, log: cfg.Logger,
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
	allowed := map[string]string{}
	for path, item := range spec.Paths.Map() {
		// The generated spec keeps the other APIs' paths, without operations: those are
		// not this profile's to answer. OPTIONS is not listed: DRF describes a view there,
		// which this profile does not (CORS preflights are answered before routing).
		if ops := item.Operations(); len(ops) > 0 {
			allowed[path] = strings.Join(slices.Sorted(maps.Keys(ops)), ", ")
		}
	}
	return func(r chi.Router) {
		// chi lets a route for one method override a route for every method only when
		// it is added later, so the 405s go first. OpenAPI and chi write path
		// parameters alike.
		for path, allow := range allowed {
			r.HandleFunc(path, methodNotAllowed(allow))
		}
		gen.HandlerWithOptions(s, gen.ChiServerOptions{
			BaseRouter: r,
			// The only parameter is a user id; one that does not parse names no user.
			ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				writeJSON(w, http.StatusNotFound, detail{Detail: msgNotFound})
			},
		})
	}, nil
}

// methodNotAllowed answers as DRF does for a method a view does not serve.
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, detail{Detail: `Method "` + r.Method + `" not allowed.`})
	}
}
