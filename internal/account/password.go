package account

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ForgotPassword emails a reset link when email belongs to an active account. It answers
// the same in every other case; the email goes out in the background (see Mailer), so the
// time taken does not tell either.
func (s *Service) ForgotPassword(ctx context.Context, email, flow string, meta RequestMeta) error {
	if err := s.emailLimits(ctx, meta, email); err != nil {
		return err
	}
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case !u.Active:
		return nil
	}
	var token string
	err = s.store.InTx(ctx, func(tx Store) error {
		if err := tx.DeleteEmailTokens(ctx, u.ID, PurposePasswordReset); err != nil {
			return err
		}
		var err error
		if token, err = s.issueEmailToken(ctx, tx, u, PurposePasswordReset, u.Email, s.opt.ResetTTL); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventPasswordResetAsked, s.now(), meta, "")
	})
	if err != nil {
		return err
	}
	s.send(ctx, Message{Kind: MessagePasswordReset, To: u.Email, User: u, Token: token, Flow: flow})
	return nil
}

// ResetPassword sets a new password with an emailed reset token and ends every session
// of the account. A token that does not lead to a new password (a weak one, say) is not
// spent. An invitation token (see AdminCreateUser) works here too, and also activates
// the account.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string, meta RequestMeta) (User, error) {
	return s.resetPassword(ctx, token, anyOwner, newPassword, meta)
}

// resetPassword is ResetPassword for a token that must belong to owner (anyOwner: to
// whoever it was issued for).
func (s *Service) resetPassword(ctx context.Context, token string, owner int64, newPassword string, meta RequestMeta) (User, error) {
	// Hash first, outside the transaction: it is the slow part, and SQLite has one writer.
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	var u User
	err = s.store.InTx(ctx, func(tx Store) error {
		t, err := tx.ConsumeEmailToken(ctx, HashSecret(token), PurposePasswordReset, now)
		if errors.Is(err, ErrTokenInvalid) {
			// An invitation is a set-password token too, with its own email and life.
			t, err = tx.ConsumeEmailToken(ctx, HashSecret(token), PurposeInvitation, now)
		}
		if err != nil {
			return err
		}
		// Another account's token is refused, and the rollback leaves it unspent.
		if owner != anyOwner && t.UserID != owner {
			return ErrTokenInvalid
		}
		if u, err = tx.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		if t.CreatedAt.Before(u.PasswordChangedAt) {
			return ErrTokenInvalid
		}
		if problems := s.checkPassword("new_password", newPassword, u.Username, u.Email); problems != nil {
			return &ValidationError{Problems: problems}
		}
		// The link reached the mailbox, so the address is proven.
		u.EmailVerified = u.EmailVerified || strings.EqualFold(t.Email, u.Email)
		event := EventPasswordReset
		if t.Purpose == PurposeInvitation {
			// An administrator invited the user: accepting completes the account.
			// Deactivating an account voids its invitations, so this cannot undo one.
			u.Active, u.Deactivated, event = true, false, EventInvitationAccepted
		}
		if u, err = s.setPassword(ctx, tx, u, hash, now, ""); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, event, now, meta, "")
	})
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrTokenInvalid
	}
	if err != nil {
		return User{}, err
	}
	s.send(ctx, Message{Kind: MessagePasswordChanged, To: u.Email, User: u})
	return u, nil
}

// ChangePassword replaces the caller's password after checking the current one. Every
// other session of the account ends; the caller's own stays.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, newPassword string, meta RequestMeta) error {
	if err := s.checkCurrentPassword(ctx, p.User, current, "current_password"); err != nil {
		return err
	}
	if problems := s.checkPassword("new_password", newPassword, p.User.Username, p.User.Email); problems != nil {
		return &ValidationError{Problems: problems}
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	now := s.now()
	var u User
	err = s.store.InTx(ctx, func(tx Store) error {
		var err error
		if u, err = tx.UserByID(ctx, p.User.ID); err != nil {
			return err
		}
		if u, err = s.setPassword(ctx, tx, u, hash, now, p.SessionID); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventPasswordChanged, now, meta, "")
	})
	if err != nil {
		return err
	}
	s.send(ctx, Message{Kind: MessagePasswordChanged, To: u.Email, User: u})
	return nil
}

// setPassword stores a new password hash and voids what the old password vouched for:
// every emailed token, and every session but keep (none when keep is empty).
func (s *Service) setPassword(ctx context.Context, tx Store, u User, hash string, now time.Time, keep string) (User, error) {
	u.PasswordHash = hash
	u.PasswordChangedAt = now
	u.UpdatedAt = now
	u, err := tx.UpdateUser(ctx, u)
	if err != nil {
		return User{}, err
	}
	if err := tx.DeleteEmailTokens(ctx, u.ID, PurposeActivation, PurposePasswordReset, PurposeInvitation, PurposeEmailChange); err != nil {
		return User{}, err
	}
	if _, err := tx.RevokeOtherSessions(ctx, u.ID, keep, now); err != nil {
		return User{}, err
	}
	return u, nil
}

// checkCurrentPassword verifies a password the caller must re-enter for a sensitive
// change; a wrong one is a problem with field.
func (s *Service) checkCurrentPassword(ctx context.Context, u User, password, field string) error {
	ok, _, err := s.hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return err
	}
	if !ok {
		return Invalid(field, "incorrect", "is not the account's current password")
	}
	return nil
}
