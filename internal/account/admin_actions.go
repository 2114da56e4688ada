package account

import (
	"context"
	"strconv"
)

// AdminDeleteUser deletes an account on an administrator's behalf, with its sessions,
// tokens and history, so every token it held is refused at once. Since the history
// goes too, the deletion is recorded in the acting administrator's own history (and in
// the log). Administrators delete their own account through DeleteAccount instead.
func (s *Service) AdminDeleteUser(ctx context.Context, a Actor, id int64) error {
	err := s.manageInTx(ctx, a, id, func(tx Store, u User) error {
		if !a.operator && a.user.ID == u.ID {
			return ErrForbidden
		}
		if err := tx.DeleteUser(ctx, id); err != nil {
			return err
		}
		if a.operator {
			return nil
		}
		detail := "user " + strconv.FormatInt(u.ID, 10) + " (" + u.Username + ")"
		return recordBy(ctx, tx, a.user.ID, EventAdminDeletedUser, s.now(), a, detail)
	})
	if err != nil {
		return err
	}
	s.logAction(ctx, a, "user deleted by an administrator", "user_id", id)
	return nil
}

// AdminLogoutUser ends every session of an account at once and returns how many ended.
func (s *Service) AdminLogoutUser(ctx context.Context, a Actor, id int64) (int, error) {
	var n int
	err := s.manageInTx(ctx, a, id, func(tx Store, _ User) error {
		now := s.now()
		var err error
		if n, err = tx.RevokeUserSessions(ctx, id, now); err != nil {
			return err
		}
		return recordBy(ctx, tx, id, EventAdminLogout, now, a, sessionsEnded(n))
	})
	if err != nil {
		return 0, err
	}
	s.logAction(ctx, a, "sessions ended by an administrator", "user_id", id, "sessions", n)
	return n, nil
}

// AdminSendPasswordReset emails the account a password reset link, replacing earlier
// ones. The account's password stays as it is until the link is used.
func (s *Service) AdminSendPasswordReset(ctx context.Context, a Actor, id int64) error {
	err := s.manageInTx(ctx, a, id, func(tx Store, u User) error {
		if err := tx.DeleteEmailTokens(ctx, id, PurposePasswordReset); err != nil {
			return err
		}
		token, err := s.issueEmailToken(ctx, tx, u, PurposePasswordReset, u.Email, s.opt.ResetTTL)
		if err != nil {
			return err
		}
		if err := recordBy(ctx, tx, id, EventAdminPasswordResetSent, s.now(), a, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessagePasswordReset, To: u.Email, User: u, Token: token})
	})
	if err != nil {
		return err
	}
	s.logAction(ctx, a, "password reset sent by an administrator", "user_id", id)
	return nil
}
