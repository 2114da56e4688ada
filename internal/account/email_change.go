package account

import (
	"context"
	"errors"
	"strings"
)

// RequestEmailChange sends a confirmation link to newEmail; nothing changes until it is
// confirmed. The current password is required. With HideExistingEmails, an address that
// belongs to another account gets the same answer and no link, so a signed-in user cannot
// probe which addresses have accounts.
func (s *Service) RequestEmailChange(ctx context.Context, p Principal, newEmail, password, flow string, meta RequestMeta) error {
	newEmail = strings.TrimSpace(newEmail)
	if err := s.emailLimits(ctx, meta, newEmail); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, p.User, password, "password"); err != nil {
		return err
	}
	return s.startEmailChange(ctx, p, newEmail, flow, meta)
}

// startEmailChange does the work of RequestEmailChange once the caller has passed its
// checks: newEmail is trimmed and within the email limits.
func (s *Service) startEmailChange(ctx context.Context, p Principal, newEmail, flow string, meta RequestMeta) error {
	if strings.EqualFold(newEmail, p.User.Email) {
		return Invalid("new_email", "unchanged", "is already the account's email")
	}
	switch _, err := s.store.UserByEmail(ctx, newEmail); {
	case err == nil && s.opt.HideExistingEmails:
		return nil
	case err == nil:
		return ErrEmailTaken
	case !errors.Is(err, ErrNotFound):
		return err
	}
	var token string
	err := s.store.InTx(ctx, func(tx Store) error {
		if err := tx.DeleteEmailTokens(ctx, p.User.ID, PurposeEmailChange); err != nil {
			return err
		}
		var err error
		if token, err = s.issueEmailToken(ctx, tx, p.User, PurposeEmailChange, newEmail, s.opt.EmailChangeTTL); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventEmailChangeAsked, s.now(), meta, "")
	})
	if err != nil {
		return err
	}
	s.send(ctx, Message{Kind: MessageEmailChange, To: newEmail, User: p.User, Token: token, Flow: flow})
	return nil
}

// ConfirmEmailChange applies an email change with the token sent to the new address. The
// token must be the caller's own; the old address is told of the change.
func (s *Service) ConfirmEmailChange(ctx context.Context, p Principal, token string, meta RequestMeta) (User, error) {
	now := s.now()
	var u User
	var old string
	err := s.store.InTx(ctx, func(tx Store) error {
		t, err := tx.ConsumeEmailToken(ctx, HashSecret(token), PurposeEmailChange, now)
		if err != nil {
			return err
		}
		// Someone else's token is refused, and the rollback leaves it unspent.
		if t.UserID != p.User.ID {
			return ErrTokenInvalid
		}
		if u, err = tx.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		if t.CreatedAt.Before(u.PasswordChangedAt) {
			return ErrTokenInvalid
		}
		old = u.Email
		u.Email, u.EmailVerified, u.UpdatedAt = t.Email, true, now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventEmailChanged, now, meta, "")
	})
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrTokenInvalid
	}
	if err != nil {
		return User{}, err
	}
	s.send(ctx, Message{Kind: MessageEmailChanged, To: old, User: u})
	return u, nil
}
