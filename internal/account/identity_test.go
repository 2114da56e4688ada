package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// TestRegisterNormalizesEmails: the form an address is stored in (identity.go), as any
// door into the service sees it.
func TestRegisterNormalizesEmails(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i, tc := range []struct{ in, stored string }{
		{" Ada@EXAMPLE.com ", "Ada@example.com"},
		{"zoe@exämple.com", "zoe@xn--exmple-cua.com"},
		{"ann@ｅxample.org", "ann@example.org"},        // fullwidth ｅ: the same domain
		{"eve@exаmple.com", "eve@xn--exmple-4nf.com"}, // Cyrillic а: another domain, shown as such
	} {
		u, err := f.svc.Register(ctx, account.RegisterInput{Username: "user" + string(rune('a'+i)), Email: tc.in, Password: "correct-horse-battery"}, account.RequestMeta{})
		if err != nil || u.Email != tc.stored {
			t.Errorf("Register(%q) = %q, %v; want %q", tc.in, u.Email, err, tc.stored)
		}
	}
}

// TestRegisterRefuses: field problems, never a store error, for what identity.go refuses.
func TestRegisterRefuses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    account.RegisterInput
		field string
	}{
		{"zero_width_in_email", account.RegisterInput{Username: "a", Email: "a\u200b@example.com"}, "email"},
		{"cyrillic_local_part", account.RegisterInput{Username: "a", Email: "\u0430da@example.com"}, "email"},
		{"address_literal", account.RegisterInput{Username: "a", Email: "a@[127.0.0.1]"}, "email"},
		{"bare_ip_domain", account.RegisterInput{Username: "a", Email: "a@192.0.2.1"}, "email"},
		{"nul_in_email", account.RegisterInput{Username: "a", Email: "a\x00@example.com"}, "email"},
		{"username_not_own_email", account.RegisterInput{Username: "b@example.com", Email: "a@example.com"}, "username"},
		{"username_with_nul", account.RegisterInput{Username: "a\x00b", Email: "a@example.com"}, "username"},
		{"first_name_line_break", account.RegisterInput{Username: "a", Email: "a@example.com", FirstName: "A\r\nB"}, "first_name"},
		{"last_name_bidi_override", account.RegisterInput{Username: "a", Email: "a@example.com", LastName: "\u202eB"}, "last_name"},
		{"last_name_not_utf8", account.RegisterInput{Username: "a", Email: "a@example.com", LastName: "\xff"}, "last_name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Password = "correct-horse-battery"
			_, err := f.svc.Register(ctx, tc.in, account.RequestMeta{})
			var ve *account.ValidationError
			if !errors.As(err, &ve) || ve.Problems[0].Field != tc.field {
				t.Fatalf("err = %v, want a problem with %s", err, tc.field)
			}
		})
	}
	if _, err := f.svc.Register(ctx, account.RegisterInput{Username: "Own@Example.com", Email: "own@example.com", Password: "correct-horse-battery"}, account.RequestMeta{}); err != nil {
		t.Errorf("a username that is the account's own email: %v", err)
	}
}

// TestLoginKey: how a login is looked up.
func TestLoginKey(t *testing.T) {
	for in, want := range map[string]string{
		"Ada":                  "ada",
		"Ada@EXÄMPLE.com":      "ada@xn--exmple-cua.com",
		"joe@home":             "joe@home",
		"not an@email":         "",
		"a\x00b":               "",
		"\xff":                 "",
		"ad\u200ba":            "",
		"":                     "",
		"ZOË@EXÄMPLE.COM":      "zoë@exämple.com", // not an address accountd accepts: as typed
		"user@[127.0.0.1]":     "user@[127.0.0.1]",
		"Bob@Example.COM.":     "bob@example.com.",
		"carol@xn--exmple-cua": "carol@xn--exmple-cua",
	} {
		got, ok := account.LoginKey(in)
		if got != want || ok != (want != "") {
			t.Errorf("LoginKey(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestLoginBudgetIsPerAccount: the username and the email of one account, in any case,
// share one budget of failed logins. Spent under other names, it refuses even the right
// password as a wrong one (a 429 would tell that the name is the account's).
func TestLoginBudgetIsPerAccount(t *testing.T) {
	f := newFixtureWith(t, func(o *account.Options) {
		o.Limiter = &countingLimiter{n: map[string]int{}}
		o.Limits.LoginFailures = account.Rule{Limit: 2, Window: time.Hour}
	})
	ctx := context.Background()
	u := f.activeUser(t, "budget", "correct-horse-battery")
	svc := f.svc
	for _, login := range []string{u.Username, "BUDGET@example.com"} {
		if _, err := svc.Login(ctx, login, "wrong-password", account.RequestMeta{IP: "192.0.2.1"}); !errors.Is(err, account.ErrInvalidCredentials) {
			t.Fatalf("guess as %s: %v", login, err)
		}
	}
	if _, err := svc.Login(ctx, "Budget", "correct-horse-battery", account.RequestMeta{IP: "192.0.2.1"}); !errors.Is(err, account.ErrInvalidCredentials) {
		t.Fatalf("third attempt, by another name, with the right password: %v, want it refused as a wrong password", err)
	}
	var limited *account.RateLimitError
	if _, err := svc.Login(ctx, "budget", "correct-horse-battery", account.RequestMeta{IP: "192.0.2.1"}); !errors.As(err, &limited) {
		t.Fatalf("fourth attempt, by a name whose own budget is spent: %v, want a RateLimitError", err)
	}
}

// countingLimiter allows rule.Limit events per key, for ever.
type countingLimiter struct {
	mu sync.Mutex
	n  map[string]int
}

func (l *countingLimiter) Allow(_ context.Context, key string, r account.Rule, _ time.Time) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[key] >= r.Limit {
		return false, time.Minute, nil
	}
	l.n[key]++
	return true, 0, nil
}

func (l *countingLimiter) Reset(_ context.Context, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.n, key)
	return nil
}

func (l *countingLimiter) Undo(_ context.Context, key string, _ account.Rule, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[key] > 0 {
		l.n[key]--
	}
	return nil
}
