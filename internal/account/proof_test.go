package account_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// The zero Proof must not be mistaken for a token that names no account in particular.
func TestZeroProofProvesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	meta := account.RequestMeta{}
	u, _ := f.registered(t, "pending")
	p := account.Principal{User: u}
	if _, err := f.svc.Activate(ctx, account.Proof{}, meta); !errors.Is(err, account.ErrTokenInvalid) {
		t.Errorf("activate: err = %v, want ErrTokenInvalid", err)
	}
	if _, err := f.svc.ResetPassword(ctx, account.Proof{}, "new-battery-staple", meta); !errors.Is(err, account.ErrTokenInvalid) {
		t.Errorf("reset: err = %v, want ErrTokenInvalid", err)
	}
	if _, err := f.svc.ConfirmEmailChange(ctx, account.Proof{}, &p, "", meta); !errors.Is(err, account.ErrTokenInvalid) {
		t.Errorf("confirm email change: err = %v, want ErrTokenInvalid", err)
	}
	if got, _ := f.store.UserByID(ctx, u.ID); got.Active || got.PasswordHash != u.PasswordHash {
		t.Errorf("the account changed: %+v", got)
	}
}
