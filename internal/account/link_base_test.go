package account_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/token"
)

func TestOriginOf(t *testing.T) {
	for raw, want := range map[string]string{
		"https://app.example.com":            "https://app.example.com",
		"HTTPS://App.Example.COM/verify/x":   "https://app.example.com",
		"https://app.example.com:443/":       "https://app.example.com",
		"http://app.example.com:80":          "http://app.example.com",
		"https://app.example.com:8443/a?b#c": "https://app.example.com:8443",
		"http://localhost:3000":              "http://localhost:3000",
		"http://[::1]:3000/":                 "http://[::1]:3000",
		"http://[::1]/":                      "http://[::1]",
	} {
		if got, ok := account.OriginOf(raw); !ok || got != want {
			t.Errorf("OriginOf(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	for _, raw := range []string{"", "app.example.com", "//app.example.com", "ftp://app.example.com", "javascript:alert(1)", "https://", "https:///x", "mailto:a@example.com"} {
		if got, ok := account.OriginOf(raw); ok {
			t.Errorf("OriginOf(%q) = %q, want refused", raw, got)
		}
	}
}

// linkFixture is the service with the allowed origins given and a flow "jwt" whose
// activation and reset links end in their placeholders, as the jwt-accounts API's do.
func linkFixture(t *testing.T, origins ...string) (*account.Service, *mail.Recorder) {
	t.Helper()
	ctx := context.Background()
	store := bunstoretest.Open(t, bunstoretest.SQLite)
	issuer, err := token.New(ctx, token.Config{Issuer: "https://accounts.test", Audience: "accountd", TTL: 15 * time.Minute}, store)
	if err != nil {
		t.Fatal(err)
	}
	rec := &mail.Recorder{}
	composer, err := mail.NewComposer(rec, mail.ComposerConfig{
		From: "accountd <no-reply@example.com>",
		Links: map[string]map[account.MessageKind]string{
			"": {
				account.MessageActivation:    "https://app.test/activate?token={token}",
				account.MessagePasswordReset: "https://app.test/reset?token={token}",
				account.MessageEmailChange:   "https://app.test/email?token={token}",
			},
			"jwt": {
				account.MessageActivation:    "https://configured.test/activate/{uid}/{token}/",
				account.MessagePasswordReset: "https://configured.test/reset/{uid}/{token}/",
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	svc := account.New(store, password.New(password.DefaultParams, 0), issuer, composer, account.Options{
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		HideExistingEmails: true, LinkOrigins: origins,
	})
	return svc, rec
}

func TestEmailLinksUnder(t *testing.T) {
	ctx := context.Background()
	t.Run("allowed_origin_links_under_the_base", func(t *testing.T) {
		svc, rec := linkFixture(t, "https://app.example.com")
		under, err := svc.EmailLinksUnder("https://APP.example.com:443/verify")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := under.Register(ctx, account.RegisterInput{Username: "ada", Email: "ada@example.com", Password: "correct-horse-battery", Flow: "jwt"}, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		m, _ := rec.Last("ada@example.com")
		link := mail.FindLink(m.Text)
		if want := "https://app.example.com/verify/"; !strings.HasPrefix(link, want) {
			t.Fatalf("link %q, want it under %s", link, want)
		}
		// The copy is the request's alone: the service it came from links as configured.
		if _, err := svc.ResendActivation(ctx, "ada@example.com", "jwt", account.RequestMeta{}); err != nil {
			t.Fatalf("ResendActivation: %v", err)
		}
		flushRequests(t, svc)
		m, _ = rec.Last("ada@example.com")
		if link := mail.FindLink(m.Text); !strings.HasPrefix(link, "https://configured.test/activate/") {
			t.Fatalf("link of the original service %q, want the configured page", link)
		}
	})
	t.Run("empty_base_is_the_configured_page", func(t *testing.T) {
		svc, rec := linkFixture(t)
		under, err := svc.EmailLinksUnder("")
		if err != nil || under != svc {
			t.Fatalf("EmailLinksUnder(\"\") = %p, %v; want the service itself", under, err)
		}
		if _, err := under.Register(ctx, account.RegisterInput{Username: "ada", Email: "ada@example.com", Password: "correct-horse-battery", Flow: "jwt"}, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		m, _ := rec.Last("ada@example.com")
		if link := mail.FindLink(m.Text); !strings.HasPrefix(link, "https://configured.test/activate/") {
			t.Fatalf("link %q", link)
		}
	})
	t.Run("other_origins_and_shapes_refused", func(t *testing.T) {
		svc, _ := linkFixture(t, "https://app.example.com")
		for _, base := range []string{
			"https://evil.example.com/verify",
			"https://app.example.com.evil.example.com/",
			"https://app.example.com@evil.example.com/",
			"https://evil.example.com\\@app.example.com/",
			"https://evil.example.com/?https://app.example.com",
			"http://app.example.com/",      // another scheme is another origin
			"https://app.example.com:8443", // and so is another port
			"https://app.example.com/?next=x",
			"https://app.example.com/#frag",
			"https://app.example.com/a b",
			"https://app.example.com/\x00",
			"//app.example.com/",
			"javascript://app.example.com/%0aalert(1)",
			"app.example.com/verify",
		} {
			_, err := svc.EmailLinksUnder(base)
			var ve *account.ValidationError
			if !errors.As(err, &ve) || ve.Problems[0].Field != "link_base" {
				t.Errorf("EmailLinksUnder(%q) = %v, want a problem with link_base", base, err)
			}
		}
	})
	t.Run("no_origin_allowed_by_default", func(t *testing.T) {
		svc, _ := linkFixture(t)
		if _, err := svc.EmailLinksUnder("http://localhost:3000/"); err == nil {
			t.Fatal("a base was allowed with no allowed origins")
		}
	})
}
