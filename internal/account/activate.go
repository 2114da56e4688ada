package account

import (
	"context"
	"errors"
	"strings"
)

// Activate consumes an activation token and activates its account. The address the
// token was sent to counts as verified.
func (s *Service) Activate(ctx context.Context, token string, meta RequestMeta) (User, error) {
	return s.activate(ctx, token, anyOwner, meta)
}

// activate is Activate for a token that must belong to owner (anyOwner: to whoever it
// was issued for).
func (s *Service) activate(ctx context.Context, token string, owner int64, meta RequestMeta) (User, error) {
	now := s.now()
	var u User
	err := s.store.InTx(ctx, func(tx Store) error {
		t, err := tx.ConsumeEmailToken(ctx, HashSecret(token), PurposeActivation, now)
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
		// A token issued before the last password change is void, and so is any token
		// of an account an administrator holds inactive.
		if t.CreatedAt.Before(u.PasswordChangedAt) || u.Deactivated {
			return ErrTokenInvalid
		}
		u.Active = true
		u.EmailVerified = strings.EqualFold(t.Email, u.Email)
		u.UpdatedAt = now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventActivated, now, meta, "")
	})
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrTokenInvalid
	}
	return u, err
}

// ResendActivation emails a fresh activation link when email belongs to an account that
// is not active yet, replacing earlier links. It answers the same in every other case,
// so it reveals nothing about which emails have accounts.
func (s *Service) ResendActivation(ctx context.Context, email, flow string, meta RequestMeta) error {
	_, err := s.resendActivation(ctx, email, flow, meta)
	return err
}

// resendActivation is ResendActivation, also reporting whether a link went out.
func (s *Service) resendActivation(ctx context.Context, email, flow string, meta RequestMeta) (sent bool, err error) {
	if err := s.emailLimits(ctx, meta, email); err != nil {
		return false, err
	}
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	case u.Active, u.Deactivated:
		// An account an administrator holds inactive is not the user's to activate.
		return false, nil
	}
	var token string
	err = s.store.InTx(ctx, func(tx Store) error {
		if err := tx.DeleteEmailTokens(ctx, u.ID, PurposeActivation); err != nil {
			return err
		}
		var err error
		token, err = s.issueEmailToken(ctx, tx, u, PurposeActivation, u.Email, s.opt.ActivationTTL)
		return err
	})
	if err != nil {
		return false, err
	}
	s.send(ctx, Message{Kind: MessageActivation, To: u.Email, User: u, Token: token, Flow: flow})
	return true, nil
}
