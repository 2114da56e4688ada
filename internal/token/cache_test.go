package token

import (
	"crypto/sha256"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func TestVerifiedCache(t *testing.T) {
	t.Run("second_parse_hits_with_same_claims", func(t *testing.T) {
		i := newIssuer(t, testConfig(), &memStore{})
		tok := mustIssue(t, i)
		first, err := i.Parse(tok, now)
		if err != nil {
			t.Fatal(err)
		}
		if i.verified.len() != 1 {
			t.Fatalf("cache holds %d entries after one parse, want 1", i.verified.len())
		}
		second, err := i.Parse(tok, now.Add(time.Minute))
		if err != nil || !reflect.DeepEqual(second, first) {
			t.Fatalf("cached Parse = %+v, %v; want %+v", second, err, first)
		}
	})
	t.Run("expired_token_refused_from_cache", func(t *testing.T) {
		cfg := testConfig()
		i := newIssuer(t, cfg, &memStore{})
		tok := mustIssue(t, i)
		if _, err := i.Parse(tok, now); err != nil {
			t.Fatal(err)
		}
		_, err := i.Parse(tok, now.Add(cfg.TTL))
		if !errors.Is(err, errExpired) || !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("Parse at expiry = %v, want the expired error", err)
		}
	})
	t.Run("token_from_the_future_refused_from_cache", func(t *testing.T) {
		i := newIssuer(t, testConfig(), &memStore{})
		tok := mustIssue(t, i)
		if _, err := i.Parse(tok, now); err != nil {
			t.Fatal(err)
		}
		if _, err := i.Parse(tok, now.Add(-time.Hour)); !errors.Is(err, errNotYet) {
			t.Fatalf("Parse an hour before issue = %v, want the not-yet-valid error", err)
		}
	})
	t.Run("altered_token_misses_and_is_refused", func(t *testing.T) {
		i := newIssuer(t, testConfig(), &memStore{})
		tok := mustIssue(t, i)
		if _, err := i.Parse(tok, now); err != nil {
			t.Fatal(err)
		}
		// Change one character of the signature: the same header and claims, another
		// token, which must be verified (and fail) rather than found.
		b := []byte(tok)
		last := len(b) - 2
		b[last] = map[bool]byte{true: 'A', false: 'B'}[b[last] != 'A']
		if _, err := i.Parse(string(b), now); !errors.Is(err, errSignature) {
			t.Fatalf("Parse of an altered token = %v, want the signature error", err)
		}
		if i.verified.len() != 1 {
			t.Fatalf("cache holds %d entries, want only the genuine token", i.verified.len())
		}
	})
	t.Run("refused_token_not_cached", func(t *testing.T) {
		i := newIssuer(t, testConfig(), &memStore{})
		tok := mustIssue(t, newIssuer(t, testConfig(), &memStore{})) // another issuer's key
		for range 2 {
			if _, err := i.Parse(tok, now); !errors.Is(err, errUnknownKey) {
				t.Fatalf("Parse = %v, want the unknown-key error", err)
			}
		}
		if i.verified.len() != 0 {
			t.Fatalf("cache holds %d entries after refusals, want 0", i.verified.len())
		}
	})
	t.Run("bounded_and_keeps_tokens_in_use", func(t *testing.T) {
		var c verifiedCache
		hot := sha256.Sum256([]byte("hot"))
		c.put(hot, cachedClaims{claims: account.AccessClaims{UserID: 1}})
		for n := range 100 * cacheShards * cacheGeneration {
			c.put(sha256.Sum256([]byte(strconv.Itoa(n))), cachedClaims{})
			if n%(cacheGeneration/2) == 0 {
				if _, ok := c.get(hot); !ok {
					t.Fatalf("a token in use was dropped after %d others", n)
				}
			}
		}
		if n, limit := c.len(), 2*cacheShards*cacheGeneration; n > limit {
			t.Fatalf("cache holds %d entries, more than its bound %d", n, limit)
		}
	})
}

// BenchmarkParseVerify measures a Parse that misses the cache: the signature
// verification every new token costs once.
func BenchmarkParseVerify(b *testing.B) {
	i := benchIssuer(b, EdDSA)
	tok := mustIssue(b, i)
	k := cacheKey(tok)
	s := i.verified.shard(&k)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := i.Parse(tok, now); err != nil {
			b.Fatal(err)
		}
		s.mu.Lock()
		delete(s.cur, k)
		s.mu.Unlock()
	}
}

// BenchmarkParseCached measures the Parse of a token already verified.
func BenchmarkParseCached(b *testing.B) {
	i := benchIssuer(b, EdDSA)
	tok := mustIssue(b, i)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := i.Parse(tok, now); err != nil {
			b.Fatal(err)
		}
	}
}
