package token

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// verifiedCache remembers access tokens Parse has already verified, so that a client
// sending the same token with every request costs a SHA-256 of it instead of a
// signature verification each time (about 45 µs of Ed25519, more for ES256).
//
// Why this is safe:
//   - The key is the SHA-256 of the whole token: only the very token that was verified
//     (header, claims and signature, byte for byte) finds its entry. A forged or altered
//     token misses and is verified in full.
//   - Only successes are cached, and an entry holds exactly the claims that Parse
//     returned for the token. Everything else Parse checks depends only on the token
//     and the Issuer's keys and settings, which never change after New, except the
//     time: a hit checks exp, iat and nbf against now again, as Parse would.
//   - Revocation is untouched: Authenticate reads the token's session from the
//     database on every request, cached or not, so a logout refuses the token at once.
//
// It is bounded: each shard keeps two generations of at most cacheGeneration entries.
// When the current one fills, it becomes the old one and the old one is dropped, so
// memory stays under cacheShards × 2 × cacheGeneration entries (about 200 bytes each)
// and a token that is still in use moves back into the current generation on its next
// hit. Expired entries go with their generation.
type verifiedCache struct {
	shards [cacheShards]cacheShard
}

const (
	cacheShards     = 16
	cacheGeneration = 512
)

type cacheShard struct {
	mu       sync.Mutex
	cur, old map[[sha256.Size]byte]cachedClaims
}

// cachedClaims are what Parse returned for a token, and its nbf (not among the
// claims it returns, but checked again on every hit).
type cachedClaims struct {
	claims    account.AccessClaims
	notBefore int64
}

func cacheKey(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

func (c *verifiedCache) shard(k *[sha256.Size]byte) *cacheShard { return &c.shards[k[0]%cacheShards] }

// get returns the cached entry of the token with key k.
func (c *verifiedCache) get(k [sha256.Size]byte) (cachedClaims, bool) {
	s := c.shard(&k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.cur[k]; ok {
		return e, true
	}
	e, ok := s.old[k]
	if ok {
		s.insert(k, e)
	}
	return e, ok
}

// put remembers a verified token's entry.
func (c *verifiedCache) put(k [sha256.Size]byte, e cachedClaims) {
	s := c.shard(&k)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insert(k, e)
}

func (s *cacheShard) insert(k [sha256.Size]byte, e cachedClaims) {
	if len(s.cur) >= cacheGeneration {
		s.old, s.cur = s.cur, nil
	}
	if s.cur == nil {
		s.cur = make(map[[sha256.Size]byte]cachedClaims, cacheGeneration)
	}
	s.cur[k] = e
}

// len counts the entries, for tests.
func (c *verifiedCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.cur) + len(s.old)
		s.mu.Unlock()
	}
	return n
}

// checkTimes applies Parse's time checks to a cached entry at now: the token must not
// have expired, and must not be from the future.
func (i *Issuer) checkTimes(e cachedClaims, now time.Time) error {
	if !now.Before(e.claims.ExpiresAt.Add(i.leeway)) {
		return errExpired
	}
	latest := now.Add(i.leeway)
	if e.claims.IssuedAt.After(latest) || (e.notBefore != 0 && time.Unix(e.notBefore, 0).After(latest)) {
		return errNotYet
	}
	return nil
}
