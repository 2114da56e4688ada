package restregistration

import (
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// RestregRegisterEmail sends a verification link to a new address; the email changes
// when it is verified.
func (s *Server) RestregRegisterEmail(w http.ResponseWriter, r *http.Request) {
	p, ok := s.caller(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	errs := &drf.Errors{}
	email := b.required("email", errs)
	checkEmail("email", email, errs)
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	if err := s.svc.RequestEmailChange(r.Context(), p, account.EmailChangeRequest{NewEmail: email, WithoutPassword: true, Flow: Flow}, s.meta(r.Context())); err != nil {
		s.fail(w, r, err, fields{"new_email": "email"})
		return
	}
	writeEmpty(w, http.StatusOK)
}

// RestregVerifyEmail applies the new email of a link, at the document's path.
func (s *Server) RestregVerifyEmail(w http.ResponseWriter, r *http.Request) { s.verifyEmail(w, r) }

// RestregVerifyEmailAccounts is RestregVerifyEmail at django-rest-registration's own path.
func (s *Server) RestregVerifyEmailAccounts(w http.ResponseWriter, r *http.Request) {
	s.verifyEmail(w, r)
}

func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) {
	caller, ok := s.optionalCaller(w, r)
	if !ok {
		return
	}
	_, link, errs, ok := s.readLink(w, r, true)
	if !ok {
		return
	}
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	if _, err := s.svc.ConfirmEmailChange(r.Context(), account.LinkProof(link), caller, Flow, s.meta(r.Context())); err != nil {
		s.fail(w, r, err, nil)
		return
	}
	writeEmpty(w, http.StatusOK)
}
