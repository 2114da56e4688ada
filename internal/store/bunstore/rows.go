package bunstore

import (
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// Rows are the tables' shapes for Bun; the domain types carry no tags. Nullable columns
// (times, users.organization_id) are tagged nullzero: the domain's zero value (zero time,
// organization 0) is NULL in the database and NULL comes back as the zero value.

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID       int64  `bun:"id,pk,autoincrement"`
	Username string `bun:"username"`
	Email    string `bun:"email"`
	// UsernameKey and EmailKey are what uniqueness and lookups compare, SearchKey what
	// a staff search looks in: set by userToRow, never read back into the domain.
	UsernameKey    string    `bun:"username_key"`
	EmailKey       string    `bun:"email_key"`
	SearchKey      string    `bun:"search_key"`
	EmailVerified  bool      `bun:"email_verified"`
	PasswordHash   string    `bun:"password_hash"`
	Active         bool      `bun:"active"`
	Deactivated    bool      `bun:"deactivated"`
	FirstName      string    `bun:"first_name"`
	LastName       string    `bun:"last_name"`
	Bio            string    `bun:"bio"`
	Country        string    `bun:"country"`
	Profession     string    `bun:"profession"`
	Thoughts       string    `bun:"thoughts"`
	AvatarURL      string    `bun:"avatar_url"`
	OrganizationID int64     `bun:"organization_id,nullzero"`
	Role           string    `bun:"role"`
	Superuser      bool      `bun:"superuser"`
	DateJoined     time.Time `bun:"date_joined"`
	LastLogin      time.Time `bun:"last_login,nullzero"`
	LinksVoidedAt  time.Time `bun:"password_changed_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// caseKey is the form of a username or email that uniqueness and lookups compare. It is
// computed here, in Go, rather than by the database's lower(), which folds only ASCII on
// SQLite and follows the locale on PostgreSQL: both dialects then agree on which
// usernames and emails are the same.
func caseKey(s string) string { return strings.ToLower(s) }

// emailCaseKey is caseKey for an email: the address in the form account.LoginKey finds
// it by (its normalized form, lower case), or caseKey of it as given when it is not
// one accountd would accept (the service never writes such an address).
func emailCaseKey(email string) string {
	if key, ok := account.LoginKey(email); ok && strings.Contains(email, "@") {
		return key
	}
	return caseKey(email)
}

// searchKey is the text a staff search looks in: username, email and full name, folded
// like caseKey and separated by newlines, which a search never holds, so that a match
// never spans two fields.
func searchKey(u account.User) string {
	return caseKey(u.Username + "\n" + u.Email + "\n" + u.FullName())
}

// userToRow converts u for writing: it computes the case keys, and stores an empty role
// as account.RoleUser.
func userToRow(u account.User) userRow {
	role := u.Role
	if role == "" {
		role = account.RoleUser
	}
	return userRow{
		ID:             u.ID,
		Username:       u.Username,
		Email:          u.Email,
		UsernameKey:    caseKey(u.Username),
		EmailKey:       emailCaseKey(u.Email),
		SearchKey:      searchKey(u),
		EmailVerified:  u.EmailVerified,
		PasswordHash:   u.PasswordHash,
		Active:         u.Active,
		Deactivated:    u.Deactivated,
		FirstName:      u.FirstName,
		LastName:       u.LastName,
		Bio:            u.Profile.Bio,
		Country:        u.Profile.Country,
		Profession:     u.Profile.Profession,
		Thoughts:       u.Profile.Thoughts,
		AvatarURL:      u.Profile.AvatarURL,
		OrganizationID: u.OrganizationID,
		Role:           string(role),
		Superuser:      u.Superuser,
		DateJoined:     dbTime(u.DateJoined),
		LastLogin:      dbTime(u.LastLogin),
		LinksVoidedAt:  dbTime(u.LinksVoidedAt),
		UpdatedAt:      dbTime(u.UpdatedAt),
	}
}

func (r userRow) domain() account.User {
	return account.User{
		ID:            r.ID,
		Username:      r.Username,
		Email:         r.Email,
		EmailVerified: r.EmailVerified,
		PasswordHash:  r.PasswordHash,
		Active:        r.Active,
		Deactivated:   r.Deactivated,
		FirstName:     r.FirstName,
		LastName:      r.LastName,
		Profile: account.Profile{
			Bio:        r.Bio,
			Country:    r.Country,
			Profession: r.Profession,
			Thoughts:   r.Thoughts,
			AvatarURL:  r.AvatarURL,
		},
		OrganizationID: r.OrganizationID,
		Role:           account.Role(r.Role),
		Superuser:      r.Superuser,
		DateJoined:     domainTime(r.DateJoined),
		LastLogin:      domainTime(r.LastLogin),
		LinksVoidedAt:  domainTime(r.LinksVoidedAt),
		UpdatedAt:      domainTime(r.UpdatedAt),
	}
}

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions,alias:s"`

	ID         string    `bun:"id,pk"`
	UserID     int64     `bun:"user_id"`
	CreatedAt  time.Time `bun:"created_at"`
	LastUsedAt time.Time `bun:"last_used_at"`
	ExpiresAt  time.Time `bun:"expires_at"`
	RevokedAt  time.Time `bun:"revoked_at,nullzero"`
	IP         string    `bun:"ip"`
	UserAgent  string    `bun:"user_agent"`
	// AuthTime and AMR are Session.Auth: the time and the methods, space-separated.
	AuthTime time.Time `bun:"auth_time,nullzero"`
	AMR      string    `bun:"amr"`

	// User is filled by a join (Relation("User")) in SessionUser only.
	User *userRow `bun:"rel:belongs-to,join:user_id=id"`
}

func sessionToRow(s account.Session) sessionRow {
	return sessionRow{
		ID:         s.ID,
		UserID:     s.UserID,
		CreatedAt:  dbTime(s.CreatedAt),
		LastUsedAt: dbTime(s.LastUsedAt),
		ExpiresAt:  dbTime(s.ExpiresAt),
		RevokedAt:  dbTime(s.RevokedAt),
		IP:         s.IP,
		UserAgent:  s.UserAgent,
		AuthTime:   dbTime(s.Auth.Time),
		AMR:        strings.Join(s.Auth.Methods, " "),
	}
}

func (r sessionRow) domain() account.Session {
	return account.Session{
		ID:         r.ID,
		UserID:     r.UserID,
		CreatedAt:  domainTime(r.CreatedAt),
		LastUsedAt: domainTime(r.LastUsedAt),
		ExpiresAt:  domainTime(r.ExpiresAt),
		RevokedAt:  domainTime(r.RevokedAt),
		IP:         r.IP,
		UserAgent:  r.UserAgent,
		Auth:       account.Authentication{Methods: fields(r.AMR), Time: domainTime(r.AuthTime)},
	}
}

type refreshTokenRow struct {
	bun.BaseModel `bun:"table:refresh_tokens,alias:rt"`

	Hash      string    `bun:"hash,pk"`
	SessionID string    `bun:"session_id"`
	UserID    int64     `bun:"user_id"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
	UsedAt    time.Time `bun:"used_at,nullzero"`
	// SuccessorHash is written with UsedAt; NULL while the token is unspent.
	SuccessorHash string `bun:"successor_hash,nullzero"`
}

func refreshTokenToRow(t account.RefreshToken) refreshTokenRow {
	return refreshTokenRow{
		Hash:      t.Hash,
		SessionID: t.SessionID,
		UserID:    t.UserID,
		CreatedAt: dbTime(t.CreatedAt),
		ExpiresAt: dbTime(t.ExpiresAt),
		UsedAt:    dbTime(t.UsedAt),

		SuccessorHash: t.SuccessorHash,
	}
}

func (r refreshTokenRow) domain() account.RefreshToken {
	return account.RefreshToken{
		Hash:      r.Hash,
		SessionID: r.SessionID,
		UserID:    r.UserID,
		CreatedAt: domainTime(r.CreatedAt),
		ExpiresAt: domainTime(r.ExpiresAt),
		UsedAt:    domainTime(r.UsedAt),

		SuccessorHash: r.SuccessorHash,
	}
}

type emailTokenRow struct {
	bun.BaseModel `bun:"table:email_tokens,alias:et"`

	Hash      string    `bun:"hash,pk"`
	UserID    int64     `bun:"user_id"`
	Purpose   string    `bun:"purpose"`
	Email     string    `bun:"email"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
	UsedAt    time.Time `bun:"used_at,nullzero"`
}

func emailTokenToRow(t account.EmailToken) emailTokenRow {
	return emailTokenRow{
		Hash:      t.Hash,
		UserID:    t.UserID,
		Purpose:   string(t.Purpose),
		Email:     t.Email,
		CreatedAt: dbTime(t.CreatedAt),
		ExpiresAt: dbTime(t.ExpiresAt),
		UsedAt:    dbTime(t.UsedAt),
	}
}

func (r emailTokenRow) domain() account.EmailToken {
	return account.EmailToken{
		Hash:      r.Hash,
		UserID:    r.UserID,
		Purpose:   account.TokenPurpose(r.Purpose),
		Email:     r.Email,
		CreatedAt: domainTime(r.CreatedAt),
		ExpiresAt: domainTime(r.ExpiresAt),
		UsedAt:    domainTime(r.UsedAt),
	}
}

type eventRow struct {
	bun.BaseModel `bun:"table:events,alias:e"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id"`
	Type      string    `bun:"type"`
	At        time.Time `bun:"at"`
	IP        string    `bun:"ip"`
	UserAgent string    `bun:"user_agent"`
	Detail    string    `bun:"detail"`
	ActorID   int64     `bun:"actor_id,nullzero"`
	// ActorUsername is read through a join in ListEvents only.
	ActorUsername string `bun:"actor_username,scanonly"`
}

func eventToRow(e account.Event) eventRow {
	return eventRow{
		UserID:    e.UserID,
		Type:      string(e.Type),
		At:        dbTime(e.At),
		IP:        e.IP,
		UserAgent: e.UserAgent,
		Detail:    e.Detail,
		ActorID:   e.ActorID,
	}
}

func (r eventRow) domain() account.Event {
	return account.Event{
		ID:            r.ID,
		UserID:        r.UserID,
		Type:          account.EventType(r.Type),
		At:            domainTime(r.At),
		IP:            r.IP,
		UserAgent:     r.UserAgent,
		Detail:        r.Detail,
		ActorID:       r.ActorID,
		ActorUsername: r.ActorUsername,
	}
}

type organizationRow struct {
	bun.BaseModel `bun:"table:organizations,alias:o"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name"`
	Slug      string    `bun:"slug"`
	CreatedAt time.Time `bun:"created_at"`
}

func organizationToRow(o account.Organization) organizationRow {
	return organizationRow{ID: o.ID, Name: o.Name, Slug: o.Slug, CreatedAt: dbTime(o.CreatedAt)}
}

func (r organizationRow) domain() account.Organization {
	return account.Organization{ID: r.ID, Name: r.Name, Slug: r.Slug, CreatedAt: domainTime(r.CreatedAt)}
}

type signingKeyRow struct {
	bun.BaseModel `bun:"table:signing_keys,alias:sk"`

	ID         string    `bun:"id,pk"`
	Algorithm  string    `bun:"algorithm"`
	PrivateKey []byte    `bun:"private_key"`
	CreatedAt  time.Time `bun:"created_at"`
}

func signingKeyToRow(k account.SigningKey) signingKeyRow {
	key := k.Private
	if key == nil {
		key = []byte{} // Bun writes a nil slice as NULL, which the column refuses
	}
	return signingKeyRow{ID: k.ID, Algorithm: k.Algorithm, PrivateKey: key, CreatedAt: dbTime(k.CreatedAt)}
}

func (r signingKeyRow) domain() account.SigningKey {
	return account.SigningKey{ID: r.ID, Algorithm: r.Algorithm, Private: r.PrivateKey, CreatedAt: domainTime(r.CreatedAt)}
}

// dbTime is a time as the database keeps it: UTC, to the microsecond (both PostgreSQL
// and Bun's SQLite text format stop there). Normalising on the way in makes what a
// write returns equal what a later read returns.
func dbTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// domainTime is a time as the domain sees it: UTC (pgx hands back local time), and the
// zero time for NULL.
func domainTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// fields splits a space-separated list, nil for none (as the domain writes an empty
// list).
func fields(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}
