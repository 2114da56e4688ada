package account_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func TestAuthenticateSaysWhyAGenuineTokenIsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	login := func(t *testing.T, name string) (account.User, account.Tokens) {
		t.Helper()
		u := f.activeUser(t, name, "correct-horse-battery")
		tok, err := f.svc.Login(ctx, name, "correct-horse-battery", account.RequestMeta{})
		if err != nil {
			t.Fatal(err)
		}
		return u, tok
	}
	refusedOnly := func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, account.ErrUnauthenticated) || errors.Is(err, account.ErrAccountGone) || errors.Is(err, account.ErrAccountInactive) {
			t.Fatalf("err = %v, want ErrUnauthenticated only", err)
		}
	}

	t.Run("garbage_unauthenticated_only", func(t *testing.T) {
		_, err := f.svc.Authenticate(ctx, "garbage")
		refusedOnly(t, err)
	})
	t.Run("ended_session_of_a_fine_account_unauthenticated_only", func(t *testing.T) {
		u, tok := login(t, "leaver")
		if err := f.svc.Logout(ctx, account.Principal{User: u, SessionID: tok.SessionID}, false, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Authenticate(ctx, tok.AccessToken)
		refusedOnly(t, err)
	})
	t.Run("deleted_account_gone", func(t *testing.T) {
		u, tok := login(t, "gone")
		if err := f.svc.DeleteAccount(ctx, account.Principal{User: u, SessionID: tok.SessionID}, "correct-horse-battery", account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, tok.AccessToken); !errors.Is(err, account.ErrAccountGone) || !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("deleted account: err = %v, want ErrAccountGone (an ErrUnauthenticated)", err)
		}
	})
	t.Run("inactive_account_with_a_live_session_inactive", func(t *testing.T) {
		u, tok := login(t, "paused")
		u.Active = false
		if _, err := f.store.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, tok.AccessToken); !errors.Is(err, account.ErrAccountInactive) || !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("inactive account: err = %v, want ErrAccountInactive (an ErrUnauthenticated)", err)
		}
	})
}
