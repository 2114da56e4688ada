package djoser

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
)

// DjoserSetEmail changes the caller's email at once after checking current_password, as
// djoser does (the canonical API confirms the new address first). The new address is
// unverified until a link sent to it is used, and the old address is told.
//
// djoser reports a wrong current password along with an invalid or missing new email;
// so does this, verifying the password once either way.
func (s *Server) DjoserSetEmail(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var errs fieldErrors
	current, haveCurrent := b.password(&errs, "current_password")
	var newEmail string
	var emailErrs fieldErrors
	newEmail, _ = b.email(&emailErrs, field{name: "new_email"})
	if !errs.empty() || !emailErrs.empty() {
		if haveCurrent {
			wrong, err := s.wrongPassword(ctx, p, current)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if wrong {
				errs.add("current_password", msgWrongPassword)
			}
		}
		for _, f := range emailErrs.order {
			errs.add(f, emailErrs.msgs[f]...)
		}
		invalid(w, &errs)
		return
	}
	_, err := s.svc.ChangeEmailNow(ctx, p, newEmail, current, s.meta(ctx))
	var ve *account.ValidationError
	switch {
	case err == nil:
		writeEmpty(w, http.StatusNoContent)
	case errors.Is(err, account.ErrEmailTaken):
		invalidField(w, "new_email", msgEmailTaken)
	case errors.As(err, &ve):
		s.passwordErrors(&errs, ve.Problems, "new_password", "", "", "")
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
}

// DjoserSetEmailNoSlash is DjoserSetEmail without the trailing slash.
func (s *Server) DjoserSetEmailNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserSetEmail(w, r)
}
