package account

import (
	"context"
	"time"
)

// Step-up: the changes that would hand the account to whoever holds a stolen access
// token (changing the email or the password, deleting the account, and managing second
// factors) need a strong authentication within MFAOptions.StepUpWindow, or
// ErrStepUpRequired. Strong means every factor the account has: for an account with a
// second factor, a login or step-up that used one; for an account without, the
// password, which those changes already ask for in the request itself. The check reads
// the session's authentication as stored (Principal.Auth), so it holds on every API,
// whatever its token, and a step-up counts at once.

// StepUpInput proves again who the caller is: the password, for an account without a
// second factor; otherwise one second factor. A passkey assertion answers Ceremony, a
// step-up ceremony begun with BeginPasskeyStepUp.
type StepUpInput struct {
	Password string
	Factor   SecondFactor
	Ceremony string
}

// recent reports whether auth is within the step-up window at now.
func (s *Service) recent(auth Authentication, now time.Time) bool {
	return !auth.Time.IsZero() && !now.After(auth.Time.Add(s.opt.MFA.StepUpWindow))
}

// requireStepUp guards a change that the caller also confirms with the password
// (changing the email or the password, deleting the account): for an account with a
// second factor, the session must have used one within the window.
func (s *Service) requireStepUp(ctx context.Context, p Principal) error {
	st, err := s.store.MFAStatus(ctx, p.User.ID)
	if err != nil || !st.Enabled() {
		return err
	}
	if p.Auth.secondFactor() && s.recent(p.Auth, s.now()) {
		return nil
	}
	return ErrStepUpRequired
}

// requireRecentAuth guards the management of second factors, which no password in the
// request confirms: the session must have authenticated within the window, with a
// second factor if the account (whose factors are st) has one.
func (s *Service) requireRecentAuth(p Principal, st MFAStatus) error {
	if !s.recent(p.Auth, s.now()) || (st.Enabled() && !p.Auth.secondFactor()) {
		return ErrStepUpRequired
	}
	return nil
}

// StepUp proves again who the caller is and records it as the session's latest
// authentication, and returns a new access token for the session that carries it (the
// refresh token stays as it was). A wrong answer is ErrMFACodeInvalid,
// ErrPasskeyInvalid or a problem with field "password"; attempts are limited per
// account, as at a login's second step.
func (s *Service) StepUp(ctx context.Context, p Principal, in StepUpInput, meta RequestMeta) (Tokens, error) {
	st, err := s.store.MFAStatus(ctx, p.User.ID)
	if err != nil {
		return Tokens{}, err
	}
	if err := s.countMFAAttempt(ctx, p.User.ID); err != nil {
		return Tokens{}, err
	}
	now := s.now()
	var used []string
	switch {
	case !st.Enabled():
		if err := s.checkCurrentPassword(ctx, p.User, in.Password, "password"); err != nil {
			_ = record(ctx, s.store, p.User.ID, EventMFAFailed, now, meta, "wrong password at step-up")
			return Tokens{}, err
		}
		used = []string{MethodPassword}
	case in.Password != "":
		return Tokens{}, Invalid("password", "second_factor_required", "this account steps up with a second factor: a code, a recovery code or a passkey")
	default:
		var state []byte
		if len(in.Factor.Passkey) > 0 {
			c, err := s.openChallenge(ctx, in.Ceremony, ChallengeStepUp, now)
			if err != nil {
				return Tokens{}, err
			}
			if c.UserID != p.User.ID || c.SessionID != p.SessionID {
				return Tokens{}, ErrMFAChallengeInvalid
			}
			ok, err := s.store.ConsumeMFAChallenge(ctx, c.Hash, now)
			if err != nil {
				return Tokens{}, err
			}
			if !ok {
				return Tokens{}, ErrMFAChallengeInvalid
			}
			state = c.State
		}
		use, err := s.checkSecondFactor(ctx, p.User, in.Factor, state, now, meta)
		if err != nil {
			return Tokens{}, err
		}
		used = use.methods
	}
	s.forgetMFAAttempts(ctx, p.User.ID)
	sess := Session{ID: p.SessionID, Auth: p.Auth.with(now, used...)}
	err = s.store.InTx(ctx, func(tx Store) error {
		if err := tx.SetSessionAuth(ctx, sess.ID, sess.Auth); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventStepUp, now, meta, "methods: "+sess.Auth.String())
	})
	if err != nil {
		return Tokens{}, err
	}
	return s.handOut(p.User, sess, "", time.Time{}, now)
}

// BeginPasskeyStepUp starts a step-up with one of the caller's passkeys: it returns the
// ceremony's handle and the WebAuthn request options. An account without passkeys is
// ErrNotFound.
func (s *Service) BeginPasskeyStepUp(ctx context.Context, p Principal) (string, []byte, error) {
	pc := s.opt.MFA.Passkeys
	if pc == nil {
		return "", nil, ErrMFANotConfigured
	}
	keys, err := s.store.ListPasskeys(ctx, p.User.ID)
	if err != nil {
		return "", nil, err
	}
	if len(keys) == 0 {
		return "", nil, ErrNotFound
	}
	options, state, err := pc.BeginLogin(keys, false)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	plain, hash := newSecret()
	err = s.store.CreateMFAChallenge(ctx, MFAChallenge{
		Hash: hash, Purpose: ChallengeStepUp, UserID: p.User.ID, SessionID: p.SessionID, State: state,
		CreatedAt: now, ExpiresAt: now.Add(s.opt.MFA.ChallengeTTL),
	})
	if err != nil {
		return "", nil, err
	}
	return plain, options, nil
}
