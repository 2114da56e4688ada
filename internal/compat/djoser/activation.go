package djoser

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// decodeUID reads djoser's uid: the user id in URL-safe base64, as Django's
// urlsafe_base64_encode writes it (without padding; padding is accepted too).
func decodeUID(uid string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(uid, "="))
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	return id, err == nil && id > 0
}

// DjoserActivation activates an account with the uid and token of its emailed link.
func (s *Server) DjoserActivation(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	uid, _ := b.str(&errs, field{name: "uid"})
	token, _ := b.str(&errs, field{name: "token"})
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	id, ok := decodeUID(uid)
	if !ok {
		invalidField(w, "uid", msgInvalidUID)
		return
	}
	_, err := s.svc.Activate(r.Context(), account.UserTokenProof(id, token), s.meta(r.Context()))
	switch {
	case err == nil:
		writeEmpty(w, http.StatusNoContent)
	case errors.Is(err, account.ErrNotFound):
		invalidField(w, "uid", msgInvalidUID)
	case errors.Is(err, account.ErrAlreadyActive):
		writeJSON(w, http.StatusForbidden, detail{Detail: msgStaleToken})
	case errors.Is(err, account.ErrTokenInvalid):
		invalidField(w, "token", msgInvalidToken)
	default:
		s.fail(w, r, err)
	}
}

// DjoserResendActivation emails a fresh activation link. djoser answers 400 with no body
// when the address has no account awaiting activation; that tells who has an account, so
// it is done only with taken emails not hidden, and 204 answers every address otherwise.
func (s *Server) DjoserResendActivation(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	email, _ := b.email(&errs, field{name: "email"})
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	ctx := r.Context()
	sent, err := s.svc.ResendActivation(ctx, email, Flow, s.meta(ctx))
	switch {
	case err != nil:
		s.fail(w, r, err)
	case !sent && !s.hide:
		writeEmpty(w, http.StatusBadRequest)
	default:
		writeEmpty(w, http.StatusNoContent)
	}
}

// DjoserActivationNoSlash is DjoserActivation without the trailing slash.
func (s *Server) DjoserActivationNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserActivation(w, r)
}

// DjoserResendActivationNoSlash is DjoserResendActivation without the trailing slash.
func (s *Server) DjoserResendActivationNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserResendActivation(w, r)
}
