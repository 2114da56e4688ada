package account

import "context"

// anyOwner is the owner given to activate and resetPassword when the token alone names
// the account, as in the canonical API.
const anyOwner int64 = 0

// ActivateUser activates account userID with an activation token, for APIs whose links
// carry the user ID next to the token (djoser's uid). The token must have been issued
// for that very account, so a link can only ever activate the account it names.
//
// Errors: ErrNotFound when there is no such account; ErrAlreadyActive when it is active
// already, whatever the token (a spent token cannot be told from a wrong one, and the
// answer reveals no more than that the account can log in); ErrTokenInvalid when the
// token is unknown, spent, expired, void or another account's.
func (s *Service) ActivateUser(ctx context.Context, userID int64, token string, meta RequestMeta) (User, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return User{}, err
	}
	if u.Active {
		return User{}, ErrAlreadyActive
	}
	return s.activate(ctx, token, userID, meta)
}

// ResetUserPassword is ResetPassword for APIs whose links carry the user ID next to the
// token: the token must have been issued for account userID. ErrNotFound when there is
// no such account; otherwise the errors of ResetPassword.
func (s *Service) ResetUserPassword(ctx context.Context, userID int64, token, newPassword string, meta RequestMeta) (User, error) {
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return User{}, err
	}
	return s.resetPassword(ctx, token, userID, newPassword, meta)
}

// ResendActivationReport is ResendActivation that also says whether a link went out,
// that is whether email belongs to an account awaiting activation. Only APIs whose
// configuration allows telling which emails have accounts may pass the answer on.
func (s *Service) ResendActivationReport(ctx context.Context, email, flow string, meta RequestMeta) (sent bool, err error) {
	return s.resendActivation(ctx, email, flow, meta)
}
