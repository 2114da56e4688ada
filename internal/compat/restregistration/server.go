// Package restregistration serves the account API of seed 000, a municipal portal built
// on django-rest-registration, at its original paths (/api/accounts/..., with login and
// verify-email also at /api/account/...), over the same account.Service as the canonical
// API: same users, passwords, sessions, rate limits and history.
//
// It keeps that API's wire format: bodies as JSON or forms, read with Django REST
// framework's leniency; `{}` on success; errors as `{"field": ["message"]}` or
// `{"detail": "message"}`; a JWT in `{"token": ...}` at login; emailed links that carry
// `user_id`, `timestamp` and `signature` (account.SignedLink) to configured frontend pages.
// The canonical validator skips these operations (their tag starts with compat-), so this
// package reads, checks and authenticates requests itself.
package restregistration

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	gen "github.com/accountd/accountd/gen/compat/restregistration"
	"github.com/accountd/accountd/internal/account"

	"github.com/accountd/accountd/internal/compat/drf"
)

// Flow names this API to the service, so that its emails carry its links.
const Flow = "rest-registration"

// Config assembles the profile.
type Config struct {
	// Service carries out every use case. Its logins should hand out this profile's
	// longer-lived tokens (account.Service.WithAccessTokens): the API has no refresh.
	Service *account.Service
	// Meta says who is calling (client IP and user agent), as recorded by the router's
	// middleware (httpapi.RequestMeta).
	Meta func(context.Context) account.RequestMeta
	// Logger gets internal errors (default slog.Default()).
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies (default 64 KiB).
	MaxBodyBytes int64
	// ResetUnknownEmail404 restores the document's 404 for a reset link asked for an
	// unknown address. Off by default: that answer tells anyone which emails have
	// accounts.
	ResetUnknownEmail404 bool
}

// Server implements the profile's generated interface.
type Server struct {
	svc        *account.Service
	meta       func(context.Context) account.RequestMeta
	logger     *slog.Logger
	body       drf.Reader
	unknown404 bool
}

var _ gen.ServerInterface = (*Server)(nil)

// Routes returns the function that mounts the profile on a router. Each of its paths
// answers the methods it does not serve with DRF's 405 rather than the canonical API's.
func Routes(cfg Config) (func(chi.Router), error) {
	spec, err := gen.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("rest-registration: load the profile's spec: %w", err)
	}
	notAllowed := drf.MethodNotAllowed(spec, writeDetail)
	s := &Server{
		svc: cfg.Service, meta: cfg.Meta, logger: cfg.Logger, unknown404: cfg.ResetUnknownEmail404,
		// This API's departures from DRF's parsing, kept as they have always been.
		body: drf.Reader{MaxBytes: cfg.MaxBodyBytes, BlankIsEmpty: true, JSONSuffix: true, StrictForm: true},
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.body.MaxBytes <= 0 {
		s.body.MaxBytes = 64 << 10
	}
	if s.meta == nil {
		s.meta = func(context.Context) account.RequestMeta { return account.RequestMeta{} }
	}
	return func(r chi.Router) {
		notAllowed(r) // first: see drf.MethodNotAllowed
		gen.HandlerWithOptions(s, gen.ChiServerOptions{BaseRouter: r, ErrorHandlerFunc: s.parameterError})
	}, nil
}

// parameterError answers a query parameter the generated wrapper could not read. The
// only one is logout's revoke_token, a boolean.
func (s *Server) parameterError(w http.ResponseWriter, _ *http.Request, err error) {
	name := "query"
	if pe, ok := err.(*gen.InvalidParamFormatError); ok {
		name = pe.ParamName
	}
	writeField(w, name, msgBoolean)
}
