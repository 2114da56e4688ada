package djoser

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	gen "github.com/accountd/accountd/gen/compat/djoser"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat"
	"github.com/accountd/accountd/internal/compat/drf"
)

// Flow names this profile: the value of ACCOUNTD_COMPAT that serves it, and the flow
// of its emails, whose links take djoser's format (`{frontend}/activate/{uid}/{token}`).
const Flow = "djoser"

// Profile is the djoser compatibility profile, as internal/app registers it: its
// settings and links are in settings.go.
type Profile struct{}

var _ compat.Profile = Profile{}

// Name is the profile's name in ACCOUNTD_COMPAT and in its emails' flow.
func (Profile) Name() string { return Flow }

// Tag is the tag of the profile's operations in openapi.yaml.
func (Profile) Tag() string { return "compat-djoser" }

// Routes builds the profile's server over d and returns the function that mounts it.
// It honours ACCOUNTD_HIDE_EXISTING_EMAILS (no answer tells whether an email has an
// account) and ACCOUNTD_PASSWORD_MIN_LENGTH (for Django's "too short" message).
func (Profile) Routes(d compat.Deps) (func(chi.Router), error) {
	if d.Meta == nil {
		d.Meta = func(context.Context) account.RequestMeta { return account.RequestMeta{} }
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	maxBody := d.Config.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 64 << 10
	}
	s := &Server{
		svc: d.Service, meta: d.Meta, hide: d.Config.HideExistingEmails,
		minLen: d.Config.PasswordMinLength, body: drf.Reader{MaxBytes: maxBody}, log: d.Logger,
	}
	return s.routes()
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

// routes returns the function that adds the profile's routes to a router. Every path
// of the profile also answers the methods it does not serve, with DRF's 405 rather than
// the canonical API's problem.
func (s *Server) routes() (func(chi.Router), error) {
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
