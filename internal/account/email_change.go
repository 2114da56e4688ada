package account

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Every way to change an account's email. Two use cases:
//   - a change in two steps: RequestEmailChange sends a link and ConfirmEmailChange
//     applies it (canonical API, django-rest-registration, the Cadasta platform);
//   - a change at once: ChangeEmailNow (djoser's set_email).
//
// The rules every door keeps: the email limits, and no address of another account; the
// old address is told once the email has changed; a change voids every emailed link of
// the account (they went to a mailbox that is no longer its); and an access token alone
// never moves the email. A thief holding one could otherwise move the account to their
// own address and then take it with a password reset. So a change needs the current
// password, or, for APIs whose clients send none, the approval of the current address
// (GoTrue's "secure email change"): the new address gets its link only once the link
// sent to the current one has been followed.

// EmailChangeRequest is what RequestEmailChange needs.
type EmailChangeRequest struct {
	NewEmail string
	// Password is the caller's current password; a wrong one is a problem with field
	// "password".
	Password string
	// WithoutPassword skips the password check, for APIs whose documents ask for no
	// password (django-rest-registration's register-email takes the new address only), so
	// their clients keep working. The current address must then approve the change: see
	// RequestEmailChange.
	WithoutPassword bool
	// Flow names the API the request came through, for the link format of the email.
	Flow string
}

// RequestEmailChange starts a change of the caller's email; nothing changes until it is
// confirmed (ConfirmEmailChange). With the current password, the link that confirms it
// goes to the new address. Without (in.WithoutPassword), a link goes to the current
// address first (MessageEmailChangeOldAddress), and following it sends the new address
// its link: the change needs both mailboxes, so a stolen access token alone cannot
// move the account, and its owner hears of the attempt before anything reaches the
// thief. Both links lead to the same confirmation (ConfirmEmailChange), so the APIs'
// clients need no change. A new request voids the links of the earlier ones that were
// stored tokens.
//
// The new address equal to the current one is a problem with field "new_email"; one
// that belongs to another account is ErrEmailTaken, but with HideExistingEmails it gets
// the same answer as a free one and no link, so a signed-in user cannot probe which
// addresses have accounts.
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
	kind, purpose, to, detail := MessageEmailChange, PurposeEmailChange, newEmail, ""
	if in.WithoutPassword {
		kind, purpose, to = MessageEmailChangeOldAddress, PurposeEmailChangeOldAddress, p.User.Email
		detail = "without the password: the current address must approve it"
	}
	var token string
	err := s.store.InTx(ctx, func(tx Store) error {
		if err := tx.DeleteEmailTokens(ctx, p.User.ID, PurposeEmailChange, PurposeEmailChangeOldAddress); err != nil {
			return err
		}
		var err error
		if token, err = s.issueEmailToken(ctx, tx, p.User, purpose, newEmail, s.opt.EmailChangeTTL); err != nil {
			return err
		}
		if err := record(ctx, tx, p.User.ID, EventEmailChangeAsked, s.now(), meta, detail); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: kind, To: to, NewEmail: newEmail, User: p.User, Token: token, Flow: in.Flow})
	})
	if err != nil {
		return err
	}
	return nil
}

// ConfirmEmailChange follows a link of an email change. caller is the signed-in user,
// or nil; flow is the API the link came through, for the format of any link it sends.
// A link sent to the new address moves the email there, which counts as verified, and
// the old address is told. A link sent to the current address (a change asked without
// the password) approves the change: nothing moves yet, the new address gets its link,
// and the account is returned unchanged. The rules every door keeps: the proof must be
// genuine, unspent and unexpired, and a signed-in caller must be the account the link
// is for.
//
// The doors, by the form of proof:
//   - TokenProof (canonical API): the caller is required (nil is ErrUnauthenticated) and
//     the token must be theirs.
//   - UserTokenProof: as TokenProof, and the named account must be the caller's.
//   - LinkProof (django-rest-registration): the link alone suffices when nobody is signed
//     in, since only the mailbox it went to has it. Following it changes what the
//     signature covers, so the link works once; a wrong or used link is
//     ErrTokenInvalid, a genuine but old one ErrLinkExpired.
//
// Any other refusal is ErrTokenInvalid.
func (s *Service) ConfirmEmailChange(ctx context.Context, proof Proof, caller *Principal, flow string, meta RequestMeta) (User, error) {
	switch proof.form {
	case storedToken, userStoredToken:
		if caller == nil {
			return User{}, ErrUnauthenticated
		}
		if owner := proof.owner(); owner != nil && *owner != caller.User.ID {
			return User{}, ErrTokenInvalid
		}
		return s.confirmEmailWithToken(ctx, proof.token, *caller, flow, meta)
	case signedLink:
		return s.confirmEmailWithLink(ctx, proof.link, caller, flow, meta)
	}
	return User{}, ErrTokenInvalid
}

// emailChangeStep is what following one link of an email change did, for the email
// that follows it.
type emailChangeStep struct {
	user User
	// oldEmail is the address the account moved away from; "" when it did not move.
	oldEmail string
	// newEmail and token, when the old address approved a change: the link for the new
	// address.
	newEmail, token string
}

// confirmEmailWithToken is ConfirmEmailChange with a stored token, which must be p's.
func (s *Service) confirmEmailWithToken(ctx context.Context, token string, p Principal, flow string, meta RequestMeta) (User, error) {
	now := s.now()
	var step emailChangeStep
	err := s.store.InTx(ctx, func(tx Store) error {
		t, u, err := redeemToken(ctx, tx, token, &p.User.ID, now, PurposeEmailChange, PurposeEmailChangeOldAddress)
		if err != nil {
			return err
		}
		if step, err = s.takeEmailChangeStep(ctx, tx, u, t.Purpose, t.Email, now, meta); err != nil {
			return err
		}
		return s.tellEmailChangeStep(ctx, tx, step, flow)
	})
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrTokenInvalid
	}
	if err != nil {
		return User{}, err
	}
	return step.user, nil
}

// confirmEmailWithLink is ConfirmEmailChange with a signed link.
func (s *Service) confirmEmailWithLink(ctx context.Context, l SignedLink, caller *Principal, flow string, meta RequestMeta) (User, error) {
	now := s.now()
	var step emailChangeStep
	err := s.store.InTx(ctx, func(tx Store) error {
		// One verify page serves both links: the signature tells which it is.
		purpose := PurposeEmailChange
		u, err := s.checkLink(ctx, tx, l, purpose, s.opt.EmailChangeTTL)
		if errors.Is(err, ErrTokenInvalid) && !errors.Is(err, ErrLinkExpired) {
			purpose = PurposeEmailChangeOldAddress
			u, err = s.checkLink(ctx, tx, l, purpose, s.opt.EmailChangeTTL)
		}
		if err != nil {
			return err
		}
		if caller != nil && caller.User.ID != u.ID {
			return ErrTokenInvalid
		}
		if step, err = s.takeEmailChangeStep(ctx, tx, u, purpose, l.Email, now, meta); err != nil {
			return err
		}
		return s.tellEmailChangeStep(ctx, tx, step, flow)
	})
	if err != nil {
		return User{}, err
	}
	return step.user, nil
}

// takeEmailChangeStep does, within tx, what a followed link of purpose does to u's
// email: the old address's approval issues the new address's link, the new address's
// link moves the email. Either moves u.LinksVoidedAt, which spends the signed link just
// followed, and voids every other emailed link of the account: a change in progress or
// done takes the account from the mailbox they went to.
func (s *Service) takeEmailChangeStep(ctx context.Context, tx Store, u User, purpose TokenPurpose, newEmail string, now time.Time, meta RequestMeta) (emailChangeStep, error) {
	step := emailChangeStep{}
	if purpose == PurposeEmailChange {
		step.oldEmail = u.Email
		u.Email, u.EmailVerified = newEmail, true
	}
	u.UpdatedAt = now
	voidEmailedLinks(&u, now)
	var err error
	if u, err = tx.UpdateUser(ctx, u); err != nil {
		return step, err
	}
	step.user = u
	if err := tx.DeleteEmailTokens(ctx, u.ID, emailedPurposes...); err != nil {
		return step, err
	}
	if purpose == PurposeEmailChange {
		return step, record(ctx, tx, u.ID, EventEmailChanged, now, meta, "")
	}
	step.newEmail = newEmail
	if step.token, err = s.issueEmailToken(ctx, tx, u, PurposeEmailChange, newEmail, s.opt.EmailChangeTTL); err != nil {
		return step, err
	}
	return step, record(ctx, tx, u.ID, EventEmailChangeAsked, now, meta, "approved at the current address: link sent to the new one")
}

// tellEmailChangeStep queues, within tx, the email that follows step.
func (s *Service) tellEmailChangeStep(ctx context.Context, tx Store, step emailChangeStep, flow string) error {
	if step.token != "" {
		return s.send(ctx, tx, Message{Kind: MessageEmailChange, To: step.newEmail, NewEmail: step.newEmail, User: step.user, Token: step.token, Flow: flow})
	}
	return s.send(ctx, tx, Message{Kind: MessageEmailChanged, To: step.oldEmail, User: step.user})
}

// ChangeEmailNow replaces the caller's email at once, after checking the current
// password, for APIs that change it without a confirmation link (djoser's set_email).
// Unlike the change in two steps, nobody proves to read the new mailbox: the address is
// unverified until a link sent to it is used. Every emailed link already sent stops
// working (stored tokens and signed links alike), since they went to a mailbox that is no longer the
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
		voidEmailedLinks(&u, now)
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.DeleteEmailTokens(ctx, u.ID, emailedPurposes...); err != nil {
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
