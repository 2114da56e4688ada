package storetest

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) rotateRefreshToken(t *testing.T) {
	// setup stores alice with session s1 (live for an hour) and its unused token r1.
	setup := func(t *testing.T, st account.Store) (account.User, account.Session) {
		u := createUser(t, st, "alice")
		sess := createSession(t, st, "s1", u.ID, at(time.Hour))
		tok := account.RefreshToken{Hash: "r1", SessionID: "s1", UserID: u.ID, CreatedAt: at(-time.Hour), ExpiresAt: at(time.Hour)}
		noErr(t, "CreateRefreshToken", st.CreateRefreshToken(ctx(t), tok))
		return u, sess
	}
	next := account.RefreshToken{Hash: "r2", CreatedAt: at(time.Minute), ExpiresAt: at(2 * time.Hour)}
	rotate := func(t *testing.T, st account.Store, now time.Duration) error {
		_, err := st.RotateRefreshToken(ctx(t), "r1", next, at(now))
		return err
	}
	// unchanged checks that a refused rotation stored nothing: r1 unused, no r2, the
	// session as it was.
	unchanged := func(t *testing.T, st account.Store, sess account.Session) {
		t.Helper()
		r1, err := st.RefreshTokenByHash(ctx(t), "r1")
		noErr(t, "RefreshTokenByHash(r1)", err)
		if !r1.UsedAt.IsZero() {
			t.Errorf("r1 spent at %v by a refused rotation", r1.UsedAt)
		}
		_, err = st.RefreshTokenByHash(ctx(t), "r2")
		wantErr(t, "RefreshTokenByHash(r2) after a refused rotation", err, account.ErrNotFound)
		var got []account.Session
		noErr(t, "InTx", st.InTx(ctx(t), func(tx account.Store) error {
			var err error
			got, err = tx.ListSessions(ctx(t), sess.UserID, at(-2*time.Hour), account.SessionCursor{}, 0)
			return err
		}))
		for _, g := range got {
			if g.ID == sess.ID && (!g.LastUsedAt.Equal(sess.LastUsedAt) || !g.ExpiresAt.Equal(sess.ExpiresAt)) {
				t.Errorf("session touched by a refused rotation: last use %v, expiry %v", g.LastUsedAt, g.ExpiresAt)
			}
		}
	}

	s.run(t, "live_token_rotated", func(t *testing.T, st account.Store) {
		u, sess := setup(t, st)
		gotSess, err := st.RotateRefreshToken(ctx(t), "r1", next, at(time.Minute))
		noErr(t, "RotateRefreshToken", err)
		want := sess
		want.LastUsedAt, want.ExpiresAt = at(time.Minute), next.ExpiresAt
		same(t, "session", gotSess, want)
		r1, err := st.RefreshTokenByHash(ctx(t), "r1")
		noErr(t, "RefreshTokenByHash(r1)", err)
		if !r1.UsedAt.Equal(at(time.Minute)) || r1.SuccessorHash != "r2" {
			t.Errorf("r1 used at %v for %q, want %v for r2", r1.UsedAt, r1.SuccessorHash, at(time.Minute))
		}
		r2, err := st.RefreshTokenByHash(ctx(t), "r2")
		noErr(t, "RefreshTokenByHash(r2)", err)
		wantNext := next
		wantNext.SessionID, wantNext.UserID = "s1", u.ID
		same(t, "r2", r2, wantNext)
		stored, _, err := st.SessionUser(ctx(t), "s1", at(90*time.Minute))
		noErr(t, "SessionUser after the new expiry's old limit", err)
		same(t, "stored session", stored, want)
	})
	s.run(t, "spent_token_ErrNotFound", func(t *testing.T, st account.Store) {
		setup(t, st)
		_, err := st.MarkRefreshTokenUsed(ctx(t), "r1", "r2", at(0))
		noErr(t, "MarkRefreshTokenUsed", err)
		wantErr(t, "RotateRefreshToken", rotate(t, st, time.Minute), account.ErrNotFound)
		_, err = st.RefreshTokenByHash(ctx(t), "r2")
		wantErr(t, "RefreshTokenByHash(r2)", err, account.ErrNotFound)
	})
	s.run(t, "expired_token_ErrNotFound", func(t *testing.T, st account.Store) {
		_, sess := setup(t, st)
		wantErr(t, "RotateRefreshToken", rotate(t, st, time.Hour), account.ErrNotFound)
		unchanged(t, st, sess)
	})
	s.run(t, "revoked_session_ErrNotFound", func(t *testing.T, st account.Store) {
		setup(t, st)
		noErr(t, "RevokeSession", st.RevokeSession(ctx(t), "s1", at(0)))
		wantErr(t, "RotateRefreshToken", rotate(t, st, time.Minute), account.ErrNotFound)
		r1, err := st.RefreshTokenByHash(ctx(t), "r1")
		noErr(t, "RefreshTokenByHash(r1)", err)
		if !r1.UsedAt.IsZero() {
			t.Errorf("r1 of a revoked session spent at %v", r1.UsedAt)
		}
		_, err = st.RefreshTokenByHash(ctx(t), "r2")
		wantErr(t, "RefreshTokenByHash(r2)", err, account.ErrNotFound)
	})
	s.run(t, "expired_session_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		sess := createSession(t, st, "s1", u.ID, at(30*time.Minute))
		tok := account.RefreshToken{Hash: "r1", SessionID: "s1", UserID: u.ID, CreatedAt: at(-time.Hour), ExpiresAt: at(time.Hour)}
		noErr(t, "CreateRefreshToken", st.CreateRefreshToken(ctx(t), tok))
		wantErr(t, "RotateRefreshToken", rotate(t, st, 45*time.Minute), account.ErrNotFound)
		unchanged(t, st, sess)
	})
	s.run(t, "inactive_user_ErrNotFound", func(t *testing.T, st account.Store) {
		u, sess := setup(t, st)
		u.Active = false
		_, err := st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser", err)
		wantErr(t, "RotateRefreshToken", rotate(t, st, time.Minute), account.ErrNotFound)
		unchanged(t, st, sess)
	})
	s.run(t, "unknown_token_ErrNotFound", func(t *testing.T, st account.Store) {
		setup(t, st)
		_, err := st.RotateRefreshToken(ctx(t), "nope", next, at(time.Minute))
		wantErr(t, "RotateRefreshToken", err, account.ErrNotFound)
	})
	s.run(t, "concurrent_exactly_one_wins", func(t *testing.T, st account.Store) {
		setup(t, st)
		var n atomic.Int32
		wins := concurrently(t, 8, func() (bool, error) {
			mine := next
			mine.Hash = "r2-" + strconv.Itoa(int(n.Add(1)))
			_, err := st.RotateRefreshToken(ctx(t), "r1", mine, at(time.Minute))
			if errors.Is(err, account.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		})
		if wins != 1 {
			t.Errorf("%d callers rotated the token, want exactly 1", wins)
		}
	})
}
