package account

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// UserChanges lists what an administrator changes in an account; nil fields stay.
type UserChanges struct {
	Username   *string
	Email      *string
	FirstName  *string
	LastName   *string
	Bio        *string
	Country    *string
	Profession *string
	Thoughts   *string
	AvatarURL  *string
	// OrganizationID joins an organization, or with 0 leaves it.
	OrganizationID *int64
	// Role changes are for superusers only.
	Role *Role
	// Active false ends every session of the account at once.
	Active *bool
	// EmailVerified, when nil and the email changes, becomes false.
	EmailVerified *bool
}

// UserFields is the whole of what an administrator may set in an account, for a
// replacement: every field takes the value given, empty ones included.
type UserFields struct {
	Username       string
	Email          string
	FirstName      string
	LastName       string
	Profile        Profile
	OrganizationID int64
	Role           Role
	Active         bool
	EmailVerified  bool
}

// AdminReplaceUser sets every administrable field of an account; see AdminUpdateUser.
func (s *Service) AdminReplaceUser(ctx context.Context, a Actor, id int64, f UserFields) (User, error) {
	return s.AdminUpdateUser(ctx, a, id, UserChanges{
		Username: &f.Username, Email: &f.Email, FirstName: &f.FirstName, LastName: &f.LastName,
		Bio: &f.Profile.Bio, Country: &f.Profile.Country, Profession: &f.Profile.Profession,
		Thoughts: &f.Profile.Thoughts, AvatarURL: &f.Profile.AvatarURL,
		OrganizationID: &f.OrganizationID, Role: &f.Role, Active: &f.Active, EmailVerified: &f.EmailVerified,
	})
}

// AdminUpdateUser changes the given fields of an account on an administrator's behalf.
//
//   - Staff and superuser accounts are changed by superusers only, and only a superuser
//     grants or removes the staff role; a superuser always keeps it.
//   - Administrators cannot deactivate themselves or drop their own staff role here: a
//     slip would lock them out. Another administrator, or the command line, can.
//   - Administrators cannot change their own email here either: their account's email
//     change asks for the password, and a stolen staff token must not skip that.
//   - Active false ends every session at once and voids every emailed link, a pending
//     invitation and the signed links included, for good: reactivating the account
//     does not bring them back.
//   - A new email voids every emailed link and, unless EmailVerified is given, is
//     unverified; the old address is told.
//
// Each change is an event in the account's history naming the administrator.
func (s *Service) AdminUpdateUser(ctx context.Context, a Actor, id int64, c UserChanges) (User, error) {
	if err := requireStaff(a); err != nil {
		return User{}, err
	}
	found := textProblems(c.FirstName, c.LastName, c.Country, c.Profession, c.Bio, c.Thoughts, c.AvatarURL)
	if c.Email != nil {
		email, p := normalizeEmail("email", *c.Email)
		c.Email = &email
		found = append(found, p)
	}
	if err := problems(found...); err != nil {
		return User{}, err
	}
	if c.Role != nil {
		if err := checkRole(*c.Role); err != nil {
			return User{}, err
		}
	}
	now := s.now()
	var before, after User
	err := s.store.InTx(ctx, func(tx Store) error {
		var err error
		if before, err = tx.UserByID(ctx, id); err != nil {
			return err
		}
		if err := mayManage(a, before); err != nil {
			return err
		}
		u := applyChanges(before, c)
		if err := checkAdminChange(a, before, u); err != nil {
			return err
		}
		moved := !strings.EqualFold(u.Email, before.Email)
		if moved {
			u.EmailVerified = c.EmailVerified != nil && *c.EmailVerified
		}
		shut := c.Active != nil && !*c.Active
		if moved || shut {
			// Links sent to the old address, or to an account being shut (an invited one
			// too, though it was not active yet), must not work, nor work again once it
			// is reactivated: signed links too, which are signed over LinksVoidedAt.
			voidEmailedLinks(&u, now)
		}
		u.UpdatedAt = now
		if after, err = tx.UpdateUser(ctx, u); err != nil {
			if errors.Is(err, ErrNotFound) && c.OrganizationID != nil {
				return Invalid("organization_id", "not_found", "is not an existing organization")
			}
			return err
		}
		if moved || shut {
			if err := tx.DeleteEmailTokens(ctx, id, emailedPurposes...); err != nil {
				return err
			}
		}
		if err := s.recordChanges(ctx, tx, a, before, after); err != nil {
			return err
		}
		if !moved {
			return nil
		}
		return s.send(ctx, tx, Message{Kind: MessageEmailChanged, To: before.Email, User: after})
	})
	if err != nil {
		return User{}, err
	}
	s.logAction(ctx, a, "user changed by an administrator", "user_id", id)
	return after, nil
}

// applyChanges returns u with c's fields set.
func applyChanges(u User, c UserChanges) User {
	set(&u.Username, c.Username)
	set(&u.Email, c.Email)
	set(&u.FirstName, c.FirstName)
	set(&u.LastName, c.LastName)
	set(&u.Profile.Bio, c.Bio)
	set(&u.Profile.Country, c.Country)
	set(&u.Profile.Profession, c.Profession)
	set(&u.Profile.Thoughts, c.Thoughts)
	set(&u.Profile.AvatarURL, c.AvatarURL)
	set(&u.OrganizationID, c.OrganizationID)
	set(&u.Role, c.Role)
	set(&u.Active, c.Active)
	if c.Active != nil {
		// Held inactive by an administrator, or released.
		u.Deactivated = !*c.Active
	}
	set(&u.EmailVerified, c.EmailVerified)
	return u
}

// checkAdminChange applies the rules on roles and self-service to a change from
// before to after.
func checkAdminChange(a Actor, before, after User) error {
	self := !a.operator && a.user.ID == before.ID
	if after.Role != before.Role {
		switch {
		case !a.superuser():
			return ErrForbidden
		case before.Superuser:
			return Invalid("role", "superuser", "a superuser always has the staff role")
		case self:
			return Invalid("role", "self", "you cannot remove your own staff role")
		}
	}
	if self && before.Active && !after.Active {
		return Invalid("active", "self", "you cannot deactivate your own account")
	}
	if self && !strings.EqualFold(after.Email, before.Email) {
		// The account's own email change asks for the password; a stolen staff token
		// must not skip it here and move the account to its thief's address.
		return Invalid("email", "self", "change your own email through your account's email change, which asks for your password")
	}
	if after.Username != before.Username {
		// Checked against the email the account will have. An email change alone leaves
		// the username as it is, even one that was the old address: the account keeps
		// that name, and nobody else can take it.
		return problems(checkUsername("username", after.Username, after.Email))
	}
	return nil
}

// recordChanges writes the events of a change from before to after, and ends the
// sessions of an account being deactivated.
func (s *Service) recordChanges(ctx context.Context, tx Store, a Actor, before, after User) error {
	now := after.UpdatedAt
	recorded := false
	if fields := changedFields(before, after); len(fields) > 0 {
		if err := recordBy(ctx, tx, after.ID, EventAdminUpdated, now, a, "changed: "+strings.Join(fields, ", ")); err != nil {
			return err
		}
		recorded = true
	}
	if after.Role != before.Role {
		detail := string(before.Role) + " → " + string(after.Role)
		if err := recordBy(ctx, tx, after.ID, EventAdminRoleChanged, now, a, detail); err != nil {
			return err
		}
		recorded = true
	}
	switch {
	case before.Active && !after.Active:
		n, err := tx.RevokeUserSessions(ctx, after.ID, now)
		if err != nil {
			return err
		}
		if err := recordBy(ctx, tx, after.ID, EventAdminDeactivated, now, a, sessionsEnded(n)); err != nil {
			return err
		}
		recorded = true
	case !before.Active && after.Active:
		if err := recordBy(ctx, tx, after.ID, EventAdminActivated, now, a, ""); err != nil {
			return err
		}
		recorded = true
	}
	if !recorded {
		// The administrator acted, even if nothing changed: the history says so.
		return recordBy(ctx, tx, after.ID, EventAdminUpdated, now, a, "no change")
	}
	return nil
}

// changedFields names the fields (other than role and active, which have events of
// their own) that differ. Only names: the values may be personal.
func changedFields(before, after User) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("username", before.Username != after.Username)
	add("email", before.Email != after.Email)
	add("email_verified", before.EmailVerified != after.EmailVerified)
	add("first_name", before.FirstName != after.FirstName)
	add("last_name", before.LastName != after.LastName)
	add("bio", before.Profile.Bio != after.Profile.Bio)
	add("country", before.Profile.Country != after.Profile.Country)
	add("profession", before.Profile.Profession != after.Profile.Profession)
	add("thoughts", before.Profile.Thoughts != after.Profile.Thoughts)
	add("avatar_url", before.Profile.AvatarURL != after.Profile.AvatarURL)
	add("organization_id", before.OrganizationID != after.OrganizationID)
	return out
}

func sessionsEnded(n int) string {
	if n == 1 {
		return "1 session ended"
	}
	return strconv.Itoa(n) + " sessions ended"
}
