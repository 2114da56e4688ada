package account

import "context"

// ConfirmEmailChangeWithLink applies the email change of a signed link sent to the new
// address. caller, when not nil, is the signed-in user, who must be the link's; the
// link alone suffices otherwise, since only the new address's owner has it. The old
// address is told of the change. The new email voids the link: it works once.
func (s *Service) ConfirmEmailChangeWithLink(ctx context.Context, l SignedLink, caller *Principal, meta RequestMeta) (User, error) {
	now := s.now()
	var u User
	var old string
	err := s.store.InTx(ctx, func(tx Store) error {
		var err error
		if u, err = s.checkLink(ctx, tx, l, PurposeEmailChange, s.opt.EmailChangeTTL); err != nil {
			return err
		}
		if caller != nil && caller.User.ID != u.ID {
			return ErrTokenInvalid
		}
		old = u.Email
		u.Email, u.EmailVerified, u.UpdatedAt = l.Email, true, now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.DeleteEmailTokens(ctx, u.ID, PurposeEmailChange); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventEmailChanged, now, meta, "")
	})
	if err != nil {
		return User{}, err
	}
	s.send(ctx, Message{Kind: MessageEmailChanged, To: old, User: u})
	return u, nil
}
