package cadasta

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// CadastaSetPassword changes the caller's password; the caller's session (and
// auth_token) stays, the account's other sessions end. The platform kept every token.
//
// Errors come in djoser's order: the fields, a wrong current password among them (it is
// a field error there), then the retype, then the new password's strength (accountd's
// policy: the platform had none). The current password is verified once whatever
// happens: by ChangePassword, or here when the request fails anyway and a wrong current
// password must be named.
func (s *Server) CadastaSetPassword(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var fields drf.Errors
	newPassword, _ := b.password(&fields, "new_password")
	reNew, _ := b.password(&fields, "re_new_password")
	current, haveCurrent := b.password(&fields, "current_password")
	var later drf.Errors
	if fields.Empty() && newPassword != reNew {
		later.Add(drf.NonField, msgMismatch)
	}
	if !fields.Empty() || !later.Empty() {
		if haveCurrent {
			err := s.svc.CheckCurrentPassword(ctx, p, current)
			var ve *account.ValidationError
			switch {
			case errors.As(err, &ve):
				fields.Add("current_password", msgWrongPassword)
			case err != nil:
				s.fail(w, r, err)
				return
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
		writeEmpty(w, http.StatusOK)
	case errors.As(err, &ve):
		s.problemErrors(&fields, ve.Problems, nil, "new_password", newPassword, p.User)
		invalid(w, &fields)
	default:
		s.fail(w, r, err)
	}
}

// CadastaResetPassword emails a reset link to an active account. The answer is 200
// whatever the address, as the platform's was (its document's 400 for an unknown address
// never happened).
func (s *Server) CadastaResetPassword(w http.ResponseWriter, r *http.Request) {
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
	writeEmpty(w, http.StatusOK)
}

// CadastaResetPasswordConfirm sets a new password with the uid and token of a reset
// link. Every session of the account ends, so every auth_token issued before stops
// working (the platform's kept working).
//
// Checks run in djoser's order: the fields, the retype, the uid, then the token and the
// new password's strength.
func (s *Server) CadastaResetPasswordConfirm(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	uid, _ := b.str(&errs, field{name: "uid"})
	token, _ := b.str(&errs, field{name: "token"})
	newPassword, _ := b.password(&errs, "new_password")
	reNew, _ := b.password(&errs, "re_new_password")
	if errs.Empty() && newPassword != reNew {
		errs.Add(drf.NonField, msgMismatch)
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
		writeEmpty(w, http.StatusOK)
	case errors.Is(err, account.ErrNotFound):
		invalidField(w, "uid", msgInvalidUID)
	case errors.Is(err, account.ErrTokenInvalid):
		invalidField(w, drf.NonField, msgInvalidToken)
	case errors.As(err, &ve):
		s.problemErrors(&errs, ve.Problems, nil, "new_password", newPassword, u)
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
}
