package restregistration

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	gen "github.com/accountd/accountd/gen/compat/restregistration"
	"github.com/accountd/accountd/internal/account"

	"github.com/accountd/accountd/internal/compat/drf"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeEmpty answers success with the document's `{}` and nothing more.
func writeEmpty(w http.ResponseWriter, status int) { writeJSON(w, status, gen.RestregEmpty{}) }

func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, gen.RestregDetail{Detail: detail})
}

// writeFields answers 400 with field errors, `{"field": ["message"]}`.
func writeFields(w http.ResponseWriter, errs *drf.Errors) {
	writeJSON(w, http.StatusBadRequest, errs)
}

// writeField answers 400 with one field's error.
func writeField(w http.ResponseWriter, field, msg string) {
	var errs drf.Errors
	errs.Add(field, msg)
	writeFields(w, &errs)
}

// The details of the errors that concern the request as a whole.
const (
	detailInvalidSignature = "Invalid signature"
	detailExpiredSignature = "Signature expired"
	detailLoginInvalid     = "Login or password invalid."
	detailInactive         = "User account is not verified yet. Follow the link sent by email."
	detailUnavailable      = "Service temporarily unavailable, try again later."
	detailServerError      = "A server error occurred."
)

// fields maps the account service's field names to this API's, for one operation.
type fields map[string]string

// fail answers a service error the way this API does. Field problems are named as the
// operation names them; anything outside the domain's closed list of errors is logged in
// full and answered without detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error, names fields) {
	if status, msg, _, ok := drf.SecondFactorRefusal(err); ok {
		writeDetail(w, status, msg)
		return
	}
	var invalid *account.ValidationError
	var limited *account.RateLimitError
	switch {
	case errors.As(err, &invalid):
		errs := &drf.Errors{}
		for _, p := range invalid.Problems {
			errs.Add(cmp.Or(names[p.Field], p.Field), message(p))
		}
		writeFields(w, errs)
	case errors.As(err, &limited):
		secs := max(1, int(math.Ceil(limited.RetryAfter.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeDetail(w, http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d seconds.", secs))
	case errors.Is(err, account.ErrLinkExpired):
		writeDetail(w, http.StatusBadRequest, detailExpiredSignature)
	case errors.Is(err, account.ErrTokenInvalid):
		writeDetail(w, http.StatusBadRequest, detailInvalidSignature)
	case errors.Is(err, account.ErrInvalidCredentials):
		writeDetail(w, http.StatusBadRequest, detailLoginInvalid)
	case errors.Is(err, account.ErrInactive):
		writeDetail(w, http.StatusBadRequest, detailInactive)
	case errors.Is(err, account.ErrUsernameTaken):
		writeField(w, "username", drf.MsgUsernameTaken)
	case errors.Is(err, account.ErrEmailTaken):
		writeField(w, "email", drf.MsgEmailTaken)
	case errors.Is(err, account.ErrUnauthenticated):
		unauthorized(w, detailTokenInvalid)
	case errors.Is(err, account.ErrNotFound):
		writeDetail(w, http.StatusNotFound, drf.MsgNotFound)
	case errors.Is(err, account.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		writeDetail(w, http.StatusServiceUnavailable, detailUnavailable)
	default:
		s.logger.ErrorContext(r.Context(), "rest-registration: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		writeDetail(w, http.StatusInternalServerError, detailServerError)
	}
}

// message words a field problem as Django does where it has a message for it.
func message(p account.FieldProblem) string {
	switch p.Code {
	case "too_short", "too_long":
		// "This password is too short. It must be at least 10 characters."
		return "This password is " + strings.ReplaceAll(p.Code, "_", " ") + ". It " + p.Message + "."
	case "too_similar":
		return "The password is too similar to the username or the email."
	case "too_common":
		return "This password is too common."
	case "mismatch":
		return msgMismatch
	case "incorrect":
		return "Old password is not correct"
	}
	return drf.FieldMessage(p, "This field "+p.Message+".")
}
