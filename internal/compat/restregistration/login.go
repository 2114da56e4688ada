package restregistration

import (
	"net/http"

	gen "github.com/accountd/accountd/gen/compat/restregistration"

	"github.com/accountd/accountd/internal/compat/drf"
)

// RestregLogin logs in at the document's path.
func (s *Server) RestregLogin(w http.ResponseWriter, r *http.Request) { s.login(w, r) }

// RestregLoginAccounts logs in at django-rest-registration's own path, next to the
// other operations.
func (s *Server) RestregLoginAccounts(w http.ResponseWriter, r *http.Request) { s.login(w, r) }

// login starts a session and answers its access token.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	errs := &drf.Errors{}
	login, password := b.required("login", errs), b.secret("password", errs)
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	t, err := s.svc.Login(r.Context(), login, password, s.meta(r.Context()))
	if err != nil {
		s.fail(w, r, err, nil)
		return
	}
	// The session's refresh token stays unused: this API has none, which is why its
	// access tokens live longer (see Config.Service).
	writeJSON(w, http.StatusOK, gen.RestregToken{Token: t.AccessToken})
}

// RestregLogout ends the session of the token presented.
func (s *Server) RestregLogout(w http.ResponseWriter, r *http.Request, params gen.RestregLogoutParams) {
	p, ok := s.caller(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	// revoke_token is checked as DRF would, but the session ends whatever its value: an
	// accountd token never outlives its session, and a client that logs out does not
	// mean to keep using the token. params.RevokeToken has been checked by the wrapper.
	errs := &drf.Errors{}
	b.boolean("revoke_token", errs)
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	if err := s.svc.Logout(r.Context(), p, false, s.meta(r.Context())); err != nil {
		s.fail(w, r, err, nil)
		return
	}
	writeEmpty(w, http.StatusOK)
}
