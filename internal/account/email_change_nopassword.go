package account

import (
	"context"
	"strings"
)

// RequestEmailChangeWithoutPassword is RequestEmailChange for APIs whose documents ask
// for no password (django-rest-registration's register-email takes the new address
// only), so their clients keep working.
//
// The canonical API asks for the password because a stolen access token could otherwise
// move the account to the thief's address. Here the change still needs the link sent to
// the new address, and the old address is told once it is confirmed.
func (s *Service) RequestEmailChangeWithoutPassword(ctx context.Context, p Principal, newEmail, flow string, meta RequestMeta) error {
	newEmail = strings.TrimSpace(newEmail)
	if err := s.emailLimits(ctx, meta, newEmail); err != nil {
		return err
	}
	return s.startEmailChange(ctx, p, newEmail, flow, meta)
}
