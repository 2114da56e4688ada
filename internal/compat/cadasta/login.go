package cadasta

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// authToken is the platform's answer to a login.
type authToken struct {
	AuthToken string `json:"auth_token"`
}

// CadastaLogin logs in with a username or email and a password, and answers the
// auth_token of a new session. Both fields are optional to the platform's serializer: a
// missing one fails as wrong credentials do.
func (s *Server) CadastaLogin(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	login, haveLogin := b.str(&errs, field{name: "username", optional: true})
	password, havePassword := b.str(&errs, field{name: "password", optional: true, keepSpace: true})
	switch {
	case !errs.Empty():
		invalid(w, &errs)
		return
	case !haveLogin || !havePassword:
		invalidField(w, drf.NonField, msgBadCredentials)
		return
	}
	ctx := r.Context()
	t, err := s.svc.Login(ctx, login, password, s.meta(ctx))
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, authToken{AuthToken: t.SessionToken})
	case errors.Is(err, account.ErrInvalidCredentials):
		invalidField(w, drf.NonField, msgBadCredentials)
	case errors.Is(err, account.ErrInactive):
		// Told only once the password is right, as the platform did.
		invalidField(w, drf.NonField, msgDisabled)
	default:
		s.fail(w, r, err)
	}
}

// CadastaLogout ends the session of the token presented, and with it the token. The
// platform deleted the user's only token, logging out every client; here each login has
// its own session, and the others stay.
func (s *Server) CadastaLogout(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if err := s.svc.Logout(r.Context(), p, false, s.meta(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	writeEmpty(w, http.StatusOK)
}
