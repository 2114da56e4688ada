package account

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Second factors. An account may add a TOTP authenticator app (mfa_totp.go) and passkeys
// (passkey*.go); once it has one, a password alone no longer starts a session anywhere:
// the canonical login answers with a challenge that a second factor completes
// (mfa_login.go), and every other door that starts sessions with a password refuses the
// account (ErrMFARequired, which the compatibility profiles answer in their own shape).
// Ten recovery codes (mfa_recovery.go) stand in for a lost authenticator. The sensitive
// changes ask for a recent strong authentication (step_up.go).

// Authentication is how the holder of a session last proved who they are: the methods,
// as RFC 8176 "amr" values, and when. Access tokens carry both (amr, auth_time).
type Authentication struct {
	Methods []string
	Time    time.Time
}

// Authentication methods, as RFC 8176 names them.
const (
	// MethodPassword: the account's password.
	MethodPassword = "pwd"
	// MethodOTP: a one-time code, from a TOTP authenticator or a recovery code.
	MethodOTP = "otp"
	// MethodHardwareKey: a passkey's signature (proof of possession of its key).
	MethodHardwareKey = "hwk"
	// MethodUserVerification (RFC 8176's "user"): the passkey's authenticator verified
	// the user (a PIN or biometrics).
	MethodUserVerification = "user"
	// MethodMultiFactor: more than one factor was used.
	MethodMultiFactor = "mfa"
)

// methods builds an Authentication at now from the methods used, adding "mfa" when they
// are more than one factor (a password and a code; a passkey that verified its user).
func methods(now time.Time, used ...string) Authentication {
	m := slices.Clone(used)
	if len(m) > 1 && !slices.Contains(m, MethodMultiFactor) {
		m = append(m, MethodMultiFactor)
	}
	return Authentication{Methods: m, Time: now}
}

// with returns the authentication at now of the methods of a and more.
func (a Authentication) with(now time.Time, more ...string) Authentication {
	var m []string
	for _, x := range append(slices.Clone(a.Methods), more...) {
		if x != MethodMultiFactor && !slices.Contains(m, x) {
			m = append(m, x)
		}
	}
	return methods(now, m...)
}

// passwordOnly is the Authentication of a login with the password alone.
func passwordOnly(now time.Time) Authentication { return methods(now, MethodPassword) }

// secondFactor reports whether the authentication included a second factor: a code or a
// passkey. A password alone does not.
func (a Authentication) secondFactor() bool {
	return slices.Contains(a.Methods, MethodOTP) || slices.Contains(a.Methods, MethodHardwareKey)
}

// String is the methods separated by spaces, for the history.
func (a Authentication) String() string { return strings.Join(a.Methods, " ") }

// The events of second factors in an account's history.
const (
	EventTOTPEnabled   EventType = "mfa_totp_enabled"
	EventTOTPDisabled  EventType = "mfa_totp_disabled"
	EventRecoveryCodes EventType = "mfa_recovery_codes_generated"
	// EventRecoveryCodeUsed: a recovery code completed a login or a step-up; the owner
	// is told by email.
	EventRecoveryCodeUsed EventType = "mfa_recovery_code_used"
	// EventMFAFailed: a wrong code or a refused passkey at a login's second step or a
	// step-up. Detail says which.
	EventMFAFailed EventType = "mfa_failed"
	// EventStepUp: the caller proved again who they are, for a sensitive change.
	EventStepUp             EventType = "mfa_step_up"
	EventPasskeyRegistered  EventType = "passkey_registered"
	EventPasskeyRenamed     EventType = "passkey_renamed"
	EventPasskeyRemoved     EventType = "passkey_removed"
	EventPasskeyCloneWarned EventType = "passkey_clone_detected"
	// EventAdminMFAReset: an administrator removed every second factor of the account;
	// the owner is told by email.
	EventAdminMFAReset EventType = "admin_mfa_reset"
)

// The emails of second factors.
const (
	// MessageRecoveryCodeUsed tells the owner that a recovery code was used.
	MessageRecoveryCodeUsed MessageKind = "recovery_code_used"
	// MessageMFAReset tells the owner that an administrator removed their second factors.
	MessageMFAReset MessageKind = "mfa_reset"
)

// MFAOptions tune second factors; Options.MFA holds them.
type MFAOptions struct {
	// SecretBox encrypts TOTP secrets at rest. Without one, TOTP cannot be enrolled
	// (ErrMFANotConfigured); factors enrolled before still cannot be checked, so a
	// deployment that has had one must keep it.
	SecretBox SecretBox
	// TOTP makes TOTP keys and computes codes (internal/totp).
	TOTP TOTPKeys
	// Passkeys runs the WebAuthn ceremonies (internal/passkey); without it passkeys
	// are ErrMFANotConfigured.
	Passkeys PasskeyCeremonies
	// StepUpWindow is how long a strong authentication lets the caller make sensitive
	// changes (default 10 minutes).
	StepUpWindow time.Duration
	// ClockSkew is how many 30-second steps before and after the current one a TOTP code
	// may come from (default 1; negative: none).
	ClockSkew int
	// ChallengeTTL is how long a login's second step, or a passkey ceremony, may take
	// (default 5 minutes).
	ChallengeTTL time.Duration
	// CodeFailures bounds the wrong codes and refused passkeys per account (default 5
	// per 15 minutes); a success resets the count. Each challenge also takes at most
	// challengeAttempts wrong answers.
	CodeFailures Rule
}

func (o *MFAOptions) setDefaults() {
	if o.StepUpWindow <= 0 {
		o.StepUpWindow = 10 * time.Minute
	}
	if o.ClockSkew == 0 {
		o.ClockSkew = 1
	}
	if o.ClockSkew < 0 {
		o.ClockSkew = 0
	}
	if o.ChallengeTTL <= 0 {
		o.ChallengeTTL = 5 * time.Minute
	}
}

// MFAStatus summarises an account's second factors.
type MFAStatus struct {
	// TOTP is set while the account has a confirmed TOTP authenticator.
	TOTP bool
	// Passkeys is how many passkeys the account has.
	Passkeys int
	// RecoveryCodesLeft is how many unused recovery codes remain.
	RecoveryCodesLeft int
}

// Enabled reports whether the account has a second factor: a password alone no longer
// signs it in.
func (m MFAStatus) Enabled() bool { return m.TOTP || m.Passkeys > 0 }

// methodsOffered lists the second factors a login challenge accepts for the account.
func (m MFAStatus) methodsOffered() []string {
	var out []string
	if m.TOTP {
		out = append(out, "totp")
	}
	if m.RecoveryCodesLeft > 0 {
		out = append(out, "recovery_code")
	}
	if m.Passkeys > 0 {
		out = append(out, "passkey")
	}
	return out
}

// MFAStatus returns the caller's second factors.
func (s *Service) MFAStatus(ctx context.Context, p Principal) (MFAStatus, error) {
	return s.store.MFAStatus(ctx, p.User.ID)
}

// mfaFailureBucket counts the wrong codes and refused passkeys of one account.
func (s *Service) mfaFailureBucket(userID int64) bucket {
	return bucket{"mfa:user", strconv.FormatInt(userID, 10), s.opt.MFA.CodeFailures}
}

// countMFAAttempt counts an attempt at a second factor of the account; past the limit
// it is a RateLimitError. Counting before the check (and forgetting on success) keeps a
// burst of parallel guesses from slipping through together, as login does.
func (s *Service) countMFAAttempt(ctx context.Context, userID int64) error {
	return s.limit(ctx, s.mfaFailureBucket(userID))
}

// forgetMFAAttempts resets the account's count after a success.
func (s *Service) forgetMFAAttempts(ctx context.Context, userID int64) {
	if b := s.mfaFailureBucket(userID); b.rule.Limit > 0 {
		_ = s.opt.Limiter.Reset(ctx, b.key())
	}
}
