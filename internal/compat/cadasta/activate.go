package cadasta

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// CadastaActivate takes the uid and token of an emailed link. The platform sent two
// kinds of link to its activate page: activation, and the confirmation of a new email.
// An activation link activates the account and verifies its address. Once the account is
// active, the link can only be a new email's, which the account service applies for the
// account's own signed-in caller only: the Token header is needed then.
func (s *Server) CadastaActivate(w http.ResponseWriter, r *http.Request) {
	caller, ok := s.optionalCaller(w, r)
	if !ok {
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	uid, _ := b.str(&errs, field{name: "uid"})
	token, _ := b.str(&errs, field{name: "token"})
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
	proof := account.UserTokenProof(id, token)
	_, err := s.svc.Activate(ctx, proof, s.meta(ctx))
	switch {
	case err == nil:
		writeEmpty(w, http.StatusOK)
	case errors.Is(err, account.ErrNotFound):
		invalidField(w, "uid", msgInvalidUID)
	case errors.Is(err, account.ErrAlreadyActive) && caller == nil:
		writeJSON(w, http.StatusUnauthorized, detail{Detail: msgNoCredentials})
	case errors.Is(err, account.ErrAlreadyActive):
		s.confirmEmail(w, r, proof, caller)
	case errors.Is(err, account.ErrTokenInvalid):
		invalidField(w, drf.NonField, msgInvalidToken)
	default:
		s.fail(w, r, err)
	}
}

// confirmEmail applies the new email of a link sent to it, for the caller it was sent
// for.
func (s *Server) confirmEmail(w http.ResponseWriter, r *http.Request, proof account.Proof, caller *account.Principal) {
	ctx := r.Context()
	_, err := s.svc.ConfirmEmailChange(ctx, proof, caller, Flow, s.meta(ctx))
	switch {
	case err == nil:
		writeEmpty(w, http.StatusOK)
	case errors.Is(err, account.ErrTokenInvalid):
		invalidField(w, drf.NonField, msgInvalidToken)
	case errors.Is(err, account.ErrUnauthenticated):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: msgNoCredentials})
	default:
		s.fail(w, r, err)
	}
}
