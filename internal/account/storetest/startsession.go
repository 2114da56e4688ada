package storetest

import (
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) startSession(t *testing.T) {
	login := func(userID int64) (account.Session, account.RefreshToken, account.Event) {
		sess := account.Session{ID: "s1", UserID: userID, CreatedAt: at(time.Minute), LastUsedAt: at(time.Minute),
			ExpiresAt: at(time.Hour), IP: "192.0.2.9", UserAgent: "storetest/login",
			Auth: account.Authentication{Methods: []string{"hwk", "user", "mfa"}, Time: at(time.Minute)}}
		rt := account.RefreshToken{Hash: "r1", SessionID: "s1", UserID: userID, CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}
		e := account.Event{UserID: userID, Type: account.EventLoginSucceeded, At: at(time.Minute), IP: "192.0.2.9", UserAgent: "storetest/login"}
		return sess, rt, e
	}
	s.run(t, "records_login_and_starts_session", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		sess, rt, e := login(u.ID)
		got, err := st.StartSession(ctx(t), sess, rt, "", e)
		noErr(t, "StartSession", err)
		want := u
		want.LastLogin = sess.CreatedAt
		same(t, "user", got, want)
		stored, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		same(t, "stored user", stored, want)

		gotSess, gotUser, err := st.SessionUser(ctx(t), "s1", at(2*time.Minute))
		noErr(t, "SessionUser", err)
		same(t, "session", gotSess, sess)
		same(t, "session's user", gotUser, want)
		gotRT, err := st.RefreshTokenByHash(ctx(t), "r1")
		noErr(t, "RefreshTokenByHash", err)
		same(t, "refresh token", gotRT, rt)
		events, err := st.ListEvents(ctx(t), u.ID, 0, 10)
		noErr(t, "ListEvents", err)
		if len(events) != 1 {
			t.Fatalf("ListEvents = %d events, want the login's", len(events))
		}
		e.ID = events[0].ID
		same(t, "event", events[0], e)
	})
	s.run(t, "new_password_hash_stored", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		sess, rt, e := login(u.ID)
		got, err := st.StartSession(ctx(t), sess, rt, "$argon2id$new", e)
		noErr(t, "StartSession", err)
		stored, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		if got.PasswordHash != "$argon2id$new" || stored.PasswordHash != "$argon2id$new" {
			t.Errorf("password hash returned %q, stored %q; want the new one", got.PasswordHash, stored.PasswordHash)
		}
	})
	s.run(t, "unknown_user_ErrNotFound_nothing_stored", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		sess, rt, e := login(u.ID + 1000)
		_, err := st.StartSession(ctx(t), sess, rt, "", e)
		wantErr(t, "StartSession", err, account.ErrNotFound)
		_, _, err = st.SessionUser(ctx(t), "s1", at(2*time.Minute))
		wantErr(t, "SessionUser", err, account.ErrNotFound)
		_, err = st.RefreshTokenByHash(ctx(t), "r1")
		wantErr(t, "RefreshTokenByHash", err, account.ErrNotFound)
	})
	s.run(t, "duplicate_session_refused_nothing_stored", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		sess, rt, e := login(u.ID)
		if _, err := st.StartSession(ctx(t), sess, rt, "", e); err == nil {
			t.Fatal("StartSession with a session ID in use: no error")
		}
		stored, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		if !stored.LastLogin.IsZero() {
			t.Errorf("last login set to %v by a refused StartSession", stored.LastLogin)
		}
		_, err = st.RefreshTokenByHash(ctx(t), "r1")
		wantErr(t, "RefreshTokenByHash", err, account.ErrNotFound)
	})
}
