package cadasta

import (
	"errors"
	"net/http"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

// The 401 answers of DRF's TokenAuthentication.
const (
	msgNoCredentials = "Authentication credentials were not provided."
	msgNoKey         = "Invalid token header. No credentials provided."
	msgSpaces        = "Invalid token header. Token string should not contain spaces."
	msgInvalidKey    = "Invalid token."
	msgInactive      = "User inactive or deleted."
)

// tokenHeader reads the Authorization header as DRF's TokenAuthentication does: the
// word Token (in any case), one space-free key. offered is false when the header is
// absent or names another scheme, which DRF takes as no credentials; refusal is the
// answer to a Token header that is malformed.
func tokenHeader(r *http.Request) (key string, offered bool, refusal string) {
	parts := strings.Fields(r.Header.Get("Authorization"))
	switch {
	case len(parts) == 0 || !strings.EqualFold(parts[0], "Token"):
		return "", false, ""
	case len(parts) == 1:
		return "", true, msgNoKey
	case len(parts) > 2:
		return "", true, msgSpaces
	}
	return parts[1], true, ""
}

// authenticate returns the caller of an `Authorization: Token <auth_token>` request.
// Otherwise it answers 401 in DRF's words and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (account.Principal, bool) {
	key, offered, refusal := tokenHeader(r)
	if !offered {
		writeJSON(w, http.StatusUnauthorized, detail{Detail: msgNoCredentials})
		return account.Principal{}, false
	}
	return s.verify(w, r, key, refusal)
}

// optionalCaller is authenticate for operations open to anyone: no Token header is fine
// (nil), but one that is offered must be valid, as in DRF, which authenticates every
// request before it looks at permissions.
func (s *Server) optionalCaller(w http.ResponseWriter, r *http.Request) (*account.Principal, bool) {
	key, offered, refusal := tokenHeader(r)
	if !offered {
		return nil, true
	}
	p, ok := s.verify(w, r, key, refusal)
	return &p, ok
}

// verify finds the caller of an offered key, or answers 401 and returns false.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, key, refusal string) (account.Principal, bool) {
	if refusal != "" {
		writeJSON(w, http.StatusUnauthorized, detail{Detail: refusal})
		return account.Principal{}, false
	}
	p, err := s.svc.AuthenticateSessionToken(r.Context(), key)
	switch {
	case err == nil:
		return p, true
	case errors.Is(err, account.ErrAccountInactive):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: msgInactive})
	case errors.Is(err, account.ErrUnauthenticated):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: msgInvalidKey})
	default:
		s.fail(w, r, err)
	}
	return account.Principal{}, false
}
