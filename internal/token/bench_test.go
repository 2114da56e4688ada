package token

import (
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func benchIssuer(b *testing.B, alg string) *Issuer {
	cfg := testConfig()
	cfg.Algorithm = alg
	return newIssuer(b, cfg, &memStore{})
}

func BenchmarkIssue(b *testing.B) {
	for _, alg := range []string{EdDSA, ES256, RS256} {
		b.Run(alg, func(b *testing.B) {
			i := benchIssuer(b, alg)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := i.Issue(42, "session-id-0123456789", account.Authentication{}, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, alg := range []string{EdDSA, ES256, RS256} {
		b.Run(alg, func(b *testing.B) {
			i := benchIssuer(b, alg)
			tok := mustIssue(b, i)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := i.Parse(tok, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseRefused measures the cost of a token refused before any signature
// check (unknown kid): the cheap path a flood of junk tokens takes.
func BenchmarkParseRefused(b *testing.B) {
	i := benchIssuer(b, EdDSA)
	tok := mustIssue(b, benchIssuer(b, EdDSA))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := i.Parse(tok, now); err == nil {
			b.Fatal("accepted")
		}
	}
}
