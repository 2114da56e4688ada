package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"time"
)

// SignedLink is what a stateless emailed link carries back: the user, the time the link
// was made and an HMAC over both and over the account's state (django-rest-registration's
// user_id, timestamp and signature). Nothing is stored when the link is made. Use cases
// take it as a LinkProof.
type SignedLink struct {
	UserID int64
	// Timestamp is when the link was made, in Unix seconds.
	Timestamp int64
	Signature string
	// Email is the new address, for an email change; "" for the other purposes.
	Email string
}

// signedLinkPurposes are the emails that carry a signed link, and what each is for.
var signedLinkPurposes = map[MessageKind]TokenPurpose{
	MessageActivation:    PurposeActivation,
	MessagePasswordReset: PurposePasswordReset,
	MessageEmailChange:   PurposeEmailChange,
	// The link to the old address carries the new address it approves, as the new
	// address's own link does.
	MessageEmailChangeOldAddress: PurposeEmailChangeOldAddress,
}

// carriesEmail reports whether a signed link of purpose names an email change's new
// address (SignedLink.Email).
func carriesEmail(purpose TokenPurpose) bool {
	return purpose == PurposeEmailChange || purpose == PurposeEmailChangeOldAddress
}

// signLink adds a signed link to a link-carrying email, when the service has a secret.
// It costs one HMAC, so every such email gets one; only link templates that use
// {timestamp} and {signature} show it.
func (s *Service) signLink(m *Message) {
	purpose, ok := signedLinkPurposes[m.Kind]
	if !ok || len(s.opt.LinkSecret) == 0 || m.User.ID == 0 {
		return
	}
	var email string
	switch purpose {
	case PurposeEmailChange:
		email = m.To
	case PurposeEmailChangeOldAddress:
		email = m.NewEmail
	}
	m.Timestamp = s.now().Unix()
	m.Signature = s.linkSignature(purpose, m.User, m.Timestamp, email)
}

// linkSignature is the HMAC-SHA256 of a link for u.
//
// Besides the purpose, user, time and new email, it covers the state that using the
// link changes, which makes a stateless link single use (as Django's token generators
// do): activation flips Active, a reset replaces PasswordHash, an email change replaces
// Email, the old address's approval of one moves LinksVoidedAt. Covering the password
// hash in every purpose also voids every link once the password changes.
//
// It covers User.LinksVoidedAt too, so that whatever voids the account's stored tokens
// voids its signed links as well: an email change, and a deactivation, which Active
// alone would not (reactivating the account would bring the links back). It is written
// in microseconds, the precision the store keeps.
func (s *Service) linkSignature(purpose TokenPurpose, u User, timestamp int64, email string) string {
	mac := hmac.New(sha256.New, s.opt.LinkSecret)
	for _, f := range []string{
		"accountd signed link v2", string(purpose), strconv.FormatInt(u.ID, 10), strconv.FormatInt(timestamp, 10),
		email, u.Email, strconv.FormatBool(u.Active), u.PasswordHash, strconv.FormatInt(u.LinksVoidedAt.UnixMicro(), 10),
	} {
		writeField(mac, f)
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// voidEmailedLinks moves u.LinksVoidedAt, voiding every emailed link of u made before:
// to now, or just past its current value when now has not passed it (a fixed clock, two
// changes within a microsecond, an instance whose clock lags), since signed links
// compare it for equality and it must change. Microseconds are what the store keeps.
func voidEmailedLinks(u *User, now time.Time) {
	next := now.Truncate(time.Microsecond)
	if floor := u.LinksVoidedAt.Truncate(time.Microsecond).Add(time.Microsecond); next.Before(floor) {
		next = floor
	}
	u.LinksVoidedAt = next
}

// writeField writes f with its length in front, so that no two different lists of
// fields write the same bytes ("ab","c" and "a","bc" differ).
func writeField(h hash.Hash, f string) {
	h.Write([]byte(strconv.Itoa(len(f)) + ":"))
	h.Write([]byte(f))
}

// checkLink loads the user of l and checks its signature for purpose against the user's
// current state, then its age against ttl. An unknown user, a wrong signature and a used
// link (the state it covers has changed) are ErrTokenInvalid; a right but old one
// ErrLinkExpired, checked last so that it is only ever told for a genuine link.
//
// Two requests racing with one link may both pass before either commits: like Django's,
// these links are single use against replay, not against a concurrent double click.
func (s *Service) checkLink(ctx context.Context, st Store, l SignedLink, purpose TokenPurpose, ttl time.Duration) (User, error) {
	if len(s.opt.LinkSecret) == 0 || carriesEmail(purpose) != (l.Email != "") {
		return User{}, ErrTokenInvalid
	}
	u, err := st.UserByID(ctx, l.UserID)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrTokenInvalid
	}
	if err != nil {
		return User{}, err
	}
	want := s.linkSignature(purpose, u, l.Timestamp, l.Email)
	// Constant time: a comparison that stops at the first wrong byte would let a
	// caller find a valid signature byte by byte from the response times.
	if !hmac.Equal([]byte(want), []byte(l.Signature)) {
		return User{}, ErrTokenInvalid
	}
	if !s.now().Before(time.Unix(l.Timestamp, 0).Add(ttl)) {
		return User{}, ErrLinkExpired
	}
	return u, nil
}
