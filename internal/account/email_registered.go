package account

import (
	"context"
	"errors"
	"strings"
)

// EmailRegistered reports whether an account has this email. Only a compatibility
// profile whose document reveals it, and whose operator asked for that, should call it:
// every flow of the service answers alike for known and unknown addresses.
func (s *Service) EmailRegistered(ctx context.Context, email string) (bool, error) {
	_, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
