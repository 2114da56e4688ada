package account

import (
	"context"
	"errors"
	"time"
)

// Proof is what an emailed link carries back: the proof that whoever follows the link
// reads the mailbox it was sent to. Activate, ResetPassword and ConfirmEmailChange take
// one, and each says in its own file how it treats every form. The forms, one per kind of
// link the APIs send:
//
//   - TokenProof: a stored token alone (the canonical API);
//   - UserTokenProof: a user ID and a stored token (djoser's uid and token);
//   - LinkProof: a signed link, stored nowhere (django-rest-registration's user_id,
//     timestamp and signature; see signed_links.go).
//
// The zero Proof proves nothing: every use case refuses it with ErrTokenInvalid.
type Proof struct {
	form   proofForm
	token  string
	userID int64
	link   SignedLink
}

// proofForm tells the forms of a Proof apart; the zero form (noProof) proves nothing.
type proofForm int

const (
	noProof proofForm = iota
	storedToken
	userStoredToken
	signedLink
)

// TokenProof is a stored emailed token that alone names its account.
func TokenProof(token string) Proof { return Proof{form: storedToken, token: token} }

// UserTokenProof is a stored emailed token that must belong to account userID, for APIs
// whose links carry the user ID next to the token (djoser's uid). A link can then only
// ever act on the account it names, and an unknown userID can be told apart
// (ErrNotFound), as those APIs do.
func UserTokenProof(userID int64, token string) Proof {
	return Proof{form: userStoredToken, token: token, userID: userID}
}

// LinkProof is a signed link.
func LinkProof(l SignedLink) Proof { return Proof{form: signedLink, link: l} }

// owner is the account a stored token of p must belong to: the one a UserTokenProof
// names, nil (whoever the token was issued for) otherwise.
func (p Proof) owner() *int64 {
	if p.form == userStoredToken {
		return &p.userID
	}
	return nil
}

// redeemToken spends a stored emailed token for the first of purposes it was issued for,
// within tx, and returns it with its user. When owner is not nil the token must belong
// to that account: another account's token is ErrTokenInvalid, and the rollback of tx
// leaves it unspent. A token issued before the account's last password change is void,
// since a new password voids what the old one vouched for. A user gone meanwhile is
// ErrNotFound, which the use cases answer as ErrTokenInvalid.
func redeemToken(ctx context.Context, tx Store, token string, owner *int64, now time.Time, purposes ...TokenPurpose) (EmailToken, User, error) {
	var (
		t   EmailToken
		err error = ErrTokenInvalid
	)
	for _, purpose := range purposes {
		if t, err = tx.ConsumeEmailToken(ctx, HashSecret(token), purpose, now); !errors.Is(err, ErrTokenInvalid) {
			break
		}
	}
	if err != nil {
		return EmailToken{}, User{}, err
	}
	if owner != nil && t.UserID != *owner {
		return EmailToken{}, User{}, ErrTokenInvalid
	}
	u, err := tx.UserByID(ctx, t.UserID)
	if err != nil {
		return EmailToken{}, User{}, err
	}
	if t.CreatedAt.Before(u.LinksVoidedAt) {
		return EmailToken{}, User{}, ErrTokenInvalid
	}
	return t, u, nil
}
