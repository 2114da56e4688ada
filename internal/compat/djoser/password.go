package djoser

import (
	"context"
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// DjoserSetPassword changes the caller's password; the caller's session stays, the
// account's other sessions end.
//
// Errors come in djoser's order: the fields, a wrong current password among them (it is
// a field error there), then the new password's strength, then the retype. The current
// password is verified once whatever happens: by ChangePassword, or here when the
// request fails anyway and a wrong current password must be named.
func (s *Server) DjoserSetPassword(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ctx, u := r.Context(), p.User
	var fields drf.Errors
	newPassword, _ := b.password(&fields, "new_password")
	reNew, _ := b.password(&fields, "re_new_password")
	current, haveCurrent := b.password(&fields, "current_password")
	// What djoser checks once the fields are valid: strength, then the retype.
	var later drf.Errors
	if fields.Empty() {
		s.passwordErrors(&later, s.svc.PasswordProblems("new_password", newPassword, u.Username, u.Email),
			"new_password", newPassword, u.Username, u.Email)
		if later.Empty() && newPassword != reNew {
			later.Add(drf.NonField, msgMismatch)
		}
	}
	if !fields.Empty() || !later.Empty() {
		if haveCurrent {
			wrong, err := s.wrongPassword(ctx, p, current)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if wrong {
				fields.Add("current_password", msgWrongPassword)
			}
		}
		if fields.Empty() {
			fields = later
		}
		invalid(w, &fields)
		return
	}
	err := s.svc.ChangePassword(ctx, p, current, newPassword, s.meta(ctx))
	var ve *account.ValidationError
	switch {
	case err == nil:
		writeEmpty(w, http.StatusNoContent)
	case errors.As(err, &ve):
		s.passwordErrors(&fields, ve.Problems, "new_password", newPassword, u.Username, u.Email)
		invalid(w, &fields)
	default:
		s.fail(w, r, err)
	}
}

// wrongPassword reports whether password is not the caller's current one; err is a
// failure to tell.
func (s *Server) wrongPassword(ctx context.Context, p account.Principal, password string) (bool, error) {
	err := s.svc.CheckCurrentPassword(ctx, p, password)
	var ve *account.ValidationError
	if errors.As(err, &ve) {
		return true, nil
	}
	return false, err
}

// DjoserResetPassword emails a reset link to an active account. The answer is 204
// whatever the address, as djoser's is by default.
func (s *Server) DjoserResetPassword(w http.ResponseWriter, r *http.Request) {
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
	if err := s.svc.ForgotPassword(r.Context(), email, Flow, s.meta(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	writeEmpty(w, http.StatusNoContent)
}

// DjoserResetPasswordConfirm sets a new password with the uid and token of a reset link.
// Every session of the account ends, so tokens issued before the reset stop working
// (djoser's keep working until they expire).
//
// Checks run in djoser's order: the fields, the new password's strength, the retype,
// the uid, the token.
func (s *Server) DjoserResetPasswordConfirm(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	uid, _ := b.str(&errs, field{name: "uid"})
	token, _ := b.str(&errs, field{name: "token"})
	newPassword, _ := b.password(&errs, "new_password")
	reNew, _ := b.password(&errs, "re_new_password")
	if errs.Empty() {
		// Strength without the account's names, which djoser does not know yet either;
		// ResetPassword checks again with them.
		s.passwordErrors(&errs, s.svc.PasswordProblems("new_password", newPassword, "", ""), "new_password", newPassword, "", "")
		if errs.Empty() && newPassword != reNew {
			errs.Add(drf.NonField, msgMismatch)
		}
	}
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	id, ok := decodeUID(uid)
	if !ok {
		invalidField(w, "uid", msgInvalidUID)
		return
	}
	ctx := r.Context()
	u, err := s.svc.ResetPassword(ctx, account.UserTokenProof(id, token), newPassword, s.meta(ctx))
	var ve *account.ValidationError
	switch {
	case err == nil:
		writeEmpty(w, http.StatusNoContent)
	case errors.Is(err, account.ErrNotFound):
		invalidField(w, "uid", msgInvalidUID)
	case errors.Is(err, account.ErrTokenInvalid):
		invalidField(w, "token", msgInvalidToken)
	case errors.As(err, &ve):
		s.passwordErrors(&errs, ve.Problems, "new_password", newPassword, u.Username, u.Email)
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
}

// DjoserSetPasswordNoSlash is DjoserSetPassword without the trailing slash.
func (s *Server) DjoserSetPasswordNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserSetPassword(w, r)
}

// DjoserResetPasswordNoSlash is DjoserResetPassword without the trailing slash.
func (s *Server) DjoserResetPasswordNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserResetPassword(w, r)
}

// DjoserResetPasswordConfirmNoSlash is DjoserResetPasswordConfirm without the trailing
// slash.
func (s *Server) DjoserResetPasswordConfirmNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserResetPasswordConfirm(w, r)
}
