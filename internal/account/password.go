package account

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// ForgotPassword emails a reset link when email belongs to an active account. It answers
// the same, after the same work, in every other case: the request is stored whatever
// the address, and carried out after the answer (email_requests.go), so the time taken
// does not tell either.
func (s *Service) ForgotPassword(ctx context.Context, email, flow string, meta RequestMeta) error {
	if err := s.emailLimits(ctx, meta, email); err != nil {
		return err
	}
	return s.queueEmailRequest(ctx, EmailRequestPasswordReset, email, flow, meta)
}

// sendPasswordReset is the work of a forgotten password's request, in tx: a reset link
// to the active account with this email, replacing earlier ones; nothing for any other
// address.
func (s *Service) sendPasswordReset(ctx context.Context, tx Store, email, flow string, meta RequestMeta) error {
	u, err := tx.UserByEmail(ctx, strings.TrimSpace(email))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case !u.Active:
		return nil
	}
	if err := tx.DeleteEmailTokens(ctx, u.ID, PurposePasswordReset); err != nil {
		return err
	}
	token, err := s.issueEmailToken(ctx, tx, u, PurposePasswordReset, u.Email, s.opt.ResetTTL)
	if err != nil {
		return err
	}
	if err := record(ctx, tx, u.ID, EventPasswordResetAsked, s.now(), meta, ""); err != nil {
		return err
	}
	return s.send(ctx, tx, Message{Kind: MessagePasswordReset, To: u.Email, User: u, Token: token, Flow: flow})
}

// ResetPassword sets a new password with an emailed reset link and ends every session of
// the account; the account's other emailed links die with the old password. The rules
// every door keeps: the proof must be genuine, unspent and unexpired, the new password
// must pass the policy, and a proof that does not lead to a new password (a weak one,
// say) is not spent. The owner is told by email.
//
// The doors, by the form of proof:
//   - TokenProof (canonical API): the token names the account. An invitation token (see
//     AdminCreateUser) works here too, and also activates the account. A password the
//     policy refuses is a problem with field "new_password".
//   - UserTokenProof (djoser): as TokenProof, and the token must be the named account's;
//     ErrNotFound when there is no such account.
//   - LinkProof (django-rest-registration): the new hash changes what the signature
//     covers, so the link works once. A password the policy refuses is a problem with
//     field "password", that API's name for it; a wrong or used link is
//     ErrTokenInvalid, a genuine but old one ErrLinkExpired. Invitations are stored
//     tokens only.
//
// Any other refusal is ErrTokenInvalid.
func (s *Service) ResetPassword(ctx context.Context, proof Proof, newPassword string, meta RequestMeta) (User, error) {
	switch proof.form {
	case storedToken:
		return s.resetWithToken(ctx, proof, newPassword, meta)
	case userStoredToken:
		if _, err := s.store.UserByID(ctx, proof.userID); err != nil {
			return User{}, err
		}
		return s.resetWithToken(ctx, proof, newPassword, meta)
	case signedLink:
		return s.resetWithLink(ctx, proof.link, newPassword, meta)
	}
	return User{}, ErrTokenInvalid
}

// resetWithToken is ResetPassword with a stored token (of proof.owner(), if it names one).
func (s *Service) resetWithToken(ctx context.Context, proof Proof, newPassword string, meta RequestMeta) (User, error) {
	// Hash first, outside the transaction: it is the slow part, and SQLite has one writer.
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	var u User
	err = s.store.InTx(ctx, func(tx Store) error {
		// An invitation is a set-password token too, with its own email and life.
		var t EmailToken
		var err error
		if t, u, err = redeemToken(ctx, tx, proof.token, proof.owner(), now, PurposePasswordReset, PurposeInvitation); err != nil {
			return err
		}
		// The policy needs the account's username and email, known only now; the
		// rollback leaves the token unspent.
		if problems := s.PasswordProblems("new_password", newPassword, u.Username, u.Email); problems != nil {
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
		if err := record(ctx, tx, u.ID, event, now, meta, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessagePasswordChanged, To: u.Email, User: u})
	})
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrTokenInvalid
	}
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// resetWithLink is ResetPassword with a signed link.
func (s *Service) resetWithLink(ctx context.Context, l SignedLink, newPassword string, meta RequestMeta) (User, error) {
	// A cheap look first, so that a bad link never costs a password hash, and the
	// account it names gives the policy its username and email.
	u, err := s.checkLink(ctx, s.store, l, PurposePasswordReset, s.opt.ResetTTL)
	if err != nil {
		return User{}, err
	}
	if problems := s.PasswordProblems("password", newPassword, u.Username, u.Email); problems != nil {
		return User{}, &ValidationError{Problems: problems}
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	err = s.store.InTx(ctx, func(tx Store) error {
		// Again inside the transaction: the account may have changed while hashing.
		if u, err = s.checkLink(ctx, tx, l, PurposePasswordReset, s.opt.ResetTTL); err != nil {
			return err
		}
		// The link reached the account's mailbox (the signature covers the address).
		u.EmailVerified = true
		if u, err = s.setPassword(ctx, tx, u, hash, now, ""); err != nil {
			return err
		}
		if err := record(ctx, tx, u.ID, EventPasswordReset, now, meta, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessagePasswordChanged, To: u.Email, User: u})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ChangePassword replaces the caller's password after checking the current one. Every
// other session of the account ends; the caller's own stays.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, newPassword string, meta RequestMeta) error {
	if err := s.requireStepUp(ctx, p); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, p.User, current, "current_password"); err != nil {
		return err
	}
	if problems := s.PasswordProblems("new_password", newPassword, p.User.Username, p.User.Email); problems != nil {
		return &ValidationError{Problems: problems}
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(tx Store) error {
		u, err := tx.UserByID(ctx, p.User.ID)
		if err != nil {
			return err
		}
		if u, err = s.setPassword(ctx, tx, u, hash, now, p.SessionID); err != nil {
			return err
		}
		if err := record(ctx, tx, u.ID, EventPasswordChanged, now, meta, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessagePasswordChanged, To: u.Email, User: u})
	})
}

// setPassword stores a new password hash and voids what the old password vouched for:
// every emailed token, and every session but keep (none when keep is empty).
func (s *Service) setPassword(ctx context.Context, tx Store, u User, hash string, now time.Time, keep string) (User, error) {
	u.PasswordHash = hash
	voidEmailedLinks(&u, now)
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

// CheckCurrentPassword verifies the password the caller re-entered, for APIs that
// report a wrong one along with their other field errors before calling a use case
// (djoser's set_password). A wrong password is a problem with field "current_password".
func (s *Service) CheckCurrentPassword(ctx context.Context, p Principal, password string) error {
	return s.checkCurrentPassword(ctx, p.User, password, "current_password")
}

// checkCurrentPassword verifies a password the caller must re-enter for a sensitive
// change; a wrong one is a problem with field.
//
// Whoever asks holds a session of the account, but perhaps a stolen one: without a
// bound, its access token (or a month-long cadasta auth_token) would let its holder
// guess the password itself, which outlives the session, through any API that asks for
// it again. So attempts are counted per account, before the check (a burst of parallel
// guesses cannot slip through together), in a budget of LoginFailures' size of their
// own; past it, even the right password is a RateLimitError until the window frees a
// slot. A right password takes back only its own attempt, as at login: the failures
// counted before may be the thief's.
func (s *Service) checkCurrentPassword(ctx context.Context, u User, password, field string) error {
	attempts := bucket{"password:current", strconv.FormatInt(u.ID, 10), s.opt.Limits.LoginFailures}
	if err := s.limit(ctx, attempts); err != nil {
		return err
	}
	ok, _, err := s.hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return err
	}
	if !ok {
		return Invalid(field, "incorrect", "is not the account's current password")
	}
	if attempts.rule.Limit > 0 {
		_ = s.opt.Limiter.Undo(ctx, attempts.key(), attempts.rule, s.now())
	}
	return nil
}
