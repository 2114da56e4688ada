package djoser

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// user is djoser's representation of an account.
type user struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Username  string `json:"username"`
	ID        int64  `json:"id"`
	Email     string `json:"email"`
}

func userOf(u account.User) user {
	return user{FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, ID: u.ID, Email: u.Email}
}

// DjoserGetMe returns the caller's account.
func (s *Server) DjoserGetMe(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, userOf(p.User))
}

// DjoserPutMe replaces the caller's names and username: all three are required.
func (s *Server) DjoserPutMe(w http.ResponseWriter, r *http.Request) { s.updateMe(w, r, false) }

// DjoserPatchMe changes any of the caller's names and username.
func (s *Server) DjoserPatchMe(w http.ResponseWriter, r *http.Request) { s.updateMe(w, r, true) }

// updateMe changes the profile fields djoser's user serializer writes; email and id are
// read-only there, and ignored here.
func (s *Server) updateMe(w http.ResponseWriter, r *http.Request, partial bool) {
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
	if v, ok := b.str(&errs, field{name: "first_name", optional: partial, maxLen: nameMaxLen}); ok {
		c.FirstName = &v
	}
	if v, ok := b.str(&errs, field{name: "last_name", optional: partial, maxLen: nameMaxLen}); ok {
		c.LastName = &v
	}
	if v, ok := b.username(&errs, field{name: "username", optional: partial}); ok {
		c.Username = &v
	}
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	u, err := s.svc.UpdateProfile(r.Context(), p.User.ID, c, s.meta(r.Context()))
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, userOf(u))
	case errors.Is(err, account.ErrUsernameTaken):
		invalidField(w, "username", drf.MsgUsernameTaken)
	default:
		s.fail(w, r, err)
	}
}

// DjoserDeleteMe deletes the caller's account after checking current_password. Its
// sessions go with it, so every token it held stops working at once.
func (s *Server) DjoserDeleteMe(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	current, _ := b.password(&errs, "current_password")
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	err := s.svc.DeleteAccount(r.Context(), p, current, s.meta(r.Context()))
	var ve *account.ValidationError
	switch {
	case err == nil:
		writeEmpty(w, http.StatusNoContent)
	case errors.As(err, &ve):
		// The only problem DeleteAccount finds in its input is the password.
		invalidField(w, "current_password", msgWrongPassword)
	default:
		s.fail(w, r, err)
	}
}

// DjoserGetMeNoSlash is DjoserGetMe without the trailing slash.
func (s *Server) DjoserGetMeNoSlash(w http.ResponseWriter, r *http.Request) { s.DjoserGetMe(w, r) }

// DjoserPutMeNoSlash is DjoserPutMe without the trailing slash.
func (s *Server) DjoserPutMeNoSlash(w http.ResponseWriter, r *http.Request) { s.DjoserPutMe(w, r) }

// DjoserPatchMeNoSlash is DjoserPatchMe without the trailing slash.
func (s *Server) DjoserPatchMeNoSlash(w http.ResponseWriter, r *http.Request) { s.DjoserPatchMe(w, r) }

// DjoserDeleteMeNoSlash is DjoserDeleteMe without the trailing slash.
func (s *Server) DjoserDeleteMeNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserDeleteMe(w, r)
}
