package account_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func TestAuthenticateTellsAGoneAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.activeUser(t, "gone", "correct-horse-battery")
	tok, err := f.svc.Login(ctx, "gone", "correct-horse-battery", account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, "garbage"); !errors.Is(err, account.ErrUnauthenticated) || errors.Is(err, account.ErrAccountGone) {
		t.Fatalf("garbage: err = %v", err)
	}
	if err := f.svc.DeleteAccount(ctx, account.Principal{User: u, SessionID: tok.SessionID}, "correct-horse-battery", account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, tok.AccessToken); !errors.Is(err, account.ErrAccountGone) || !errors.Is(err, account.ErrUnauthenticated) {
		t.Fatalf("deleted account: err = %v, want ErrAccountGone (an ErrUnauthenticated)", err)
	}
}
