package account

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The closed list of domain errors. Every layer above maps these, and only these, to its
// own answers; anything else is an internal error.
var (
	ErrNotFound           = errors.New("not found")
	ErrUsernameTaken      = errors.New("username already taken")
	ErrEmailTaken         = errors.New("email already registered")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrInactive           = errors.New("account not activated")
	// ErrTokenInvalid: an emailed token or signed link that is unknown, used, expired,
	// void or another account's.
	ErrTokenInvalid = errors.New("token invalid or expired")
	// ErrUnauthenticated: a missing, malformed, expired or revoked access token.
	ErrUnauthenticated = errors.New("not authenticated")
	// ErrRefreshInvalid: a refresh token that is unknown, expired, spent or revoked.
	ErrRefreshInvalid = errors.New("refresh token invalid")
	ErrForbidden      = errors.New("forbidden")
	ErrAlreadyActive  = errors.New("account already active")
	// ErrUnavailable: the store cannot be reached; callers answer 503 and retry later.
	ErrUnavailable = errors.New("service unavailable")
	// ErrOrganizationNameTaken and ErrOrganizationSlugTaken: another organization has
	// that name (ignoring case) or that slug.
	ErrOrganizationNameTaken = errors.New("organization name already taken")
	ErrOrganizationSlugTaken = errors.New("organization slug already taken")
	// ErrOrganizationNotEmpty: an organization that still has members is not deleted
	// unless the caller insists.
	ErrOrganizationNotEmpty = errors.New("organization still has members")
)

// Refinements of the errors above, for the APIs that tell the cases apart. Each wraps its
// general error (errors.Is holds for both), so a layer that does not care maps it like
// the general one and need not know it exists.
var (
	// ErrAccountGone and ErrAccountInactive are ErrUnauthenticated for a genuine,
	// unexpired access token whose account has since been deleted or deactivated
	// (SimpleJWT's "User not found" and "User is inactive", as djoser answers).
	ErrAccountGone     = fmt.Errorf("%w: account deleted", ErrUnauthenticated)
	ErrAccountInactive = fmt.Errorf("%w: account inactive", ErrUnauthenticated)
	// ErrRefreshRevoked is ErrRefreshInvalid for a refresh token whose session has ended
	// (a logout, a password reset, a revocation) before the token expired (SimpleJWT's
	// "Token is blacklisted").
	ErrRefreshRevoked = fmt.Errorf("%w: its session has ended", ErrRefreshInvalid)
	// ErrLinkExpired is ErrTokenInvalid for a signed link whose signature is right but
	// whose time is up (django-rest-registration's "Signature expired"). It is told only
	// for a genuine link.
	ErrLinkExpired = fmt.Errorf("%w: link expired", ErrTokenInvalid)
)

// FieldProblem is one invalid input field. Field is a dotted name ("password",
// "profile.country"); Message is safe to show and never repeats the submitted value.
type FieldProblem struct {
	Field   string
	Code    string
	Message string
}

// ValidationError carries the field problems of a rejected input.
type ValidationError struct {
	Problems []FieldProblem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid input:")
	for _, p := range e.Problems {
		b.WriteString(" ")
		b.WriteString(p.Field)
		b.WriteString(": ")
		b.WriteString(p.Message)
		b.WriteString(";")
	}
	return b.String()
}

// Invalid returns a ValidationError for a single field.
func Invalid(field, code, message string) *ValidationError {
	return &ValidationError{Problems: []FieldProblem{{Field: field, Code: code, Message: message}}}
}

// The errors of second factors (mfa.go), in the same closed list.
var (
	// ErrMFARequired: the password was right, but the account has a second factor. The
	// canonical login returns it as an *MFAChallengeError, which carries the challenge
	// to complete; every other door that starts sessions refuses the account with it.
	ErrMFARequired = errors.New("second factor required")
	// ErrMFAChallengeInvalid: a login challenge or passkey ceremony that is unknown,
	// spent, expired, worn out by wrong answers, or another account's or session's.
	ErrMFAChallengeInvalid = errors.New("second-factor challenge invalid or expired")
	// ErrMFACodeInvalid: a TOTP or recovery code that is wrong or already used.
	ErrMFACodeInvalid = errors.New("code invalid")
	// ErrStepUpRequired: a sensitive change needs a strong authentication more recent
	// than the step-up window.
	ErrStepUpRequired = errors.New("recent strong authentication required")
	// ErrMFANotConfigured: the server has no key for TOTP secrets, or no WebAuthn
	// relying party.
	ErrMFANotConfigured = errors.New("second factor not configured on this server")
	// ErrMFAAlreadyEnabled: the account already has a confirmed TOTP authenticator.
	ErrMFAAlreadyEnabled = errors.New("TOTP already enabled")
	// ErrPasskeyInvalid: a passkey response that does not verify (a wrong signature,
	// origin or challenge, an unknown credential, another account's credential).
	ErrPasskeyInvalid = errors.New("passkey response invalid")
	// ErrPasskeyExists: that authenticator's credential is registered already.
	ErrPasskeyExists = errors.New("passkey already registered")
)

// MFAChallengeError is ErrMFARequired with the challenge that completes the login:
// POST /v1/auth/mfa/verify takes Challenge and one of Methods.
type MFAChallengeError struct {
	// Challenge is the single-use handle of the second step.
	Challenge string
	ExpiresAt time.Time
	// Methods are the factors accepted: "totp", "recovery_code", "passkey".
	Methods []string
	// PasskeyOptions are the WebAuthn request options for the account's passkeys,
	// when "passkey" is among Methods.
	PasskeyOptions []byte
}

func (e *MFAChallengeError) Error() string { return ErrMFARequired.Error() }

// Unwrap makes errors.Is(err, ErrMFARequired) hold.
func (e *MFAChallengeError) Unwrap() error { return ErrMFARequired }
