package restregistration

import (
	"net/http"
	"strings"

	gen "github.com/accountd/accountd/gen/compat/restregistration"
	"github.com/accountd/accountd/internal/account"

	"github.com/accountd/accountd/internal/compat/drf"
)

func profileOf(u account.User) gen.RestregProfile {
	return gen.RestregProfile{Id: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: gen.Email(u.Email)}
}

// RestregProfile answers the signed-in user.
func (s *Server) RestregProfile(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.caller(w, r); ok {
		writeJSON(w, http.StatusOK, profileOf(p.User))
	}
}

// RestregUpdateProfile, RestregReplaceProfile and RestregPatchProfile all change only
// the fields given: a client that posts one field must not blank the others.
func (s *Server) RestregUpdateProfile(w http.ResponseWriter, r *http.Request) { s.updateProfile(w, r) }

// RestregReplaceProfile is RestregUpdateProfile for PUT.
func (s *Server) RestregReplaceProfile(w http.ResponseWriter, r *http.Request) { s.updateProfile(w, r) }

// RestregPatchProfile is RestregUpdateProfile for PATCH.
func (s *Server) RestregPatchProfile(w http.ResponseWriter, r *http.Request) { s.updateProfile(w, r) }

// updateProfile changes the names and username, and starts the verification of a new
// email rather than applying it: an address nobody has proven would otherwise receive
// the account's reset links.
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) {
	p, ok := s.caller(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	errs := &drf.Errors{}
	var c account.ProfileChanges
	if v, ok := b.optional("username", errs); ok {
		b.mustHave("username", ok, v, errs)
		checkUsername(v, errs)
		c.Username = &v
	}
	for field, dst := range map[string]**string{"first_name": &c.FirstName, "last_name": &c.LastName} {
		if v, ok := b.optional(field, errs); ok {
			checkName(field, v, errs)
			*dst = &v
		}
	}
	email, newEmail := b.optional("email", errs)
	checkEmail("email", email, errs)
	newEmail = newEmail && !strings.EqualFold(email, p.User.Email)
	if newEmail {
		b.mustHave("email", true, email, errs)
	}
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	ctx, u := r.Context(), p.User
	if c != (account.ProfileChanges{}) {
		var err error
		if u, err = s.svc.UpdateProfile(ctx, p.User.ID, c, s.meta(ctx)); err != nil {
			s.fail(w, r, err, nil)
			return
		}
	}
	if newEmail {
		// The principal the service checks the request against must be current.
		p.User = u
		if err := s.svc.RequestEmailChange(ctx, p, account.EmailChangeRequest{NewEmail: email, WithoutPassword: true, Flow: Flow}, s.meta(ctx)); err != nil {
			s.fail(w, r, err, fields{"new_email": "email"})
			return
		}
	}
	writeJSON(w, http.StatusOK, profileOf(u))
}
