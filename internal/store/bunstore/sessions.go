package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// CreateSession stores s. A session for a user that does not exist is
// account.ErrNotFound.
func (s *Store) CreateSession(ctx context.Context, sess account.Session) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := sessionToRow(sess)
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// SessionUser returns the session, if live at now, and its user. It runs on every
// authenticated request, so it is one query: a primary key lookup on sessions joined
// to users on their primary key. A session that is unknown, revoked or expired is
// account.ErrNotFound.
func (s *Store) SessionUser(ctx context.Context, sessionID string, now time.Time) (account.Session, account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if s.hot != nil {
		// PostgreSQL: the same query, prepared once per connection (hot.go).
		var sess sessionRow
		var user userRow
		if err := s.queryRow(ctx, &s.hot.sessionUser, []any{sessionID, dbTime(now)}, &sess, &user); err != nil {
			return account.Session{}, account.User{}, translate(err)
		}
		return sess.domain(), user.domain(), nil
	}
	if s.lite != nil {
		// SQLite: the same query, prepared once (lite.go).
		var sess sessionRow
		var user userRow
		if err := s.queryLite(ctx, &s.lite.sessionUser, []any{sessionID, liteTime(now)}, &sess, &user); err != nil {
			return account.Session{}, account.User{}, translate(err)
		}
		return sess.domain(), user.domain(), nil
	}
	var row sessionRow
	err := s.db.NewSelect().Model(&row).
		Relation("User").
		Where("s.id = ?", sessionID).
		Where("s.revoked_at IS NULL").
		Where("s.expires_at > ?", dbTime(now)).
		Scan(ctx)
	if err != nil {
		return account.Session{}, account.User{}, translate(err)
	}
	if row.User == nil { // cannot happen while the foreign key holds
		return account.Session{}, account.User{}, account.ErrNotFound
	}
	return row.domain(), row.User.domain(), nil
}

// TouchSession sets the session's last use and expiry, or returns account.ErrNotFound.
func (s *Store) TouchSession(ctx context.Context, sessionID string, lastUsed, expires time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("last_used_at = ?", dbTime(lastUsed)).
		Set("expires_at = ?", dbTime(expires)).
		Where("id = ?", sessionID).
		Exec(ctx))
	switch {
	case err != nil:
		return err
	case n == 0:
		return account.ErrNotFound
	}
	return nil
}

// RevokeSession ends one session. Ending a session that has already ended, or that
// does not exist, is not an error: either way it can no longer be used.
func (s *Store) RevokeSession(ctx context.Context, sessionID string, now time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", dbTime(now)).
		Where("id = ?", sessionID).
		Where("revoked_at IS NULL").
		Exec(ctx)
	return translate(err)
}

// RevokeUserSessions ends every session of the user that is live at now and returns
// how many ended. Sessions that had already expired are left as they are.
func (s *Store) RevokeUserSessions(ctx context.Context, userID int64, now time.Time) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	now = dbTime(now)
	n, err := rowsAffected(s.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", now).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Where("expires_at > ?", now).
		Exec(ctx))
	return int(n), err
}

// RevokeOtherSessions ends every session of the user that is live at now except the
// one with ID keep (every one when keep is empty), in one UPDATE, and returns how many
// ended. A keep that names no session of the user, or a dead one, keeps nothing.
func (s *Store) RevokeOtherSessions(ctx context.Context, userID int64, keep string, now time.Time) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	now = dbTime(now)
	q := s.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", now).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Where("expires_at > ?", now)
	if keep != "" {
		q = q.Where("id <> ?", keep)
	}
	n, err := rowsAffected(q.Exec(ctx))
	return int(n), err
}

// RevokeUserSession ends the session with this ID if it belongs to the user and is live
// at now, in one conditional UPDATE. Otherwise (unknown, another user's, already
// revoked or expired) it is account.ErrNotFound and nothing changes: a user cannot end,
// or learn of, a session that is not theirs.
func (s *Store) RevokeUserSession(ctx context.Context, userID int64, sessionID string, now time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	now = dbTime(now)
	n, err := rowsAffected(s.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", now).
		Where("id = ?", sessionID).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Where("expires_at > ?", now).
		Exec(ctx))
	switch {
	case err != nil:
		return err
	case n == 0:
		return account.ErrNotFound
	}
	return nil
}

// ListSessions returns up to limit (all with 0) of the user's sessions that are live at
// now (not revoked, expiring after now), newest first: by created_at descending, then by
// ID descending among sessions created at the same instant, strictly after the position
// after (from the start when after is zero). The index on (user_id, created_at, id)
// serves every page. A user with none, or no such user, gets an empty list.
func (s *Store) ListSessions(ctx context.Context, userID int64, now time.Time, after account.SessionCursor, limit int) ([]account.Session, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []sessionRow
	q := s.db.NewSelect().Model(&rows).
		Where("s.user_id = ?", userID).
		Where("s.revoked_at IS NULL").
		Where("s.expires_at > ?", dbTime(now)).
		OrderExpr("s.created_at DESC, s.id DESC")
	if !after.CreatedAt.IsZero() {
		at := dbTime(after.CreatedAt)
		q = q.Where("(s.created_at < ? OR (s.created_at = ? AND s.id < ?))", at, at, after.ID)
	}
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	err := q.Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	sessions := make([]account.Session, len(rows))
	for i, r := range rows {
		sessions[i] = r.domain()
	}
	return sessions, nil
}

// endSessionsBeyond ends the user's live sessions at now, but the session keep, beyond
// the newest max-1 of them, oldest first, and records each ending in the user's history
// (an event like e, of type session_revoked): with keep, max are left. keep, the login's
// own session, is never a candidate, even when clocks make it look older than others. It
// runs in StartSession's transaction, after the statement that
// locked the user's row: concurrent logins of one account wait for that lock, and this
// statement, which reads after it, sees every session they committed.
func (s *Store) endSessionsBeyond(ctx context.Context, userID int64, keep string, max int, now time.Time, e account.Event) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	// Sessions past the newest max: an OFFSET without a limit, which PostgreSQL spells
	// LIMIT ALL and SQLite LIMIT -1.
	all := "ALL"
	if s.dialect == SQLite {
		all = "-1"
	}
	beyond := s.db.NewRaw(`SELECT id FROM sessions WHERE user_id = ? AND id <> ? AND revoked_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC, id DESC LIMIT `+all+` OFFSET ?`, userID, keep, dbTime(now), max-1)
	var ended []string
	err := s.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", dbTime(now)).
		Where("id IN (?)", beyond).
		Returning("id").
		Scan(ctx, &ended)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return translate(err)
	}
	for _, id := range ended {
		ev := e
		ev.Type, ev.Detail = account.EventSessionRevoked, "session "+id+": over the limit of "+strconv.Itoa(max)+" sessions"
		row := eventToRow(ev)
		if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
			return translate(err)
		}
	}
	return nil
}
