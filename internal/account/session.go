package account

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Principal is an authenticated caller: a user acting through one live session.
type Principal struct {
	User      User
	SessionID string
	Claims    AccessClaims
	// Auth is how the session was last authenticated, as stored with it: step-up
	// checks read it here rather than from the token, so a step-up counts at once.
	Auth Authentication
}

// Authenticate verifies an access token and that its session is still live, and returns
// the caller. It runs on every authenticated request: one signature check in memory and
// one indexed query that returns the session and its user together. Because the session
// is read from the database each time, a logout or revocation on any instance refuses
// the session's access tokens at once.
//
// Every refusal is ErrUnauthenticated. For a genuine, unexpired token whose account has
// since been deleted or deactivated it is more precisely ErrAccountGone or
// ErrAccountInactive, for the APIs that say so (djoser); the lookup that tells them apart
// runs only for such refused tokens, and tells the holder of a validly signed token
// nothing they did not know.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	now := s.now()
	claims, err := s.tokens.Parse(accessToken, now)
	if err != nil {
		return Principal{}, ErrUnauthenticated
	}
	sess, u, err := s.store.SessionUser(ctx, claims.SessionID, now)
	switch {
	case errors.Is(err, ErrNotFound), err == nil && u.ID != claims.UserID:
		return Principal{}, s.whyRefused(ctx, claims.UserID)
	case err != nil:
		return Principal{}, err
	case !u.Active:
		return Principal{}, ErrAccountInactive
	}
	return Principal{User: u, SessionID: sess.ID, Claims: claims, Auth: sess.Auth}, nil
}

// whyRefused tells why a genuine access token of user userID was refused: the account is
// gone, inactive, or (ErrUnauthenticated) fine, and so the session has ended.
func (s *Service) whyRefused(ctx context.Context, userID int64) error {
	u, err := s.store.UserByID(ctx, userID)
	switch {
	case errors.Is(err, ErrNotFound):
		return ErrAccountGone
	case err != nil:
		return err
	case !u.Active:
		return ErrAccountInactive
	}
	return ErrUnauthenticated
}

// Introspection describes a live token, for other services.
type Introspection struct {
	User      User
	SessionID string
	Claims    AccessClaims
}

// IntrospectAccess reports on an access token without it being the caller's: live, or
// the errors of Authenticate.
func (s *Service) IntrospectAccess(ctx context.Context, accessToken string) (Introspection, error) {
	p, err := s.Authenticate(ctx, accessToken)
	if err != nil {
		return Introspection{}, err
	}
	return Introspection{User: p.User, SessionID: p.SessionID, Claims: p.Claims}, nil
}

// IntrospectRefresh reports on a refresh token without spending it: live when it is
// unspent and unexpired, its session live and its user active; its claims are the
// token's issue and expiry. Otherwise ErrRefreshRevoked when its session has ended
// (djoser tells that case apart), ErrRefreshInvalid for anything else.
func (s *Service) IntrospectRefresh(ctx context.Context, refreshToken string) (Introspection, error) {
	rt, sess, u, err := s.liveRefresh(ctx, refreshToken, s.now())
	if errors.Is(err, errRefreshSpent) {
		return Introspection{}, ErrRefreshInvalid
	}
	if err != nil {
		return Introspection{}, err
	}
	return Introspection{
		User: u, SessionID: sess.ID,
		Claims: AccessClaims{UserID: u.ID, SessionID: sess.ID, IssuedAt: rt.CreatedAt, ExpiresAt: rt.ExpiresAt},
	}, nil
}

// Logout ends the caller's session, or with all every session of the account.
func (s *Service) Logout(ctx context.Context, p Principal, all bool, meta RequestMeta) error {
	now := s.now()
	return s.store.InTx(ctx, func(tx Store) error {
		detail := "session " + p.SessionID
		if all {
			if _, err := tx.RevokeUserSessions(ctx, p.User.ID, now); err != nil {
				return err
			}
			detail = "all sessions"
		} else if err := tx.RevokeSession(ctx, p.SessionID, now); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventLogout, now, meta, detail)
	})
}

// LogoutRefresh ends the session of refreshToken, for APIs that log out with the refresh
// token rather than the access token (djoser's SimpleJWT blacklist). Every token of the
// session is refused from then on. A token whose session has already ended is
// ErrRefreshRevoked; a spent one is reuse, as in Refresh.
func (s *Service) LogoutRefresh(ctx context.Context, refreshToken string, meta RequestMeta) error {
	now := s.now()
	_, sess, u, err := s.usableRefresh(ctx, refreshToken, now, meta)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Store) error {
		if err := tx.RevokeSession(ctx, sess.ID, now); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventLogout, now, meta, "session "+sess.ID)
	})
}

// SessionPage is one page of an account's live sessions.
type SessionPage struct {
	Sessions []Session
	// Next is the cursor of the following page, "" on the last.
	Next string
}

// ListSessions returns a page of the caller's live sessions, newest first, after the
// cursor a previous page gave ("" for the first page). Pages are keyset pages, so a walk
// lists every session once even while new ones start.
func (s *Service) ListSessions(ctx context.Context, p Principal, cursor string, limit int) (SessionPage, error) {
	after, ok := parseSessionCursor(cursor)
	if !ok {
		return SessionPage{}, Invalid("cursor", "format", "is not a cursor this API gave out")
	}
	limit = min(max(limit, 1), MaxPageSize)
	// One extra row tells whether there is a next page without a count query.
	sessions, err := s.store.ListSessions(ctx, p.User.ID, s.now(), after, limit+1)
	if err != nil {
		return SessionPage{}, err
	}
	page := SessionPage{Sessions: sessions}
	if len(sessions) > limit {
		page.Sessions = sessions[:limit]
		last := page.Sessions[limit-1]
		page.Next = strconv.FormatInt(last.CreatedAt.UnixMicro(), 10) + "." + last.ID
	}
	return page, nil
}

// parseSessionCursor reads a cursor of ListSessions: the creation time of the last
// session listed, in Unix microseconds (the stores' precision), a dot, and its ID.
func parseSessionCursor(cursor string) (SessionCursor, bool) {
	if cursor == "" {
		return SessionCursor{}, true
	}
	micros, id, ok := strings.Cut(cursor, ".")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || n <= 0 || uuid.Validate(id) != nil {
		return SessionCursor{}, false
	}
	return SessionCursor{CreatedAt: time.UnixMicro(n).UTC(), ID: id}, true
}

// RevokeSession ends one of the caller's sessions; its tokens are refused at once.
func (s *Service) RevokeSession(ctx context.Context, p Principal, sessionID string, meta RequestMeta) error {
	now := s.now()
	return s.store.InTx(ctx, func(tx Store) error {
		if err := tx.RevokeUserSession(ctx, p.User.ID, sessionID, now); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventSessionRevoked, now, meta, "session "+sessionID)
	})
}
