package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/idempotency"
)

// problemType is one row of the table of errors a client can see.
type problemType struct {
	status int
	title  string
}

// problemTypes lists every problem code with its status and title. It matches the
// ProblemCode enum in openapi.yaml; a test keeps the two in step.
var problemTypes = map[gen.ProblemCode]problemType{
	gen.ValidationFailed:     {http.StatusBadRequest, "Invalid input"},
	gen.MalformedRequest:     {http.StatusBadRequest, "Malformed request"},
	gen.UnsupportedMediaType: {http.StatusUnsupportedMediaType, "Unsupported media type"},
	gen.BodyTooLarge:         {http.StatusRequestEntityTooLarge, "Request body too large"},
	gen.Unauthenticated:      {http.StatusUnauthorized, "Authentication required"},
	gen.Forbidden:            {http.StatusForbidden, "Forbidden"},
	gen.NotFound:             {http.StatusNotFound, "Not found"},
	gen.MethodNotAllowed:     {http.StatusMethodNotAllowed, "Method not allowed"},
	gen.UsernameTaken:        {http.StatusConflict, "Username already taken"},
	gen.EmailTaken:           {http.StatusConflict, "Email already registered"},
	gen.InvalidCredentials:   {http.StatusUnauthorized, "Invalid login or password"},
	gen.AccountInactive:      {http.StatusForbidden, "Account not activated"},
	gen.TokenInvalid:         {http.StatusBadRequest, "Invalid or expired token"},
	gen.RefreshTokenInvalid:  {http.StatusUnauthorized, "Invalid refresh token"},
	gen.RateLimited:          {http.StatusTooManyRequests, "Too many requests"},
	gen.Unavailable:          {http.StatusServiceUnavailable, "Service unavailable"},
	gen.Internal:             {http.StatusInternalServerError, "Internal error"},
	gen.IdempotencyKeyReused: {http.StatusUnprocessableEntity, "Idempotency key reused"},
	gen.IdempotencyKeyInUse:  {http.StatusConflict, "Idempotency key in use"},

	// Administration.
	gen.OrganizationNameTaken: {http.StatusConflict, "Organization name already taken"},
	gen.OrganizationSlugTaken: {http.StatusConflict, "Organization slug already taken"},
	gen.OrganizationNotEmpty:  {http.StatusConflict, "Organization still has members"},

	// Second factors.
	gen.MfaRequired:         {http.StatusUnauthorized, "Second factor required"},
	gen.MfaChallengeInvalid: {http.StatusUnauthorized, "Invalid or expired second-factor challenge"},
	gen.MfaCodeInvalid:      {http.StatusUnauthorized, "Invalid code"},
	gen.PasskeyInvalid:      {http.StatusUnauthorized, "Passkey not accepted"},
	gen.StepUpRequired:      {http.StatusForbidden, "Recent strong authentication required"},
	gen.MfaAlreadyEnabled:   {http.StatusConflict, "TOTP already enabled"},
	gen.PasskeyExists:       {http.StatusConflict, "Passkey already registered"},
	gen.MfaNotConfigured:    {http.StatusNotImplemented, "Not configured on this server"},
}

// domainProblems maps the domain's closed list of errors to problem codes. Anything not
// listed is an internal error: logged in full, answered without detail.
var domainProblems = []struct {
	err  error
	code gen.ProblemCode
}{
	{account.ErrUnavailable, gen.Unavailable},
	{account.ErrNotFound, gen.NotFound},
	{account.ErrUsernameTaken, gen.UsernameTaken},
	{account.ErrEmailTaken, gen.EmailTaken},
	{account.ErrInvalidCredentials, gen.InvalidCredentials},
	{account.ErrInactive, gen.AccountInactive},
	{account.ErrTokenInvalid, gen.TokenInvalid},
	{account.ErrUnauthenticated, gen.Unauthenticated},
	{account.ErrRefreshInvalid, gen.RefreshTokenInvalid},
	{account.ErrForbidden, gen.Forbidden},
	{account.ErrOrganizationNameTaken, gen.OrganizationNameTaken},
	{account.ErrOrganizationSlugTaken, gen.OrganizationSlugTaken},
	{account.ErrOrganizationNotEmpty, gen.OrganizationNotEmpty},
	{account.ErrMFARequired, gen.MfaRequired},
	{account.ErrMFAChallengeInvalid, gen.MfaChallengeInvalid},
	{account.ErrMFACodeInvalid, gen.MfaCodeInvalid},
	{account.ErrPasskeyInvalid, gen.PasskeyInvalid},
	{account.ErrStepUpRequired, gen.StepUpRequired},
	{account.ErrMFAAlreadyEnabled, gen.MfaAlreadyEnabled},
	{account.ErrPasskeyExists, gen.PasskeyExists},
	{account.ErrMFANotConfigured, gen.MfaNotConfigured},
	{context.DeadlineExceeded, gen.Unavailable},
	{idempotency.ErrUnavailable, gen.Unavailable},
}

// problemDetails add a sentence for the codes where one helps the caller.
var problemDetails = map[gen.ProblemCode]string{
	gen.AccountInactive: "Activate the account with the link sent by email, or ask for a new one.",
	gen.Unavailable:     "The service cannot reach its database right now; try again shortly.",
	gen.Internal:        "Something went wrong on our side; quote the request_id when reporting it.",

	gen.OrganizationNotEmpty: "Move its members elsewhere first, or delete it with force=true to leave them without an organization.",

	gen.MfaRequired:         "Complete the login with a second factor at POST /v1/auth/mfa/verify.",
	gen.MfaChallengeInvalid: "Log in again with the password for a new challenge.",
	gen.StepUpRequired:      "Prove again who you are at POST /v1/auth/step-up, then retry.",
}

// Problem is an error rendered as application/problem+json.
type Problem struct {
	Code   gen.ProblemCode
	Detail string
	Fields []gen.FieldError
	// RetryAfter, for rate_limited, becomes the Retry-After header (whole seconds).
	RetryAfter time.Duration
	// MFA, for mfa_required, is the challenge that completes the login.
	MFA *gen.MfaChallenge
}

func (p *Problem) Error() string { return string(p.Code) + ": " + p.Detail }

// problemFor turns any error into the problem a client may see.
func problemFor(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var rl *account.RateLimitError
	if errors.As(err, &rl) {
		return &Problem{Code: gen.RateLimited, RetryAfter: rl.RetryAfter,
			Detail: "Too many attempts; wait before trying again."}
	}
	var mfa *account.MFAChallengeError
	if errors.As(err, &mfa) {
		return &Problem{Code: gen.MfaRequired, MFA: mfaChallengeOf(mfa)}
	}
	var ve *account.ValidationError
	if errors.As(err, &ve) {
		fields := make([]gen.FieldError, len(ve.Problems))
		for i, fp := range ve.Problems {
			fields[i] = gen.FieldError{Field: fp.Field, Code: fp.Code, Message: fp.Message}
		}
		return &Problem{Code: gen.ValidationFailed, Fields: fields}
	}
	for _, m := range domainProblems {
		if errors.Is(err, m.err) {
			return &Problem{Code: m.code}
		}
	}
	return &Problem{Code: gen.Internal}
}

// writeError is the one way errors leave the API: every handler, hook and middleware
// calls it. The client sees a problem document; internal errors are logged in full with
// the request ID and never shown.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	ctx := r.Context()
	if p.Code == gen.Internal || p.Code == gen.Unavailable {
		logger(ctx).ErrorContext(ctx, "request failed", "err", err, "request_id", requestID(ctx),
			"method", r.Method, "path", r.URL.Path)
	}
	writeProblem(w, r, p)
}

func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	t, ok := problemTypes[p.Code]
	if !ok {
		t = problemTypes[gen.Internal]
	}
	detail := p.Detail
	if detail == "" {
		detail = problemDetails[p.Code]
	}
	body := gen.Problem{
		Type:   "urn:accountd:problem:" + string(p.Code),
		Title:  t.title,
		Status: int32(t.status),
		Code:   p.Code,
	}
	if detail != "" {
		body.Detail = &detail
	}
	if len(p.Fields) > 0 {
		body.Errors = &p.Fields
		if detail == "" {
			d := "The request has " + strconv.Itoa(len(p.Fields)) + " invalid field"
			if len(p.Fields) > 1 {
				d += "s"
			}
			d += "."
			body.Detail = &d
		}
	}
	if id := requestID(r.Context()); id != "" {
		body.RequestId = &id
	}
	body.Mfa = p.MFA
	path := r.URL.Path
	body.Instance = &path

	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if t.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="accountd"`)
	}
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((p.RetryAfter+time.Second-1)/time.Second), 10))
	}
	w.WriteHeader(t.status)
	_ = json.NewEncoder(w).Encode(body)
}
