package token

import (
	"bytes"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func TestWithTTL(t *testing.T) {
	base := newIssuer(t, testConfig(), &memStore{})
	t.Run("longer_tokens_parse_with_either", func(t *testing.T) {
		long, err := base.WithTTL(24 * time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tok, exp, err := long.Issue(7, "sess", account.Authentication{}, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := now.Add(24 * time.Hour); !exp.Equal(want) {
			t.Fatalf("expiry %v, want %v", exp, want)
		}
		if _, err := base.Parse(tok, now.Add(23*time.Hour)); err != nil {
			t.Fatalf("the base issuer refuses a longer token: %v", err)
		}
		if base.TTL() != 15*time.Minute {
			t.Fatalf("WithTTL changed the base issuer: %v", base.TTL())
		}
	})
	for name, ttl := range map[string]time.Duration{"too_long_refused": 25 * time.Hour, "too_short_refused": time.Millisecond} {
		t.Run(name, func(t *testing.T) {
			if _, err := base.WithTTL(ttl); err == nil {
				t.Fatalf("WithTTL(%v) accepted", ttl)
			}
		})
	}
}

func TestDeriveSecret(t *testing.T) {
	store := &memStore{}
	a := newIssuer(t, testConfig(), store)
	b := newIssuer(t, testConfig(), store) // a restart or a replica: same stored key
	other := newIssuer(t, testConfig(), &memStore{})
	derive := func(i *Issuer, info string) []byte {
		t.Helper()
		s, err := i.DeriveSecret(info)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 32 {
			t.Fatalf("secret of %d bytes", len(s))
		}
		return s
	}
	t.Run("same_key_same_secret", func(t *testing.T) {
		if !bytes.Equal(derive(a, "links"), derive(b, "links")) {
			t.Fatal("two issuers on one stored key derive different secrets")
		}
	})
	t.Run("other_use_other_secret", func(t *testing.T) {
		if bytes.Equal(derive(a, "links"), derive(a, "other")) {
			t.Fatal("the info string does not separate uses")
		}
	})
	t.Run("other_key_other_secret", func(t *testing.T) {
		if bytes.Equal(derive(a, "links"), derive(other, "links")) {
			t.Fatal("different keys derive the same secret")
		}
	})
	t.Run("empty_info_refused", func(t *testing.T) {
		if _, err := a.DeriveSecret(""); err == nil {
			t.Fatal("empty info accepted")
		}
	})
}
