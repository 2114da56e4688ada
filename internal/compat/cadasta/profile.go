package cadasta

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	gen "github.com/accountd/accountd/gen/compat/cadasta"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat"
	"github.com/accountd/accountd/internal/compat/drf"
)

// Flow names this profile: the value of ACCOUNTD_COMPAT that serves it, and the flow of
// its emails, whose links take its settings' format.
const Flow = "cadasta"

// Profile is the Cadasta compatibility profile, as internal/app registers it: its
// settings and links are in settings.go.
type Profile struct{}

var _ compat.Profile = Profile{}

// Name is the profile's name in ACCOUNTD_COMPAT and in its emails' flow.
func (Profile) Name() string { return Flow }

// Tag is the tag of the profile's operations in openapi.yaml.
func (Profile) Tag() string { return "compat-cadasta" }

// Routes builds the profile's server over d and returns the function that mounts it.
// Its logins hand out session tokens that live ACCOUNTD_CADASTA_TOKEN_TTL, the
// auth_token of the API (account.Service.WithSessionTokens). It honours
// ACCOUNTD_HIDE_EXISTING_EMAILS, ACCOUNTD_PASSWORD_MIN_LENGTH (for Django's "too short"
// message) and ACCOUNTD_MAX_BODY_BYTES.
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
		svc: d.Service.WithSessionTokens(SettingsOf(&d.Config).TokenTTL), meta: d.Meta,
		hide: d.Config.HideExistingEmails, minLen: d.Config.PasswordMinLength,
		body: drf.Reader{MaxBytes: maxBody}, log: d.Logger,
	}
	spec, err := gen.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("cadasta: load the profile's spec: %w", err)
	}
	notAllowed := drf.MethodNotAllowed(spec, func(w http.ResponseWriter, status int, msg string) {
		writeJSON(w, status, detail{Detail: msg})
	})
	return func(r chi.Router) {
		notAllowed(r) // first: see drf.MethodNotAllowed
		gen.HandlerWithOptions(s, gen.ChiServerOptions{
			BaseRouter: r,
			// The parameters are strings; only a query parameter given twice can fail
			// to bind (a listing's filter).
			ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				writeJSON(w, http.StatusBadRequest, detail{Detail: "Each query parameter may be given once."})
			},
		})
	}, nil
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
