package account

import (
	"context"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"time"
)

// TOTP (RFC 6238): an authenticator app's six-digit codes, one per 30 seconds. The
// secret is encrypted at rest (SecretBox, keyed from ACCOUNTD_MFA_ENCRYPTION_KEY, never
// the token signing key), and each code is accepted once: the step of the last accepted
// code is stored, and only later steps pass.

// totpPeriod is the length of a TOTP step.
const totpPeriod = 30

// totpStep is the step of t.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// ownerData is the associated data that binds a sealed secret to its account.
func ownerData(userID int64) []byte {
	return []byte("accountd totp user " + strconv.FormatInt(userID, 10))
}

// BeginTOTP starts adding a TOTP authenticator to the caller's account: it returns a new
// secret with its otpauth:// URI and QR code, kept awaiting confirmation (ConfirmTOTP)
// and replacing one that awaited it. It needs a recent strong authentication (step-up);
// an account with a confirmed TOTP factor is ErrMFAAlreadyEnabled.
func (s *Service) BeginTOTP(ctx context.Context, p Principal) (TOTPKey, error) {
	box, keys := s.opt.MFA.SecretBox, s.opt.MFA.TOTP
	if box == nil || keys == nil {
		return TOTPKey{}, ErrMFANotConfigured
	}
	st, err := s.store.MFAStatus(ctx, p.User.ID)
	if err != nil {
		return TOTPKey{}, err
	}
	if st.TOTP {
		return TOTPKey{}, ErrMFAAlreadyEnabled
	}
	if err := s.requireRecentAuth(p, st); err != nil {
		return TOTPKey{}, err
	}
	key, err := keys.Generate(p.User.Username)
	if err != nil {
		return TOTPKey{}, err
	}
	sealed, err := box.Seal([]byte(key.Secret), ownerData(p.User.ID))
	if err != nil {
		return TOTPKey{}, err
	}
	err = s.store.PutTOTPFactor(ctx, TOTPFactor{UserID: p.User.ID, SealedSecret: sealed, CreatedAt: s.now()})
	return key, err
}

// ConfirmTOTP completes the enrolment with a first code from the app. From then on the
// account's password logins need a second factor, so every other session of the account,
// started with the password alone, ends; the caller's own session counts as having used
// the code. The first factor of an account comes with ten recovery codes, returned once
// (nil when the account already had codes). No enrolment awaiting confirmation is
// ErrNotFound; a wrong code ErrMFACodeInvalid, limited per account as at login.
func (s *Service) ConfirmTOTP(ctx context.Context, p Principal, code string, meta RequestMeta) ([]string, error) {
	f, err := s.store.TOTPFactor(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	if !f.ConfirmedAt.IsZero() {
		return nil, ErrMFAAlreadyEnabled
	}
	if err := s.countMFAAttempt(ctx, p.User.ID); err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.checkTOTP(ctx, p.User.ID, code, now, true); err != nil {
		if errors.Is(err, ErrMFACodeInvalid) {
			_ = record(ctx, s.store, p.User.ID, EventMFAFailed, now, meta, "wrong TOTP code at enrolment")
		}
		return nil, err
	}
	s.forgetMFAAttempts(ctx, p.User.ID)
	return s.factorAdded(ctx, p, nil, EventTOTPEnabled, "", p.Auth.with(now, MethodOTP), now, meta)
}

// factorAdded adds a factor to p's account in one transaction: add (which stores it, if
// it is not stored yet), the event, ten recovery codes if the account has none, and, if
// it is the account's first factor, the end of every other session. auth, when it has
// methods, becomes the caller's session's authentication. It returns the new recovery
// codes, or nil.
func (s *Service) factorAdded(ctx context.Context, p Principal, add func(tx Store) error, event EventType, detail string, auth Authentication, now time.Time, meta RequestMeta) ([]string, error) {
	var codes []string
	err := s.store.InTx(ctx, func(tx Store) error {
		if add != nil {
			if err := add(tx); err != nil {
				return err
			}
		}
		st, err := tx.MFAStatus(ctx, p.User.ID)
		if err != nil {
			return err
		}
		if st.RecoveryCodesLeft == 0 {
			var hashes []string
			codes, hashes = newRecoveryCodes()
			if err := tx.ReplaceRecoveryCodes(ctx, p.User.ID, hashes, now); err != nil {
				return err
			}
			if err := record(ctx, tx, p.User.ID, EventRecoveryCodes, now, meta, ""); err != nil {
				return err
			}
		}
		// Sessions started with the password alone (a thief's, perhaps) must not
		// outlive the factor meant to stop them. The count includes the new factor.
		if st.Passkeys+boolInt(st.TOTP) <= 1 {
			if _, err := tx.RevokeOtherSessions(ctx, p.User.ID, p.SessionID, now); err != nil {
				return err
			}
		}
		if len(auth.Methods) > 0 {
			if err := tx.SetSessionAuth(ctx, p.SessionID, auth); err != nil {
				return err
			}
		}
		return record(ctx, tx, p.User.ID, event, now, meta, detail)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RemoveTOTP removes the caller's TOTP authenticator. It needs a recent strong
// authentication and, besides, the password or a current code (one of them; a wrong
// one is a problem with field "password", or ErrMFACodeInvalid). Removing the account's
// last factor removes its recovery codes too.
func (s *Service) RemoveTOTP(ctx context.Context, p Principal, password, code string, meta RequestMeta) error {
	st, err := s.store.MFAStatus(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if !st.TOTP {
		return ErrNotFound
	}
	if err := s.requireRecentAuth(p, st); err != nil {
		return err
	}
	if err := s.confirmIdentity(ctx, p, password, code); err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(tx Store) error {
		if err := tx.DeleteTOTPFactor(ctx, p.User.ID); err != nil {
			return err
		}
		if err := s.dropCodesIfLast(ctx, tx, p.User.ID, now); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventTOTPDisabled, now, meta, "")
	})
}

// confirmIdentity checks the password or the TOTP code that a factor's removal asks for
// besides the step-up: exactly one of them.
func (s *Service) confirmIdentity(ctx context.Context, p Principal, password, code string) error {
	switch {
	case (password == "") == (code == ""):
		return Invalid("password", "required", "give the account's password or a current code, one of them")
	case password != "":
		if err := s.countMFAAttempt(ctx, p.User.ID); err != nil {
			return err
		}
		return s.checkCurrentPassword(ctx, p.User, password, "password")
	}
	if err := s.countMFAAttempt(ctx, p.User.ID); err != nil {
		return err
	}
	return s.checkTOTP(ctx, p.User.ID, code, s.now(), false)
}

// dropCodesIfLast removes the account's recovery codes once it has no factor left: they
// stand in for a factor, and a password alone signs the account in again.
func (s *Service) dropCodesIfLast(ctx context.Context, tx Store, userID int64, now time.Time) error {
	st, err := tx.MFAStatus(ctx, userID)
	if err != nil || st.Enabled() {
		return err
	}
	return tx.ReplaceRecoveryCodes(ctx, userID, nil, now)
}

// checkTOTP checks a code of the account's TOTP factor (confirmed, unless pending) at
// now, allowing ClockSkew steps either side, and spends its step: a code, or any of an
// earlier step, never passes twice. ErrMFACodeInvalid otherwise.
func (s *Service) checkTOTP(ctx context.Context, userID int64, code string, now time.Time, pending bool) error {
	box, keys := s.opt.MFA.SecretBox, s.opt.MFA.TOTP
	if box == nil || keys == nil {
		return ErrMFANotConfigured
	}
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return ErrMFACodeInvalid
	}
	f, err := s.store.TOTPFactor(ctx, userID)
	switch {
	case errors.Is(err, ErrNotFound):
		return ErrMFACodeInvalid
	case err != nil:
		return err
	case f.ConfirmedAt.IsZero() != pending:
		return ErrMFACodeInvalid
	}
	secret, err := box.Open(f.SealedSecret, ownerData(userID))
	if err != nil {
		return err
	}
	current := totpStep(now)
	for step := current - int64(s.opt.MFA.ClockSkew); step <= current+int64(s.opt.MFA.ClockSkew); step++ {
		if step <= f.LastStep {
			continue
		}
		want, err := keys.Code(string(secret), step)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		ok, err := s.store.UseTOTPStep(ctx, userID, step, now)
		if err != nil {
			return err
		}
		if !ok {
			// A concurrent request spent this step (or a later one) first.
			return ErrMFACodeInvalid
		}
		return nil
	}
	return ErrMFACodeInvalid
}
