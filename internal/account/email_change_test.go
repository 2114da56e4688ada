package account_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func TestChangeEmailNow(t *testing.T) {
	f := newFixture(t) // HideExistingEmails on
	ctx := context.Background()
	u := f.activeUser(t, "mover", "correct-horse-battery")
	f.activeUser(t, "owner", "correct-horse-battery")
	p := account.Principal{User: u}
	if err := f.svc.ForgotPassword(ctx, u.Email, "", account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	flushRequests(t, f.svc)
	oldResetTok := f.emailedToken(t, u.Email)

	var ve *account.ValidationError
	if _, err := f.svc.ChangeEmailNow(ctx, p, "moved@example.com", "wrong-password", account.RequestMeta{}); !errors.As(err, &ve) || ve.Problems[0].Field != "current_password" {
		t.Fatalf("wrong password: err = %v", err)
	}
	got, err := f.svc.ChangeEmailNow(ctx, p, "owner@example.com", "correct-horse-battery", account.RequestMeta{})
	if err != nil || got.Email != u.Email {
		t.Fatalf("taken address, hidden: %+v %v; want no change and no error", got, err)
	}
	before := len(f.mail.Messages())
	got, err = f.svc.ChangeEmailNow(ctx, p, "moved@example.com", "correct-horse-battery", account.RequestMeta{})
	if err != nil || got.Email != "moved@example.com" || got.EmailVerified {
		t.Fatalf("change: %+v %v; want the new, unverified address", got, err)
	}
	if sent := f.mail.Messages()[before:]; len(sent) != 1 || sent[0].To != u.Email {
		t.Fatalf("sent %+v, want one notice to the old address", sent)
	}
	if _, err := f.svc.ResetPassword(ctx, account.TokenProof(oldResetTok), "new-battery-staple", account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("a reset link sent to the old address still works: err = %v", err)
	}
	if _, err := f.svc.Login(ctx, "moved@example.com", "correct-horse-battery", account.RequestMeta{}); err != nil {
		t.Fatalf("login with the new address: %v", err)
	}
}

func TestConfirmEmailChangeWithLink(t *testing.T) {
	ctx := context.Background()
	meta := account.RequestMeta{}
	secret := []byte("0123456789abcdef0123456789abcdef")

	t.Run("email_change_works_once_and_only_for_its_user", func(t *testing.T) {
		f := newSignedFixture(t, secret)
		_, m := f.register(t, "mover")
		if _, err := f.svc.Activate(ctx, account.LinkProof(linkOf(m)), meta); err != nil {
			t.Fatal(err)
		}
		tokens, _ := f.svc.Login(ctx, "mover", "correct-horse-battery", meta)
		p, _ := f.svc.Authenticate(ctx, tokens.AccessToken)
		if err := f.svc.RequestEmailChange(ctx, p, account.EmailChangeRequest{NewEmail: "moved@example.com", WithoutPassword: true, Flow: "rest-registration"}, meta); err != nil {
			t.Fatal(err)
		}
		// Without the password, the current address approves first; the new address
		// hears nothing until then.
		if n := f.mail.count(account.MessageEmailChange); n != 0 {
			t.Fatalf("%d links to the new address before the current one approved", n)
		}
		approval := f.mail.last(t, account.MessageEmailChangeOldAddress)
		if approval.To != "mover@example.com" || approval.NewEmail != "moved@example.com" {
			t.Fatalf("approval sent %+v", approval)
		}
		stranger := &account.Principal{User: account.User{ID: p.User.ID + 100}}
		_, err := f.svc.ConfirmEmailChange(ctx, account.LinkProof(linkOf(approval)), stranger, "", meta)
		wantErr(t, err, account.ErrTokenInvalid)
		u, err := f.svc.ConfirmEmailChange(ctx, account.LinkProof(linkOf(approval)), nil, "rest-registration", meta)
		if err != nil || u.Email != "mover@example.com" {
			t.Fatalf("approval: %+v %v; want the account unchanged", u, err)
		}
		_, err = f.svc.ConfirmEmailChange(ctx, account.LinkProof(linkOf(approval)), nil, "", meta)
		wantErr(t, err, account.ErrTokenInvalid)
		change := f.mail.last(t, account.MessageEmailChange)
		if change.To != "moved@example.com" || change.Flow != "rest-registration" {
			t.Fatalf("new address's link: %+v", change)
		}
		link := linkOf(change)
		_, err = f.svc.ConfirmEmailChange(ctx, account.LinkProof(link), stranger, "", meta)
		wantErr(t, err, account.ErrTokenInvalid)
		other := link
		other.Email = "thief@example.com"
		_, err = f.svc.ConfirmEmailChange(ctx, account.LinkProof(other), nil, "", meta)
		wantErr(t, err, account.ErrTokenInvalid)
		u, err = f.svc.ConfirmEmailChange(ctx, account.LinkProof(link), &p, "", meta)
		if err != nil || u.Email != "moved@example.com" || !u.EmailVerified {
			t.Fatalf("confirm: %+v %v", u, err)
		}
		if old := f.mail.last(t, account.MessageEmailChanged); old.To != "mover@example.com" {
			t.Fatalf("old address not told: %+v", old)
		}
		_, err = f.svc.ConfirmEmailChange(ctx, account.LinkProof(link), &p, "", meta)
		wantErr(t, err, account.ErrTokenInvalid)
	})
}

func TestConfirmEmailChangeWithToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	meta := account.RequestMeta{}
	u := f.activeUser(t, "mover", "correct-horse-battery")
	stranger := f.activeUser(t, "stranger", "correct-horse-battery")
	p := account.Principal{User: u}

	var ve *account.ValidationError
	err := f.svc.RequestEmailChange(ctx, p, account.EmailChangeRequest{NewEmail: "moved@example.com", Password: "wrong-password"}, meta)
	if !errors.As(err, &ve) || ve.Problems[0].Field != "password" {
		t.Fatalf("wrong password: err = %v, want a problem with field password", err)
	}
	if err := f.svc.RequestEmailChange(ctx, p, account.EmailChangeRequest{NewEmail: "moved@example.com", Password: "correct-horse-battery"}, meta); err != nil {
		t.Fatal(err)
	}
	tok := f.emailedToken(t, "moved@example.com")

	if _, err := f.svc.ConfirmEmailChange(ctx, account.TokenProof(tok), nil, "", meta); !errors.Is(err, account.ErrUnauthenticated) {
		t.Fatalf("no caller: err = %v, want ErrUnauthenticated", err)
	}
	if _, err := f.svc.ConfirmEmailChange(ctx, account.TokenProof(tok), &account.Principal{User: stranger}, "", meta); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("another caller: err = %v, want ErrTokenInvalid", err)
	}
	if _, err := f.svc.ConfirmEmailChange(ctx, account.UserTokenProof(stranger.ID, tok), &p, "", meta); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("a proof naming another account: err = %v, want ErrTokenInvalid", err)
	}
	before := len(f.mail.Messages())
	got, err := f.svc.ConfirmEmailChange(ctx, account.TokenProof(tok), &p, "", meta)
	if err != nil || got.Email != "moved@example.com" || !got.EmailVerified {
		t.Fatalf("own token after the refusals: %+v %v", got, err)
	}
	if sent := f.mail.Messages()[before:]; len(sent) != 1 || sent[0].To != u.Email {
		t.Fatalf("sent %+v, want one notice to the old address", sent)
	}
	if _, err := f.svc.ConfirmEmailChange(ctx, account.TokenProof(tok), &p, "", meta); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("second use: err = %v, want ErrTokenInvalid", err)
	}
}
