package account

import (
	"context"
	"errors"
	"net/url"
)

// ProfileChanges lists the profile fields to change; nil fields stay as they are.
type ProfileChanges struct {
	Username   *string
	FirstName  *string
	LastName   *string
	Bio        *string
	Country    *string
	Profession *string
	Thoughts   *string
	AvatarURL  *string
	// OrganizationID joins an organization, or with 0 leaves it.
	OrganizationID *int64
	// Avatar, when set, is an uploaded picture to store (avatar.go); AvatarURL becomes
	// the address it is served at.
	Avatar *AvatarUpload
}

// UpdateProfile changes the given fields of the user's profile. An uploaded picture
// (c.Avatar) is checked before anything is stored; a stored picture the avatar URL no
// longer points at is removed, so that a picture the user replaced or removed is no
// longer served. A new username keeps the rules of identity.go, checked against the
// account's email; the store refuses one that is another account's username or email
// (ErrUsernameTaken).
func (s *Service) UpdateProfile(ctx context.Context, userID int64, c ProfileChanges, meta RequestMeta) (User, error) {
	now := s.now()
	var avatar *Avatar
	if c.Avatar != nil {
		a, url, err := newAvatar(userID, *c.Avatar, now)
		if err != nil {
			return User{}, err
		}
		avatar, c.AvatarURL = &a, &url
	}
	if err := problems(textProblems(c.FirstName, c.LastName, c.Country, c.Profession, c.Bio, c.Thoughts, c.AvatarURL)...); err != nil {
		return User{}, err
	}
	var u User
	err := s.store.InTx(ctx, func(tx Store) error {
		var err error
		if u, err = tx.UserByID(ctx, userID); err != nil {
			return err
		}
		if c.Username != nil && *c.Username != u.Username {
			if err := problems(checkUsername("username", *c.Username, u.Email)); err != nil {
				return err
			}
		}
		if c.AvatarURL != nil && (*c.AvatarURL != u.Profile.AvatarURL || avatar != nil) {
			if err := tx.SetAvatar(ctx, userID, avatar); err != nil {
				return err
			}
		}
		set(&u.Username, c.Username)
		set(&u.FirstName, c.FirstName)
		set(&u.LastName, c.LastName)
		set(&u.Profile.Bio, c.Bio)
		set(&u.Profile.Country, c.Country)
		set(&u.Profile.Profession, c.Profession)
		set(&u.Profile.Thoughts, c.Thoughts)
		set(&u.Profile.AvatarURL, c.AvatarURL)
		set(&u.OrganizationID, c.OrganizationID)
		u.UpdatedAt = now
		if u, err = tx.UpdateUser(ctx, u); err != nil {
			if errors.Is(err, ErrNotFound) && c.OrganizationID != nil {
				return Invalid("organization_id", "not_found", "is not an existing organization")
			}
			return err
		}
		return record(ctx, tx, u.ID, EventProfileUpdated, now, meta, "")
	})
	return u, err
}

// httpURL reports whether raw is an absolute http or https URL with a host: avatars are
// shown by browsers, so javascript: and data: URLs must not get in.
func httpURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
