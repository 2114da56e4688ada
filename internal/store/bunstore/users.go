package bunstore

import (
	"context"

	"github.com/accountd/accountd/internal/account"
)

// CreateUser inserts u, ignoring u.ID, and returns it with its new ID and its fields as
// stored (times in UTC to the microsecond, an empty role as account.RoleUser). A username
// or email already taken in any case is account.ErrUsernameTaken or
// account.ErrEmailTaken; an OrganizationID that names no organization is
// account.ErrNotFound.
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
// query served by the two unique key indexes. Should login be one user's username and
// another's email, the username wins.
func (s *Store) UserByLogin(ctx context.Context, login string) (account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	key := caseKey(login)
	var row userRow
	err := s.db.NewSelect().Model(&row).
		Where("u.username_key = ?", key).
		WhereOr("u.email_key = ?", key).
		OrderExpr("CASE WHEN u.username_key = ? THEN 0 ELSE 1 END", key).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return account.User{}, translate(err)
	}
	return row.domain(), nil
}

// UserByEmail finds the user with this email ignoring case (by its key, through the
// unique index), or account.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (account.User, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row userRow
	err := s.db.NewSelect().Model(&row).Where("u.email_key = ?", caseKey(email)).Scan(ctx)
	if err != nil {
		return account.User{}, translate(err)
	}
	return row.domain(), nil
}

// UpdateUser writes every field of u to the row with u.ID and returns the row as
// stored: account.ErrNotFound if there is none or if OrganizationID names no
// organization, ErrUsernameTaken or ErrEmailTaken if the new username or email belongs
// to another user.
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

// DeleteUser removes the user. The foreign keys cascade to the user's sessions (and
// through them to their refresh tokens), email tokens and events, in the same
// statement. A user that does not exist is account.ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewDelete().Model((*userRow)(nil)).Where("id = ?", id).Exec(ctx))
	switch {
	case err != nil:
		return err
	case n == 0:
		return account.ErrNotFound
	}
	return nil
}
