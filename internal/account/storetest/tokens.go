package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// concurrently runs fn n times at once and returns how many calls reported success.
func concurrently(t *testing.T, n int, fn func() (bool, error)) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wins  int
		start = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			ok, err := fn()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("concurrent call: %v", err)
			}
			if ok {
				wins++
			}
		})
	}
	close(start)
	wg.Wait()
	return wins
}

func (s suite) consumeEmailToken(t *testing.T) {
	const purpose = account.PurposePasswordReset
	s.run(t, "returns_token_marked_used", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		tok := newEmailToken("h1", u.ID, purpose, at(time.Hour))
		createEmailToken(t, st, tok)
		got, err := st.ConsumeEmailToken(ctx(t), "h1", purpose, at(0))
		noErr(t, "ConsumeEmailToken", err)
		want := tok
		want.UsedAt = at(0)
		same(t, "ConsumeEmailToken", got, want)
	})
	s.run(t, "second_use_ErrTokenInvalid", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createEmailToken(t, st, newEmailToken("h1", u.ID, purpose, at(time.Hour)))
		_, err := st.ConsumeEmailToken(ctx(t), "h1", purpose, at(0))
		noErr(t, "first ConsumeEmailToken", err)
		_, err = st.ConsumeEmailToken(ctx(t), "h1", purpose, at(time.Second))
		wantErr(t, "second ConsumeEmailToken", err, account.ErrTokenInvalid)
	})
	s.run(t, "concurrent_consumers_exactly_one_wins", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createEmailToken(t, st, newEmailToken("h1", u.ID, purpose, at(time.Hour)))
		wins := concurrently(t, 8, func() (bool, error) {
			_, err := st.ConsumeEmailToken(ctx(t), "h1", purpose, at(0))
			if errors.Is(err, account.ErrTokenInvalid) {
				return false, nil
			}
			return err == nil, err
		})
		if wins != 1 {
			t.Errorf("%d consumers succeeded, want exactly 1", wins)
		}
	})
	s.run(t, "expired_ErrTokenInvalid", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createEmailToken(t, st, newEmailToken("past", u.ID, purpose, at(-time.Second)))
		createEmailToken(t, st, newEmailToken("now", u.ID, purpose, at(0)))
		_, err := st.ConsumeEmailToken(ctx(t), "past", purpose, at(0))
		wantErr(t, "ConsumeEmailToken(expired before now)", err, account.ErrTokenInvalid)
		_, err = st.ConsumeEmailToken(ctx(t), "now", purpose, at(0))
		wantErr(t, "ConsumeEmailToken(expiring at now)", err, account.ErrTokenInvalid)
	})
	s.run(t, "wrong_purpose_ErrTokenInvalid_and_token_kept", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createEmailToken(t, st, newEmailToken("h1", u.ID, purpose, at(time.Hour)))
		_, err := st.ConsumeEmailToken(ctx(t), "h1", account.PurposeActivation, at(0))
		wantErr(t, "ConsumeEmailToken(wrong purpose)", err, account.ErrTokenInvalid)
		_, err = st.ConsumeEmailToken(ctx(t), "h1", purpose, at(0))
		noErr(t, "ConsumeEmailToken(right purpose)", err)
	})
	s.run(t, "unknown_hash_ErrTokenInvalid", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createEmailToken(t, st, newEmailToken("h1", u.ID, purpose, at(time.Hour)))
		_, err := st.ConsumeEmailToken(ctx(t), "h2", purpose, at(0))
		wantErr(t, "ConsumeEmailToken", err, account.ErrTokenInvalid)
	})
	s.run(t, "unknown_user_refused", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		err := st.CreateEmailToken(ctx(t), newEmailToken("h1", u.ID+1000, purpose, at(time.Hour)))
		if err == nil {
			t.Errorf("CreateEmailToken for a user that does not exist: no error")
		}
	})
}

func (s suite) deleteEmailTokens(t *testing.T) {
	s.run(t, "removes_given_purposes_of_that_user_only", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		exp := at(time.Hour)
		createEmailToken(t, st, newEmailToken("a-act", alice.ID, account.PurposeActivation, exp))
		createEmailToken(t, st, newEmailToken("a-reset", alice.ID, account.PurposePasswordReset, exp))
		createEmailToken(t, st, newEmailToken("a-change", alice.ID, account.PurposeEmailChange, exp))
		createEmailToken(t, st, newEmailToken("b-act", bob.ID, account.PurposeActivation, exp))
		err := st.DeleteEmailTokens(ctx(t), alice.ID, account.PurposeActivation, account.PurposePasswordReset)
		noErr(t, "DeleteEmailTokens", err)
		for hash, p := range map[string]account.TokenPurpose{"a-act": account.PurposeActivation, "a-reset": account.PurposePasswordReset} {
			_, err := st.ConsumeEmailToken(ctx(t), hash, p, at(0))
			wantErr(t, "ConsumeEmailToken(deleted "+hash+")", err, account.ErrTokenInvalid)
		}
		_, err = st.ConsumeEmailToken(ctx(t), "a-change", account.PurposeEmailChange, at(0))
		noErr(t, "ConsumeEmailToken(other purpose kept)", err)
		_, err = st.ConsumeEmailToken(ctx(t), "b-act", account.PurposeActivation, at(0))
		noErr(t, "ConsumeEmailToken(other user's kept)", err)
	})
	s.run(t, "no_purposes_removes_nothing", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createEmailToken(t, st, newEmailToken("h1", u.ID, account.PurposeActivation, at(time.Hour)))
		noErr(t, "DeleteEmailTokens", st.DeleteEmailTokens(ctx(t), u.ID))
		_, err := st.ConsumeEmailToken(ctx(t), "h1", account.PurposeActivation, at(0))
		noErr(t, "ConsumeEmailToken", err)
	})
}

func (s suite) refreshToken(t *testing.T) {
	s.run(t, "reads_back_every_field", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		tok := account.RefreshToken{Hash: "r1", SessionID: "s1", UserID: u.ID, CreatedAt: at(0), ExpiresAt: at(24 * time.Hour)}
		noErr(t, "CreateRefreshToken", st.CreateRefreshToken(ctx(t), tok))
		got, err := st.RefreshTokenByHash(ctx(t), "r1")
		noErr(t, "RefreshTokenByHash", err)
		same(t, "RefreshTokenByHash", got, tok)
	})
	s.run(t, "unknown_hash_ErrNotFound", func(t *testing.T, st account.Store) {
		_, err := st.RefreshTokenByHash(ctx(t), "nope")
		wantErr(t, "RefreshTokenByHash", err, account.ErrNotFound)
	})
	s.run(t, "unknown_session_refused", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		tok := account.RefreshToken{Hash: "r1", SessionID: "nope", UserID: u.ID, CreatedAt: at(0), ExpiresAt: at(time.Hour)}
		if err := st.CreateRefreshToken(ctx(t), tok); err == nil {
			t.Errorf("CreateRefreshToken for a session that does not exist: no error")
		}
	})
}

func (s suite) markRefreshTokenUsed(t *testing.T) {
	create := func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		createSession(t, st, "s1", u.ID, at(time.Hour))
		tok := account.RefreshToken{Hash: "r1", SessionID: "s1", UserID: u.ID, CreatedAt: at(0), ExpiresAt: at(time.Hour)}
		noErr(t, "CreateRefreshToken", st.CreateRefreshToken(ctx(t), tok))
	}
	s.run(t, "first_true_then_false", func(t *testing.T, st account.Store) {
		create(t, st)
		ok, err := st.MarkRefreshTokenUsed(ctx(t), "r1", "r2", at(time.Minute))
		noErr(t, "first MarkRefreshTokenUsed", err)
		if !ok {
			t.Errorf("first MarkRefreshTokenUsed = false, want true")
		}
		ok, err = st.MarkRefreshTokenUsed(ctx(t), "r1", "r2", at(2*time.Minute))
		noErr(t, "second MarkRefreshTokenUsed", err)
		if ok {
			t.Errorf("second MarkRefreshTokenUsed = true, want false")
		}
		got, err := st.RefreshTokenByHash(ctx(t), "r1")
		noErr(t, "RefreshTokenByHash", err)
		if !got.UsedAt.Equal(at(time.Minute)) || got.UsedAt.Location() != time.UTC {
			t.Errorf("UsedAt = %v, want the first use %v in UTC", got.UsedAt, at(time.Minute).UTC())
		}
		if got.SuccessorHash != "r2" {
			t.Errorf("SuccessorHash = %q, want r2", got.SuccessorHash)
		}
	})
	s.run(t, "concurrent_exactly_one_wins", func(t *testing.T, st account.Store) {
		create(t, st)
		wins := concurrently(t, 8, func() (bool, error) {
			return st.MarkRefreshTokenUsed(ctx(t), "r1", "r2", at(time.Minute))
		})
		if wins != 1 {
			t.Errorf("%d callers spent the token, want exactly 1", wins)
		}
	})
}
