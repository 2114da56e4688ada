package djoser

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
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
	var errs drf.Errors
	current, haveCurrent := b.password(&errs, "current_password")
	var newEmail string
	var emailErrs drf.Errors
	newEmail, _ = b.email(&emailErrs, field{name: "new_email"})
	if !errs.Empty() || !emailErrs.Empty() {
		if haveCurrent {
			wrong, err := s.wrongPassword(ctx, p, current)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if wrong {
				errs.Add("current_password", msgWrongPassword)
			}
		}
		errs.Append(&emailErrs)
		invalid(w, &errs)
		return
	}
	_, err := s.svc.ChangeEmailNow(ctx, p, newEmail, current, s.meta(ctx))
	var ve *account.ValidationError
	switch {
	case err == nil:
		writeEmpty(w, http.StatusNoContent)
	case errors.Is(err, account.ErrEmailTaken):
		invalidField(w, "new_email", drf.MsgEmailTaken)
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
