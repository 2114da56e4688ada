package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// newAvatar returns an unsaved picture of the user with bytes that no text encoding
// would keep intact (a NUL, invalid UTF-8).
func newAvatar(id string, userID int64) account.Avatar {
	data := append([]byte("\x89PNG\r\n\x1a\n\x00\xff\xfe"), bytes.Repeat([]byte{0xab}, 4096)...)
	return account.Avatar{ID: id, UserID: userID, ContentType: "image/png", Data: data, CreatedAt: at(-time.Minute)}
}

func (s suite) avatars(t *testing.T) {
	s.run(t, "stored_and_read_back_byte_for_byte", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		a := newAvatar("pic-1.png", alice.ID)
		noErr(t, "SetAvatar", st.SetAvatar(ctx(t), alice.ID, &a))
		got, err := st.AvatarByID(ctx(t), "pic-1.png")
		noErr(t, "AvatarByID", err)
		same(t, "AvatarByID", got, a)
	})
	s.run(t, "unknown_id_ErrNotFound", func(t *testing.T, st account.Store) {
		_, err := st.AvatarByID(ctx(t), "nope.png")
		wantErr(t, "AvatarByID(unknown)", err, account.ErrNotFound)
	})
	s.run(t, "set_replaces_only_that_users_pictures", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		a1, a2, b1 := newAvatar("a1.png", alice.ID), newAvatar("a2.png", alice.ID), newAvatar("b1.png", bob.ID)
		noErr(t, "SetAvatar(a1)", st.SetAvatar(ctx(t), alice.ID, &a1))
		noErr(t, "SetAvatar(b1)", st.SetAvatar(ctx(t), bob.ID, &b1))
		noErr(t, "SetAvatar(a2)", st.SetAvatar(ctx(t), alice.ID, &a2))
		_, err := st.AvatarByID(ctx(t), "a1.png")
		wantErr(t, "AvatarByID(replaced)", err, account.ErrNotFound)
		if _, err := st.AvatarByID(ctx(t), "a2.png"); err != nil {
			t.Errorf("AvatarByID(new): %v", err)
		}
		if _, err := st.AvatarByID(ctx(t), "b1.png"); err != nil {
			t.Errorf("AvatarByID(another user's): %v", err)
		}
		noErr(t, "SetAvatar(nil)", st.SetAvatar(ctx(t), alice.ID, nil))
		_, err = st.AvatarByID(ctx(t), "a2.png")
		wantErr(t, "AvatarByID(removed)", err, account.ErrNotFound)
	})
	s.run(t, "unknown_user_ErrNotFound", func(t *testing.T, st account.Store) {
		a := newAvatar("ghost.png", 999)
		wantErr(t, "SetAvatar(unknown user)", st.SetAvatar(ctx(t), 999, &a), account.ErrNotFound)
	})
	s.run(t, "deleted_with_the_user", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		a := newAvatar("a.png", alice.ID)
		noErr(t, "SetAvatar", st.SetAvatar(ctx(t), alice.ID, &a))
		noErr(t, "DeleteUser", st.DeleteUser(ctx(t), alice.ID))
		_, err := st.AvatarByID(ctx(t), "a.png")
		wantErr(t, "AvatarByID(deleted user's)", err, account.ErrNotFound)
	})
	s.run(t, "rolled_back_with_its_transaction", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		old, next := newAvatar("old.png", alice.ID), newAvatar("new.png", alice.ID)
		noErr(t, "SetAvatar(old)", st.SetAvatar(ctx(t), alice.ID, &old))
		err := st.InTx(ctx(t), func(tx account.Store) error {
			if err := tx.SetAvatar(ctx(t), alice.ID, &next); err != nil {
				return err
			}
			return errAbort
		})
		wantErr(t, "InTx", err, errAbort)
		if _, err := st.AvatarByID(ctx(t), "old.png"); err != nil {
			t.Errorf("AvatarByID(old) after rollback: %v", err)
		}
		_, err = st.AvatarByID(ctx(t), "new.png")
		wantErr(t, "AvatarByID(new) after rollback", err, account.ErrNotFound)
	})
}
