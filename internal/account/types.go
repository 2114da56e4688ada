package account

import "time"

// User is an account. Emails and usernames are unique without regard to case.
type User struct {
	ID            int64
	Username      string
	Email         string
	EmailVerified bool
	// PasswordHash is the encoded hash: "$argon2id$...", or a hash imported from Django
	// (pbkdf2, argon2, bcrypt; rewritten as argon2id at the next login). Empty, or a
	// Django unusable password ("!..."), when the account has no usable password yet.
	PasswordHash string
	Active       bool
	FirstName    string
	LastName     string
	Profile      Profile
	// OrganizationID is the organization the user belongs to, 0 for none.
	OrganizationID int64
	// Role is RoleUser or RoleStaff; Superuser may additionally grant and remove staff.
	Role       Role
	Superuser  bool
	DateJoined time.Time
	// LastLogin is the zero time until the first successful login.
	LastLogin time.Time
	// LinksVoidedAt voids every emailed link made before it: a stored token issued
	// earlier is refused, and signed links are signed over it (signed_links.go). What
	// takes the account away from the mailbox the links went to moves it: a password
	// change, an email change, a deactivation. (Its column is password_changed_at, its
	// first use.)
	LinksVoidedAt time.Time
	UpdatedAt     time.Time

	// Deactivated is set while an administrator holds the account inactive (created it
	// so, or deactivated it): its user cannot activate it with an emailed or signed link
	// then. An administrator activating it, or the user accepting an invitation, lifts it.
	Deactivated bool
}

// Role says what a user may do beyond managing their own account.
type Role string

// Roles.
const (
	RoleUser  Role = "user"
	RoleStaff Role = "staff"
)

// Profile is the free-form part of an account the user edits.
type Profile struct {
	Bio        string
	Country    string
	Profession string
	Thoughts   string
	// AvatarURL is an http or https URL, or empty.
	AvatarURL string
}

// Organization is a group users may belong to (the seeds' "university").
type Organization struct {
	ID        int64
	Name      string
	Slug      string
	CreatedAt time.Time
}

// FullName joins the first and last names the way the seeds display them.
func (u User) FullName() string {
	switch {
	case u.FirstName == "":
		return u.LastName
	case u.LastName == "":
		return u.FirstName
	}
	return u.FirstName + " " + u.LastName
}

// Session is one login: the refresh tokens rotated from it and every access token issued
// for it name its ID. Ending the session refuses all of them.
type Session struct {
	ID         string
	UserID     int64
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
	// RevokedAt is the zero time while the session is live.
	RevokedAt time.Time
	IP        string
	UserAgent string
	// Auth is how the session's holder last authenticated: at login, or a later
	// step-up (step_up.go).
	Auth Authentication
}

// SessionCursor is a position in a list of sessions, newest first: the session created
// at CreatedAt with ID. The zero value is the start of the list.
type SessionCursor struct {
	CreatedAt time.Time
	ID        string
}

// Live reports whether the session can still be used at now.
func (s Session) Live(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt)
}

// RefreshToken is the stored form of an opaque refresh token: only its hash is kept.
type RefreshToken struct {
	Hash      string
	SessionID string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is set when the token was exchanged (rotated) for its successor.
	UsedAt time.Time
	// SuccessorHash is the hash of the token it was exchanged for, set with UsedAt (""
	// for a token spent before successors were recorded). A spent token leads to that
	// successor for as long as nobody has used it; see refresh.go.
	SuccessorHash string
}

// TokenPurpose says what an emailed token may be used for.
type TokenPurpose string

// Purposes of emailed tokens.
const (
	PurposeActivation    TokenPurpose = "activation"
	PurposePasswordReset TokenPurpose = "password_reset"
	PurposeEmailChange   TokenPurpose = "email_change"
	// PurposeEmailChangeOldAddress approves, from the account's current address, an
	// email change asked without the password (see RequestEmailChange); its Email is the
	// new address it approves.
	PurposeEmailChangeOldAddress TokenPurpose = "email_change_old_address"
)

// emailedPurposes are the purposes of every emailed token: what an email change or a
// deactivation voids.
var emailedPurposes = []TokenPurpose{
	PurposeActivation, PurposePasswordReset, PurposeInvitation, PurposeEmailChange, PurposeEmailChangeOldAddress,
}

// EmailToken is the stored form of a token sent by email: random, kept only as a hash,
// single use and expiring.
type EmailToken struct {
	Hash    string
	UserID  int64
	Purpose TokenPurpose
	// Email is the address the token was sent to; for an email change, the new address
	// (also on the token sent to the old address, which approves the move to it).
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// EventType names an entry in an account's history.
type EventType string

// The events recorded in an account's history.
const (
	EventRegistered           EventType = "registered"
	EventActivated            EventType = "activated"
	EventLoginSucceeded       EventType = "login_succeeded"
	EventLoginFailed          EventType = "login_failed"
	EventLogout               EventType = "logout"
	EventRefreshReuseDetected EventType = "refresh_token_reuse_detected"
	EventProfileUpdated       EventType = "profile_updated"
	EventPasswordChanged      EventType = "password_changed"
	EventPasswordResetAsked   EventType = "password_reset_requested"
	EventPasswordReset        EventType = "password_reset"
	EventEmailChangeAsked     EventType = "email_change_requested"
	EventEmailChanged         EventType = "email_change_confirmed"
	EventSessionRevoked       EventType = "session_revoked"
)

// AccountCounts summarise an account for its dashboard.
type AccountCounts struct {
	LiveSessions int
	Events       int
	// FailedLogins counts failed logins since the time asked for.
	FailedLogins int
}

// Event is one entry of an account's history. It never holds a password or a token.
type Event struct {
	ID        int64
	UserID    int64
	Type      EventType
	At        time.Time
	IP        string
	UserAgent string
	// Detail is a short, non-secret note (for example which session ended).
	Detail string
	// ActorID is the staff user who acted on the account (an administrator's change); 0
	// when the account's owner acted, or the operator at the command line did.
	ActorID int64
	// ActorUsername is the actor's username as it is now, read by the store along with
	// the event: "" without an actor, or once the actor's account is deleted. AddEvent
	// ignores it.
	ActorUsername string
}

// SigningKey is a persisted JWT signing key, used when no key file is configured so that
// restarts keep issued tokens valid.
type SigningKey struct {
	ID        string
	Algorithm string
	// Private is the private key in PKCS #8 PEM.
	Private   []byte
	CreatedAt time.Time
}

// Reservation is a username held by a registration that created no account because its
// email is taken (with HideExistingEmails), for as long as the account's activation link
// would have worked: what that registration would have created holds its name, so that
// registering the name again answers as it would after a real registration. It keeps
// what a retry of the same registration must match to get the same answer again (see
// Service.Register), as a real account awaiting activation does.
type Reservation struct {
	Username string
	// Email is the registration's address, normalized.
	Email string
	// PasswordHash is the hash of the registration's password.
	PasswordHash        string
	FirstName, LastName string
	// CreatedAt is when the registration was made; ExpiresAt, when the name is free
	// again.
	CreatedAt, ExpiresAt time.Time
}

// RequestMeta says who is asking: it is copied into sessions and events. IP and
// UserAgent must be valid UTF-8 without NUL (the HTTP layer makes them so).
type RequestMeta struct {
	IP        string
	UserAgent string
	// Device is the device token the client presented (a cookie), "" for none: a login
	// from a device the account signed in from before does not share the budget of
	// failed logins that strangers exhaust (see Service.Login).
	Device string
	// RememberDevice, when set, is given a new device token after a successful login,
	// for the client to present as Device next time (the HTTP layer sets a cookie).
	RememberDevice func(token string)
}
