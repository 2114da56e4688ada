package account_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/token"
)

// countingHasher records how often each kind of hashing work runs.
// countingHasher counts the hashes computed: dummy the VerifyDummy calls, work every
// call of the three (each costs one password hash).
type countingHasher struct {
	*password.Hasher
	dummy atomic.Int32
	work  atomic.Int32
}

func (h *countingHasher) VerifyDummy(ctx context.Context, pw string) {
	h.dummy.Add(1)
	h.work.Add(1)
	h.Hasher.VerifyDummy(ctx, pw)
}

func (h *countingHasher) Hash(ctx context.Context, pw string) (string, error) {
	h.work.Add(1)
	return h.Hasher.Hash(ctx, pw)
}

func (h *countingHasher) Verify(ctx context.Context, pw, encoded string) (bool, bool, error) {
	h.work.Add(1)
	return h.Hasher.Verify(ctx, pw, encoded)
}

type fixture struct {
	svc    *account.Service
	store  account.Store
	db     *bunstore.Store
	mail   *mail.Recorder
	hasher *countingHasher
	tokens account.AccessTokens
	mailer account.Mailer
	now    time.Time
}

// newFixture builds the real service on a fresh in-memory SQLite store with a fixed clock.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith is newFixture with the service's options changed by configure.
func newFixtureWith(t *testing.T, configure func(*account.Options)) *fixture {
	t.Helper()
	return newFixtureOn(t, bunstoretest.SQLite, configure)
}

// newFixtureOn is newFixtureWith on a fresh store of the given kind (bunstoretest).
func newFixtureOn(t *testing.T, kind string, configure func(*account.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	store := bunstoretest.Open(t, kind)
	f := &fixture{store: store, db: store, mail: &mail.Recorder{}, now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	issuer, err := token.New(ctx, token.Config{Issuer: "https://accounts.test", Audience: "accountd", TTL: 15 * time.Minute}, store)
	if err != nil {
		t.Fatal(err)
	}
	composer, err := mail.NewComposer(f.mail, mail.ComposerConfig{
		From: "accountd <no-reply@example.com>",
		Links: map[string]map[account.MessageKind]string{"": {
			account.MessageActivation:    "https://app.test/activate?token={token}",
			account.MessagePasswordReset: "https://app.test/reset?token={token}",
			account.MessageEmailChange:   "https://app.test/email?token={token}",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.hasher = &countingHasher{Hasher: password.New(password.DefaultParams, 0)}
	f.tokens, f.mailer = issuer, composer
	opt := account.Options{
		Now: func() time.Time { return f.now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		HideExistingEmails: true, RefreshGrace: -1,
	}
	if configure != nil {
		configure(&opt)
	}
	f.svc = account.New(store, f.hasher, issuer, composer, opt)
	return f
}

// flushRequests carries out the email requests queued so far (forgot password, resend
// activation), which the service does after it answers.
func flushRequests(t *testing.T, svc *account.Service) {
	t.Helper()
	if err := svc.FlushEmailRequests(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// activeUser registers and activates an account through the service.
func (f *fixture) activeUser(t *testing.T, name, pw string) account.User {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.Register(ctx, account.RegisterInput{Username: name, Email: name + "@example.com", Password: pw}, account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	m, _ := f.mail.Last(name + "@example.com")
	tok := mail.FindLink(m.Text)
	tok = tok[strings.Index(tok, "token=")+len("token="):]
	u, err := f.svc.Activate(ctx, account.TokenProof(tok), account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	return u
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

func TestEventsNeverHoldSecrets(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const pw = "correct-horse-battery"
	u := f.activeUser(t, "historian", pw)
	tok, err := f.svc.Login(ctx, "historian", pw, account.RequestMeta{IP: "192.0.2.1", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.svc.Login(ctx, "historian", pw+"-wrong", account.RequestMeta{})
	next, err := f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, next.RefreshToken, account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	_, _ = f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{}) // reuse: the chain moved past it
	events := eventsOf(t, f, u.ID)
	want := map[account.EventType]bool{
		account.EventRegistered: true, account.EventActivated: true, account.EventLoginSucceeded: true,
		account.EventLoginFailed: true, account.EventRefreshReuseDetected: true,
	}
	for _, e := range events {
		delete(want, e.Type)
		for _, secret := range []string{pw, tok.RefreshToken, tok.AccessToken} {
			if strings.Contains(e.Detail, secret) || strings.Contains(e.UserAgent, secret) {
				t.Fatalf("event %s holds a secret", e.Type)
			}
		}
	}
	if len(want) > 0 {
		t.Fatalf("events not recorded: %v", want)
	}
}

// eventsOf reads a user's history straight from the database.
func eventsOf(t *testing.T, f *fixture, userID int64) []account.Event {
	t.Helper()
	var rows []struct {
		Type      string `bun:"type"`
		Detail    string `bun:"detail"`
		UserAgent string `bun:"user_agent"`
	}
	if err := f.db.DB().NewRaw("SELECT type, detail, user_agent FROM events WHERE user_id = ?", userID).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	out := make([]account.Event, len(rows))
	for i, r := range rows {
		out[i] = account.Event{Type: account.EventType(r.Type), Detail: r.Detail, UserAgent: r.UserAgent}
	}
	return out
}
