package cadasta

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// detail is DRF's error body for everything but field errors.
type detail struct {
	Detail string `json:"detail"`
}

// The messages of the platform, djoser 0.4 and Django 1.9 that clients show to people.
const (
	msgUsername       = "Enter a valid username. This value may contain only letters, numbers and @/./+/-/_ characters."
	msgReserved       = "Username cannot be “add” or “new”."
	msgEmailTaken     = "Another user is already registered with this email address"
	msgNullCharacters = "Null characters are not allowed."
	msgControl        = "This field may not contain control characters."
	msgMismatch       = "The two password fields didn't match."
	msgWrongPassword  = "Invalid password."
	msgInvalidUID     = "Invalid user id or user doesn't exist."
	msgInvalidToken   = "Invalid token for given user."
	msgBadCredentials = "Unable to login with provided credentials."
	msgDisabled       = "User account is disabled."
	msgForbidden      = "You do not have permission to perform this action."
	msgUserNotFound   = "User not found."
	msgInvalidPage    = "Invalid page."
	msgNotBoolean     = "Must be a valid boolean."
	msgDatetime       = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)

// writeJSON writes v as the JSON body of a response with status. DRF names the scheme
// of its first authenticator, TokenAuthentication's, on every 401.
func writeJSON(w http.ResponseWriter, status int, v any) {
	drf.WriteJSON(w, status, v, "Token")
}

// writeEmpty answers with status and no body: DRF then sends no Content-Type either.
func writeEmpty(w http.ResponseWriter, status int) { w.WriteHeader(status) }

// invalid answers 400 with field errors.
func invalid(w http.ResponseWriter, errs *drf.Errors) {
	writeJSON(w, http.StatusBadRequest, errs)
}

// invalidField answers 400 with one field's error.
func invalidField(w http.ResponseWriter, field, message string) {
	var errs drf.Errors
	errs.Add(field, message)
	invalid(w, &errs)
}

// fail answers an error no handler expected: a rate limit (429 with Retry-After, in
// DRF's throttling words), the database out of reach (503), or anything else (500, logged
// in full with the request ID and never shown).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if status, msg, _, ok := drf.SecondFactorRefusal(err); ok {
		writeJSON(w, status, detail{Detail: msg})
		return
	}
	var rl *account.RateLimitError
	if errors.As(err, &rl) {
		secs := int64((rl.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeJSON(w, http.StatusTooManyRequests, detail{
			Detail: "Request was throttled. Expected available in " + strconv.FormatInt(secs, 10) + " seconds.",
		})
		return
	}
	status, msg := http.StatusInternalServerError, "A server error occurred."
	if errors.Is(err, account.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		status, msg = http.StatusServiceUnavailable, "Service temporarily unavailable, try again later."
	}
	s.log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", w.Header().Get("X-Request-ID"),
		"method", r.Method, "path", r.URL.Path)
	writeJSON(w, status, detail{Detail: msg})
}

// problemErrors adds the field problems of a refused use case to errs in DRF's words:
// password problems under passwordField in Django's, a wrong current password in
// djoser's, anything else under the API's name for the field (renamed maps the
// service's names to this API's).
func (s *Server) problemErrors(errs *drf.Errors, problems []account.FieldProblem, renamed map[string]string, passwordField, password string, u account.User) {
	var pw []account.FieldProblem
	for _, p := range problems {
		name := p.Field
		if to, ok := renamed[name]; ok {
			name = to
		}
		switch name {
		case "password", "new_password":
			pw = append(pw, p)
		case "current_password":
			errs.Add("current_password", msgWrongPassword)
		default:
			errs.Add(name, drf.Sentence(p.Message))
		}
	}
	if len(pw) > 0 {
		errs.Add(passwordField, drf.PasswordMessages(pw, s.minLen, password, u.Username, u.Email)...)
	}
}
