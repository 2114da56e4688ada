package jwtaccounts

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	gen "github.com/accountd/accountd/gen/compat/jwtaccounts"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// The messages of this API. The document words its successes in {"msg": ...}; its
// errors are Django REST framework's and Django's, whose words clients show to people.
const (
	msgRegistered      = "Congrats! %s, you are successfully registered. To continue, activate your account with the link we have sent to your email address, then log in."
	msgActivationSent  = "We have sent an account activation link to your email address if it is registered and awaits activation. If you don't receive the email, please make sure you entered your registered email address. Thank you!"
	msgActivated       = "Your account is activated. You can log in now."
	msgLoggedIn        = "Congrats %s, your credentials are verified."
	msgRefreshed       = "Your tokens are refreshed."
	msgWelcome         = "Welcome to your dashboard, %s."
	msgPasswordChanged = "Your password is changed."
	msgResetSent       = "We have sent a reset password link to your email address if it is registered. Thank you!"
	msgPasswordSet     = "Your password is set. You can log in with it now."

	msgBadLink        = "The link is invalid or has expired."
	msgBadCredentials = "Invalid email or password."
	msgInactive       = "Your account is not activated yet. Please verify your email address with the link we have sent to it."
	msgBadRefresh     = "Token is invalid or expired."
	msgNoCredentials  = "Authentication credentials were not provided."
	msgBadAccessToken = "Given token not valid for any token type"
	msgMismatch       = "Password and confirm password don't match."
	msgWrongPassword  = "Your old password is not correct."
	msgBadCursor      = "Invalid cursor"
	msgInteger        = "A valid integer is required."
	msgURL            = "Enter a valid URL."
	msgOriginRefused  = "The emailed link may not open this page: its origin is not allowed."
	msgImageTooLarge  = "The picture is larger than 2 MB."
	msgImageInvalid   = "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
	msgImageEmpty     = "The submitted file is empty."
	msgThrottled      = "Request was throttled. Expected available in %d seconds."
	msgUnavailable    = "Service temporarily unavailable, try again later."
	msgServerError    = "A server error occurred."
)

// writeJSON writes v as the JSON body of a response with status. A 401 names SimpleJWT's
// scheme, as DRF does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	drf.WriteJSON(w, status, v, `Bearer realm="api"`)
}

// writeMsg answers success with the document's {"msg": ...}.
func writeMsg(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, gen.JwtaMessage{Msg: msg})
}

// writeDetail answers an error of the request as a whole, {"detail": ...}.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, gen.JwtaDetail{Detail: detail})
}

// invalid answers 400 with field errors.
func invalid(w http.ResponseWriter, errs *drf.Errors) { writeJSON(w, http.StatusBadRequest, errs) }

// invalidField answers 400 with one field's error.
func invalidField(w http.ResponseWriter, field, msg string) {
	var errs drf.Errors
	errs.Add(field, msg)
	invalid(w, &errs)
}

// fail answers an error no handler expected: a rate limit (429 with Retry-After, in
// DRF's throttling words), the database out of reach (503), or anything else (500,
// logged in full with the request ID and never shown).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if status, msg, _, ok := drf.SecondFactorRefusal(err); ok {
		writeDetail(w, status, msg)
		return
	}
	var limited *account.RateLimitError
	if errors.As(err, &limited) {
		secs := int((limited.RetryAfter + time.Second - 1) / time.Second)
		secs = max(secs, 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeDetail(w, http.StatusTooManyRequests, sprintf(msgThrottled, secs))
		return
	}
	if errors.Is(err, account.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		writeDetail(w, http.StatusServiceUnavailable, msgUnavailable)
		return
	}
	s.logger.ErrorContext(r.Context(), "jwt-accounts: request failed", "err", err,
		"request_id", w.Header().Get("X-Request-ID"), "method", r.Method, "path", r.URL.Path)
	writeDetail(w, http.StatusInternalServerError, msgServerError)
}
