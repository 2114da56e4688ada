package account

import "context"

// ProfileChanges lists the profile fields to change; nil fields stay as they are.
type ProfileChanges struct {
	Username  *string
	FirstName *string
	LastName  *string
}

// UpdateProfile changes the given fields of the user's profile.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, c ProfileChanges, meta RequestMeta) (User, error) {
	now := s.now()
	var u User
	err := s.store.InTx(ctx, func(tx Store) error {
		var err error
		if u, err = tx.UserByID(ctx, userID); err != nil {
			return err
		}
		set(&u.Username, c.Username)
		set(&u.FirstName, c.FirstName)
		set(&u.LastName, c.LastName)
		u.UpdatedAt = now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return record(ctx, tx, u.ID, EventProfileUpdated, now, meta, "")
	})
	return u, err
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
