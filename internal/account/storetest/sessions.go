package storetest

import (
	"errors"
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

// createSessionAt stores a live-until-expires session of the user created at t0+created.
func createSessionAt(t *testing.T, st account.Store, id string, userID int64, created time.Duration, expires time.Time) account.Session {
	t.Helper()
	sess := newSession(id, userID, expires)
	sess.CreatedAt = at(created)
	if err := st.CreateSession(ctx(t), sess); err != nil {
		t.Fatalf("CreateSession(%s): %v", id, err)
	}
	return sess
}

// live reports, for each session ID, whether SessionUser finds it live at t0.
func live(t *testing.T, st account.Store, ids ...string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, id := range ids {
		_, _, err := st.SessionUser(ctx(t), id, at(0))
		switch {
		case err == nil:
			out[id] = true
		case errors.Is(err, account.ErrNotFound):
			out[id] = false
		default:
			t.Fatalf("SessionUser(%s): %v", id, err)
		}
	}
	return out
}

func wantLive(t *testing.T, st account.Store, want map[string]bool) {
	t.Helper()
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	for id, got := range live(t, st, ids...) {
		if got != want[id] {
			t.Errorf("session %s live = %v, want %v", id, got, want[id])
		}
	}
}

func (s suite) revokeOtherSessions(t *testing.T) {
	setup := func(t *testing.T, st account.Store) (alice, bob account.User) {
		alice, bob = createUser(t, st, "alice"), createUser(t, st, "bob")
		createSession(t, st, "live1", alice.ID, at(time.Hour))
		createSession(t, st, "live2", alice.ID, at(time.Hour))
		createSession(t, st, "current", alice.ID, at(time.Hour))
		createSession(t, st, "expired", alice.ID, at(-time.Minute))
		createSession(t, st, "revoked", alice.ID, at(time.Hour))
		noErr(t, "RevokeSession", st.RevokeSession(ctx(t), "revoked", at(-time.Minute)))
		createSession(t, st, "bobs", bob.ID, at(time.Hour))
		return alice, bob
	}
	s.run(t, "ends_live_sessions_except_kept", func(t *testing.T, st account.Store) {
		alice, _ := setup(t, st)
		n, err := st.RevokeOtherSessions(ctx(t), alice.ID, "current", at(0))
		noErr(t, "RevokeOtherSessions", err)
		if n != 2 {
			t.Errorf("RevokeOtherSessions = %d, want 2", n)
		}
		wantLive(t, st, map[string]bool{"live1": false, "live2": false, "current": true, "bobs": true})
	})
	s.run(t, "empty_keep_ends_every_live_session", func(t *testing.T, st account.Store) {
		alice, _ := setup(t, st)
		n, err := st.RevokeOtherSessions(ctx(t), alice.ID, "", at(0))
		noErr(t, "RevokeOtherSessions", err)
		if n != 3 {
			t.Errorf("RevokeOtherSessions = %d, want 3", n)
		}
		wantLive(t, st, map[string]bool{"live1": false, "live2": false, "current": false, "bobs": true})
	})
	s.run(t, "keep_naming_another_users_session_keeps_nothing", func(t *testing.T, st account.Store) {
		alice, _ := setup(t, st)
		n, err := st.RevokeOtherSessions(ctx(t), alice.ID, "bobs", at(0))
		noErr(t, "RevokeOtherSessions", err)
		if n != 3 {
			t.Errorf("RevokeOtherSessions = %d, want 3", n)
		}
		wantLive(t, st, map[string]bool{"live1": false, "live2": false, "current": false, "bobs": true})
	})
}

func (s suite) revokeUserSession(t *testing.T) {
	s.run(t, "ends_own_live_session_only", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		createSession(t, st, "s2", u.ID, at(time.Hour))
		noErr(t, "RevokeUserSession", st.RevokeUserSession(ctx(t), u.ID, "s1", at(0)))
		wantLive(t, st, map[string]bool{"s1": false, "s2": true})
		sessions, err := st.ListSessions(ctx(t), u.ID, at(0), account.SessionCursor{}, 0)
		noErr(t, "ListSessions", err)
		if len(sessions) != 1 || sessions[0].ID != "s2" {
			t.Errorf("ListSessions after revoking s1 = %v, want only s2", sessions)
		}
	})
	s.run(t, "another_users_session_ErrNotFound_and_kept", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		createSession(t, st, "alices", alice.ID, at(time.Hour))
		createSession(t, st, "bobs", bob.ID, at(time.Hour))
		err := st.RevokeUserSession(ctx(t), alice.ID, "bobs", at(0))
		wantErr(t, "RevokeUserSession(another user's session)", err, account.ErrNotFound)
		wantLive(t, st, map[string]bool{"alices": true, "bobs": true})
	})
	s.run(t, "ended_or_unknown_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "revoked", u.ID, at(time.Hour))
		noErr(t, "RevokeSession", st.RevokeSession(ctx(t), "revoked", at(-time.Minute)))
		createSession(t, st, "expired", u.ID, at(-time.Second))
		createSession(t, st, "expiring_now", u.ID, at(0))
		for _, id := range []string{"revoked", "expired", "expiring_now", "unknown"} {
			err := st.RevokeUserSession(ctx(t), u.ID, id, at(0))
			wantErr(t, "RevokeUserSession("+id+")", err, account.ErrNotFound)
		}
	})
	s.run(t, "twice_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		noErr(t, "first RevokeUserSession", st.RevokeUserSession(ctx(t), u.ID, "s1", at(0)))
		err := st.RevokeUserSession(ctx(t), u.ID, "s1", at(time.Second))
		wantErr(t, "second RevokeUserSession", err, account.ErrNotFound)
	})
}

func (s suite) listSessions(t *testing.T) {
	s.run(t, "live_only_newest_first_every_field", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		exp := at(time.Hour)
		old := createSessionAt(t, st, "old", alice.ID, -3*time.Hour, exp)
		newest := createSessionAt(t, st, "newest", alice.ID, -time.Minute, exp)
		// Two sessions created at the same instant come by ID, descending.
		tieA := createSessionAt(t, st, "tie-a", alice.ID, -2*time.Hour, exp)
		tieB := createSessionAt(t, st, "tie-b", alice.ID, -2*time.Hour, exp)
		createSessionAt(t, st, "expired", alice.ID, -time.Second, at(-time.Millisecond))
		createSessionAt(t, st, "expiring_now", alice.ID, -time.Second, at(0))
		createSessionAt(t, st, "revoked", alice.ID, -time.Second, exp)
		noErr(t, "RevokeSession", st.RevokeSession(ctx(t), "revoked", at(-time.Millisecond)))
		createSessionAt(t, st, "bobs", bob.ID, 0, exp)

		got, err := st.ListSessions(ctx(t), alice.ID, at(0), account.SessionCursor{}, 0)
		noErr(t, "ListSessions", err)
		want := []account.Session{newest, tieB, tieA, old}
		if len(got) != len(want) {
			t.Fatalf("ListSessions = %v, want %v", ids(got), ids(want))
		}
		for i := range want {
			same(t, "ListSessions["+want[i].ID+"]", got[i], want[i])
		}
	})
	s.run(t, "later_now_drops_sessions_expired_by_then", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "short", u.ID, at(time.Minute))
		createSession(t, st, "long", u.ID, at(time.Hour))
		got, err := st.ListSessions(ctx(t), u.ID, at(30*time.Minute), account.SessionCursor{}, 0)
		noErr(t, "ListSessions", err)
		if len(got) != 1 || got[0].ID != "long" {
			t.Errorf("ListSessions at +30m = %v, want [long]", ids(got))
		}
	})
	s.run(t, "none_empty", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "expired", u.ID, at(-time.Minute))
		got, err := st.ListSessions(ctx(t), u.ID, at(0), account.SessionCursor{}, 0)
		noErr(t, "ListSessions", err)
		if len(got) != 0 {
			t.Errorf("ListSessions = %v, want none", ids(got))
		}
	})
}

func ids(sessions []account.Session) []string {
	out := make([]string, len(sessions))
	for i, s := range sessions {
		out[i] = s.ID
	}
	return out
}
