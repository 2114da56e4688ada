package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func TestRegistrationConflictsHonoursHiddenEmails(t *testing.T) {
	f := newFixture(t) // HideExistingEmails on
	f.activeUser(t, "taken", "correct-horse-battery")
	user, email, err := f.svc.RegistrationConflicts(context.Background(), "TAKEN", "taken@example.com")
	if err != nil || !user || email {
		t.Fatalf("got username %v, email %v, %v; want the username only", user, email, err)
	}
}

// registration is what a caller learns from one Register call: the error, and the
// account answered (the fields the APIs show; never the ID, which is hidden), with the
// password hashes it cost.
type registration struct {
	err                                  error
	username, email, firstName, lastName string
	hashes                               int32
}

func (f *fixture) register(t *testing.T, in account.RegisterInput) registration {
	t.Helper()
	before := f.hasher.work.Load()
	u, err := f.svc.Register(context.Background(), in, account.RequestMeta{})
	return registration{err, u.Username, u.Email, u.FirstName, u.LastName, f.hasher.work.Load() - before}
}

// TestRegisterRetryOfHiddenRegistrationAnswersAsRealOne: a registration whose email is
// taken (hidden) and a real one, each sent again the ways a client or an attacker
// might, get the same answers (the first attempt's account for the same registration,
// the username taken otherwise), at the cost of one password hash each, and no second
// email. Otherwise retrying would tell which addresses have accounts.
func TestRegisterRetryOfHiddenRegistrationAnswersAsRealOne(t *testing.T) {
	f := newFixture(t) // HideExistingEmails on
	f.activeUser(t, "owner", "correct-horse-battery")
	const pw = "another-good-passphrase"
	real := account.RegisterInput{Username: "real", Email: "real@example.com", Password: pw, FirstName: "Rae", AcceptRetry: true}
	hidden := account.RegisterInput{Username: "hidden", Email: "Owner@Example.com", Password: pw, FirstName: "Rae", AcceptRetry: true}
	// The answers of the real registration, with its username and email, are to be the
	// hidden one's, with its own.
	same := func(what string, r, h registration) {
		t.Helper()
		if (r.err == nil) != (h.err == nil) || r.err != nil && !errors.Is(h.err, r.err) {
			t.Errorf("%s: real %v, hidden %v", what, r.err, h.err)
		}
		if r.hashes != 1 || h.hashes != 1 {
			t.Errorf("%s: %d hashes for the real registration, %d for the hidden one; want 1 each", what, r.hashes, h.hashes)
		}
		r.username, r.email = strings.Replace(r.username, "real", "hidden", 1), strings.Replace(r.email, "real@example.com", "Owner@example.com", 1)
		r.hashes, h.hashes = 0, 0
		if r != h {
			t.Errorf("%s: real answered %+v, hidden %+v", what, r, h)
		}
	}
	mails := len(f.mail.Messages())
	same("first attempt", f.register(t, real), f.register(t, hidden))
	if n := len(f.mail.Messages()) - mails; n != 2 {
		t.Fatalf("%d emails after the first attempts, want the activation and the owner's warning", n)
	}
	mails = len(f.mail.Messages())
	with := func(in account.RegisterInput, change func(*account.RegisterInput)) account.RegisterInput {
		change(&in)
		return in
	}
	for _, tc := range []struct {
		what   string
		change func(*account.RegisterInput)
	}{
		{"sent again", func(*account.RegisterInput) {}},
		{"sent again in other case, with other names", func(in *account.RegisterInput) {
			in.Username, in.Email, in.FirstName, in.LastName = strings.ToUpper(in.Username), strings.ToUpper(in.Email), "Other", "Name"
		}},
		{"another password", func(in *account.RegisterInput) { in.Password = "not-the-same-passphrase" }},
		{"another email", func(in *account.RegisterInput) { in.Email = "fresh-" + in.Username + "@example.org" }},
		{"through an API without the retry rule", func(in *account.RegisterInput) { in.AcceptRetry = false }},
	} {
		same(tc.what, f.register(t, with(real, tc.change)), f.register(t, with(hidden, tc.change)))
	}
	if n := len(f.mail.Messages()) - mails; n != 0 {
		t.Errorf("%d emails after the retries, want none", n)
	}
}

// TestRegisterUsernameThatIsATakenEmailIsHidden: a username may be an email only as the
// account's own, so a registration whose username is its email, when an account holds
// that name (as its username or its email), must not answer "username taken", which
// would say that the address has an account: it is answered as hidden, and the owner
// warned, at the cost of one hash.
func TestRegisterUsernameThatIsATakenEmailIsHidden(t *testing.T) {
	f := newFixture(t)                              // HideExistingEmails on
	f.activeUser(t, "bob", "correct-horse-battery") // bob@example.com as its email
	sam := account.RegisterInput{Username: "sam@example.com", Email: "sam@example.com", Password: "correct-horse-battery"}
	if r := f.register(t, sam); r.err != nil {
		t.Fatal(r.err)
	}
	for _, in := range []account.RegisterInput{
		{Username: "BOB@example.com", Email: "bob@example.com", Password: "another-good-passphrase", AcceptRetry: true},
		{Username: "Sam@Example.com", Email: "sam@example.com", Password: "another-good-passphrase", AcceptRetry: true},
		{Username: "sam@example.com", Email: "sam@example.com", Password: "another-good-passphrase"},
	} {
		mails := len(f.mail.Messages())
		r := f.register(t, in)
		if r.err != nil || r.hashes != 1 {
			t.Errorf("Register(%s) = %v after %d hashes; want the hidden success after 1", in.Username, r.err, r.hashes)
		}
		if n := len(f.mail.Messages()) - mails; n != 1 {
			t.Errorf("Register(%s) sent %d emails, want the owner's warning", in.Username, n)
		}
	}
}
