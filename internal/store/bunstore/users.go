package bunstore

import (
	"context"

	"github.com/accountd/accountd/internal/account"
)

// CreateUser inserts u, ignoring u.ID, and returns it with its new ID and its times as
// stored (UTC, microseconds). A username or email already taken in any case is
// account.ErrUsernameTaken or account.ErrEmailTaken.
func (s *Store) CreateUser(ctx context.Context, u account.User) (account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := userToRow(u)
	row.ID = 0 // the database assigns IDs
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return account.User{}, translate(err)
	}
	return row.domain(), nil
}

// UserByID returns the user with this ID, or account.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row userRow
	err := s.db.NewSelect().Model(&row).Where("u.id = ?", id).Scan(ctx)
	if err != nil {
		return account.User{}, translate(err)
	}
	return row.domain(), nil
}

// UserByLogin finds the user whose username or email equals login ignoring case, in one
// query served by the two lower() indexes. Should login be one user's username and
// another's email, the username wins.
func (s *Store) UserByLogin(ctx context.Context, login string) (account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row userRow
	err := s.db.NewSelect().Model(&row).
		Where("lower(u.username) = lower(?)", login).
		WhereOr("lower(u.email) = lower(?)", login).
		OrderExpr("CASE WHEN lower(u.username) = lower(?) THEN 0 ELSE 1 END", login).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return account.User{}, translate(err)
	}
	return row.domain(), nil
}

// UserByEmail finds the user with this email ignoring case, or account.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row userRow
	err := s.db.NewSelect().Model(&row).Where("lower(u.email) = lower(?)", email).Scan(ctx)
	if err != nil {
		return account.User{}, translate(err)
	}
	return row.domain(), nil
}

// UpdateUser writes every field of u to the row with u.ID and returns the row as
// stored: account.ErrNotFound if there is none, ErrUsernameTaken or ErrEmailTaken if
// the new username or email belongs to another user.
func (s *Store) UpdateUser(ctx context.Context, u account.User) (account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := userToRow(u)
	n, err := rowsAffected(s.db.NewUpdate().Model(&row).WherePK().ExcludeColumn("id").Returning("*").Exec(ctx))
	switch {
	case err != nil:
		return account.User{}, err
	case n == 0:
		return account.User{}, account.ErrNotFound
	}
	return row.domain(), nil
}
