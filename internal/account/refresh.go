package account

import (
	"context"
	"errors"
	"time"
)

// errRefreshSpent: the refresh token was exchanged already (rotated by Refresh). It never
// leaves the package: each use case turns it into ErrRefreshInvalid or treats it as reuse.
var errRefreshSpent = errors.New("refresh token spent")

// Refresh exchanges a refresh token for a new pair in the same session (the canonical
// API). Each refresh token works once: presenting a spent one means it was copied, so
// the whole session ends and the event is recorded.
func (s *Service) Refresh(ctx context.Context, refreshToken string, meta RequestMeta) (Tokens, error) {
	if err := s.limit(ctx, bucket{"refresh:ip", meta.IP, s.opt.Limits.RefreshIP}); err != nil {
		return Tokens{}, err
	}
	now := s.now()
	// The ordinary refresh (an unused token of a live session) in one step; anything
	// else, the store reports as not found and the code below looks closer.
	if t, err := s.rotate(ctx, refreshToken, now); !errors.Is(err, ErrNotFound) {
		return t, err
	}
	rt, err := s.store.RefreshTokenByHash(ctx, HashSecret(refreshToken))
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrRefreshInvalid
	}
	if err != nil {
		return Tokens{}, err
	}
	if !rt.UsedAt.IsZero() && !s.inGrace(rt.UsedAt, now) {
		return Tokens{}, s.refreshReused(ctx, rt, now, meta)
	}
	if !now.Before(rt.ExpiresAt) {
		return Tokens{}, ErrRefreshInvalid
	}
	var t Tokens
	err = s.store.InTx(ctx, func(tx Store) error {
		sess, u, err := tx.SessionUser(ctx, rt.SessionID, now)
		if errors.Is(err, ErrNotFound) {
			return ErrRefreshInvalid
		}
		if err != nil {
			return err
		}
		if !u.Active {
			return ErrRefreshInvalid
		}
		won, err := tx.MarkRefreshTokenUsed(ctx, rt.Hash, now)
		if err != nil {
			return err
		}
		if !won && s.opt.RefreshGrace <= 0 {
			// A concurrent request spent it a moment ago, and there is no grace.
			return ErrRefreshInvalid
		}
		sess.LastUsedAt, sess.ExpiresAt = now, now.Add(s.opt.SessionTTL)
		if err := tx.TouchSession(ctx, sess.ID, sess.LastUsedAt, sess.ExpiresAt); err != nil {
			return err
		}
		plain, hash := newSecret()
		if err := tx.CreateRefreshToken(ctx, RefreshToken{
			Hash: hash, SessionID: sess.ID, UserID: u.ID, CreatedAt: now, ExpiresAt: sess.ExpiresAt,
		}); err != nil {
			return err
		}
		t, err = s.handOut(u, sess, plain, sess.ExpiresAt, now)
		return err
	})
	return t, err
}

// rotate exchanges refreshToken for a new pair if it is unused and unexpired, its
// session live and its user active, in one store call; otherwise ErrNotFound, with
// nothing changed.
func (s *Service) rotate(ctx context.Context, refreshToken string, now time.Time) (Tokens, error) {
	plain, hash := newSecret()
	next := RefreshToken{Hash: hash, CreatedAt: now, ExpiresAt: now.Add(s.opt.SessionTTL)}
	sess, u, err := s.store.RotateRefreshToken(ctx, HashSecret(refreshToken), next, now)
	if err != nil {
		return Tokens{}, err
	}
	return s.handOut(u, sess, plain, sess.ExpiresAt, now)
}

// RefreshAccess signs a new access token for the session of refreshToken without
// replacing the refresh token, for APIs whose clients keep one refresh token until it
// expires (djoser's SimpleJWT without rotation). The session must still be live and its
// user active; its last use moves to now, its expiry stays that of the token. A refresh
// token already rotated away by Refresh counts as reuse, as it does there. A token whose
// session has ended is ErrRefreshRevoked; any other refusal ErrRefreshInvalid.
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
	return s.handOut(u, sess, refreshToken, rt.ExpiresAt, now)
}

// inGrace reports whether a refresh token spent at usedAt may still be exchanged at now:
// two tabs refreshing at once both present the same token, and the slower one should get
// a pair too rather than end the session. Outside the window a replay is theft.
func (s *Service) inGrace(usedAt, now time.Time) bool {
	return s.opt.RefreshGrace > 0 && !now.After(usedAt.Add(s.opt.RefreshGrace))
}

// refreshReused ends the session of a refresh token presented after it was spent.
func (s *Service) refreshReused(ctx context.Context, rt RefreshToken, now time.Time, meta RequestMeta) error {
	err := s.store.InTx(ctx, func(tx Store) error {
		if err := tx.RevokeSession(ctx, rt.SessionID, now); err != nil {
			return err
		}
		return record(ctx, tx, rt.UserID, EventRefreshReuseDetected, now, meta, "session "+rt.SessionID)
	})
	if err != nil {
		return err
	}
	s.opt.Logger.WarnContext(ctx, "refresh token reuse: session revoked", "user_id", rt.UserID, "session_id", rt.SessionID)
	return ErrRefreshInvalid
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
