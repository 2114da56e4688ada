package restregistration

import (
	"net/http"
	"strconv"

	"github.com/accountd/accountd/internal/account"

	"github.com/accountd/accountd/internal/compat/drf"
)

// signedLink reads the parameters of an emailed link from b: user_id, timestamp and
// signature, and with email also the new address (and the document's `timestam` for
// `timestamp`). Missing or mistyped fields are added to errs.
func signedLink(b body, email bool, errs *drf.Errors) account.SignedLink {
	if _, ok := b["timestamp"]; !ok && email {
		if v, ok := b["timestam"]; ok {
			b["timestamp"] = v
		}
	}
	userID := b.required("user_id", errs)
	l := account.SignedLink{Timestamp: b.integer("timestamp", errs), Signature: b.required("signature", errs)}
	if email {
		l.Email = b.required("email", errs)
		checkEmail("email", l.Email, errs)
	}
	// An ID that is not a number belongs to no user: like a wrong signature, it says
	// nothing about which IDs exist.
	id, err := strconv.ParseInt(userID, 10, 64)
	if err == nil && id > 0 {
		l.UserID = id
	}
	return l
}

// readLink reads a request carrying a signed link. It answers the client itself and
// returns false when the body is unreadable or a field is wrong; more fields of b may
// be read by the caller, whose problems go into errs with the link's.
func (s *Server) readLink(w http.ResponseWriter, r *http.Request, email bool) (body, account.SignedLink, *drf.Errors, bool) {
	b, ok := s.readBody(w, r)
	if !ok {
		return nil, account.SignedLink{}, nil, false
	}
	errs := &drf.Errors{}
	l := signedLink(b, email, errs)
	return b, l, errs, true
}

// RestregVerifyRegistration activates the account of a registration link.
func (s *Server) RestregVerifyRegistration(w http.ResponseWriter, r *http.Request) {
	_, link, errs, ok := s.readLink(w, r, false)
	if !ok {
		return
	}
	if !errs.Empty() {
		writeFields(w, errs)
		return
	}
	if _, err := s.svc.Activate(r.Context(), account.LinkProof(link), s.meta(r.Context())); err != nil {
		s.fail(w, r, err, nil)
		return
	}
	writeEmpty(w, http.StatusOK)
}
