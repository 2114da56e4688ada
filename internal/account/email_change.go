package account

import (
	"context"
	"errors"
	"strings"
)

// Every way to change an account's email. Two use cases:
//   - a change in two steps: RequestEmailChange sends a link to the new address and
//     ConfirmEmailChange applies it (canonical API, django-rest-registration);
//   - a change at once: ChangeEmailNow (djoser's set_email).
//
// The rules every door keeps: the email limits, and no address of another account; the
// old address is told once the email has changed.

// EmailChangeRequest is what RequestEmailChange needs.
type EmailChangeRequest struct {
	NewEmail string
	// Password is the caller's current password; a wrong one is a problem with field
	// "password".
	Password string
	// WithoutPassword skips the password check, for APIs whose documents ask for no
	// password (django-rest-registration's register-email takes the new address only), so
	// their clients keep working. The canonical API asks for the password because a
	// stolen access token could otherwise start moving the account to the thief's
	// address; without it the change still needs the link sent to the new address, and
	// the old address is told once it is confirmed.
	WithoutPassword bool
	// Flow names the API the request came through, for the link format of the email.
	Flow string
}

// RequestEmailChange sends a confirmation link to the new address; nothing changes until
// it is confirmed (ConfirmEmailChange). The current password is required unless
// in.WithoutPassword. The new address equal to the current one is a problem with field
// "new_email"; one that belongs to another account is ErrEmailTaken, but with
// HideExistingEmails it gets the same answer as a free one and no link, so a signed-in
// user cannot probe which addresses have accounts.
func (s *Service) RequestEmailChange(ctx context.Context, p Principal, in EmailChangeRequest, meta RequestMeta) error {
	if err := s.requireStepUp(ctx, p); err != nil {
		return err
	}
	newEmail, problem := normalizeEmail("new_email", in.NewEmail)
	if problem != nil {
		return problems(problem)
	}
	if err := s.emailLimits(ctx, meta, newEmail); err != nil {
		return err
	}
	if !in.WithoutPassword {
		if err := s.checkCurrentPassword(ctx, p.User, in.Password, "password"); err != nil {
			return err
		}
	}
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
		if err := record(ctx, tx, p.User.ID, EventEmailChangeAsked, s.now(), meta, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessageEmailChange, To: newEmail, User: p.User, Token: token, Flow: in.Flow})
	})
	if err != nil {
		return err
	}
	return nil
}

// ConfirmEmailChange applies the email change of a link sent to the new address, which
// counts as verified. caller is the signed-in user, or nil. The rules every door keeps:
// the proof must be genuine, unspent and unexpired, and a signed-in caller must be the
// account the link is for. The old address is told of the change.
//
// The doors, by the form of proof:
//   - TokenProof (canonical API): the caller is required (nil is ErrUnauthenticated) and
//     the token must be theirs.
//   - UserTokenProof: as TokenProof, and the named account must be the caller's.
//   - LinkProof (django-rest-registration): the link alone suffices when nobody is signed
//     in, since only the new address's owner has it. The new email changes what the
//     signature covers, so the link works once; a wrong or used link is
//     ErrTokenInvalid, a genuine but old one ErrLinkExpired.
//
// Any other refusal is ErrTokenInvalid.
func (s *Service) ConfirmEmailChange(ctx context.Context, proof Proof, caller *Principal, meta RequestMeta) (User, error) {
	switch proof.form {
	case storedToken, userStoredToken:
		if caller == nil {
			return User{}, ErrUnauthenticated
		}
		if owner := proof.owner(); owner != nil && *owner != caller.User.ID {
			return User{}, ErrTokenInvalid
		}
		return s.confirmEmailWithToken(ctx, proof.token, *caller, meta)
	case signedLink:
		return s.confirmEmailWithLink(ctx, proof.link, caller, meta)
	}
	return User{}, ErrTokenInvalid
}

// confirmEmailWithToken is ConfirmEmailChange with a stored token, which must be p's.
func (s *Service) confirmEmailWithToken(ctx context.Context, token string, p Principal, meta RequestMeta) (User, error) {
	now := s.now()
	var u User
	var old string
	err := s.store.InTx(ctx, func(tx Store) error {
		var t EmailToken
		var err error
		if t, u, err = redeemToken(ctx, tx, token, &p.User.ID, now, PurposeEmailChange); err != nil {
			return err
		}
		old = u.Email
		u.Email, u.EmailVerified, u.UpdatedAt = t.Email, true, now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := record(ctx, tx, u.ID, EventEmailChanged, now, meta, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessageEmailChanged, To: old, User: u})
	})
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrTokenInvalid
	}
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// confirmEmailWithLink is ConfirmEmailChange with a signed link.
func (s *Service) confirmEmailWithLink(ctx context.Context, l SignedLink, caller *Principal, meta RequestMeta) (User, error) {
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
		// A stored token made alongside the link is of no use any more.
		if err := tx.DeleteEmailTokens(ctx, u.ID, PurposeEmailChange); err != nil {
			return err
		}
		if err := record(ctx, tx, u.ID, EventEmailChanged, now, meta, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessageEmailChanged, To: old, User: u})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ChangeEmailNow replaces the caller's email at once, after checking the current
// password, for APIs that change it without a confirmation link (djoser's set_email).
// Unlike the change in two steps, nobody proves to read the new mailbox: the address is
// unverified until a link sent to it is used. Reset and email-change links already sent
// to the old address stop working, since they went to a mailbox that is no longer the
// account's, and the old address is told of the change.
//
// A wrong password is a problem with field "current_password" (djoser's name). An
// address that belongs to an account (this one included) is ErrEmailTaken; with
// HideExistingEmails another account's address is answered like a success and nothing
// changes, so a signed-in user cannot probe which addresses have accounts.
func (s *Service) ChangeEmailNow(ctx context.Context, p Principal, newEmail, password string, meta RequestMeta) (User, error) {
	if err := s.requireStepUp(ctx, p); err != nil {
		return User{}, err
	}
	newEmail, problem := normalizeEmail("new_email", newEmail)
	if problem != nil {
		return User{}, problems(problem)
	}
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
		if err := record(ctx, tx, u.ID, EventEmailChanged, now, meta, "changed at once, without a confirmation link"); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessageEmailChanged, To: old, User: u})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}
