package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// TestConcurrentRefreshOneSuccessor: concurrent refreshes of one token, without any grace
// window, all get the one successor that exactly one of them stored.
func TestConcurrentRefreshOneSuccessor(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.activeUser(t, "racer", "correct-horse-battery")
	tok, err := f.svc.Login(ctx, "racer", "correct-horse-battery", account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		successors = map[string]int{}
	)
	for range 8 {
		wg.Go(func() {
			got, err := f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{})
			if err != nil {
				t.Errorf("refresh: %v", err)
				return
			}
			mu.Lock()
			successors[got.RefreshToken]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(successors) != 1 {
		t.Fatalf("8 concurrent refreshes gave %d refresh tokens, want 1", len(successors))
	}
	spent, err := f.store.RefreshTokenByHash(ctx, account.HashSecret(tok.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	for s := range successors {
		if account.HashSecret(s) != spent.SuccessorHash {
			t.Error("the successor handed out is not the one stored")
		}
	}
}

// TestRefreshSuccessorNeedsTheKey: the successor of a token depends on the service's
// key, so a service with another key cannot hand out a successor stored by this one (it
// refuses the retry, ending nothing), and nobody can compute it from the token alone.
func TestRefreshSuccessorNeedsTheKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.activeUser(t, "keyed", "correct-horse-battery")
	tok, err := f.svc.Login(ctx, "keyed", "correct-horse-battery", account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	other := account.New(f.store, f.hasher, f.tokens, f.mailer, account.Options{Now: func() time.Time { return f.now }, RefreshKey: []byte("another key, another successor.")})
	if _, err := other.Refresh(ctx, tok.RefreshToken, account.RequestMeta{}); !errors.Is(err, account.ErrRefreshInvalid) {
		t.Fatalf("retry under another key: %v, want ErrRefreshInvalid", err)
	}
	again, err := f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{})
	if err != nil || again.RefreshToken != first.RefreshToken {
		t.Fatalf("retry under the first key: %v, same successor %v", err, again.RefreshToken == first.RefreshToken)
	}
}

func TestRefreshAccessKeepsTheRefreshToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.activeUser(t, "keeper", "correct-horse-battery")
	tok, err := f.svc.Login(ctx, "keeper", "correct-horse-battery", account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		f.now = f.now.Add(time.Minute)
		got, err := f.svc.RefreshAccess(ctx, tok.RefreshToken, account.RequestMeta{})
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if got.RefreshToken != tok.RefreshToken {
			t.Fatal("the refresh token was replaced")
		}
		if _, err := f.svc.Authenticate(ctx, got.AccessToken); err != nil {
			t.Fatalf("new access token refused: %v", err)
		}
	}
	sessions, err := f.store.ListSessions(ctx, tok.User.ID, f.now, account.SessionCursor{}, 0)
	if err != nil || len(sessions) != 1 || !sessions[0].LastUsedAt.Equal(f.now) {
		t.Fatalf("session last use not bumped: %+v %v", sessions, err)
	}
}

func TestRefreshAccessAfterTheSessionEnds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.activeUser(t, "leaver", "correct-horse-battery")
	tok, err := f.svc.Login(ctx, "leaver", "correct-horse-battery", account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.LogoutRefresh(ctx, tok.RefreshToken, account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, tok.AccessToken); !errors.Is(err, account.ErrUnauthenticated) {
		t.Fatalf("access token after logout: err = %v", err)
	}
	for name, call := range map[string]func() error{
		"refresh": func() error { _, err := f.svc.RefreshAccess(ctx, tok.RefreshToken, account.RequestMeta{}); return err },
		"logout":  func() error { return f.svc.LogoutRefresh(ctx, tok.RefreshToken, account.RequestMeta{}) },
		"check":   func() error { _, err := f.svc.IntrospectRefresh(ctx, tok.RefreshToken); return err },
	} {
		if err := call(); !errors.Is(err, account.ErrRefreshRevoked) || !errors.Is(err, account.ErrRefreshInvalid) {
			t.Errorf("%s after logout: err = %v, want ErrRefreshRevoked (an ErrRefreshInvalid)", name, err)
		}
	}
	if _, err := f.svc.RefreshAccess(ctx, "not-a-token", account.RequestMeta{}); !errors.Is(err, account.ErrRefreshInvalid) || errors.Is(err, account.ErrRefreshRevoked) {
		t.Errorf("unknown token: err = %v, want ErrRefreshInvalid only", err)
	}
}

func TestRefreshAccessWithARotatedTokenEndsTheSession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.activeUser(t, "mixer", "correct-horse-battery")
	tok, err := f.svc.Login(ctx, "mixer", "correct-horse-battery", account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RefreshAccess(ctx, tok.RefreshToken, account.RequestMeta{}); !errors.Is(err, account.ErrRefreshInvalid) {
		t.Fatalf("spent token: err = %v", err)
	}
	if _, err := f.svc.RefreshAccess(ctx, rotated.RefreshToken, account.RequestMeta{}); !errors.Is(err, account.ErrRefreshRevoked) {
		t.Fatalf("reuse of a spent token must end its session: err = %v", err)
	}
}
