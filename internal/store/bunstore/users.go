package bunstore

import (
	"context"

	"github.com/accountd/accountd/internal/account"
)

// CreateUser inserts u, ignoring u.ID, and returns it with its new ID and its fields as
// stored (times in UTC to the microsecond, an empty role as account.RoleUser), with its
// username and email in the namespace of login names (loginnames.go): a name another
// account holds, or a reservation live at u.UpdatedAt, is account.ErrUsernameTaken for
// the username (looked at first) or account.ErrEmailTaken for the email. An
// OrganizationID that names no organization is account.ErrNotFound.
func (s *Store) CreateUser(ctx context.Context, u account.User) (account.User, error) {
	var created account.User
	err := s.InTx(ctx, func(txs account.Store) error {
		tx := txs.(*Store)
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		var err error
		created, err = tx.createUserInTx(ctx, u)
		return err
	})
	return created, err
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

// UserByLogin finds the account that holds login as its username or email, ignoring
// case (account.LoginKey), through the namespace of login names: at most one does.
func (s *Store) UserByLogin(ctx context.Context, login string) (account.User, error) {
	key, ok := account.LoginKey(login)
	if !ok {
		return account.User{}, account.ErrNotFound
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row userRow
	if s.hot != nil {
		// PostgreSQL: prepared once per connection (hot.go); planning the join cost the
		// backend more than running it, on every login.
		if err := s.queryRow(ctx, &s.hot.userByLogin, []any{key}, &row); err != nil {
			return account.User{}, translate(err)
		}
		return row.domain(), nil
	}
	err := s.db.NewSelect().Model(&row).
		Join("JOIN login_names AS n ON n.user_id = u.id").
		Where("n.name_key = ?", key).
		Scan(ctx)
	if err != nil {
		return account.User{}, translate(err)
	}
	return row.domain(), nil
}

// UserByEmail finds the user with this email ignoring case (account.LoginKey, by its key
// through the unique index), or account.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (account.User, error) {
	key, ok := account.LoginKey(email)
	if !ok {
		return account.User{}, account.ErrNotFound
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row userRow
	err := s.db.NewSelect().Model(&row).Where("u.email_key = ?", key).Scan(ctx)
	if err != nil {
		return account.User{}, translate(err)
	}
	return row.domain(), nil
}

// UpdateUser writes every field of u to the row with u.ID and returns the row as
// stored: account.ErrNotFound if there is none or if OrganizationID names no
// organization. A new username or email moves the account's login names
// (loginnames.go), or fails as CreateUser does.
func (s *Store) UpdateUser(ctx context.Context, u account.User) (account.User, error) {
	var out account.User
	err := s.InTx(ctx, func(txs account.Store) error {
		tx := txs.(*Store)
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		var old userRow
		q := tx.db.NewSelect().Model(&old).Column("username_key", "email_key").Where("u.id = ?", u.ID)
		if tx.dialect == Postgres {
			// Two changes of one account's names take turns, so neither leaves a name
			// behind that the other claimed.
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return translate(err)
		}
		if err := tx.moveNames(ctx, u, old.UsernameKey, old.EmailKey); err != nil {
			return err
		}
		row := userToRow(u)
		n, err := rowsAffected(tx.db.NewUpdate().Model(&row).WherePK().ExcludeColumn("id").Returning("*").Exec(ctx))
		switch {
		case err != nil:
			return err
		case n == 0:
			return account.ErrNotFound
		}
		out = row.domain()
		return nil
	})
	return out, err
}

// DeleteUser removes the user. The foreign keys cascade to the user's sessions (and
// through them to their refresh tokens), email tokens, events and login names, in the same
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
