package account_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func TestResetPasswordWithUserToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.activeUser(t, "alice", "correct-horse-battery")
	bob := f.activeUser(t, "bob", "correct-horse-battery")
	if err := f.svc.ForgotPassword(ctx, bob.Email, "", account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	flushRequests(t, f.svc)
	bobTok := f.emailedToken(t, bob.Email)

	if _, err := f.svc.ResetPassword(ctx, account.UserTokenProof(alice.ID, bobTok), "new-battery-staple", account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("another account's token: err = %v, want ErrTokenInvalid", err)
	}
	if _, err := f.svc.ResetPassword(ctx, account.UserTokenProof(999999, bobTok), "new-battery-staple", account.RequestMeta{}); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("unknown account: err = %v, want ErrNotFound", err)
	}
	if _, err := f.svc.ResetPassword(ctx, account.UserTokenProof(bob.ID, bobTok), "new-battery-staple", account.RequestMeta{}); err != nil {
		t.Fatalf("bob's own token after the refusals: %v", err)
	}
	if _, err := f.svc.Login(ctx, "bob", "new-battery-staple", account.RequestMeta{}); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

func TestResetPasswordWithLink(t *testing.T) {
	ctx := context.Background()
	meta := account.RequestMeta{}
	secret := []byte("0123456789abcdef0123456789abcdef")

	t.Run("reset_works_once_and_weak_password_keeps_link", func(t *testing.T) {
		f := newSignedFixture(t, secret)
		_, m := f.register(t, "reset")
		if _, err := f.svc.Activate(ctx, account.LinkProof(linkOf(m)), meta); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.ForgotPassword(ctx, "reset@example.com", "rest-registration", meta); err != nil {
			t.Fatal(err)
		}
		flushRequests(t, f.svc)
		link := linkOf(f.mail.last(t, account.MessagePasswordReset))
		var invalid *account.ValidationError
		if _, err := f.svc.ResetPassword(ctx, account.LinkProof(link), "password123", meta); !errors.As(err, &invalid) || invalid.Problems[0].Field != "password" {
			t.Fatalf("weak password: %v", err)
		}
		if _, err := f.svc.ResetPassword(ctx, account.LinkProof(link), "another-horse-battery", meta); err != nil {
			t.Fatalf("reset after a refused attempt: %v", err)
		}
		_, err := f.svc.ResetPassword(ctx, account.LinkProof(link), "yet-another-horse-battery", meta)
		wantErr(t, err, account.ErrTokenInvalid)
	})
}
