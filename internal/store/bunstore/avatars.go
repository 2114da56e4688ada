package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// avatarRow is a stored picture (account.Avatar).
type avatarRow struct {
	bun.BaseModel `bun:"table:avatars,alias:av"`

	ID          string    `bun:"id,pk"`
	UserID      int64     `bun:"user_id"`
	ContentType string    `bun:"content_type"`
	Data        []byte    `bun:"data"`
	CreatedAt   time.Time `bun:"created_at"`
}

// SetAvatar removes the user's stored pictures and, unless a is nil, stores a for the
// user, in one transaction. A user that does not exist is account.ErrNotFound (the
// foreign key refuses the insert; with a nil a there is nothing to refuse).
func (s *Store) SetAvatar(ctx context.Context, userID int64, a *account.Avatar) error {
	return s.InTx(ctx, func(st account.Store) error {
		tx := st.(*Store)
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		if _, err := tx.db.NewDelete().Model((*avatarRow)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return translate(err)
		}
		if a == nil {
			return nil
		}
		data := a.Data
		if data == nil {
			data = []byte{} // Bun writes a nil slice as NULL, which the column refuses
		}
		row := avatarRow{ID: a.ID, UserID: userID, ContentType: a.ContentType, Data: data, CreatedAt: dbTime(a.CreatedAt)}
		_, err := tx.db.NewInsert().Model(&row).Exec(ctx)
		return translate(err)
	})
}

// AvatarByID returns a stored picture, or account.ErrNotFound.
func (s *Store) AvatarByID(ctx context.Context, id string) (account.Avatar, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var r avatarRow
	if err := s.db.NewSelect().Model(&r).Where("av.id = ?", id).Scan(ctx); err != nil {
		return account.Avatar{}, translate(err)
	}
	return account.Avatar{ID: r.ID, UserID: r.UserID, ContentType: r.ContentType, Data: r.Data, CreatedAt: domainTime(r.CreatedAt)}, nil
}
