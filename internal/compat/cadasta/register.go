package cadasta

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// registered is the platform's answer to a registration, in its key order.
type registered struct {
	Username      string `json:"username"`
	FullName      string `json:"full_name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
}

// CadastaRegister creates an inactive account and emails its activation link; it does
// not log the user in. email_verified is ignored: the platform let a client register
// with it true and so skip verification, which no client may do here.
func (s *Server) CadastaRegister(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	username, _ := b.username(&errs, field{name: "username"})
	full, _ := b.fullName(&errs)
	email, _ := b.email(&errs, field{name: "email"})
	password, _ := b.password(&errs, "password")
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	first, last := splitFullName(full)
	ctx := r.Context()
	u, err := s.svc.Register(ctx, account.RegisterInput{
		Username: username, Email: email, Password: password, FirstName: first, LastName: last, Flow: Flow,
	}, s.meta(ctx))
	var ve *account.ValidationError
	switch {
	case err == nil:
		// Also when the email was taken and is hidden (u.ID is 0): Register has reported
		// a taken username first, as with a fresh email, and holds this one now.
		s.registered(w, u)
	case errors.Is(err, account.ErrUsernameTaken), errors.Is(err, account.ErrEmailTaken):
		s.conflicts(w, r, err, username, email)
	case errors.As(err, &ve):
		s.problemErrors(&errs, ve.Problems, namesAsFullName, "password", password, account.User{Username: username, Email: email})
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
}

// registered answers a registration that created an account, or looks as if it did.
func (s *Server) registered(w http.ResponseWriter, u account.User) {
	writeJSON(w, http.StatusCreated, registered{Username: u.Username, FullName: fullNameOf(u), Email: u.Email})
}

// conflicts reports every taken field of a refused registration at once, as DRF's
// unique validators do. The email is named only when taken emails are not hidden
// (RegistrationConflicts never looks otherwise).
func (s *Server) conflicts(w http.ResponseWriter, r *http.Request, err error, username, email string) {
	userTaken, emailTaken, cerr := s.svc.RegistrationConflicts(r.Context(), username, email)
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	// The store's answer stands even if the account was deleted since.
	userTaken = userTaken || errors.Is(err, account.ErrUsernameTaken)
	emailTaken = emailTaken || errors.Is(err, account.ErrEmailTaken) && !s.hide
	if !userTaken && !emailTaken {
		s.fail(w, r, err) // cannot happen: a taken email is hidden before it gets here
		return
	}
	var errs drf.Errors
	if userTaken {
		errs.Add("username", drf.MsgUsernameTaken)
	}
	if emailTaken {
		errs.Add("email", msgEmailTaken)
	}
	invalid(w, &errs)
}
