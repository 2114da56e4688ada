package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/mail"
)

func TestActivationTokenVoidAfterPasswordChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Register(ctx, account.RegisterInput{Username: "changer", Email: "changer@example.com", Password: "correct-horse-battery"}, account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	m, _ := f.mail.Last("changer@example.com")
	link := mail.FindLink(m.Text)
	tok := link[strings.Index(link, "token=")+len("token="):]
	u, _ := f.store.UserByLogin(ctx, "changer")
	u.LinksVoidedAt = f.now.Add(time.Minute)
	if _, err := f.store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Activate(ctx, account.TokenProof(tok), account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("err = %v, want ErrTokenInvalid", err)
	}
}

func TestActivateWithUserToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice, aliceTok := f.registered(t, "alice")
	bob, bobTok := f.registered(t, "bob")

	t.Run("token_of_another_account_refused_and_not_spent", func(t *testing.T) {
		if _, err := f.svc.Activate(ctx, account.UserTokenProof(alice.ID, bobTok), account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
			t.Fatalf("err = %v, want ErrTokenInvalid", err)
		}
		if u, err := f.svc.Activate(ctx, account.UserTokenProof(bob.ID, bobTok), account.RequestMeta{}); err != nil || !u.Active {
			t.Fatalf("bob's own token after the refusal: %v", err)
		}
	})
	t.Run("unknown_account_not_found", func(t *testing.T) {
		if _, err := f.svc.Activate(ctx, account.UserTokenProof(999999, aliceTok), account.RequestMeta{}); !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("activated_then_already_active", func(t *testing.T) {
		if _, err := f.svc.Activate(ctx, account.UserTokenProof(alice.ID, aliceTok), account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Activate(ctx, account.UserTokenProof(alice.ID, aliceTok), account.RequestMeta{}); !errors.Is(err, account.ErrAlreadyActive) {
			t.Fatalf("err = %v, want ErrAlreadyActive", err)
		}
	})
}

func TestResendActivationReportsWhetherItSent(t *testing.T) {
	// Only where taken emails are not hidden: otherwise the request is carried out after
	// the answer, which tells nothing (TestForgotAndResendTakeTheSameTime).
	f := newFixtureWith(t, func(o *account.Options) { o.HideExistingEmails = false })
	ctx := context.Background()
	f.registered(t, "pending")
	f.activeUser(t, "active", "correct-horse-battery")
	for addr, want := range map[string]bool{"pending@example.com": true, "active@example.com": false, "nobody@example.com": false} {
		sent, err := f.svc.ResendActivation(ctx, addr, "", account.RequestMeta{})
		if err != nil || sent != want {
			t.Errorf("%s: sent = %v, %v; want %v", addr, sent, err, want)
		}
	}
}

func TestActivateWithLink(t *testing.T) {
	ctx := context.Background()
	meta := account.RequestMeta{}
	secret := []byte("0123456789abcdef0123456789abcdef")

	t.Run("activation_works_once", func(t *testing.T) {
		f := newSignedFixture(t, secret)
		_, m := f.register(t, "once")
		if m.Signature == "" || m.Timestamp != f.now.Unix() {
			t.Fatalf("message not signed: %+v", m)
		}
		u, err := f.svc.Activate(ctx, account.LinkProof(linkOf(m)), meta)
		if err != nil || !u.Active || !u.EmailVerified {
			t.Fatalf("activate: %+v %v", u, err)
		}
		_, err = f.svc.Activate(ctx, account.LinkProof(linkOf(m)), meta)
		wantErr(t, err, account.ErrTokenInvalid)
	})
}
