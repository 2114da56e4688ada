package account

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Session tokens: one opaque, long-lived bearer token per login, for APIs whose clients
// hold a single token and never refresh it (the Cadasta platform's auth_token, which
// Django REST framework's TokenAuthentication reads).
//
// A session token names its session: the session's ID is made from the token's SHA-256
// (sessionIDOf), so the database keeps only a hash of it, as it does of refresh tokens,
// and the one indexed lookup of session and user that authenticates an access token
// authenticates a session token too. Everything that ends a session ends its token:
// logout, a password change (the caller's session stays), a reset, a revocation,
// deactivation, deletion. The token is never a refresh token or an access token, and
// those are never session tokens: each is accepted only where it was handed out.

// WithSessionTokens returns a Service like s whose logins also hand out a session token
// (Tokens.SessionToken) and start sessions that last ttl from the login (0 keeps
// s's SessionTTL). Nothing extends such a session: its clients never refresh.
// Everything else is shared with s.
func (s *Service) WithSessionTokens(ttl time.Duration) *Service {
	c := *s
	c.sessionTokens = true
	if ttl > 0 {
		c.opt.SessionTTL = ttl
	}
	return &c
}

// AuthenticateSessionToken returns the caller of a session token: the user of its live
// session. A token that is malformed, unknown, or whose session has ended or expired is
// ErrUnauthenticated; one whose account is inactive, ErrAccountInactive.
func (s *Service) AuthenticateSessionToken(ctx context.Context, token string) (Principal, error) {
	id, ok := sessionIDOf(token)
	if !ok {
		// Not a token this service could have made: no need to ask the database.
		return Principal{}, ErrUnauthenticated
	}
	sess, u, err := s.store.SessionUser(ctx, id, s.now())
	switch {
	case errors.Is(err, ErrNotFound):
		return Principal{}, ErrUnauthenticated
	case err != nil:
		return Principal{}, err
	case !u.Active:
		return Principal{}, ErrAccountInactive
	}
	return Principal{User: u, SessionID: sess.ID, Auth: sess.Auth, Claims: AccessClaims{
		UserID: u.ID, SessionID: sess.ID, IssuedAt: sess.CreatedAt, ExpiresAt: sess.ExpiresAt,
		AMR: sess.Auth.Methods, AuthTime: sess.Auth.Time,
	}}, nil
}

// newSessionToken returns a new session token and the ID of the session it names.
func newSessionToken() (token, sessionID string) {
	token, _ = newSecret()
	sessionID, _ = sessionIDOf(token)
	return token, sessionID
}

// sessionTokenLen is the length of newSecret's tokens: 32 bytes in unpadded base64.
const sessionTokenLen = 43

// sessionIDOf returns the ID of the session token names: the first 16 bytes of the
// token's SHA-256 as a UUID of version 8 (RFC 9562's own-format version), which keeps
// 122 bits of the hash. Random session IDs are version 4, so no token names one of
// them. ok is false for a string newSecret cannot have made.
func sessionIDOf(token string) (id string, ok bool) {
	if len(token) != sessionTokenLen {
		return "", false
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(token); err != nil {
		return "", false
	}
	sum := sha256.Sum256([]byte(token))
	var u uuid.UUID
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return u.String(), true
}
