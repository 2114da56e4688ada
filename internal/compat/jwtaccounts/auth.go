package jwtaccounts

import (
	"errors"
	"net/http"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

// authenticate reads `Authorization: Bearer <access_token>` and returns the caller.
// Otherwise it answers 401 in SimpleJWT's words and returns false. The token is checked
// against its session on every request, so a logout, a password change elsewhere or a
// reset refuses it at once.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (account.Principal, bool) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		writeDetail(w, http.StatusUnauthorized, msgNoCredentials)
		return account.Principal{}, false
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		writeDetail(w, http.StatusUnauthorized, msgBadAccessToken)
		return account.Principal{}, false
	}
	p, err := s.svc.Authenticate(r.Context(), token)
	switch {
	case err == nil:
		return p, true
	case errors.Is(err, account.ErrUnauthenticated):
		writeDetail(w, http.StatusUnauthorized, msgBadAccessToken)
	default:
		s.fail(w, r, err)
	}
	return account.Principal{}, false
}
