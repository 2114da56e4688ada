package storetest

import (
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) sessionUser(t *testing.T) {
	s.run(t, "live_returns_session_and_user", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		sess := createSession(t, st, "s1", u.ID, at(time.Hour))
		gotS, gotU, err := st.SessionUser(ctx(t), "s1", at(0))
		noErr(t, "SessionUser", err)
		same(t, "session", gotS, sess)
		same(t, "user", gotU, u)
	})
	s.run(t, "expired_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "past", u.ID, at(-time.Second))
		createSession(t, st, "now", u.ID, at(0))
		_, _, err := st.SessionUser(ctx(t), "past", at(0))
		wantErr(t, "SessionUser(expired before now)", err, account.ErrNotFound)
		_, _, err = st.SessionUser(ctx(t), "now", at(0))
		wantErr(t, "SessionUser(expiring at now)", err, account.ErrNotFound)
	})
	s.run(t, "revoked_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		noErr(t, "RevokeSession", st.RevokeSession(ctx(t), "s1", at(-time.Second)))
		_, _, err := st.SessionUser(ctx(t), "s1", at(0))
		wantErr(t, "SessionUser", err, account.ErrNotFound)
	})
	s.run(t, "unknown_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		_, _, err := st.SessionUser(ctx(t), "s2", at(0))
		wantErr(t, "SessionUser", err, account.ErrNotFound)
	})
	s.run(t, "unknown_user_refused", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		if err := st.CreateSession(ctx(t), newSession("s1", u.ID+1000, at(time.Hour))); err == nil {
			t.Errorf("CreateSession for a user that does not exist: no error")
		}
	})
	s.run(t, "duplicate_id_refused", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		if err := st.CreateSession(ctx(t), newSession("s1", u.ID, at(2*time.Hour))); err == nil {
			t.Errorf("CreateSession with an existing ID: no error")
		}
	})
}

func (s suite) touchSession(t *testing.T) {
	s.run(t, "sets_last_use_and_expiry", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		sess := createSession(t, st, "s1", u.ID, at(time.Minute))
		noErr(t, "TouchSession", st.TouchSession(ctx(t), "s1", at(30*time.Second), at(time.Hour)))
		got, _, err := st.SessionUser(ctx(t), "s1", at(10*time.Minute))
		noErr(t, "SessionUser after the old expiry", err)
		sess.LastUsedAt, sess.ExpiresAt = at(30*time.Second), at(time.Hour)
		same(t, "session", got, sess)
	})
	s.run(t, "unknown_ErrNotFound", func(t *testing.T, st account.Store) {
		err := st.TouchSession(ctx(t), "nope", at(0), at(time.Hour))
		wantErr(t, "TouchSession", err, account.ErrNotFound)
	})
}

func (s suite) revokeSession(t *testing.T) {
	s.run(t, "ends_only_that_session", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		createSession(t, st, "s2", u.ID, at(time.Hour))
		noErr(t, "RevokeSession", st.RevokeSession(ctx(t), "s1", at(0)))
		_, _, err := st.SessionUser(ctx(t), "s1", at(0))
		wantErr(t, "SessionUser(revoked)", err, account.ErrNotFound)
		_, _, err = st.SessionUser(ctx(t), "s2", at(0))
		noErr(t, "SessionUser(other)", err)
	})
	s.run(t, "already_ended_no_error", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		noErr(t, "first RevokeSession", st.RevokeSession(ctx(t), "s1", at(0)))
		noErr(t, "second RevokeSession", st.RevokeSession(ctx(t), "s1", at(time.Second)))
	})
}

func (s suite) revokeUserSessions(t *testing.T) {
	s.run(t, "returns_count_of_live_sessions_ended", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		createSession(t, st, "live1", alice.ID, at(time.Hour))
		createSession(t, st, "live2", alice.ID, at(time.Hour))
		createSession(t, st, "expired", alice.ID, at(-time.Minute))
		createSession(t, st, "revoked", alice.ID, at(time.Hour))
		noErr(t, "RevokeSession", st.RevokeSession(ctx(t), "revoked", at(-time.Minute)))
		createSession(t, st, "bobs", bob.ID, at(time.Hour))

		n, err := st.RevokeUserSessions(ctx(t), alice.ID, at(0))
		noErr(t, "RevokeUserSessions", err)
		if n != 2 {
			t.Errorf("RevokeUserSessions = %d, want 2 (the live ones)", n)
		}
		for _, id := range []string{"live1", "live2"} {
			_, _, err := st.SessionUser(ctx(t), id, at(0))
			wantErr(t, "SessionUser("+id+")", err, account.ErrNotFound)
		}
		_, _, err = st.SessionUser(ctx(t), "bobs", at(0))
		noErr(t, "SessionUser(another user's)", err)

		n, err = st.RevokeUserSessions(ctx(t), alice.ID, at(time.Second))
		noErr(t, "second RevokeUserSessions", err)
		if n != 0 {
			t.Errorf("second RevokeUserSessions = %d, want 0", n)
		}
	})
}
