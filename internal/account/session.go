package account

import (
	"context"
	"errors"
	"time"
)

// Principal is an authenticated caller: a user acting through one live session.
type Principal struct {
	User      User
	SessionID string
	Claims    AccessClaims
}

// Authenticate verifies an access token and that its session is still live, and returns
// the caller. It runs on every authenticated request: one signature check in memory and
// one indexed query that returns the session and its user together. Because the session
// is read from the database each time, a logout or revocation on any instance refuses
// the session's access tokens at once.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	now := s.now()
	claims, err := s.tokens.Parse(accessToken, now)
	if err != nil {
		return Principal{}, ErrUnauthenticated
	}
	sess, u, err := s.store.SessionUser(ctx, claims.SessionID, now)
	if errors.Is(err, ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	if u.ID != claims.UserID || !u.Active {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{User: u, SessionID: sess.ID, Claims: claims}, nil
}

// Refresh exchanges a refresh token for a new pair in the same session. Each refresh
// token works once: presenting a spent one means it was copied, so the whole session
// ends and the event is recorded.
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
		t, err = s.issueTokens(ctx, tx, u, sess, now)
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
	access, exp, err := s.tokens.Issue(u.ID, sess.ID, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{
		AccessToken: access, AccessExpiresAt: exp, AccessTTL: exp.Sub(now),
		RefreshToken: plain, RefreshExpiresAt: sess.ExpiresAt,
		SessionID: sess.ID, User: u,
	}, nil
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
