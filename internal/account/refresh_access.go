package account

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrRefreshRevoked is ErrRefreshInvalid for a refresh token whose session has ended (a
// logout, a password reset, a revocation) before the token expired. APIs that tell this
// case apart (SimpleJWT's "Token is blacklisted") test for it; everyone else sees
// ErrRefreshInvalid.
var ErrRefreshRevoked = fmt.Errorf("%w: its session has ended", ErrRefreshInvalid)

// errRefreshSpent: the refresh token was exchanged already (rotated by Refresh).
var errRefreshSpent = errors.New("refresh token spent")

// RefreshAccess signs a new access token for the session of refreshToken without
// replacing the refresh token, for APIs whose clients keep one refresh token until it
// expires (SimpleJWT without rotation). The session must still be live and its user
// active; its last use moves to now, its expiry stays that of the token. A refresh token
// already rotated away by Refresh counts as reuse, as it does there.
func (s *Service) RefreshAccess(ctx context.Context, refreshToken string, meta RequestMeta) (Tokens, error) {
	if err := s.limit(ctx, bucket{"refresh:ip", meta.IP, s.opt.Limits.RefreshIP}); err != nil {
		return Tokens{}, err
	}
	now := s.now()
	rt, sess, u, err := s.usableRefresh(ctx, refreshToken, now, meta)
	if err != nil {
		return Tokens{}, err
	}
	if err := s.store.TouchSession(ctx, sess.ID, now, sess.ExpiresAt); err != nil {
		return Tokens{}, err
	}
	access, exp, err := s.tokens.Issue(u.ID, sess.ID, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{
		AccessToken: access, AccessExpiresAt: exp, AccessTTL: exp.Sub(now),
		RefreshToken: refreshToken, RefreshExpiresAt: rt.ExpiresAt,
		SessionID: sess.ID, User: u,
	}, nil
}

// LogoutRefresh ends the session of refreshToken, for APIs that log out with the refresh
// token rather than the access token. Every token of the session is refused from then
// on. A token whose session has already ended is ErrRefreshRevoked.
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

// CheckRefresh reports on a refresh token without using it: nil when it would be
// accepted, ErrRefreshRevoked when its session has ended, ErrRefreshInvalid otherwise.
func (s *Service) CheckRefresh(ctx context.Context, refreshToken string) (Introspection, error) {
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

// usableRefresh is liveRefresh for a request that uses the token: a spent token
// presented after the grace period is reuse, which ends its session (see Refresh).
func (s *Service) usableRefresh(ctx context.Context, refreshToken string, now time.Time, meta RequestMeta) (RefreshToken, Session, User, error) {
	rt, sess, u, err := s.liveRefresh(ctx, refreshToken, now)
	if errors.Is(err, errRefreshSpent) {
		if s.inGrace(rt.UsedAt, now) {
			return RefreshToken{}, Session{}, User{}, ErrRefreshInvalid
		}
		return RefreshToken{}, Session{}, User{}, s.refreshReused(ctx, rt, now, meta)
	}
	return rt, sess, u, err
}

// liveRefresh finds a refresh token with its live session and active user. It changes
// nothing. Errors: ErrRefreshInvalid (unknown, expired, or the user is inactive),
// errRefreshSpent (with the token), ErrRefreshRevoked (the session has ended).
func (s *Service) liveRefresh(ctx context.Context, refreshToken string, now time.Time) (RefreshToken, Session, User, error) {
	rt, err := s.store.RefreshTokenByHash(ctx, HashSecret(refreshToken))
	if errors.Is(err, ErrNotFound) {
		return RefreshToken{}, Session{}, User{}, ErrRefreshInvalid
	}
	if err != nil {
		return RefreshToken{}, Session{}, User{}, err
	}
	if !now.Before(rt.ExpiresAt) {
		return RefreshToken{}, Session{}, User{}, ErrRefreshInvalid
	}
	if !rt.UsedAt.IsZero() {
		return rt, Session{}, User{}, errRefreshSpent
	}
	sess, u, err := s.store.SessionUser(ctx, rt.SessionID, now)
	if errors.Is(err, ErrNotFound) {
		// A session never expires before its refresh tokens (each refresh only pushes
		// its expiry out), so an unexpired token without a live session was ended.
		return RefreshToken{}, Session{}, User{}, ErrRefreshRevoked
	}
	if err != nil {
		return RefreshToken{}, Session{}, User{}, err
	}
	if !u.Active {
		return RefreshToken{}, Session{}, User{}, ErrRefreshInvalid
	}
	return rt, sess, u, nil
}
