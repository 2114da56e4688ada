package bunstore

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// Rows are the tables' shapes for Bun; the domain types carry no tags. Nullable time
// columns are tagged nullzero: the domain's zero time is NULL in the database and NULL
// comes back as the zero time.

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID                int64     `bun:"id,pk,autoincrement"`
	Username          string    `bun:"username"`
	Email             string    `bun:"email"`
	EmailVerified     bool      `bun:"email_verified"`
	PasswordHash      string    `bun:"password_hash"`
	Active            bool      `bun:"active"`
	FirstName         string    `bun:"first_name"`
	LastName          string    `bun:"last_name"`
	DateJoined        time.Time `bun:"date_joined"`
	LastLogin         time.Time `bun:"last_login,nullzero"`
	PasswordChangedAt time.Time `bun:"password_changed_at"`
	UpdatedAt         time.Time `bun:"updated_at"`
}

func userToRow(u account.User) userRow {
	return userRow{
		ID:                u.ID,
		Username:          u.Username,
		Email:             u.Email,
		EmailVerified:     u.EmailVerified,
		PasswordHash:      u.PasswordHash,
		Active:            u.Active,
		FirstName:         u.FirstName,
		LastName:          u.LastName,
		DateJoined:        dbTime(u.DateJoined),
		LastLogin:         dbTime(u.LastLogin),
		PasswordChangedAt: dbTime(u.PasswordChangedAt),
		UpdatedAt:         dbTime(u.UpdatedAt),
	}
}

func (r userRow) domain() account.User {
	return account.User{
		ID:                r.ID,
		Username:          r.Username,
		Email:             r.Email,
		EmailVerified:     r.EmailVerified,
		PasswordHash:      r.PasswordHash,
		Active:            r.Active,
		FirstName:         r.FirstName,
		LastName:          r.LastName,
		DateJoined:        domainTime(r.DateJoined),
		LastLogin:         domainTime(r.LastLogin),
		PasswordChangedAt: domainTime(r.PasswordChangedAt),
		UpdatedAt:         domainTime(r.UpdatedAt),
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
}

func refreshTokenToRow(t account.RefreshToken) refreshTokenRow {
	return refreshTokenRow{
		Hash:      t.Hash,
		SessionID: t.SessionID,
		UserID:    t.UserID,
		CreatedAt: dbTime(t.CreatedAt),
		ExpiresAt: dbTime(t.ExpiresAt),
		UsedAt:    dbTime(t.UsedAt),
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
}

func eventToRow(e account.Event) eventRow {
	return eventRow{
		UserID:    e.UserID,
		Type:      string(e.Type),
		At:        dbTime(e.At),
		IP:        e.IP,
		UserAgent: e.UserAgent,
		Detail:    e.Detail,
	}
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
