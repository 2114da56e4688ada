package account

import "context"

// ListSessions returns the caller's live sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, p Principal) ([]Session, error) {
	return s.store.ListSessions(ctx, p.User.ID, s.now())
}

// RevokeSession ends one of the caller's sessions; its tokens are refused at once.
func (s *Service) RevokeSession(ctx context.Context, p Principal, sessionID string, meta RequestMeta) error {
	now := s.now()
	return s.store.InTx(ctx, func(tx Store) error {
		if err := tx.RevokeUserSession(ctx, p.User.ID, sessionID, now); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventSessionRevoked, now, meta, "session "+sessionID)
	})
}
