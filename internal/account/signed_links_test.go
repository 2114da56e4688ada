package account_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/token"
)

// messages records the service's messages as they are handed to the mailer.
type messages struct {
	mu   sync.Mutex
	sent []account.Message
}

func (m *messages) Send(_ context.Context, msg account.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

// last returns the newest message of kind.
func (m *messages) last(t *testing.T, kind account.MessageKind) account.Message {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.sent) - 1; i >= 0; i-- {
		if m.sent[i].Kind == kind {
			return m.sent[i]
		}
	}
	t.Fatalf("no %s message sent", kind)
	return account.Message{}
}

// count is how many messages of kind were sent.
func (m *messages) count(kind account.MessageKind) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, msg := range m.sent {
		if msg.Kind == kind {
			n++
		}
	}
	return n
}

// linkOf is the signed link a message carries.
func linkOf(m account.Message) account.SignedLink {
	l := account.SignedLink{UserID: m.User.ID, Timestamp: m.Timestamp, Signature: m.Signature}
	switch m.Kind {
	case account.MessageEmailChange:
		l.Email = m.To
	case account.MessageEmailChangeOldAddress:
		l.Email = m.NewEmail
	}
	return l
}

type signedFixture struct {
	svc    *account.Service
	mail   *messages
	now    time.Time
	store  account.Store
	issuer *token.Issuer
}

func newSignedFixture(t *testing.T, secret []byte) *signedFixture {
	t.Helper()
	store := bunstoretest.Open(t, bunstoretest.SQLite)
	issuer, err := token.New(context.Background(), token.Config{Issuer: "https://accounts.test", Audience: "accountd", TTL: 15 * time.Minute}, store)
	if err != nil {
		t.Fatal(err)
	}
	f := &signedFixture{mail: &messages{}, now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), store: store, issuer: issuer}
	f.svc = f.service(secret)
	return f
}

// service is a service on the fixture's store with the given link secret.
func (f *signedFixture) service(secret []byte) *account.Service {
	return account.New(f.store, password.New(password.DefaultParams, 0), f.issuer, f.mail, account.Options{
		Now: func() time.Time { return f.now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		LinkSecret: secret,
	})
}

// register creates an inactive account and returns it with its activation message.
func (f *signedFixture) register(t *testing.T, name string) (account.User, account.Message) {
	t.Helper()
	u, err := f.svc.Register(context.Background(), account.RegisterInput{
		Username: name, Email: name + "@example.com", Password: "correct-horse-battery", Flow: "rest-registration",
	}, account.RequestMeta{})
	if err != nil {
		t.Fatal(err)
	}
	return u, f.mail.last(t, account.MessageActivation)
}

// tamper changes the first character of a signature.
func tamper(sig string) string {
	if sig[0] == 'A' {
		return "B" + sig[1:]
	}
	return "A" + sig[1:]
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func TestSignedLinks(t *testing.T) {
	ctx := context.Background()
	meta := account.RequestMeta{}
	secret := []byte("0123456789abcdef0123456789abcdef")

	t.Run("tampered_or_misused_refused", func(t *testing.T) {
		f := newSignedFixture(t, secret)
		u, m := f.register(t, "tamper")
		for name, l := range map[string]account.SignedLink{
			"signature": {UserID: u.ID, Timestamp: m.Timestamp, Signature: tamper(m.Signature)},
			"timestamp": {UserID: u.ID, Timestamp: m.Timestamp + 1, Signature: m.Signature},
			"user":      {UserID: u.ID + 1, Timestamp: m.Timestamp, Signature: m.Signature},
			"empty":     {UserID: u.ID, Timestamp: m.Timestamp},
		} {
			_, err := f.svc.Activate(ctx, account.LinkProof(l), meta)
			if !errors.Is(err, account.ErrTokenInvalid) || errors.Is(err, account.ErrLinkExpired) {
				t.Errorf("%s: err = %v, want invalid", name, err)
			}
		}
		// An activation link is no reset link, even for an active account.
		_, err := f.svc.ResetPassword(ctx, account.LinkProof(linkOf(m)), "another-horse-battery", meta)
		wantErr(t, err, account.ErrTokenInvalid)
	})

	t.Run("expired_told_only_for_genuine_links", func(t *testing.T) {
		f := newSignedFixture(t, secret)
		_, m := f.register(t, "late")
		f.now = f.now.Add(48 * time.Hour)
		_, err := f.svc.Activate(ctx, account.LinkProof(linkOf(m)), meta)
		wantErr(t, err, account.ErrLinkExpired)
		wantErr(t, err, account.ErrTokenInvalid) // callers that do not tell them apart
		m.Signature = tamper(m.Signature)
		_, err = f.svc.Activate(ctx, account.LinkProof(linkOf(m)), meta)
		if errors.Is(err, account.ErrLinkExpired) {
			t.Fatal("a forged link was told it expired")
		}
	})

	t.Run("every_link_dies_with_the_password", func(t *testing.T) {
		f := newSignedFixture(t, secret)
		_, m := f.register(t, "pwchange")
		if _, err := f.svc.Activate(ctx, account.LinkProof(linkOf(m)), meta); err != nil {
			t.Fatal(err)
		}
		tokens, err := f.svc.Login(ctx, "pwchange", "correct-horse-battery", meta)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.Authenticate(ctx, tokens.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RequestEmailChange(ctx, p, account.EmailChangeRequest{NewEmail: "new@example.com", WithoutPassword: true, Flow: "rest-registration"}, meta); err != nil {
			t.Fatal(err)
		}
		approval := linkOf(f.mail.last(t, account.MessageEmailChangeOldAddress))
		if _, err := f.svc.ConfirmEmailChange(ctx, account.LinkProof(approval), nil, "", meta); err != nil {
			t.Fatal(err)
		}
		emailLink := linkOf(f.mail.last(t, account.MessageEmailChange))
		if err := f.svc.ChangePassword(ctx, p, "correct-horse-battery", "another-horse-battery", meta); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ConfirmEmailChange(ctx, account.LinkProof(emailLink), nil, "", meta)
		wantErr(t, err, account.ErrTokenInvalid)
	})

	t.Run("without_secret_nothing_signed_or_accepted", func(t *testing.T) {
		f := newSignedFixture(t, nil)
		u, m := f.register(t, "nosecret")
		if m.Signature != "" || m.Timestamp != 0 {
			t.Fatalf("signed without a secret: %+v", m)
		}
		_, err := f.svc.Activate(ctx, account.LinkProof(account.SignedLink{UserID: u.ID, Timestamp: f.now.Unix(), Signature: "x"}), meta)
		wantErr(t, err, account.ErrTokenInvalid)
	})

	t.Run("other_secret_refused", func(t *testing.T) {
		f := newSignedFixture(t, secret)
		_, m := f.register(t, "secret")
		_, err := f.service([]byte("another secret of thirty-two bytes")).Activate(ctx, account.LinkProof(linkOf(m)), meta)
		wantErr(t, err, account.ErrTokenInvalid)
		if _, err := f.service(secret).Activate(ctx, account.LinkProof(linkOf(m)), meta); err != nil {
			t.Fatalf("the same secret on another instance: %v", err)
		}
	})
}
