package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// CreateEmailToken stores t. A token for a user that does not exist is
// account.ErrNotFound.
func (s *Store) CreateEmailToken(ctx context.Context, t account.EmailToken) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := emailTokenToRow(t)
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// ConsumeEmailToken marks the token used and returns it, in one conditional UPDATE:
// the database, not the caller, decides which of two concurrent consumers wins. A token
// that is unknown, of another purpose, used or expired at now is account.ErrTokenInvalid.
func (s *Store) ConsumeEmailToken(ctx context.Context, hash string, purpose account.TokenPurpose, now time.Time) (account.EmailToken, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	now = dbTime(now)
	var row emailTokenRow
	n, err := rowsAffected(s.db.NewUpdate().Model(&row).
		Set("used_at = ?", now).
		Where("hash = ?", hash).
		Where("purpose = ?", string(purpose)).
		Where("used_at IS NULL").
		Where("expires_at > ?", now).
		Returning("*").
		Exec(ctx))
	switch {
	case err != nil:
		return account.EmailToken{}, err
	case n == 0:
		return account.EmailToken{}, account.ErrTokenInvalid
	}
	return row.domain(), nil
}

// DeleteEmailTokens removes the user's unused tokens of the given purposes; with no
// purposes it removes nothing.
func (s *Store) DeleteEmailTokens(ctx context.Context, userID int64, purposes ...account.TokenPurpose) error {
	if len(purposes) == 0 {
		return nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	names := make([]string, len(purposes))
	for i, p := range purposes {
		names[i] = string(p)
	}
	_, err := s.db.NewDelete().Model((*emailTokenRow)(nil)).
		Where("user_id = ?", userID).
		Where("used_at IS NULL").
		Where("purpose IN (?)", bun.In(names)).
		Exec(ctx)
	return translate(err)
}

// CreateRefreshToken stores t. A token for a session that does not exist is
// account.ErrNotFound.
func (s *Store) CreateRefreshToken(ctx context.Context, t account.RefreshToken) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := refreshTokenToRow(t)
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// RefreshTokenByHash returns the stored token, or account.ErrNotFound.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (account.RefreshToken, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row refreshTokenRow
	if err := s.db.NewSelect().Model(&row).Where("rt.hash = ?", hash).Scan(ctx); err != nil {
		return account.RefreshToken{}, translate(err)
	}
	return row.domain(), nil
}

// MarkRefreshTokenUsed sets used_at (and successor_hash) if it is still NULL, in one
// conditional UPDATE, and reports whether this call did so. It reports false for a spent
// or unknown token.
func (s *Store) MarkRefreshTokenUsed(ctx context.Context, hash, successor string, now time.Time) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewUpdate().Model((*refreshTokenRow)(nil)).
		Set("used_at = ?", dbTime(now)).
		Set("successor_hash = ?", successor).
		Where("hash = ?", hash).
		Where("used_at IS NULL").
		Exec(ctx))
	return n == 1, err
}
