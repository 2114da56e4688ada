package jwtaccounts

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// newPassword reads new_password and confirm_password, which must match: the retype is
// this API's field, so its check is here; the password's strength is the service's.
func (b body) newPassword(errs *drf.Errors) string {
	password, ok := b.password(errs, "new_password")
	confirm, okConfirm := b.password(errs, "confirm_password")
	if ok && okConfirm && password != confirm {
		errs.Add("confirm_password", msgMismatch)
	}
	return password
}

// JwtaChangePassword replaces the caller's password after checking the old one. The
// caller's session stays; the account's other sessions end.
func (s *Server) JwtaChangePassword(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	b, ok := readBody(w, r, s.body)
	if !ok {
		return
	}
	var errs drf.Errors
	old, _ := b.password(&errs, "old_password")
	password := b.newPassword(&errs)
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	err := s.svc.ChangePassword(r.Context(), p, old, password, s.meta(r.Context()))
	if problems, isProblem := asProblems(err); isProblem {
		addProblems(&errs, problems, "new_password")
		invalid(w, &errs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, msgPasswordChanged)
}

// JwtaForgetPassword emails a reset link to an active account, under the
// verification_base_url the client sent when the account service allows it. The answer
// is the same for every address.
func (s *Server) JwtaForgetPassword(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, s.body)
	if !ok {
		return
	}
	var errs drf.Errors
	email, _ := b.email(&errs, "email")
	svc := s.linksUnder(&errs, b.baseURL(&errs))
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	if err := svc.ForgotPassword(r.Context(), email, Flow, s.meta(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, msgResetSent)
}

// JwtaSetNewPassword sets a new password with the uidb64 and token of a reset link; no
// sign-in is needed, the link is the proof. Every session of the account ends. A link
// that does not work gets one answer, whatever the reason.
func (s *Server) JwtaSetNewPassword(w http.ResponseWriter, r *http.Request, uidb64, token string) {
	b, ok := readBody(w, r, s.body)
	if !ok {
		return
	}
	var errs drf.Errors
	password := b.newPassword(&errs)
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	id, ok := decodeUID(uidb64)
	if !ok {
		writeDetail(w, http.StatusBadRequest, msgBadLink)
		return
	}
	_, err := s.svc.ResetPassword(r.Context(), account.UserTokenProof(id, token), password, s.meta(r.Context()))
	problems, isProblem := asProblems(err)
	switch {
	case err == nil:
		writeMsg(w, http.StatusOK, msgPasswordSet)
	case errors.Is(err, account.ErrNotFound), errors.Is(err, account.ErrTokenInvalid):
		writeDetail(w, http.StatusBadRequest, msgBadLink)
	case isProblem:
		// A weak password leaves the link unspent, to try again.
		addProblems(&errs, problems, "new_password")
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
}
