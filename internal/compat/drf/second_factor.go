package drf

import (
	"errors"
	"net/http"

	"github.com/accountd/accountd/internal/account"
)

// The compatibility profiles' clients know nothing of second factors: their documents
// have no step for a code, and no step-up. So a profile never completes what the
// canonical API would ask a second factor for; it refuses in Django REST framework's
// PermissionDenied shape, 403 {"detail": ...}, with a message that sends the user to
// the canonical API. Never tokens: a password alone must not start a session of an
// account with a second factor through any door.

// The messages of those refusals.
const (
	MsgSecondFactorRequired = "This account signs in with a second factor, which this API cannot ask for. Sign in with POST /v1/auth/login."
	MsgStepUpRequired       = "This change needs a recent second factor. Prove it at POST /v1/auth/step-up, then try again."
)

// SecondFactorRefusal reports whether err is a refusal for want of a second factor
// (account.ErrMFARequired at a login, account.ErrStepUpRequired at a sensitive change),
// and if so the status, message and code a profile answers with.
func SecondFactorRefusal(err error) (status int, detail, code string, ok bool) {
	switch {
	case errors.Is(err, account.ErrMFARequired):
		return http.StatusForbidden, MsgSecondFactorRequired, "mfa_required", true
	case errors.Is(err, account.ErrStepUpRequired):
		return http.StatusForbidden, MsgStepUpRequired, "step_up_required", true
	}
	return 0, "", "", false
}
