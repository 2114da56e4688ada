// Package restregistration serves the account API of a municipal portal built on
// django-rest-registration, at its original paths (/api/accounts/..., with login and
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
	"github.com/accountd/accountd/internal/compat"
	"github.com/accountd/accountd/internal/compat/drf"
)

// Flow names this profile: the value of ACCOUNTD_COMPAT that serves it, and the flow
// its requests give the service, so that its emails carry its links.
const Flow = "rest-registration"

// Profile is the django-rest-registration compatibility profile, as internal/app
// registers it: its settings and links are in settings.go.
type Profile struct{}

var _ compat.Profile = Profile{}

// Name is the profile's name in ACCOUNTD_COMPAT and in its emails' flow.
func (Profile) Name() string { return Flow }

// Tag is the tag of the profile's operations in openapi.yaml.
func (Profile) Tag() string { return "compat-rest-registration" }

// Routes builds the profile's server over d and returns the function that mounts it.
// Its login hands out one access token and no refresh token, so the token lives
// ACCOUNTD_RESTREG_TOKEN_TTL (no longer than ACCOUNTD_SESSION_TTL) and its session ends
// with it: every use case runs on a service that issues those tokens.
func (Profile) Routes(d compat.Deps) (func(chi.Router), error) {
	ttl := min(SettingsOf(&d.Config).TokenTTL, d.Config.SessionTTL)
	long, err := d.AccessTokens(ttl)
	if err != nil {
		return nil, fmt.Errorf("config: ACCOUNTD_RESTREG_TOKEN_TTL: %w", err)
	}
	spec, err := gen.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("rest-registration: load the profile's spec: %w", err)
	}
	notAllowed := drf.MethodNotAllowed(spec, writeDetail)
	s := &Server{
		svc: d.Service.WithAccessTokens(long, ttl), meta: d.Meta, logger: d.Logger,
		unknown404: SettingsOf(&d.Config).ResetUnknownEmail404,
		// This API's departures from DRF's parsing, kept as they have always been.
		body: drf.Reader{MaxBytes: d.Config.MaxBodyBytes, BlankIsEmpty: true, JSONSuffix: true, StrictForm: true},
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

// Server implements the profile's generated interface.
type Server struct {
	svc        *account.Service
	meta       func(context.Context) account.RequestMeta
	logger     *slog.Logger
	body       drf.Reader
	unknown404 bool
}

var _ gen.ServerInterface = (*Server)(nil)

// parameterError answers a query parameter the generated wrapper could not read. The
// only one is logout's revoke_token, a boolean.
func (s *Server) parameterError(w http.ResponseWriter, _ *http.Request, err error) {
	name := "query"
	if pe, ok := err.(*gen.InvalidParamFormatError); ok {
		name = pe.ParamName
	}
	writeField(w, name, msgBoolean)
}
