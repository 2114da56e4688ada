package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/mail"
)

// emailedToken returns the token of the newest link sent to addr.
func (f *fixture) emailedToken(t *testing.T, addr string) string {
	t.Helper()
	m, ok := f.mail.Last(addr)
	if !ok {
		t.Fatalf("no email to %s", addr)
	}
	link := mail.FindLink(m.Text)
	return link[strings.Index(link, "token=")+len("token="):]
}

// registered registers an inactive account and returns it with its activation token.
func (f *fixture) registered(t *testing.T, name string) (account.User, string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.Register(ctx, account.RegisterInput{Username: name, Email: name + "@example.com", Password: "correct-horse-battery"}, account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	u, err := f.store.UserByLogin(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return u, f.emailedToken(t, name+"@example.com")
}

func TestActivateUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice, aliceTok := f.registered(t, "alice")
	bob, bobTok := f.registered(t, "bob")

	t.Run("token_of_another_account_refused_and_not_spent", func(t *testing.T) {
		if _, err := f.svc.ActivateUser(ctx, alice.ID, bobTok, account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
			t.Fatalf("err = %v, want ErrTokenInvalid", err)
		}
		if u, err := f.svc.ActivateUser(ctx, bob.ID, bobTok, account.RequestMeta{}); err != nil || !u.Active {
			t.Fatalf("bob's own token after the refusal: %v", err)
		}
	})
	t.Run("unknown_account_not_found", func(t *testing.T) {
		if _, err := f.svc.ActivateUser(ctx, 999999, aliceTok, account.RequestMeta{}); !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("activated_then_already_active", func(t *testing.T) {
		if _, err := f.svc.ActivateUser(ctx, alice.ID, aliceTok, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ActivateUser(ctx, alice.ID, aliceTok, account.RequestMeta{}); !errors.Is(err, account.ErrAlreadyActive) {
			t.Fatalf("err = %v, want ErrAlreadyActive", err)
		}
	})
}

func TestResetUserPassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.activeUser(t, "alice", "correct-horse-battery")
	bob := f.activeUser(t, "bob", "correct-horse-battery")
	if err := f.svc.ForgotPassword(ctx, bob.Email, "", account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	bobTok := f.emailedToken(t, bob.Email)

	if _, err := f.svc.ResetUserPassword(ctx, alice.ID, bobTok, "new-battery-staple", account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("another account's token: err = %v, want ErrTokenInvalid", err)
	}
	if _, err := f.svc.ResetUserPassword(ctx, 999999, bobTok, "new-battery-staple", account.RequestMeta{}); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("unknown account: err = %v, want ErrNotFound", err)
	}
	if _, err := f.svc.ResetUserPassword(ctx, bob.ID, bobTok, "new-battery-staple", account.RequestMeta{}); err != nil {
		t.Fatalf("bob's own token after the refusals: %v", err)
	}
	if _, err := f.svc.Login(ctx, "bob", "new-battery-staple", account.RequestMeta{}); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

func TestResendActivationReport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.registered(t, "pending")
	f.activeUser(t, "active", "correct-horse-battery")
	for addr, want := range map[string]bool{"pending@example.com": true, "active@example.com": false, "nobody@example.com": false} {
		sent, err := f.svc.ResendActivationReport(ctx, addr, "", account.RequestMeta{})
		if err != nil || sent != want {
			t.Errorf("%s: sent = %v, %v; want %v", addr, sent, err, want)
		}
	}
}
