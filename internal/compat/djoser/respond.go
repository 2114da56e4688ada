package djoser

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// detail is DRF's error body for everything but field errors, with SimpleJWT's code and
// messages where it gives them.
type detail struct {
	Detail   string         `json:"detail"`
	Code     string         `json:"code,omitempty"`
	Messages []tokenMessage `json:"messages,omitempty"`
}

// tokenMessage is one entry of SimpleJWT's "messages": why a token failed one token class.
type tokenMessage struct {
	TokenClass string `json:"token_class"`
	TokenType  string `json:"token_type"`
	Message    string `json:"message"`
}

// The messages of Django and DRF that clients show to people.
const (
	msgMismatch      = "The two password fields didn't match."
	msgWrongPassword = "Invalid password."
	msgInvalidUID    = "Invalid user id or user doesn't exist."
	msgInvalidToken  = "Invalid token for given user."
	msgStaleToken    = "Stale token for given user."
	msgNoAccount     = "No active account found with the given credentials"
)

// writeJSON writes v as the JSON body of a response with status. DRF names the scheme
// of its first authenticator, SimpleJWT's, on every 401.
func writeJSON(w http.ResponseWriter, status int, v any) {
	drf.WriteJSON(w, status, v, `Bearer realm="api"`)
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

// fail answers an error no handler expected: field problems the service found (400,
// in DRF's shape, for the rules every API keeps: control characters in a name, a
// username with @ that is not the account's email), a rate limit (429 with Retry-After,
// in DRF's throttling words), the database out of reach (503), or anything else (500,
// logged in full with the request ID and never shown).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if status, msg, code, ok := drf.SecondFactorRefusal(err); ok {
		writeJSON(w, status, detail{Detail: msg, Code: code})
		return
	}
	var ve *account.ValidationError
	if errors.As(err, &ve) {
		var errs drf.Errors
		s.passwordErrors(&errs, ve.Problems, "password", "", "", "")
		invalid(w, &errs)
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
