package account

import (
	"context"
	"errors"
	"strings"
)

// Activate activates the account of an emailed activation link. The rules every door
// keeps: the proof must be genuine, unspent and unexpired; it works once; and an account
// an administrator holds inactive (User.Deactivated) is not the user's to activate.
//
// The doors, by the form of proof:
//   - TokenProof (canonical API): the token names the account. The address the token was
//     sent to counts as verified if it is still the account's.
//   - UserTokenProof (djoser): the token must be the named account's. ErrNotFound when
//     there is no such account; ErrAlreadyActive when it is active already, whatever the
//     token (a spent token cannot be told from a wrong one, and the answer reveals no more
//     than that the account can log in).
//   - LinkProof (django-rest-registration): the link went to the account's email (the
//     signature covers it), so that address counts as verified. Once the account is
//     active the signature no longer matches, so the link works once; a wrong or used
//     link is ErrTokenInvalid, a genuine but old one ErrLinkExpired.
//
// Any other refusal is ErrTokenInvalid.
func (s *Service) Activate(ctx context.Context, proof Proof, meta RequestMeta) (User, error) {
	switch proof.form {
	case storedToken:
		return s.activateWithToken(ctx, proof, meta)
	case userStoredToken:
		u, err := s.store.UserByID(ctx, proof.userID)
		if err != nil {
			return User{}, err
		}
		if u.Active {
			return User{}, ErrAlreadyActive
		}
		return s.activateWithToken(ctx, proof, meta)
	case signedLink:
		return s.activateWithLink(ctx, proof.link, meta)
	}
	return User{}, ErrTokenInvalid
}

// activateWithToken is Activate with a stored token (of proof.owner(), if it names one).
func (s *Service) activateWithToken(ctx context.Context, proof Proof, meta RequestMeta) (User, error) {
	now := s.now()
	var u User
	err := s.store.InTx(ctx, func(tx Store) error {
		var t EmailToken
		var err error
		if t, u, err = redeemToken(ctx, tx, proof.token, proof.owner(), now, PurposeActivation); err != nil {
			return err
		}
		if u.Deactivated {
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

// activateWithLink is Activate with a signed link.
func (s *Service) activateWithLink(ctx context.Context, l SignedLink, meta RequestMeta) (User, error) {
	now := s.now()
	var u User
	err := s.store.InTx(ctx, func(tx Store) error {
		var err error
		if u, err = s.checkLink(ctx, tx, l, PurposeActivation, s.opt.ActivationTTL); err != nil {
			return err
		}
		// The signature covers Active, not Deactivated, so a link from before an
		// administrator deactivated the account would verify again: refuse it.
		if u.Deactivated {
			return ErrTokenInvalid
		}
		u.Active, u.EmailVerified, u.UpdatedAt = true, true, now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		// The stored activation token made alongside the link is of no use any more.
		if err := tx.DeleteEmailTokens(ctx, u.ID, PurposeActivation); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventActivated, now, meta, "")
	})
	return u, err
}

// ResendActivation emails a fresh activation link when email belongs to an account that
// is not active yet, replacing earlier links, and reports whether it did.
//
// sent reveals whether email belongs to an account awaiting activation. With
// HideExistingEmails (the default) it is always false and the answer tells nothing, in
// its time either: the request is stored whatever the address and carried out after the
// answer (email_requests.go). Without it, the work is done before the answer and sent
// says whether an email went out; a compatibility profile may pass that on (djoser
// answers 400 to an address with nothing to resend), as the operator chose to reveal.
func (s *Service) ResendActivation(ctx context.Context, email, flow string, meta RequestMeta) (sent bool, err error) {
	if err := s.emailLimits(ctx, meta, email); err != nil {
		return false, err
	}
	if s.opt.HideExistingEmails {
		return false, s.queueEmailRequest(ctx, EmailRequestActivation, email, flow, meta)
	}
	err = s.store.InTx(ctx, func(tx Store) error {
		sent, err = s.sendActivation(ctx, tx, email, flow)
		return err
	})
	return sent && err == nil, err
}

// sendActivation is the work of a resent activation, in tx: a new activation link to the
// account with this email if it awaits activation, replacing earlier ones; sent says
// whether it did.
func (s *Service) sendActivation(ctx context.Context, tx Store, email, flow string) (sent bool, err error) {
	u, err := tx.UserByEmail(ctx, strings.TrimSpace(email))
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	case u.Active, u.Deactivated:
		// An account an administrator holds inactive is not the user's to activate.
		return false, nil
	}
	if err := tx.DeleteEmailTokens(ctx, u.ID, PurposeActivation); err != nil {
		return false, err
	}
	token, err := s.issueEmailToken(ctx, tx, u, PurposeActivation, u.Email, s.opt.ActivationTTL)
	if err != nil {
		return false, err
	}
	return true, s.send(ctx, tx, Message{Kind: MessageActivation, To: u.Email, User: u, Token: token, Flow: flow})
}
