package restregistration

import (
	"net/http"

	"github.com/accountd/accountd/internal/account"

	"github.com/accountd/accountd/internal/compat/drf"
)

// RestregRegister creates an inactive account; the emailed link verifies it.
func (s *Server) RestregRegister(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	errs := &drf.Errors{}
	in := account.RegisterInput{
		Username: b.required("username", errs), Email: b.required("email", errs),
		Password: b.secret("password", errs), PasswordConfirm: b.secret("password_confirm", errs),
		Flow: Flow,
	}
	in.FirstName, _ = b.optional("first_name", errs)
	in.LastName, _ = b.optional("last_name", errs)
	checkUsername(in.Username, errs)
	checkEmail("email", in.Email, errs)
	checkName("first_name", in.FirstName, errs)
	checkName("last_name", in.LastName, errs)
	if errs.Empty() && in.Password != in.PasswordConfirm {
		errs.Add("password_confirm", msgMismatch)
	}
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	// A taken email answers like a success (the owner is emailed instead) when the
	// service hides existing emails; the body is `{}` either way.
	if _, err := s.svc.Register(r.Context(), in, s.meta(r.Context())); err != nil {
		s.fail(w, r, err, nil)
		return
	}
	writeEmpty(w, http.StatusCreated)
}
