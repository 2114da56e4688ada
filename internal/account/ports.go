package account

import (
	"context"
	"time"
)

// Store persists accounts. Implementations translate their own errors into this
// package's: a unique violation becomes ErrUsernameTaken or ErrEmailTaken, a missing row
// ErrNotFound, a lost connection ErrUnavailable. Times go in and come out in UTC.
//
// Login names. Every account's username and email, ignoring case, and every username a
// hidden registration reserves (ReserveUsername) live in one namespace: no name may be
// held twice, whether as two usernames, two emails, or one account's username and
// another's email. The store keeps this with one unique index written in the same
// transaction as the account, so that no race gets around it; CreateUser, CreateAccount
// and UpdateUser refuse a name held by another account, or by a reservation live at the
// user's UpdatedAt, with ErrUsernameTaken for its username (looked at first) and
// ErrEmailTaken for its email. An expired reservation is no hold.
type Store interface {
	// InTx runs fn with a Store bound to one transaction, committed when fn returns nil.
	InTx(ctx context.Context, fn func(tx Store) error) error
	// Bind returns ctx carrying the transaction this Store is bound to (inside InTx), for
	// the Mailer: an email queued with that context commits or rolls back with the state
	// change that promises it. Outside a transaction it returns ctx unchanged.
	Bind(ctx context.Context) context.Context

	// QueueEmailRequest stores r (its ID and Attempts ignored), due at r.CreatedAt, in
	// one statement: see email_requests.go.
	QueueEmailRequest(ctx context.Context, r EmailRequest) error
	// ClaimEmailRequests leases up to limit requests due at now until leaseUntil,
	// counting an attempt on each, and returns them in the order they were queued. Two
	// claims, on one instance or several, never hold the same request at once.
	ClaimEmailRequests(ctx context.Context, now, leaseUntil time.Time, limit int) ([]EmailRequest, error)
	// DeleteEmailRequest removes a request carried out or given up (none: no error).
	DeleteEmailRequest(ctx context.Context, id int64) error

	// CreateUser inserts u and returns it with its new ID. Its username and email join
	// the namespace of login names (see Store); an OrganizationID that names no
	// organization is ErrNotFound.
	CreateUser(ctx context.Context, u User) (User, error)
	// CreateAccount stores a new user u (ignoring u.ID) with its first emailed token t
	// and its first event e, filling in their UserID, atomically, and returns the user
	// with its new ID. It fails as CreateUser does (ErrUsernameTaken, ErrEmailTaken,
	// ErrNotFound for an unknown organization), and then stores nothing.
	CreateAccount(ctx context.Context, u User, t EmailToken, e Event) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	// UserByLogin finds the account whose username or email is login, ignoring case; an
	// address is compared in its normalized form (EmailKey). The namespace of login
	// names makes it at most one. Text no account can have (a control character, text
	// that is not UTF-8) is ErrNotFound without a query.
	UserByLogin(ctx context.Context, login string) (User, error)
	// UserByEmail finds a user by email, ignoring case, as UserByLogin compares it.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UpdateUser writes every field of u (found by ID) and returns the stored row. A new
	// username or email moves the account's login names, or fails as CreateUser does.
	UpdateUser(ctx context.Context, u User) (User, error)
	// DeleteUser removes the user with its sessions, tokens, events and login names.
	DeleteUser(ctx context.Context, id int64) error
	// ReserveUsername holds r.Username (ignoring case) for no account until r.ExpiresAt,
	// as a registration that created nothing (a taken email, hidden) holds it: until
	// then, every write that would take the name fails with ErrUsernameTaken. It is
	// ErrUsernameTaken itself when the name is already held at r.CreatedAt.
	ReserveUsername(ctx context.Context, r Reservation) error
	// ReservationOf returns the reservation holding username (ignoring case) at now, or
	// ErrNotFound when none does (an expired one holds nothing).
	ReservationOf(ctx context.Context, username string, now time.Time) (Reservation, error)
	// LoginNameTaken reports whether name is held at now in the namespace of login
	// names: an account's username or email, or a live reservation, ignoring case.
	LoginNameTaken(ctx context.Context, name string, now time.Time) (bool, error)
	// SignedInFrom reports whether the user has logged in successfully from ip since
	// the given time (by the history of successful logins).
	SignedInFrom(ctx context.Context, userID int64, ip string, since time.Time) (bool, error)

	CreateEmailToken(ctx context.Context, t EmailToken) error
	// ConsumeEmailToken marks the unused, unexpired token with this hash and purpose as
	// used at now and returns it; exactly one caller can consume a token. Otherwise
	// ErrTokenInvalid.
	ConsumeEmailToken(ctx context.Context, hash string, purpose TokenPurpose, now time.Time) (EmailToken, error)
	// DeleteEmailTokens removes the user's unused tokens of the given purposes.
	DeleteEmailTokens(ctx context.Context, userID int64, purposes ...TokenPurpose) error

	CreateSession(ctx context.Context, s Session) error
	// StartSession records a successful login in one step: it sets the user's last
	// login to sess.CreatedAt (and its password hash to passwordHash, unless that is
	// empty), stores sess (for the user sess.UserID) with its first refresh token rt,
	// adds the event e, and, when maxLive > 0, ends the user's live sessions beyond the
	// newest maxLive (sess included), oldest first, recording an EventSessionRevoked
	// (with e's IP and user agent) for each, atomically: concurrent logins of one
	// account never leave more than maxLive live. It returns the user as stored, or
	// ErrNotFound (having stored nothing) if the user is gone.
	StartSession(ctx context.Context, sess Session, rt RefreshToken, passwordHash string, e Event, maxLive int) (User, error)
	// SessionUser returns a live session (not revoked, not expired at now) and its user,
	// in one round trip: it runs on every authenticated request. Otherwise ErrNotFound.
	SessionUser(ctx context.Context, sessionID string, now time.Time) (Session, User, error)
	// TouchSession sets the session's last use and expiry.
	TouchSession(ctx context.Context, sessionID string, lastUsed, expires time.Time) error
	// RevokeSession ends one session (no error if it had already ended).
	RevokeSession(ctx context.Context, sessionID string, now time.Time) error
	// RevokeUserSessions ends every live session of the user and returns how many ended.
	RevokeUserSessions(ctx context.Context, userID int64, now time.Time) (int, error)
	// RevokeOtherSessions ends every live session of the user except keep (every one
	// when keep is empty) and returns how many ended.
	RevokeOtherSessions(ctx context.Context, userID int64, keep string, now time.Time) (int, error)
	// RevokeUserSession ends one live session of the user; ErrNotFound when the user
	// has no live session with that ID.
	RevokeUserSession(ctx context.Context, userID int64, sessionID string, now time.Time) error
	// ListSessions returns up to limit (every one with 0) of the user's live sessions at
	// now, newest first (by CreatedAt, then ID), strictly after the position after
	// (from the newest when after is zero): a keyset page.
	ListSessions(ctx context.Context, userID int64, now time.Time, after SessionCursor, limit int) ([]Session, error)

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	RefreshTokenByHash(ctx context.Context, hash string) (RefreshToken, error)
	// MarkRefreshTokenUsed sets UsedAt, and SuccessorHash to successor, if UsedAt is still
	// unset; it reports false when another caller spent the token first.
	MarkRefreshTokenUsed(ctx context.Context, hash, successor string, now time.Time) (bool, error)
	// RotateRefreshToken is an ordinary refresh in one step. If the token with hash spent
	// is unused and unexpired at now, its session live and the session's user active, it
	// marks the token used at now with next.Hash as its SuccessorHash, sets the session's last use to now and its expiry to
	// next.ExpiresAt, stores next for that session and user (filling in its SessionID and
	// UserID), and returns the session as updated, atomically. (Not the user: a refresh
	// needs only its ID, the session's UserID, and reading the whole row back cost every
	// refresh more than the rest of its answer.) Otherwise it
	// returns ErrNotFound having stored nothing, and the caller looks closer: a spent
	// token may be a concurrent refresh or a stolen copy. (A session ended at the same
	// moment may be left with the token spent, which changes nothing: it was the
	// session's.)
	RotateRefreshToken(ctx context.Context, spent string, next RefreshToken, now time.Time) (Session, error)

	AddEvent(ctx context.Context, e Event) error
	// ListEvents returns up to limit of the user's events with IDs below beforeID (all
	// when beforeID is 0), newest first: a cursor that stays stable as events are added.
	ListEvents(ctx context.Context, userID int64, beforeID int64, limit int) ([]Event, error)
	// Counts returns the user's live sessions at now, events, and failed logins since.
	Counts(ctx context.Context, userID int64, now, since time.Time) (AccountCounts, error)

	// ListOrganizations returns every organization, by name.
	ListOrganizations(ctx context.Context) ([]Organization, error)
	OrganizationByID(ctx context.Context, id int64) (Organization, error)
	// CreateOrganization inserts o, ignoring o.ID, and returns it with its new ID and its
	// fields as stored. A name equal to another's ignoring case is
	// ErrOrganizationNameTaken; a slug already taken, ErrOrganizationSlugTaken.
	CreateOrganization(ctx context.Context, o Organization) (Organization, error)
	// UpdateOrganization writes o's name and slug (found by ID) and returns the stored
	// row: ErrNotFound, or the errors of CreateOrganization.
	UpdateOrganization(ctx context.Context, o Organization) (Organization, error)
	// DeleteOrganization removes the organization; its members are left without one.
	// ErrNotFound if there is none.
	DeleteOrganization(ctx context.Context, id int64) error

	// ListUsers returns up to q.Limit users that match q.UserFilter, in q.Sort order,
	// strictly after the position q.After (from the start when q.After.ID is 0). Paging
	// by position (keyset), never by offset, keeps deep pages as fast as the first and
	// loses or repeats no user while users are added. q.Offset, when above 0, skips that
	// many users after the position first: for APIs that page by number only.
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)
	// CountUsers returns how many users match f.
	CountUsers(ctx context.Context, f UserFilter) (int, error)

	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKey stores k; if a key with its ID exists, it is left as it was.
	AddSigningKey(ctx context.Context, k SigningKey) error
	// AddFirstSigningKey stores k unless a key of its algorithm is stored already, and
	// reports whether it did, atomically: of instances adding keys at once, one wins.
	AddFirstSigningKey(ctx context.Context, k SigningKey) (bool, error)

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error

	// AvatarStore keeps uploaded pictures (avatar.go).
	AvatarStore
	// MFAStore keeps second factors (mfa_ports.go).
	MFAStore
}

// PasswordHasher hashes and verifies passwords. Implementations bound concurrent hashing.
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches encoded, and whether encoded uses outdated
	// parameters or scheme and should be replaced by a fresh Hash.
	Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error)
	// VerifyDummy costs what Verify costs, against a hash no password matches: login with
	// an unknown user must take as long as login with a wrong password.
	VerifyDummy(ctx context.Context, password string)
}

// AccessClaims are the claims of an access token that accountd relies on.
type AccessClaims struct {
	UserID    int64
	SessionID string
	TokenID   string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// AMR and AuthTime are the token's amr and auth_time: how and when the session's
	// holder last authenticated.
	AMR      []string
	AuthTime time.Time
}

// AccessTokens signs and verifies access tokens.
type AccessTokens interface {
	// Issue signs an access token for the user's session, carrying how the session was
	// last authenticated (amr, auth_time), and returns it with its expiry.
	Issue(userID int64, sessionID string, auth Authentication, now time.Time) (token string, expires time.Time, err error)
	// Parse verifies signature, algorithm, key ID, issuer, audience and expiry; any
	// failure is ErrUnauthenticated.
	Parse(token string, now time.Time) (AccessClaims, error)
}

// MessageKind names an email the service sends.
type MessageKind string

// The emails the service sends.
const (
	MessageActivation MessageKind = "activation"
	// MessageAccountExists goes to the owner of an email someone tried to register again.
	MessageAccountExists MessageKind = "account_exists"
	MessagePasswordReset MessageKind = "password_reset"
	// MessageEmailChange goes to a new address, with the link that confirms it.
	MessageEmailChange MessageKind = "email_change"
	// MessageEmailChangeOldAddress goes to the current address of an account whose email
	// change was asked without the password, with the link that approves the move to
	// Message.NewEmail; only then does the new address get its MessageEmailChange.
	MessageEmailChangeOldAddress MessageKind = "email_change_old_address"
	// MessageEmailChanged tells the old address that the account moved away from it.
	MessageEmailChanged MessageKind = "email_changed"
	// MessagePasswordChanged tells the owner that the password changed.
	MessagePasswordChanged MessageKind = "password_changed"
)

// Message is an email to send. The mailer renders it from templates; Token, when set, is
// the plain emailed token that the link carries.
type Message struct {
	Kind  MessageKind
	To    string
	User  User
	Token string
	// NewEmail is the address an email change moves to, on the message that asks the
	// old address to approve it (MessageEmailChangeOldAddress).
	NewEmail string
	// Flow names the API the request came through ("" for the canonical API, or a
	// compatibility profile), so that links take that API's format.
	Flow string
	// Timestamp (Unix seconds) and Signature make a stateless signed link, as
	// django-rest-registration's user_id/timestamp/signature links are. The Service sets
	// them on link-carrying emails when it has a LinkSecret; see signed_links.go.
	Timestamp int64
	Signature string
	// LinkBase, when set, is the page the link opens instead of the one its template
	// names: the link is LinkBase, a slash, and the template's path from its first
	// placeholder on. It is set only by a Service from EmailLinksUnder, which has checked
	// it against the allowed origins.
	LinkBase string
}

// Mailer delivers messages.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}
