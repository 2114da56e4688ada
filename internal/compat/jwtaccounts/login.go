package jwtaccounts

import (
	"errors"
	"net/http"

	gen "github.com/accountd/accountd/gen/compat/jwtaccounts"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// JwtaLogin logs an activated account in by email and password and answers the
// session's access and refresh tokens.
func (s *Server) JwtaLogin(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, s.body)
	if !ok {
		return
	}
	var errs drf.Errors
	email, _ := b.email(&errs, "email")
	password, _ := b.password(&errs, "password")
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	ctx := r.Context()
	t, err := s.svc.Login(ctx, email, password, s.meta(ctx))
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, gen.JwtaTokens{
			Msg: sprintf(msgLoggedIn, t.User.Username), AccessToken: t.AccessToken, RefreshToken: t.RefreshToken,
		})
	case errors.Is(err, account.ErrInvalidCredentials):
		writeDetail(w, http.StatusUnauthorized, msgBadCredentials)
	case errors.Is(err, account.ErrInactive):
		// Told only once the password is right, as the canonical API does.
		writeDetail(w, http.StatusForbidden, msgInactive)
	default:
		s.fail(w, r, err)
	}
}

// JwtaRefresh exchanges a refresh token for a new pair, as the canonical API's refresh
// does: the token works once, and a spent one presented again ends its session.
func (s *Server) JwtaRefresh(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, s.body)
	if !ok {
		return
	}
	var errs drf.Errors
	refresh, _ := b.str(&errs, field{name: "refresh_token"})
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	ctx := r.Context()
	t, err := s.svc.Refresh(ctx, refresh, s.meta(ctx))
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, gen.JwtaTokens{Msg: msgRefreshed, AccessToken: t.AccessToken, RefreshToken: t.RefreshToken})
	case errors.Is(err, account.ErrRefreshInvalid):
		writeDetail(w, http.StatusUnauthorized, msgBadRefresh)
	default:
		s.fail(w, r, err)
	}
}
