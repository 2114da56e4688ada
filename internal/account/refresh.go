package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"
)

// errRefreshSpent: the refresh token was exchanged already (rotated by Refresh). It never
// leaves the package: each use case turns it into ErrRefreshInvalid or treats it as reuse.
var errRefreshSpent = errors.New("refresh token spent")

// Refresh exchanges a refresh token for a new pair in the same session (the canonical
// API, and every API whose refresh rotates). Each session is one chain of refresh
// tokens, and a token always leads to the same successor: it is derived from the token
// and a server key (successorOf), so it is never stored in plain and needs no lookup.
//
//   - An unspent token is exchanged: it is marked spent, with its successor's hash, and
//     the successor is stored (one statement on PostgreSQL).
//   - A spent token whose successor nobody has used yet gets that same successor again,
//     with a fresh access token, at any time: twenty concurrent refreshes of one token
//     (tabs, retries) all get one successor, and a client that retries after an
//     ambiguous 503 (the rotation committed, the answer was lost) keeps its session.
//   - A spent token whose successor has itself been spent is behind the chain: someone
//     holds a copy. Within RefreshGrace of the chain moving on it is only refused (a tab
//     that sent a token another tab had already rotated twice); after, the whole session
//     ends and the theft is recorded.
func (s *Service) Refresh(ctx context.Context, refreshToken string, meta RequestMeta) (Tokens, error) {
	if err := s.limit(ctx, bucket{"refresh:ip", meta.IP, s.opt.Limits.RefreshIP}); err != nil {
		return Tokens{}, err
	}
	now := s.now()
	successor := s.successorOf(refreshToken)
	// The ordinary refresh (an unused token of a live session) in one step; anything
	// else, the store reports as not found and the code below looks closer.
	if t, err := s.rotate(ctx, refreshToken, successor, now); !errors.Is(err, ErrNotFound) {
		return t, err
	}
	rt, err := s.store.RefreshTokenByHash(ctx, HashSecret(refreshToken))
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrRefreshInvalid
	}
	if err != nil {
		return Tokens{}, err
	}
	if rt.UsedAt.IsZero() {
		// Unspent, yet not exchangeable: expired, its session ended or its user inactive.
		return Tokens{}, ErrRefreshInvalid
	}
	next, moved, err := s.successor(ctx, rt)
	if err != nil {
		return Tokens{}, err
	}
	if moved {
		return Tokens{}, s.behindChain(ctx, rt, next, now, meta)
	}
	if !now.Before(rt.ExpiresAt) || !now.Before(next.ExpiresAt) {
		return Tokens{}, ErrRefreshInvalid
	}
	if HashSecret(successor) != rt.SuccessorHash {
		// The successor was derived under another key (ACCOUNTD_LINK_SECRET or the
		// signing key changed since): it cannot be handed out again. Its holder, if
		// any, carries on; this copy is refused without ending the session.
		s.opt.Logger.WarnContext(ctx, "refresh retry after a key change refused", "user_id", rt.UserID, "session_id", rt.SessionID)
		return Tokens{}, ErrRefreshInvalid
	}
	// Handing the successor out again changes nothing stored: the first exchange
	// extended the session already.
	sess, u, err := s.store.SessionUser(ctx, next.SessionID, now)
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrRefreshInvalid
	}
	if err != nil {
		return Tokens{}, err
	}
	if !u.Active {
		return Tokens{}, ErrRefreshInvalid
	}
	return s.handOut(u, sess, successor, next.ExpiresAt, now)
}

// successorOf derives the successor of a refresh token: an HMAC-SHA256 of the token
// under the service's RefreshKey, in the form of newSecret. Only a holder of the token
// and of the key can compute it, so a stolen token yields no later one by itself, and
// the database, which holds hashes only, yields neither.
func (s *Service) successorOf(refreshToken string) string {
	mac := hmac.New(sha256.New, s.opt.RefreshKey)
	mac.Write([]byte(refreshToken))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// rotate exchanges refreshToken for successor if it is unused and unexpired, its
// session live and its user active, in one store call; otherwise ErrNotFound, with
// nothing changed.
func (s *Service) rotate(ctx context.Context, refreshToken, successor string, now time.Time) (Tokens, error) {
	next := RefreshToken{Hash: HashSecret(successor), CreatedAt: now, ExpiresAt: now.Add(s.opt.SessionTTL)}
	sess, err := s.store.RotateRefreshToken(ctx, HashSecret(refreshToken), next, now)
	if err != nil {
		return Tokens{}, err
	}
	// The store checked the user active and returns the session only: the answer
	// needs no more of the user than its ID.
	return s.handOut(User{ID: sess.UserID}, sess, successor, sess.ExpiresAt, now)
}

// successor returns the stored successor of the spent token rt, and whether the chain
// has moved past rt: that successor has been spent too, or is gone (cleanup deletes a
// spent token some time after it was spent), or rt was spent before successors were
// recorded, when nothing tells.
func (s *Service) successor(ctx context.Context, rt RefreshToken) (next RefreshToken, moved bool, err error) {
	if rt.SuccessorHash == "" {
		return RefreshToken{}, true, nil
	}
	next, err = s.store.RefreshTokenByHash(ctx, rt.SuccessorHash)
	if errors.Is(err, ErrNotFound) {
		return RefreshToken{}, true, nil
	}
	if err != nil {
		return RefreshToken{}, false, err
	}
	return next, !next.UsedAt.IsZero(), nil
}

// behindChain answers a refresh token the chain has moved past: refused within
// RefreshGrace of the chain moving on (when its successor was spent, or rt itself for
// want of a successor), theft after it.
func (s *Service) behindChain(ctx context.Context, rt, next RefreshToken, now time.Time, meta RequestMeta) error {
	movedAt := next.UsedAt
	if movedAt.IsZero() {
		movedAt = rt.UsedAt
	}
	if s.inGrace(movedAt, now) {
		return ErrRefreshInvalid
	}
	return s.refreshReused(ctx, rt, now, meta)
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

// inGrace reports whether now is within RefreshGrace of at, when a token moved on: a
// token presented that soon after is refused without ending its session, as a client's
// own stale copy may be. Outside the window a replay is theft.
func (s *Service) inGrace(at, now time.Time) bool {
	return s.opt.RefreshGrace > 0 && !now.After(at.Add(s.opt.RefreshGrace))
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

// usableRefresh is liveRefresh for a request that uses the token without rotating it
// (djoser's refresh and logout). Those APIs never spend a token themselves, so a spent
// one was rotated through another door by whoever else holds it: presented after the
// grace period it is reuse, which ends its session, whatever became of its successor.
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
