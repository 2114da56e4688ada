package storetest

import (
	"strconv"
	"sync/atomic"
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
		got, err := st.StartSession(ctx(t), sess, rt, "", e, 0)
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
		got, err := st.StartSession(ctx(t), sess, rt, "$argon2id$new", e, 0)
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
		_, err := st.StartSession(ctx(t), sess, rt, "", e, 0)
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
		if _, err := st.StartSession(ctx(t), sess, rt, "", e, 0); err == nil {
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
	// capLogin is the nth login of the user, a millisecond after the one before.
	capLogin := func(userID int64, n int) (account.Session, account.RefreshToken, account.Event) {
		id := "s" + strconv.Itoa(n)
		start := at(time.Duration(n) * time.Millisecond)
		sess := account.Session{ID: id, UserID: userID, CreatedAt: start, LastUsedAt: start, ExpiresAt: at(time.Hour), IP: "192.0.2.9"}
		rt := account.RefreshToken{Hash: "r" + id, SessionID: id, UserID: userID, CreatedAt: start, ExpiresAt: at(time.Hour)}
		return sess, rt, account.Event{UserID: userID, Type: account.EventLoginSucceeded, At: start, IP: "192.0.2.9"}
	}
	live := func(t *testing.T, st account.Store, userID int64) []account.Session {
		t.Helper()
		got, err := st.ListSessions(ctx(t), userID, at(time.Minute), account.SessionCursor{}, 0)
		noErr(t, "ListSessions", err)
		return got
	}
	s.run(t, "cap_1000_logins_keep_the_newest", func(t *testing.T, st account.Store) {
		const logins, limit = 1000, 100
		u := createUser(t, st, "alice")
		bob := createUser(t, st, "bob")
		createSession(t, st, "bob1", bob.ID, at(time.Hour))
		for n := 1; n <= logins; n++ {
			sess, rt, e := capLogin(u.ID, n)
			_, err := st.StartSession(ctx(t), sess, rt, "", e, limit)
			noErr(t, "StartSession "+sess.ID, err)
		}
		got := live(t, st, u.ID)
		if len(got) != limit {
			t.Fatalf("%d live sessions after %d logins, want %d", len(got), logins, limit)
		}
		for i, sess := range got {
			if want := "s" + strconv.Itoa(logins-i); sess.ID != want {
				t.Fatalf("live session %d is %s, want %s: the newest are kept", i, sess.ID, want)
			}
		}
		if len(live(t, st, bob.ID)) != 1 {
			t.Error("another account's session was ended")
		}
		events, err := st.ListEvents(ctx(t), u.ID, 0, 2*logins)
		noErr(t, "ListEvents", err)
		ended := 0
		for _, e := range events {
			if e.Type == account.EventSessionRevoked {
				ended++
			}
		}
		if ended != logins-limit {
			t.Errorf("%d session_revoked events, want one per ended session, %d", ended, logins-limit)
		}
	})
	s.run(t, "cap_concurrent_logins_never_exceed", func(t *testing.T, st account.Store) {
		const logins, limit = 200, 10
		u := createUser(t, st, "alice")
		// A reader counts the live sessions throughout: every commit leaves at most the
		// cap, so no snapshot may see more.
		stop := make(chan struct{})
		seen := make(chan int, 1)
		go func() {
			most := 0
			defer func() { seen <- most }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := st.Counts(ctx(t), u.ID, at(time.Minute), at(0))
				if err == nil {
					most = max(most, c.LiveSessions)
				}
			}
		}()
		var next atomic.Int32
		concurrently(t, 16, func() (bool, error) {
			for {
				n := int(next.Add(1))
				if n > logins {
					return true, nil
				}
				sess, rt, e := capLogin(u.ID, n)
				if _, err := st.StartSession(ctx(t), sess, rt, "", e, limit); err != nil {
					return false, err
				}
			}
		})
		close(stop)
		if most := <-seen; most > limit {
			t.Errorf("a reader saw %d live sessions, more than the cap %d", most, limit)
		}
		if got := live(t, st, u.ID); len(got) != limit {
			t.Errorf("%d live sessions after %d concurrent logins, want %d", len(got), logins, limit)
		}
	})
}
