package djoser

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// tokenPair is SimpleJWT's answer to a login.
type tokenPair struct {
	Refresh string `json:"refresh"`
	Access  string `json:"access"`
}

// accessOnly is SimpleJWT's answer to a refresh without rotation.
type accessOnly struct {
	Access string `json:"access"`
}

// empty is the {} of a verified token and a logout.
type empty struct{}

// DjoserJwtCreate logs in with email and password. A wrong password, an unknown email
// and an inactive account get the same answer, as in SimpleJWT.
func (s *Server) DjoserJwtCreate(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	email, _ := b.str(&errs, field{name: "email"})
	password, _ := b.password(&errs, "password")
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	ctx := r.Context()
	t, err := s.svc.Login(ctx, email, password, s.meta(ctx))
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, tokenPair{Refresh: t.RefreshToken, Access: t.AccessToken})
	case errors.Is(err, account.ErrInvalidCredentials), errors.Is(err, account.ErrInactive):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: msgNoAccount})
	default:
		s.fail(w, r, err)
	}
}

// DjoserJwtRefresh signs a new access token for a refresh token, which stays valid: no
// rotation, as SimpleJWT does by default. The session must still be live.
func (s *Server) DjoserJwtRefresh(w http.ResponseWriter, r *http.Request) {
	refresh, ok := s.readToken(w, r, "refresh")
	if !ok {
		return
	}
	t, err := s.svc.RefreshAccess(r.Context(), refresh, s.meta(r.Context()))
	if err != nil {
		s.refreshProblem(w, r, refresh, err)
		return
	}
	writeJSON(w, http.StatusOK, accessOnly{Access: t.AccessToken})
}

// DjoserJwtVerify answers {} for a token that would be accepted now: an access token
// whose session is live, or a refresh token whose session is live. SimpleJWT checks only
// the signature and expiry; accountd also refuses the tokens of an ended session.
func (s *Server) DjoserJwtVerify(w http.ResponseWriter, r *http.Request) {
	token, ok := s.readToken(w, r, "token")
	if !ok {
		return
	}
	ctx := r.Context()
	var err error
	if looksLikeJWT(token) {
		_, err = s.svc.IntrospectAccess(ctx, token)
	} else {
		_, err = s.svc.IntrospectRefresh(ctx, token)
	}
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, empty{})
	case errors.Is(err, account.ErrRefreshRevoked):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "Token is blacklisted", Code: "token_not_valid"})
	case errors.Is(err, account.ErrUnauthenticated), errors.Is(err, account.ErrRefreshInvalid):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "Token is invalid or expired", Code: "token_not_valid"})
	default:
		s.fail(w, r, err)
	}
}

// DjoserLogout ends the session of a refresh token (SimpleJWT's blacklist view): its
// access tokens stop working too, which SimpleJWT's do not.
func (s *Server) DjoserLogout(w http.ResponseWriter, r *http.Request) {
	refresh, ok := s.readToken(w, r, "refresh")
	if !ok {
		return
	}
	if err := s.svc.LogoutRefresh(r.Context(), refresh, s.meta(r.Context())); err != nil {
		s.refreshProblem(w, r, refresh, err)
		return
	}
	writeJSON(w, http.StatusOK, empty{})
}

// readToken reads a body with one required token field.
func (s *Server) readToken(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	b, ok := s.readBody(w, r)
	if !ok {
		return "", false
	}
	var errs drf.Errors
	token, _ := b.str(&errs, field{name: name})
	if !errs.Empty() {
		invalid(w, &errs)
		return "", false
	}
	return token, true
}

// DjoserJwtCreateNoSlash is DjoserJwtCreate without the trailing slash.
func (s *Server) DjoserJwtCreateNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserJwtCreate(w, r)
}

// DjoserJwtRefreshNoSlash is DjoserJwtRefresh without the trailing slash.
func (s *Server) DjoserJwtRefreshNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserJwtRefresh(w, r)
}

// DjoserJwtVerifyNoSlash is DjoserJwtVerify without the trailing slash.
func (s *Server) DjoserJwtVerifyNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserJwtVerify(w, r)
}

// DjoserLogoutNoSlash is DjoserLogout without the trailing slash.
func (s *Server) DjoserLogoutNoSlash(w http.ResponseWriter, r *http.Request) { s.DjoserLogout(w, r) }
