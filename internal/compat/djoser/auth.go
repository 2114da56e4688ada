package djoser

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

// authenticate reads the Authorization header as SimpleJWT's JWTAuthentication does and
// returns the caller. Otherwise it answers 401 in SimpleJWT's words and returns false.
//
// Unlike SimpleJWT, every access token is checked against its session, so the tokens of a
// session ended by a logout, a password reset or a deletion stop working at once.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (account.Principal, bool) {
	parts := strings.Fields(r.Header.Get("Authorization"))
	// SimpleJWT ignores a header with another scheme (another authenticator's, say).
	if len(parts) == 0 || !(strings.EqualFold(parts[0], "Bearer") || strings.EqualFold(parts[0], "JWT")) {
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "Authentication credentials were not provided."})
		return account.Principal{}, false
	}
	if len(parts) != 2 {
		writeJSON(w, http.StatusUnauthorized, detail{
			Detail: "Authorization header must contain two space-delimited values", Code: "bad_authorization_header"})
		return account.Principal{}, false
	}
	token := parts[1]
	p, err := s.svc.Authenticate(r.Context(), token)
	switch {
	case err == nil:
		return p, true
	case errors.Is(err, account.ErrAccountGone):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "User not found", Code: "user_not_found"})
	case errors.Is(err, account.ErrAccountInactive):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "User is inactive", Code: "user_inactive"})
	case errors.Is(err, account.ErrUnauthenticated):
		why := "Token is invalid or expired"
		if s.isRefreshToken(r.Context(), token) {
			why = "Token has wrong type"
		}
		writeJSON(w, http.StatusUnauthorized, detail{
			Detail: "Given token not valid for any token type", Code: "token_not_valid",
			Messages: []tokenMessage{{TokenClass: "AccessToken", TokenType: "access", Message: why}},
		})
	default:
		s.fail(w, r, err)
	}
	return account.Principal{}, false
}

// looksLikeJWT tells an access token (a JWT) from a refresh token (opaque, no dots)
// without asking the database.
func looksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }

// isRefreshToken reports whether token is one of accountd's refresh tokens that has not
// expired, so that presenting it as an access token gets SimpleJWT's "wrong type".
func (s *Server) isRefreshToken(ctx context.Context, token string) bool {
	if looksLikeJWT(token) || len(token) > 256 {
		return false
	}
	_, err := s.svc.IntrospectRefresh(ctx, token)
	return err == nil || errors.Is(err, account.ErrRefreshRevoked)
}

// isAccessToken reports whether token is a valid access token, so that presenting it
// as a refresh token gets SimpleJWT's "wrong type".
func (s *Server) isAccessToken(ctx context.Context, token string) bool {
	if !looksLikeJWT(token) {
		return false
	}
	_, err := s.svc.IntrospectAccess(ctx, token)
	return err == nil
}

// refreshProblem answers a refresh token that was refused, in SimpleJWT's words.
func (s *Server) refreshProblem(w http.ResponseWriter, r *http.Request, token string, err error) {
	switch {
	case errors.Is(err, account.ErrRefreshRevoked):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "Token is blacklisted", Code: "token_not_valid"})
	case errors.Is(err, account.ErrRefreshInvalid):
		why := "Token is invalid or expired"
		if s.isAccessToken(r.Context(), token) {
			why = "Token has wrong type"
		}
		writeJSON(w, http.StatusUnauthorized, detail{Detail: why, Code: "token_not_valid"})
	default:
		s.fail(w, r, err)
	}
}
