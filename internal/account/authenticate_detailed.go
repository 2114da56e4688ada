package account

import (
	"context"
	"errors"
	"fmt"
)

// ErrAccountGone and ErrAccountInactive are ErrUnauthenticated for a genuine, unexpired
// access token whose account has since been deleted or deactivated. APIs that tell these
// apart (SimpleJWT's "User not found" and "User is inactive") test for them; everyone
// else sees ErrUnauthenticated.
var (
	ErrAccountGone     = fmt.Errorf("%w: account deleted", ErrUnauthenticated)
	ErrAccountInactive = fmt.Errorf("%w: account inactive", ErrUnauthenticated)
)

// AuthenticateDetailed is Authenticate with a reason when the token is genuine but its
// account is gone or inactive. The extra lookup runs only for refused tokens, and it
// tells the holder of a validly signed token nothing they did not know.
func (s *Service) AuthenticateDetailed(ctx context.Context, accessToken string) (Principal, error) {
	p, err := s.Authenticate(ctx, accessToken)
	if !errors.Is(err, ErrUnauthenticated) {
		return p, err
	}
	claims, perr := s.tokens.Parse(accessToken, s.now())
	if perr != nil {
		return Principal{}, ErrUnauthenticated
	}
	u, uerr := s.store.UserByID(ctx, claims.UserID)
	switch {
	case errors.Is(uerr, ErrNotFound):
		return Principal{}, ErrAccountGone
	case uerr != nil:
		return Principal{}, uerr
	case !u.Active:
		return Principal{}, ErrAccountInactive
	}
	// The account is fine: the session has ended.
	return Principal{}, ErrUnauthenticated
}
