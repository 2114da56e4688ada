package account

import (
	"context"
	"errors"
)

// BeginPasskeyLogin starts a sign-in with a passkey alone, no account named: it returns
// the ceremony's handle and WebAuthn request options for any discoverable credential,
// requiring the authenticator to verify its user, so that the passkey is two factors in
// one (something held, and a PIN or biometrics). Ceremonies are limited per client IP
// like logins.
func (s *Service) BeginPasskeyLogin(ctx context.Context, meta RequestMeta) (string, []byte, error) {
	pc := s.opt.MFA.Passkeys
	if pc == nil {
		return "", nil, ErrMFANotConfigured
	}
	if err := s.limit(ctx, bucket{"login:ip", meta.IP, s.opt.Limits.LoginIP}); err != nil {
		s.opt.Observer.Login(LoginRateLimited)
		return "", nil, err
	}
	options, state, err := pc.BeginLogin(nil, true)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	plain, hash := newSecret()
	err = s.store.CreateMFAChallenge(ctx, MFAChallenge{
		Hash: hash, Purpose: ChallengePasskeyLogin, State: state,
		CreatedAt: now, ExpiresAt: now.Add(s.opt.MFA.ChallengeTTL),
	})
	if err != nil {
		return "", nil, err
	}
	return plain, options, nil
}

// FinishPasskeyLogin verifies the assertion that answers the ceremony and starts a
// session for the passkey's account. The ceremony works once. The assertion must carry
// the user handle of the account that owns the credential, a valid signature over the
// ceremony's challenge from an allowed origin, user verification, and a sign counter
// above the stored one; anything else is ErrPasskeyInvalid (recorded in the owner's
// history when the credential is known). An inactive account is ErrInactive.
func (s *Service) FinishPasskeyLogin(ctx context.Context, ceremony string, response []byte, meta RequestMeta) (Tokens, error) {
	now := s.now()
	c, err := s.openChallenge(ctx, ceremony, ChallengePasskeyLogin, now)
	if err != nil {
		return Tokens{}, err
	}
	ok, err := s.store.ConsumeMFAChallenge(ctx, c.Hash, now)
	if err != nil {
		return Tokens{}, err
	}
	if !ok {
		return Tokens{}, ErrMFAChallengeInvalid
	}
	pk, used, err := s.verifyPasskey(ctx, nil, response, c.State, now, meta)
	if errors.Is(err, ErrPasskeyInvalid) {
		s.opt.Observer.Login(LoginInvalidCredentials)
	}
	if err != nil {
		return Tokens{}, err
	}
	u, err := s.store.UserByID(ctx, pk.UserID)
	if err != nil {
		return Tokens{}, err
	}
	if !u.Active {
		s.opt.Observer.Login(LoginInactive)
		return Tokens{}, ErrInactive
	}
	t, err := s.startSession(ctx, u.ID, "", now, meta, methods(now, used...))
	if err != nil {
		return Tokens{}, err
	}
	s.opt.Observer.Login(LoginSucceeded)
	s.rememberDevice(u.ID, now, meta)
	return t, nil
}
