package account

import (
	"context"
	"errors"
	"strings"
)

// RegistrationConflicts reports which of a registration's username and email already
// belong to accounts, for APIs that report every taken field at once (Django REST
// framework's field errors) after Register refused one. The email is looked at only
// without HideExistingEmails: with it, emailTaken is always false, so no caller can leak
// what the setting hides.
func (s *Service) RegistrationConflicts(ctx context.Context, username, email string) (usernameTaken, emailTaken bool, err error) {
	if username != "" {
		// UserByLogin also matches emails; only a username match counts here.
		u, err := s.store.UserByLogin(ctx, username)
		switch {
		case err == nil:
			usernameTaken = strings.EqualFold(u.Username, username)
		case !errors.Is(err, ErrNotFound):
			return false, false, err
		}
	}
	if email != "" && !s.opt.HideExistingEmails {
		_, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
		switch {
		case err == nil:
			emailTaken = true
		case !errors.Is(err, ErrNotFound):
			return false, false, err
		}
	}
	return usernameTaken, emailTaken, nil
}
