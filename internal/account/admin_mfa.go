package account

import "context"

// AdminMFA returns an account's second factors, with its passkeys, for an administrator.
func (s *Service) AdminMFA(ctx context.Context, a Actor, id int64) (MFAStatus, []Passkey, error) {
	if err := requireStaff(a); err != nil {
		return MFAStatus{}, nil, err
	}
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return MFAStatus{}, nil, err
	}
	if err := mayManage(a, u); err != nil {
		return MFAStatus{}, nil, err
	}
	st, err := s.store.MFAStatus(ctx, id)
	if err != nil {
		return MFAStatus{}, nil, err
	}
	keys, err := s.store.ListPasskeys(ctx, id)
	return st, keys, err
}

// AdminResetMFA removes every second factor of an account (its TOTP authenticator,
// passkeys and recovery codes), for an owner who lost them: the password alone signs it
// in again. It is recorded in the account's history and emailed to the owner, so that a
// reset they did not ask for does not go unnoticed. An account without factors is
// ErrNotFound.
func (s *Service) AdminResetMFA(ctx context.Context, a Actor, id int64) error {
	err := s.manageInTx(ctx, a, id, func(tx Store, u User) error {
		had, err := tx.DeleteSecondFactors(ctx, id)
		if err != nil {
			return err
		}
		if !had {
			return ErrNotFound
		}
		if err := recordBy(ctx, tx, id, EventAdminMFAReset, s.now(), a, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessageMFAReset, To: u.Email, User: u})
	})
	if err != nil {
		return err
	}
	s.logAction(ctx, a, "second factors reset by an administrator", "user_id", id)
	return nil
}
