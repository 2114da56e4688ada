package account_test

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
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
type countingHasher struct {
	*password.Hasher
	dummy atomic.Int32
}

func (h *countingHasher) VerifyDummy(ctx context.Context, pw string) {
	h.dummy.Add(1)
	h.Hasher.VerifyDummy(ctx, pw)
}

type fixture struct {
	svc    *account.Service
	store  account.Store
	db     *bunstore.Store
	mail   *mail.Recorder
	hasher *countingHasher
	now    time.Time
}

// newFixture builds the real service on a fresh in-memory SQLite store with a fixed clock.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store := bunstoretest.Open(t, bunstoretest.SQLite)
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
	f.svc = account.New(store, f.hasher, issuer, composer, account.Options{
		Now: func() time.Time { return f.now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		HideExistingEmails: true, RefreshGrace: -1,
	})
	return f
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
	u, err := f.svc.Activate(ctx, tok, account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLoginUnknownUserDoesTheHashingWork(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.Login(context.Background(), "nobody", "whatever-password", account.RequestMeta{})
	if !errors.Is(err, account.ErrInvalidCredentials) {
		t.Fatalf("err = %v", err)
	}
	if f.hasher.dummy.Load() != 1 {
		t.Fatalf("dummy verifications = %d, want 1", f.hasher.dummy.Load())
	}
}

// djangoHash encodes pw the way Django's PBKDF2PasswordHasher does.
func djangoHash(t *testing.T, pw, salt string, iterations int) string {
	key, err := pbkdf2.Key(sha256.New, pw, []byte(salt), iterations, 32)
	if err != nil {
		t.Fatal(err)
	}
	return "pbkdf2_sha256$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key)
}

func TestLoginUpgradesImportedDjangoHash(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.store.CreateUser(ctx, account.User{
		Username: "imported", Email: "imported@example.com", Active: true,
		PasswordHash: djangoHash(t, "legacy-password-1", "somesalt", 1000),
		DateJoined:   f.now, PasswordChangedAt: f.now, UpdatedAt: f.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(ctx, "imported@example.com", "legacy-password-1", account.RequestMeta{}); err != nil {
		t.Fatalf("login with the Django password: %v", err)
	}
	after, _ := f.store.UserByID(ctx, u.ID)
	if !strings.HasPrefix(after.PasswordHash, "$argon2id$") {
		t.Fatalf("hash not upgraded: %q", after.PasswordHash)
	}
	if _, err := f.svc.Login(ctx, "imported", "legacy-password-1", account.RequestMeta{}); err != nil {
		t.Fatalf("login after the upgrade: %v", err)
	}
}

func TestConcurrentRefreshOneWins(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.activeUser(t, "racer", "correct-horse-battery")
	tok, err := f.svc.Login(ctx, "racer", "correct-horse-battery", account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var wins atomic.Int32
	for range 8 {
		wg.Go(func() {
			if _, err := f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{}); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, account.ErrRefreshInvalid) {
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d refreshes succeeded, want exactly 1", wins.Load())
	}
}

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
	u.PasswordChangedAt = f.now.Add(time.Minute)
	if _, err := f.store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Activate(ctx, tok, account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
		t.Fatalf("err = %v, want ErrTokenInvalid", err)
	}
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
	if _, err := f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	_, _ = f.svc.Refresh(ctx, tok.RefreshToken, account.RequestMeta{}) // reuse
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
