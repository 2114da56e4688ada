package account

import (
	"context"
	"time"
)

// TOTPFactor is an account's TOTP authenticator. Only the encrypted secret is stored.
type TOTPFactor struct {
	UserID int64
	// SealedSecret is the base32 secret, encrypted by the SecretBox with the user's ID
	// as associated data, so a row copied to another account does not open.
	SealedSecret []byte
	CreatedAt    time.Time
	// ConfirmedAt is the zero time while the enrolment awaits its first code; only a
	// confirmed factor protects the account.
	ConfirmedAt time.Time
	// LastStep is the 30-second step of the last code accepted: a code is accepted only
	// from a later step, so each works once.
	LastStep int64
}

// ChallengePurpose says what an MFAChallenge completes.
type ChallengePurpose string

// The purposes of challenges.
const (
	// ChallengeLogin: the second step of a password login.
	ChallengeLogin ChallengePurpose = "login"
	// ChallengePasskeyLogin: a sign-in with a passkey alone (no account named yet).
	ChallengePasskeyLogin ChallengePurpose = "passkey_login"
	// ChallengePasskeyRegistration: adding a passkey to the signed-in account.
	ChallengePasskeyRegistration ChallengePurpose = "passkey_registration"
	// ChallengeStepUp: a passkey assertion that proves again who the signed-in caller is.
	ChallengeStepUp ChallengePurpose = "step_up"
)

// MFAChallenge is the server-side state of a login's second step or of a passkey
// ceremony. It is single-use: ConsumeMFAChallenge spends it once, and only the hash of
// the handle the client holds is stored.
type MFAChallenge struct {
	Hash    string
	Purpose ChallengePurpose
	// UserID is the account it is for; 0 for a passkey sign-in, which learns the account
	// from the passkey.
	UserID int64
	// SessionID binds a registration or step-up ceremony to the session that began it.
	SessionID string
	// State is the WebAuthn ceremony's data (its challenge, the allowed credentials),
	// opaque to the domain; empty for a login challenge without passkeys.
	State     []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
	// Failures counts wrong answers to it.
	Failures int
}

// Passkey is a WebAuthn credential of an account.
type Passkey struct {
	// ID names it in the API (random); CredentialID is the authenticator's.
	ID           string
	UserID       int64
	CredentialID []byte
	// UserHandle is the account's WebAuthn user handle: random, shared by the account's
	// passkeys, never its ID or its name.
	UserHandle []byte
	// PublicKey is the COSE key.
	PublicKey       []byte
	AttestationType string
	AAGUID          []byte
	Transports      []string
	SignCount       uint32
	// BackupEligible never changes for a credential; BackupState may (a synced passkey).
	BackupEligible bool
	BackupState    bool
	UserVerified   bool
	Name           string
	CreatedAt      time.Time
	// LastUsedAt is the zero time until the passkey first signs in.
	LastUsedAt time.Time
}

// MFAStore keeps second factors, recovery codes and challenges; it is part of Store.
type MFAStore interface {
	// MFAStatus returns the account's factors in one query.
	MFAStatus(ctx context.Context, userID int64) (MFAStatus, error)

	// TOTPFactor returns the account's TOTP factor, confirmed or not; ErrNotFound.
	TOTPFactor(ctx context.Context, userID int64) (TOTPFactor, error)
	// PutTOTPFactor stores f as the account's only TOTP factor, replacing one awaiting
	// confirmation; ErrNotFound for an unknown user.
	PutTOTPFactor(ctx context.Context, f TOTPFactor) error
	// UseTOTPStep records that a code of step was accepted, confirming the factor at now
	// if it was not, and reports false (changing nothing) when a code of that step or a
	// later one was accepted before: exactly one caller can spend a step.
	UseTOTPStep(ctx context.Context, userID, step int64, now time.Time) (bool, error)
	// DeleteTOTPFactor removes the account's TOTP factor; ErrNotFound if it had none.
	DeleteTOTPFactor(ctx context.Context, userID int64) error

	// ReplaceRecoveryCodes removes the account's recovery codes and stores these hashes.
	ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string, now time.Time) error
	// UseRecoveryCode marks the account's unused code with this hash used at now; false
	// when there is none (unknown or already used).
	UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time) (bool, error)

	CreateMFAChallenge(ctx context.Context, c MFAChallenge) error
	// MFAChallenge returns the challenge with this hash, spent or not; ErrNotFound.
	MFAChallenge(ctx context.Context, hash string) (MFAChallenge, error)
	// FailMFAChallenge counts a wrong answer and returns the failures so far.
	FailMFAChallenge(ctx context.Context, hash string) (int, error)
	// ConsumeMFAChallenge marks the challenge used at now if it is unused and unexpired,
	// reporting whether this caller spent it.
	ConsumeMFAChallenge(ctx context.Context, hash string, now time.Time) (bool, error)

	// CreatePasskey stores p (its ID given); a credential ID already stored is
	// ErrPasskeyExists.
	CreatePasskey(ctx context.Context, p Passkey) error
	// ListPasskeys returns the account's passkeys, oldest first.
	ListPasskeys(ctx context.Context, userID int64) ([]Passkey, error)
	// PasskeyByCredentialID returns the passkey with this credential ID, whoever owns
	// it; ErrNotFound.
	PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error)
	// UsePasskey records a sign-in with the passkey: the counter signCount, the backup
	// state and the time. It reports false, changing nothing, when the stored counter
	// is not below signCount (unless both are 0, for authenticators without a counter):
	// a counter that does not grow means a cloned authenticator.
	UsePasskey(ctx context.Context, id string, signCount uint32, backupState bool, now time.Time) (bool, error)
	// RenamePasskey renames the account's passkey; ErrNotFound when the account has no
	// passkey with that ID.
	RenamePasskey(ctx context.Context, userID int64, id, name string) (Passkey, error)
	// DeletePasskey removes the account's passkey; ErrNotFound as RenamePasskey.
	DeletePasskey(ctx context.Context, userID int64, id string) error

	// SetSessionAuth records a new authentication of the session (a step-up); the
	// session's later access tokens carry it. ErrNotFound if there is no such session.
	SetSessionAuth(ctx context.Context, sessionID string, auth Authentication) error

	// DeleteSecondFactors removes every factor, recovery code and challenge of the
	// account, and reports whether there was a factor.
	DeleteSecondFactors(ctx context.Context, userID int64) (bool, error)
}

// SecretBox encrypts small secrets at rest (internal/secretbox: AES-256-GCM).
// Associated data binds a sealed value to its owner: Open refuses it with other data.
type SecretBox interface {
	Seal(plain, associated []byte) ([]byte, error)
	Open(sealed, associated []byte) ([]byte, error)
}

// TOTPKey is a new TOTP secret with what an authenticator app needs to add it.
type TOTPKey struct {
	// Secret is base32, as authenticator apps take it typed in.
	Secret string
	// URI is the otpauth:// URI a QR code carries.
	URI string
	// QRCodePNG is that QR code as a PNG image.
	QRCodePNG []byte
}

// TOTPKeys makes TOTP secrets and computes their codes (RFC 6238: SHA-1, six digits,
// 30-second steps); internal/totp implements it.
type TOTPKeys interface {
	// Generate makes a new secret for the account called accountName.
	Generate(accountName string) (TOTPKey, error)
	// Code returns the code of secret for the 30-second step (Unix time / 30).
	Code(secret string, step int64) (string, error)
}

// PasskeyCeremonies runs the WebAuthn ceremonies (internal/passkey, on
// go-webauthn/webauthn). Options and responses are the JSON the browser's API takes and
// gives; state is what the ceremony's second half needs, kept server-side by the
// Service in an MFAChallenge.
type PasskeyCeremonies interface {
	// BeginRegistration returns the creation options for a new passkey of u, whose
	// user handle is handle, excluding the credentials it has.
	BeginRegistration(u User, handle []byte, existing []Passkey) (options, state []byte, err error)
	// FinishRegistration verifies an attestation response against state and returns
	// the new credential with the user handle the ceremony began with (without ID, name
	// or times). A response that does not verify is ErrPasskeyInvalid.
	FinishRegistration(u User, state, response []byte) (Passkey, error)
	// BeginLogin returns request options for an assertion by one of allowed, or by any
	// discoverable credential when allowed is empty. verifyUser requires the
	// authenticator to verify its user (a passkey alone must be two factors).
	BeginLogin(allowed []Passkey, verifyUser bool) (options, state []byte, err error)
	// ReadAssertion parses an assertion response without verifying it, for its
	// credential ID and user handle. A malformed one is ErrPasskeyInvalid.
	ReadAssertion(response []byte) (PasskeyAssertion, error)
	// FinishLogin verifies the assertion against state and the stored credential cred,
	// whose owner's handle it must carry if it carries one. ErrPasskeyInvalid otherwise.
	FinishLogin(state []byte, a PasskeyAssertion, cred Passkey) (PasskeyUse, error)
}

// PasskeyAssertion is a parsed, not yet verified, passkey assertion.
type PasskeyAssertion struct {
	CredentialID []byte
	// UserHandle is empty when the authenticator sent none (a non-discoverable one).
	UserHandle []byte
	// Parsed is the ceremony library's own form, for FinishLogin.
	Parsed any
}

// PasskeyUse is what a verified assertion says about the authenticator.
type PasskeyUse struct {
	SignCount    uint32
	BackupState  bool
	UserVerified bool
}
