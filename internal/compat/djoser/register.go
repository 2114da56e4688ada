package djoser

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// createdUser is djoser's answer to a registration.
type createdUser struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	// ID is left out while taken emails are hidden: a registration with a taken email
	// creates no account, so it has no id to show, and a success must look the same.
	ID *int64 `json:"id,omitempty"`
}

// DjoserRegister creates an inactive account and emails its activation link.
func (s *Server) DjoserRegister(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	first, _ := b.str(&errs, field{name: "first_name", maxLen: nameMaxLen})
	last, _ := b.str(&errs, field{name: "last_name", maxLen: nameMaxLen})
	username, _ := b.username(&errs, field{name: "username"})
	email, _ := b.email(&errs, field{name: "email"})
	password, _ := b.password(&errs, "password")
	rePassword, _ := b.password(&errs, "re_password")
	org, orgRaw := b.pk(&errs, "university")
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	ctx := r.Context()
	u, err := s.svc.Register(ctx, account.RegisterInput{
		Username: username, Email: email, Password: password, PasswordConfirm: rePassword,
		FirstName: first, LastName: last, OrganizationID: org, Flow: Flow,
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
		problems := ve.Problems[:0:0]
		for _, p := range ve.Problems {
			if p.Field == "organization_id" {
				errs.Add("university", pkMissing(orgRaw))
			} else {
				problems = append(problems, p)
			}
		}
		s.passwordErrors(&errs, problems, "password", password, username, email)
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
}

// registered answers a registration that created an account, or looks as if it did.
func (s *Server) registered(w http.ResponseWriter, u account.User) {
	out := createdUser{FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, Email: u.Email}
	if !s.hide {
		out.ID = &u.ID
	}
	writeJSON(w, http.StatusCreated, out)
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
		errs.Add("email", drf.MsgEmailTaken)
	}
	invalid(w, &errs)
}

// DjoserRegisterNoSlash is DjoserRegister without the trailing slash.
func (s *Server) DjoserRegisterNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserRegister(w, r)
}
