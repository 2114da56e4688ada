package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun/schema"

	"github.com/accountd/accountd/internal/account"
)

// rotateSQL is RotateRefreshToken on PostgreSQL: one statement, so one round trip and
// no BEGIN or COMMIT of its own, where a refresh otherwise takes seven. Its parameters:
// $1 the spent token's hash, $2 the next one's, $3 now, $4 the next token's creation
// time, $5 its expiry (also the session's new expiry).
//
// Each step feeds the next, so nothing is written unless all hold: spent marks the
// token used only if it is unused and unexpired, its session live and its user active
// (the conditional UPDATE also decides, under the row lock, which of two concurrent
// refreshes wins); r extends that session, checking again that it was not revoked
// meanwhile; next inserts the new token only for a session r extended. The final
// SELECT returns the session as r left it (not its user: the caller needs only its ID,
// and the row's two dozen columns cost more to send and scan than the rest of the
// answer). All of a statement's parts see one snapshot and commit together.
func rotateSQL(sess *schema.Table) string {
	return `WITH spent AS (
	UPDATE refresh_tokens AS rt SET used_at = $3, successor_hash = $2
	FROM sessions AS s JOIN users AS u ON u.id = s.user_id
	WHERE rt.hash = $1 AND rt.used_at IS NULL AND rt.expires_at > $3
		AND s.id = rt.session_id AND s.revoked_at IS NULL AND s.expires_at > $3 AND u.active
	RETURNING rt.session_id
), r AS (
	UPDATE sessions AS s SET last_used_at = $3, expires_at = $5
	FROM spent WHERE s.id = spent.session_id AND s.revoked_at IS NULL
	RETURNING ` + columns(sess, "s") + `
), next AS (
	INSERT INTO refresh_tokens (hash, session_id, user_id, created_at, expires_at)
	SELECT $2::text, r.id, r.user_id, $4::timestamptz, $5::timestamptz FROM r
)
SELECT ` + columns(sess, "r") + ` FROM r`
}

// RotateRefreshToken exchanges a live refresh token for next in one step; see
// account.Store. On PostgreSQL it is one prepared statement (rotateSQL); on SQLite, a
// transaction of the steps a refresh takes otherwise.
func (s *Store) RotateRefreshToken(ctx context.Context, spent string, next account.RefreshToken, now time.Time) (account.Session, error) {
	if s.hot == nil {
		return s.rotateInTx(ctx, spent, next, now)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var sess sessionRow
	args := []any{spent, next.Hash, dbTime(now), dbTime(next.CreatedAt), dbTime(next.ExpiresAt)}
	if err := s.queryRow(ctx, &s.hot.rotate, args, &sess); err != nil {
		return account.Session{}, translate(err)
	}
	return sess.domain(), nil
}

// rotateInTx is RotateRefreshToken as a transaction (SQLite, whose single connection
// serializes writers anyway).
func (s *Store) rotateInTx(ctx context.Context, spent string, next account.RefreshToken, now time.Time) (account.Session, error) {
	var sess account.Session
	err := s.InTx(ctx, func(txs account.Store) error {
		if tx := txs.(*Store); tx.lite != nil {
			var err error
			sess, err = tx.rotateLite(ctx, spent, next, now)
			return err
		}
		tx := txs
		rt, err := tx.RefreshTokenByHash(ctx, spent)
		if err != nil {
			return err
		}
		if !rt.UsedAt.IsZero() || !now.Before(rt.ExpiresAt) {
			return account.ErrNotFound
		}
		var user account.User
		if sess, user, err = tx.SessionUser(ctx, rt.SessionID, now); err != nil {
			return err
		}
		if !user.Active {
			return account.ErrNotFound
		}
		won, err := tx.MarkRefreshTokenUsed(ctx, spent, next.Hash, now)
		if err != nil {
			return err
		}
		if !won {
			return account.ErrNotFound
		}
		if err := tx.TouchSession(ctx, sess.ID, now, next.ExpiresAt); err != nil {
			return err
		}
		sess.LastUsedAt, sess.ExpiresAt = domainTime(dbTime(now)), domainTime(dbTime(next.ExpiresAt))
		next.SessionID, next.UserID = sess.ID, user.ID
		return tx.CreateRefreshToken(ctx, next)
	})
	if err != nil {
		return account.Session{}, err
	}
	return sess, nil
}
