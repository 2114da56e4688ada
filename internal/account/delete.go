package account

import "context"

// DeleteAccount deletes the caller's account after checking its password. Its sessions,
// tokens and history go with it, so every token it held is refused at once.
func (s *Service) DeleteAccount(ctx context.Context, p Principal, password string, meta RequestMeta) error {
	if err := s.requireStepUp(ctx, p); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, p.User, password, "password"); err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, p.User.ID); err != nil {
		return err
	}
	s.opt.Logger.InfoContext(ctx, "account deleted", "user_id", p.User.ID)
	return nil
}
