package token

import (
	"errors"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// FuzzParse feeds Parse arbitrary text: it must never panic, and must accept nothing but
// the one token the issuer really signed.
func FuzzParse(f *testing.F) {
	iss := newIssuer(f, testConfig(), &memStore{})
	valid, _, err := iss.Issue(42, "0b6a4c4e-3d8f-4a53-9e0c-7d1d2e1f3a4b", account.Authentication{}, now)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	for _, seed := range []string{
		valid,
		parts[0] + "." + parts[1] + ".",
		parts[0] + ".e30." + parts[2],
		"eyJhbGciOiJub25lIn0.e30.",
		"a.b.c", "", ".", "..", "....", strings.Repeat("A", 5000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := iss.Parse(token, now)
		if err != nil {
			if !errors.Is(err, account.ErrUnauthenticated) {
				t.Fatalf("error %v does not wrap ErrUnauthenticated", err)
			}
			return
		}
		if token != valid || claims.UserID != 42 {
			t.Fatalf("accepted a token the issuer did not sign: %q", token)
		}
	})
}
