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
	if _, err := f.svc.ResetPassword(ctx, oldResetTok, "new-battery-staple", account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("a reset link sent to the old address still works: err = %v", err)
	}
	if _, err := f.svc.Login(ctx, "moved@example.com", "correct-horse-battery", account.RequestMeta{}); err != nil {
		t.Fatalf("login with the new address: %v", err)
	}
}

func TestRegistrationConflictsHonoursHiddenEmails(t *testing.T) {
	f := newFixture(t) // HideExistingEmails on
	f.activeUser(t, "taken", "correct-horse-battery")
	user, email, err := f.svc.RegistrationConflicts(context.Background(), "TAKEN", "taken@example.com")
	if err != nil || !user || email {
		t.Fatalf("got username %v, email %v, %v; want the username only", user, email, err)
	}
}
