package account_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func TestConcurrentRefreshOneWins(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.activeUser(t, "racer", "correct-horse-battery")
	tok, err := f.svc.Login(ctx, "racer", "correct-horse-battery", account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var wins atomic.Int32
	for range 8 {
		wg.Go(func() {
			if _, err := f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{}); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, account.ErrRefreshInvalid) {
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d refreshes succeeded, want exactly 1", wins.Load())
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
	sessions, err := f.store.ListSessions(ctx, tok.User.ID, f.now)
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
