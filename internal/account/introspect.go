package account

import (
	"context"
	"errors"
)

// Introspection describes a live token, for other services.
type Introspection struct {
	User      User
	SessionID string
	Claims    AccessClaims
}

// IntrospectRefresh reports on a refresh token without spending it: it is live when it
// is unspent and unexpired and its session and user are live. Anything else is
// ErrUnauthenticated.
func (s *Service) IntrospectRefresh(ctx context.Context, refreshToken string) (Introspection, error) {
	now := s.now()
	rt, err := s.store.RefreshTokenByHash(ctx, HashSecret(refreshToken))
	if errors.Is(err, ErrNotFound) {
		return Introspection{}, ErrUnauthenticated
	}
	if err != nil {
		return Introspection{}, err
	}
	if !rt.UsedAt.IsZero() || !now.Before(rt.ExpiresAt) {
		return Introspection{}, ErrUnauthenticated
	}
	sess, u, err := s.store.SessionUser(ctx, rt.SessionID, now)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.Active) {
		return Introspection{}, ErrUnauthenticated
	}
	if err != nil {
		return Introspection{}, err
	}
	return Introspection{
		User: u, SessionID: sess.ID,
		Claims: AccessClaims{UserID: u.ID, SessionID: sess.ID, IssuedAt: rt.CreatedAt, ExpiresAt: rt.ExpiresAt},
	}, nil
}

// IntrospectAccess reports on an access token; see Authenticate.
func (s *Service) IntrospectAccess(ctx context.Context, accessToken string) (Introspection, error) {
	p, err := s.Authenticate(ctx, accessToken)
	if err != nil {
		return Introspection{}, err
	}
	return Introspection{User: p.User, SessionID: p.SessionID, Claims: p.Claims}, nil
}
