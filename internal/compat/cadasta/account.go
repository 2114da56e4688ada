package cadasta

import (
	"errors"
	"net/http"
	"strings"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// accountStatus is the status of the account's answers: 201, as the platform's document
// gives it for both GET and PATCH (the platform itself sent 200).
const accountStatus = http.StatusCreated

// accountBody is the platform's representation of the caller's account.
type accountBody struct {
	Username      string  `json:"username"`
	FullName      string  `json:"full_name"`
	Email         string  `json:"email"`
	EmailVerified bool    `json:"email_verified"`
	LastLogin     *string `json:"last_login"`
}

func accountOf(u account.User) accountBody {
	return accountBody{
		Username: u.Username, FullName: fullNameOf(u), Email: u.Email,
		EmailVerified: u.EmailVerified, LastLogin: djangoTime(u.LastLogin),
	}
}

// CadastaGetAccount returns the caller's account.
func (s *Server) CadastaGetAccount(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.authenticate(w, r); ok {
		writeJSON(w, accountStatus, accountOf(p.User))
	}
}

// CadastaPatchAccount changes the fields given.
func (s *Server) CadastaPatchAccount(w http.ResponseWriter, r *http.Request) {
	s.updateAccount(w, r, true)
}

// CadastaPutAccount changes the fields given, username and email required.
func (s *Server) CadastaPutAccount(w http.ResponseWriter, r *http.Request) {
	s.updateAccount(w, r, false)
}

// updateAccount changes the caller's username and full name, and starts the
// verification of a new email rather than applying it: the platform applied it at once
// (and with a PATCH that left email out, failed with 500), so a stolen token could move
// the account to its thief's address, and an address nobody had proven received the
// reset links. The new address gets a link; with the current password, the account
// service checks it, and without, it asks what it asks of every change without one.
// email_verified is read-only and ignored; last_login may only be sent unchanged.
func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, partial bool) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	var c account.ProfileChanges
	if v, ok := b.username(&errs, field{name: "username", optional: partial}); ok {
		c.Username = &v
	}
	if full, ok := b.fullName(&errs); ok {
		first, last := splitFullName(full)
		c.FirstName, c.LastName = &first, &last
	}
	email, haveEmail := b.email(&errs, field{name: "email", optional: partial})
	b.lastLoginUnchanged(&errs, p.User.LastLogin)
	current, haveCurrent := "", false
	if _, sent := b["current_password"]; sent {
		current, haveCurrent = b.password(&errs, "current_password")
	}
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	// The email first: its refusals (a taken address, a wrong password, a rate limit)
	// are the likely ones, and must leave the rest of the account as it was.
	if haveEmail && !strings.EqualFold(email, p.User.Email) {
		if !s.requestEmailChange(w, r, p, email, current, haveCurrent) {
			return
		}
	}
	u := p.User
	if c != (account.ProfileChanges{}) {
		var err error
		u, err = s.svc.UpdateProfile(r.Context(), p.User.ID, c, s.meta(r.Context()))
		var ve *account.ValidationError
		switch {
		case errors.Is(err, account.ErrUsernameTaken):
			invalidField(w, "username", drf.MsgUsernameTaken)
			return
		case errors.As(err, &ve):
			s.problemErrors(&errs, ve.Problems, namesAsFullName, "", "", p.User)
			invalid(w, &errs)
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, accountStatus, accountOf(u))
}

// requestEmailChange sends the link that confirms a new email, checking the current
// password when the client sent one. Otherwise it answers the refusal and returns false.
func (s *Server) requestEmailChange(w http.ResponseWriter, r *http.Request, p account.Principal, email, current string, haveCurrent bool) bool {
	err := s.svc.RequestEmailChange(r.Context(), p, account.EmailChangeRequest{
		NewEmail: email, Password: current, WithoutPassword: !haveCurrent, Flow: Flow,
	}, s.meta(r.Context()))
	var ve *account.ValidationError
	switch {
	case err == nil:
		return true
	case errors.Is(err, account.ErrEmailTaken):
		invalidField(w, "email", msgEmailTaken)
	case errors.As(err, &ve):
		var errs drf.Errors
		s.problemErrors(&errs, ve.Problems, map[string]string{"password": "current_password", "new_email": "email"}, "", "", p.User)
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
	return false
}
