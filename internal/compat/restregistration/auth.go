package restregistration

import (
	"errors"
	"net/http"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

const (
	detailNoCredentials = "Authentication credentials were not provided."
	detailTokenInvalid  = "Token is invalid or expired."
)

// unauthorized answers 401 with the challenge DRF's token authentication sends.
func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	writeDetail(w, http.StatusUnauthorized, detail)
}

// credentials returns the token of an `Authorization: Bearer <token>` header (`JWT
// <token>` too, the header word of django-rest-framework-jwt), and whether the request
// offers one at all. Another scheme counts as no credentials, as in DRF, where no
// authenticator claims it; a malformed Bearer header is an invalid token.
func credentials(r *http.Request) (token string, offered bool) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "JWT") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// caller authenticates the request. Without a valid token it answers 401 itself and
// returns false.
func (s *Server) caller(w http.ResponseWriter, r *http.Request) (account.Principal, bool) {
	token, offered := credentials(r)
	if !offered {
		unauthorized(w, detailNoCredentials)
		return account.Principal{}, false
	}
	return s.authenticate(w, r, token)
}

// optionalCaller is caller for operations open to anyone: no token is fine (nil), but
// one that is offered must be valid, as in DRF, which authenticates before it looks at
// permissions.
func (s *Server) optionalCaller(w http.ResponseWriter, r *http.Request) (*account.Principal, bool) {
	token, offered := credentials(r)
	if !offered {
		return nil, true
	}
	p, ok := s.authenticate(w, r, token)
	return &p, ok
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, token string) (account.Principal, bool) {
	if token == "" || strings.ContainsAny(token, " \t") {
		unauthorized(w, detailTokenInvalid)
		return account.Principal{}, false
	}
	p, err := s.svc.Authenticate(r.Context(), token)
	if err != nil {
		if errors.Is(err, account.ErrUnauthenticated) {
			unauthorized(w, detailTokenInvalid)
		} else {
			s.fail(w, r, err, nil)
		}
		return account.Principal{}, false
	}
	return p, true
}
