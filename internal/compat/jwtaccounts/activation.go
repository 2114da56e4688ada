package jwtaccounts

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// decodeUID reads the link's uidb64: the user id in URL-safe base64, as Django's
// urlsafe_base64_encode writes it (without padding; padding is accepted too).
func decodeUID(uid string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(uid, "="))
	if err != nil || len(raw) > 19 {
		return 0, false
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == string(raw)
}

// JwtaActivate activates the account of an emailed link. Every refusal (a link that is
// unknown, used, expired or another account's, an account active already, a uidb64
// naming nobody) gets the same answer, so that the endpoint tells nothing about which
// user ids exist or are active.
func (s *Server) JwtaActivate(w http.ResponseWriter, r *http.Request, uidb64, token string) {
	id, ok := decodeUID(uidb64)
	if !ok {
		writeDetail(w, http.StatusBadRequest, msgBadLink)
		return
	}
	_, err := s.svc.Activate(r.Context(), account.UserTokenProof(id, token), s.meta(r.Context()))
	switch {
	case err == nil:
		writeMsg(w, http.StatusOK, msgActivated)
	case errors.Is(err, account.ErrNotFound), errors.Is(err, account.ErrTokenInvalid), errors.Is(err, account.ErrAlreadyActive):
		writeDetail(w, http.StatusBadRequest, msgBadLink)
	default:
		s.fail(w, r, err)
	}
}

// JwtaResendActivation emails a fresh activation link to an account awaiting
// activation. The answer is the same for every address, and it carries no token (the
// document's answer hands out an access and a refresh token to whoever knows the email).
func (s *Server) JwtaResendActivation(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, s.body)
	if !ok {
		return
	}
	var errs drf.Errors
	email, _ := b.email(&errs, "email")
	svc := s.linksUnder(&errs, b.baseURL(&errs))
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	// Whether a link went out is the account's secret: only a refusal (a rate limit,
	// the database) changes the answer.
	if _, err := svc.ResendActivation(r.Context(), email, Flow, s.meta(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, msgActivationSent)
}

// JwtaResendActivationDocumentSpelling is JwtaResendActivation at the document's other
// spelling of its path.
func (s *Server) JwtaResendActivationDocumentSpelling(w http.ResponseWriter, r *http.Request) {
	s.JwtaResendActivation(w, r)
}
