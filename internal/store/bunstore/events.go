package bunstore

import (
	"context"

	"github.com/accountd/accountd/internal/account"
)

// AddEvent appends e to its user's history (e.ID is ignored; the database numbers
// events). An event for a user that does not exist is account.ErrNotFound.
func (s *Store) AddEvent(ctx context.Context, e account.Event) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := eventToRow(e)
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// SigningKeys returns every stored signing key, oldest first.
func (s *Store) SigningKeys(ctx context.Context) ([]account.SigningKey, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []signingKeyRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("sk.created_at, sk.id").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	keys := make([]account.SigningKey, len(rows))
	for i, r := range rows {
		keys[i] = r.domain()
	}
	return keys, nil
}

// AddSigningKey stores k unless a key with its ID exists, which is then left as it
// was: instances starting together may each generate a key, and the first one stays.
func (s *Store) AddSigningKey(ctx context.Context, k account.SigningKey) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := signingKeyToRow(k)
	_, err := s.db.NewInsert().Model(&row).On("CONFLICT (id) DO NOTHING").Exec(ctx)
	return translate(err)
}
