package account

import "context"

// ResetPasswordWithLink sets a new password with a signed reset link and ends every
// session of the account, as ResetPassword does with a stored token. The new hash
// voids the link (and every other link of the account): it works once. A problem with
// field "password" reports a password the policy refuses; the link stays good.
func (s *Service) ResetPasswordWithLink(ctx context.Context, l SignedLink, newPassword string, meta RequestMeta) (User, error) {
	// A cheap look first, so that a bad link never costs a password hash.
	u, err := s.checkLink(ctx, s.store, l, PurposePasswordReset, s.opt.ResetTTL)
	if err != nil {
		return User{}, err
	}
	if problems := s.checkPassword("password", newPassword, u.Username, u.Email); problems != nil {
		return User{}, &ValidationError{Problems: problems}
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	err = s.store.InTx(ctx, func(tx Store) error {
		// Again inside the transaction: the account may have changed while hashing.
		if u, err = s.checkLink(ctx, tx, l, PurposePasswordReset, s.opt.ResetTTL); err != nil {
			return err
		}
		// The link reached the account's mailbox (the signature covers the address).
		u.EmailVerified = true
		if u, err = s.setPassword(ctx, tx, u, hash, now, ""); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventPasswordReset, now, meta, "")
	})
	if err != nil {
		return User{}, err
	}
	s.send(ctx, Message{Kind: MessagePasswordChanged, To: u.Email, User: u})
	return u, nil
}
