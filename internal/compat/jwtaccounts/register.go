package jwtaccounts

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// JwtaRegister creates an inactive account and emails its activation link, under the
// verification_base_url the client sent when the account service allows it.
func (s *Server) JwtaRegister(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, s.body)
	if !ok {
		return
	}
	var errs drf.Errors
	username, _ := b.username(&errs, "username")
	email, _ := b.email(&errs, "email")
	password, _ := b.password(&errs, "password")
	confirm, _ := b.password(&errs, "confirm_password")
	svc := s.linksUnder(&errs, b.baseURL(&errs))
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	ctx := r.Context()
	// With taken emails hidden, a taken email answers like a success (its owner is
	// emailed instead); the message names the username sent either way.
	_, err := svc.Register(ctx, account.RegisterInput{
		Username: username, Email: email, Password: password, PasswordConfirm: confirm, Flow: Flow,
	}, s.meta(ctx))
	switch problems, isProblem := asProblems(err); {
	case err == nil:
		writeMsg(w, http.StatusCreated, sprintf(msgRegistered, username))
	case errors.Is(err, account.ErrUsernameTaken):
		invalidField(w, "username", drf.MsgUsernameTaken)
	case errors.Is(err, account.ErrEmailTaken):
		invalidField(w, "email", drf.MsgEmailTaken)
	case isProblem:
		addProblems(&errs, problems, "password")
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
}

// linksUnder returns the service whose emails link under base (the configured page for
// an empty base). A base the account service refuses is added to errs, and s.svc
// returned so that the caller's other checks can run before it answers 400.
func (s *Server) linksUnder(errs *drf.Errors, base string) *account.Service {
	svc, err := s.svc.EmailLinksUnder(base)
	if problems, ok := asProblems(err); ok {
		addProblems(errs, problems, "")
		return s.svc
	}
	return svc
}
