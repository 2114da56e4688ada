package account

import "context"

// ActivateWithLink activates the account of a signed activation link. The link went to
// the account's email (the signature covers it), so that address counts as verified.
// Once the account is active the link no longer verifies: it works once.
func (s *Service) ActivateWithLink(ctx context.Context, l SignedLink, meta RequestMeta) (User, error) {
	now := s.now()
	var u User
	err := s.store.InTx(ctx, func(tx Store) error {
		var err error
		if u, err = s.checkLink(ctx, tx, l, PurposeActivation, s.opt.ActivationTTL); err != nil {
			return err
		}
		// The signature covers Active, so a link from before an administrator
		// deactivated the account would verify again: refuse it.
		if u.Deactivated {
			return ErrTokenInvalid
		}
		u.Active, u.EmailVerified, u.UpdatedAt = true, true, now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		// The stored activation token made alongside the link is of no use any more.
		if err := tx.DeleteEmailTokens(ctx, u.ID, PurposeActivation); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventActivated, now, meta, "")
	})
	return u, err
}
