package account

import (
	"context"
	"errors"
	"strings"
)

// ChangeEmailNow replaces the caller's email at once, after checking the current
// password, for APIs that change it without a confirmation link (djoser's set_email).
// The new address is unverified until a link sent to it is used. Reset and email-change
// links already sent to the old address stop working, since they went to a mailbox that
// is no longer the account's, and the old address is told of the change.
//
// A wrong password is a problem with field "current_password". An address that belongs
// to an account (this one included) is ErrEmailTaken; with HideExistingEmails another
// account's address is answered like a success and nothing changes, so a signed-in user
// cannot probe which addresses have accounts from the answer.
func (s *Service) ChangeEmailNow(ctx context.Context, p Principal, newEmail, password string, meta RequestMeta) (User, error) {
	newEmail = strings.TrimSpace(newEmail)
	if err := s.emailLimits(ctx, meta, newEmail); err != nil {
		return User{}, err
	}
	if err := s.checkCurrentPassword(ctx, p.User, password, "current_password"); err != nil {
		return User{}, err
	}
	if strings.EqualFold(newEmail, p.User.Email) {
		return User{}, ErrEmailTaken
	}
	switch _, err := s.store.UserByEmail(ctx, newEmail); {
	case err == nil && s.opt.HideExistingEmails:
		return p.User, nil
	case err == nil:
		return User{}, ErrEmailTaken
	case !errors.Is(err, ErrNotFound):
		return User{}, err
	}
	now := s.now()
	var u User
	var old string
	err := s.store.InTx(ctx, func(tx Store) error {
		var err error
		if u, err = tx.UserByID(ctx, p.User.ID); err != nil {
			return err
		}
		old = u.Email
		u.Email, u.EmailVerified, u.UpdatedAt = newEmail, false, now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.DeleteEmailTokens(ctx, u.ID, PurposePasswordReset, PurposeEmailChange); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventEmailChanged, now, meta, "changed at once, without a confirmation link")
	})
	if err != nil {
		return User{}, err
	}
	s.send(ctx, Message{Kind: MessageEmailChanged, To: old, User: u})
	return u, nil
}
