package account

import (
	"bytes"
	"context"
	"errors"
	"time"
)

// challengeAttempts is how many wrong answers one login challenge takes before it is
// void: a guesser must then start over with the password, and the per-account limit
// (MFAOptions.CodeFailures) bounds them across challenges.
const challengeAttempts = 5

// SecondFactor is the answer to a challenge or a step-up: exactly one of a TOTP code, a
// recovery code or a passkey assertion (the JSON of the browser's
// PublicKeyCredential).
type SecondFactor struct {
	Code         string
	RecoveryCode string
	Passkey      []byte
}

// requireSecondFactor lets a password login of u go on when the account has no second
// factor. Otherwise it opens a login challenge and returns it as an *MFAChallengeError,
// which wraps ErrMFARequired: the canonical API hands the challenge to the client, every
// other door refuses the login.
func (s *Service) requireSecondFactor(ctx context.Context, u User, now time.Time, meta RequestMeta) error {
	st, err := s.store.MFAStatus(ctx, u.ID)
	if err != nil || !st.Enabled() {
		return err
	}
	plain, hash := newSecret()
	c := MFAChallenge{Hash: hash, Purpose: ChallengeLogin, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.opt.MFA.ChallengeTTL)}
	e := &MFAChallengeError{Challenge: plain, ExpiresAt: c.ExpiresAt}
	if st.TOTP {
		e.Methods = append(e.Methods, "totp")
	}
	if st.RecoveryCodesLeft > 0 {
		e.Methods = append(e.Methods, "recovery_code")
	}
	if st.Passkeys > 0 && s.opt.MFA.Passkeys != nil {
		keys, err := s.store.ListPasskeys(ctx, u.ID)
		if err != nil {
			return err
		}
		if e.PasskeyOptions, c.State, err = s.opt.MFA.Passkeys.BeginLogin(keys, false); err != nil {
			return err
		}
		e.Methods = append(e.Methods, "passkey")
	}
	if err := s.store.CreateMFAChallenge(ctx, c); err != nil {
		return err
	}
	return e
}

// VerifyMFA completes a password login with a second factor and starts its session. The
// challenge is the one the login answered with; it works once, for its account only,
// until it expires or takes challengeAttempts wrong answers. Wrong answers are also
// limited per account (a RateLimitError past the limit). A recovery code used is
// recorded and emailed to the owner.
func (s *Service) VerifyMFA(ctx context.Context, challenge string, f SecondFactor, meta RequestMeta) (Tokens, error) {
	now := s.now()
	c, err := s.openChallenge(ctx, challenge, ChallengeLogin, now)
	if err != nil {
		return Tokens{}, err
	}
	if err := s.countMFAAttempt(ctx, c.UserID); err != nil {
		return Tokens{}, err
	}
	u, err := s.store.UserByID(ctx, c.UserID)
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrMFAChallengeInvalid
	}
	if err != nil {
		return Tokens{}, err
	}
	used, err := s.checkSecondFactor(ctx, u, f, c.State, now, meta)
	if err != nil {
		if wrongAnswer(err) {
			if n, ferr := s.store.FailMFAChallenge(ctx, c.Hash); ferr == nil && n >= challengeAttempts {
				s.opt.Logger.WarnContext(ctx, "login challenge void after repeated wrong answers", "user_id", u.ID)
			}
		}
		return Tokens{}, err
	}
	ok, err := s.store.ConsumeMFAChallenge(ctx, c.Hash, now)
	if err != nil {
		return Tokens{}, err
	}
	if !ok {
		// Another request completed it a moment ago.
		return Tokens{}, ErrMFAChallengeInvalid
	}
	if !u.Active {
		return Tokens{}, ErrInactive
	}
	t, err := s.startSession(ctx, u.ID, "", now, meta, passwordOnly(now).with(now, used.methods...))
	if err != nil {
		return Tokens{}, err
	}
	s.forgetMFAAttempts(ctx, u.ID)
	s.opt.Observer.Login(LoginSucceeded)
	s.rememberDevice(u.ID, now, meta)
	return t, nil
}

// wrongAnswer reports whether err refuses a second factor as wrong (rather than as
// malformed, or for a reason on the server's side).
func wrongAnswer(err error) bool {
	return errors.Is(err, ErrMFACodeInvalid) || errors.Is(err, ErrPasskeyInvalid)
}

// openChallenge returns the live challenge of handle for purpose: unspent, unexpired and
// not worn out. Anything else is ErrMFAChallengeInvalid.
func (s *Service) openChallenge(ctx context.Context, handle string, purpose ChallengePurpose, now time.Time) (MFAChallenge, error) {
	if handle == "" {
		return MFAChallenge{}, ErrMFAChallengeInvalid
	}
	c, err := s.store.MFAChallenge(ctx, HashSecret(handle))
	switch {
	case errors.Is(err, ErrNotFound):
		return MFAChallenge{}, ErrMFAChallengeInvalid
	case err != nil:
		return MFAChallenge{}, err
	case c.Purpose != purpose, !c.UsedAt.IsZero(), !now.Before(c.ExpiresAt), c.Failures >= challengeAttempts:
		return MFAChallenge{}, ErrMFAChallengeInvalid
	}
	return c, nil
}

// factorUse is what checkSecondFactor accepted.
type factorUse struct {
	// methods are the amr values it adds.
	methods []string
	// recovery: a recovery code was spent.
	recovery bool
}

// checkSecondFactor checks f, one second factor of u, and spends what it used (the TOTP
// step, the recovery code, the passkey's counter). passkeyState is the WebAuthn state of
// the challenge a passkey assertion answers. A wrong answer is recorded in the history.
func (s *Service) checkSecondFactor(ctx context.Context, u User, f SecondFactor, passkeyState []byte, now time.Time, meta RequestMeta) (factorUse, error) {
	given := 0
	for _, set := range []bool{f.Code != "", f.RecoveryCode != "", len(f.Passkey) > 0} {
		if set {
			given++
		}
	}
	if given != 1 {
		return factorUse{}, Invalid("code", "required", "give exactly one of code, recovery_code and passkey")
	}
	var (
		use    factorUse
		err    error
		detail string
	)
	switch {
	case f.Code != "":
		detail = "wrong TOTP code"
		err = s.checkTOTP(ctx, u.ID, f.Code, now, false)
		use.methods = []string{MethodOTP}
	case f.RecoveryCode != "":
		detail = "wrong recovery code"
		err = s.spendRecoveryCode(ctx, u, f.RecoveryCode, now, meta)
		use.methods, use.recovery = []string{MethodOTP}, true
	default:
		detail = "passkey refused"
		if len(passkeyState) == 0 {
			return factorUse{}, ErrMFAChallengeInvalid
		}
		use.methods, err = s.checkPasskey(ctx, &u.ID, f.Passkey, passkeyState, now, meta)
	}
	if err != nil {
		if wrongAnswer(err) {
			if rerr := record(ctx, s.store, u.ID, EventMFAFailed, now, meta, detail); rerr != nil {
				return factorUse{}, rerr
			}
		}
		return factorUse{}, err
	}
	return use, nil
}

// checkPasskey verifies a passkey assertion against the ceremony state: of the account
// *owner when owner is not nil (a second factor), of any account otherwise (a sign-in
// with a passkey alone, which must carry the user handle of the credential's owner). It
// spends the assertion's sign counter; a counter that did not grow means a cloned
// authenticator, which is refused and recorded. It returns the amr values the
// assertion proves.
func (s *Service) checkPasskey(ctx context.Context, owner *int64, response, state []byte, now time.Time, meta RequestMeta) ([]string, error) {
	_, m, err := s.verifyPasskey(ctx, owner, response, state, now, meta)
	return m, err
}

// verifyPasskey is checkPasskey returning the passkey used too.
func (s *Service) verifyPasskey(ctx context.Context, owner *int64, response, state []byte, now time.Time, meta RequestMeta) (Passkey, []string, error) {
	pc := s.opt.MFA.Passkeys
	if pc == nil {
		return Passkey{}, nil, ErrMFANotConfigured
	}
	a, err := pc.ReadAssertion(response)
	if err != nil {
		return Passkey{}, nil, err
	}
	cred, err := s.store.PasskeyByCredentialID(ctx, a.CredentialID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Passkey{}, nil, ErrPasskeyInvalid
	case err != nil:
		return Passkey{}, nil, err
	}
	// Another account's credential is never this account's second factor, and a
	// sign-in must name the credential's own account.
	if owner != nil && cred.UserID != *owner {
		return Passkey{}, nil, ErrPasskeyInvalid
	}
	if owner == nil && !bytes.Equal(a.UserHandle, cred.UserHandle) {
		return Passkey{}, nil, ErrPasskeyInvalid
	}
	use, err := pc.FinishLogin(state, a, cred)
	if err != nil {
		return Passkey{}, nil, err
	}
	ok, err := s.store.UsePasskey(ctx, cred.ID, use.SignCount, use.BackupState, now)
	if err != nil {
		return Passkey{}, nil, err
	}
	if !ok {
		s.opt.Logger.WarnContext(ctx, "passkey sign counter did not grow: possibly a cloned authenticator",
			"user_id", cred.UserID, "passkey_id", cred.ID)
		if err := record(ctx, s.store, cred.UserID, EventPasskeyCloneWarned, now, meta, "passkey "+cred.ID+" ("+cred.Name+")"); err != nil {
			return Passkey{}, nil, err
		}
		return Passkey{}, nil, ErrPasskeyInvalid
	}
	m := []string{MethodHardwareKey}
	if use.UserVerified {
		m = append(m, MethodUserVerification)
	}
	return cred, m, nil
}
