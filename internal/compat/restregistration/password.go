package restregistration

import (
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// RestregSendResetPasswordLink emails a reset link to an active account's address.
func (s *Server) RestregSendResetPasswordLink(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	errs := &drf.Errors{}
	email := b.required("email", errs)
	checkEmail("email", email, errs)
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	ctx := r.Context()
	// The rate limits count first, whatever the answer will be.
	if err := s.svc.ForgotPassword(ctx, email, Flow, s.meta(ctx)); err != nil {
		s.fail(w, r, err, nil)
		return
	}
	if s.unknown404 {
		known, err := s.svc.EmailRegistered(ctx, email)
		if err != nil {
			s.fail(w, r, err, nil)
			return
		}
		if !known {
			writeDetail(w, http.StatusNotFound, "User not found")
			return
		}
	}
	writeEmpty(w, http.StatusOK)
}

// RestregResetPassword sets a new password with a reset link.
func (s *Server) RestregResetPassword(w http.ResponseWriter, r *http.Request) {
	b, link, errs, ok := s.readLink(w, r, false)
	if !ok {
		return
	}
	password := b.secret("password", errs)
	if confirm, given := b.text("password_confirm", errs); given && errs.Empty() && confirm != password {
		errs.Add("password_confirm", msgMismatch)
	}
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	if _, err := s.svc.ResetPassword(r.Context(), account.LinkProof(link), password, s.meta(r.Context())); err != nil {
		s.fail(w, r, err, nil)
		return
	}
	writeEmpty(w, http.StatusOK)
}

// RestregChangePassword replaces the password after checking the old one.
func (s *Server) RestregChangePassword(w http.ResponseWriter, r *http.Request) {
	p, ok := s.caller(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	errs := &drf.Errors{}
	old, password, confirm := b.secret("old_password", errs), b.secret("password", errs), b.secret("password_confirm", errs)
	if errs.Empty() && password != confirm {
		errs.Add("password_confirm", msgMismatch)
	}
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	err := s.svc.ChangePassword(r.Context(), p, old, password, s.meta(r.Context()))
	if err != nil {
		s.fail(w, r, err, fields{"current_password": "old_password", "new_password": "password"})
		return
	}
	writeEmpty(w, http.StatusOK)
}
