// Package jwtaccounts serves the JWT accounts API (registration with emailed
// activation, login by email to an access and a refresh token, a profile with country,
// profession, bio, thoughts and a picture, a dashboard and the user's history) at its
// original paths under /accounts/api/, over the same account.Service as the canonical
// API: same users, passwords, sessions, rate limits and history.
//
// It answers as the Django REST framework backend behind the document does: bodies as
// JSON, form-encoded or multipart; success as {"msg": ...} (and the tokens at login);
// errors as {"field": ["message"]} or {"detail": "message"}; `Authorization: Bearer
// <access_token>`. Its emailed links are `<verification_base_url>/<uidb64>/<token>/`,
// where the client may choose the base among the origins the operator allows
// (account.Service.EmailLinksUnder) and otherwise gets the configured page. The
// operations are tagged compat-jwt-accounts in openapi.yaml and generated into
// gen/compat/jwtaccounts; the canonical validator skips them, so this package reads,
// checks and authenticates requests itself.
package jwtaccounts

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	gen "github.com/accountd/accountd/gen/compat/jwtaccounts"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat"
	"github.com/accountd/accountd/internal/compat/drf"
)

// Flow names this profile: the value of ACCOUNTD_COMPAT that serves it, and the flow
// of its emails, whose links take its format (`<base>/<uidb64>/<token>/`).
const Flow = "jwt-accounts"

// Profile is the jwt-accounts compatibility profile, as internal/app registers it: its
// settings and links are in settings.go.
type Profile struct{}

var _ compat.Profile = Profile{}

// Name is the profile's name in ACCOUNTD_COMPAT and in its emails' flow.
func (Profile) Name() string { return Flow }

// Tag is the tag of the profile's operations in openapi.yaml.
func (Profile) Tag() string { return "compat-jwt-accounts" }

// Routes builds the profile's server over d and returns the function that mounts it.
// Bodies are bounded by ACCOUNTD_MAX_BODY_BYTES, except the profile update's, which may
// carry a picture of up to account.MaxAvatarBytes besides.
func (Profile) Routes(d compat.Deps) (func(chi.Router), error) {
	spec, err := gen.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("jwt-accounts: load the profile's spec: %w", err)
	}
	maxBody := d.Config.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 64 << 10
	}
	s := &Server{
		svc: d.Service, meta: d.Meta, logger: d.Logger,
		publicURL: strings.TrimRight(SettingsOf(&d.Config).PublicURL, "/"),
		body:      drf.Reader{MaxBytes: maxBody},
		upload:    drf.Reader{MaxBytes: maxBody + account.MaxAvatarBytes, Files: true},
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.meta == nil {
		s.meta = func(context.Context) account.RequestMeta { return account.RequestMeta{} }
	}
	notAllowed := drf.MethodNotAllowed(spec, writeDetail)
	return func(r chi.Router) {
		notAllowed(r) // first: see drf.MethodNotAllowed
		gen.HandlerWithOptions(s, gen.ChiServerOptions{BaseRouter: r, ErrorHandlerFunc: s.parameterError})
	}, nil
}

// Server implements the profile's generated interface.
type Server struct {
	svc    *account.Service
	meta   func(context.Context) account.RequestMeta
	logger *slog.Logger
	// publicURL is ACCOUNTD_JWTACCOUNTS_PUBLIC_URL without its trailing slash: where
	// clients reach accountd, for the URLs of uploaded pictures and of history pages.
	// Never the request's Host, which the client writes.
	publicURL string
	// body reads every body but the profile update's, which upload reads.
	body, upload drf.Reader
}

var _ gen.ServerInterface = (*Server)(nil)

// parameterError answers a parameter the generated wrapper could not read: a history
// page's cursor or size, a link's uidb64 or token, a picture's name.
func (s *Server) parameterError(w http.ResponseWriter, _ *http.Request, err error) {
	name := ""
	switch e := err.(type) {
	case *gen.InvalidParamFormatError:
		name = e.ParamName
	case *gen.RequiredParamError:
		name = e.ParamName
	case *gen.TooManyValuesForParamError:
		name = e.ParamName
	}
	switch name {
	case "uidb64", "token":
		writeDetail(w, http.StatusBadRequest, msgBadLink)
	case "name":
		writeDetail(w, http.StatusNotFound, drf.MsgNotFound)
	case "page_size":
		invalidField(w, name, msgInteger)
	default:
		writeDetail(w, http.StatusBadRequest, msgBadCursor)
	}
}
