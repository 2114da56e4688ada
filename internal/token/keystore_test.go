package token

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// Without key files, the key is generated once and kept in the store: a restart (a
// second New over the same store) signs with it and verifies earlier tokens.
func TestStoredKeyPersists(t *testing.T) {
	store := &memStore{}
	first := newIssuer(t, testConfig(), store)
	tok := mustIssue(t, first)
	if store.len() != 1 {
		t.Fatalf("%d keys stored, want 1", store.len())
	}
	sk := store.keys[0]
	if sk.ID != first.KeyID() || sk.Algorithm != EdDSA || !strings.HasPrefix(string(sk.Private), "-----BEGIN PRIVATE KEY-----") || sk.CreatedAt.IsZero() {
		t.Fatalf("stored key %s %s %v", sk.ID, sk.Algorithm, sk.CreatedAt)
	}

	second := newIssuer(t, testConfig(), store)
	if store.len() != 1 || second.KeyID() != first.KeyID() {
		t.Fatalf("restart: %d keys stored, kid %s; want 1 and %s", store.len(), second.KeyID(), first.KeyID())
	}
	if _, err := second.Parse(tok, now); err != nil {
		t.Fatalf("restart rejects earlier token: %v", err)
	}
}

// Changing the algorithm adds a key; the old one still verifies and is still published.
func TestStoredKeyAlgorithmChange(t *testing.T) {
	store := &memStore{}
	ed := newIssuer(t, testConfig(), store)
	edToken := mustIssue(t, ed)

	cfg := testConfig()
	cfg.Algorithm = ES256
	es := newIssuer(t, cfg, store)
	if es.signing.alg.String() != ES256 || store.len() != 2 {
		t.Fatalf("signing with %s, %d keys stored; want ES256 and 2", es.signing.alg, store.len())
	}
	if _, err := es.Parse(edToken, now); err != nil {
		t.Fatalf("token of the previous key: %v", err)
	}
	if set := jwksKeys(t, es); len(set) != 2 || set[0]["kid"] != es.KeyID() {
		t.Fatalf("JWKS %v: want the signing key first, then the old one", set)
	}
	// Back to EdDSA: the original key signs again.
	if back := newIssuer(t, testConfig(), store); back.KeyID() != ed.KeyID() {
		t.Fatalf("back to EdDSA signs with %s, want %s", back.KeyID(), ed.KeyID())
	}
}

// With several stored keys of one algorithm, the oldest signs (ID breaks ties), whatever
// the order the store returns them in.
func TestStoredKeyOldestSigns(t *testing.T) {
	mk := func(created time.Time) account.SigningKey {
		p := generate(t, EdDSA)
		k, err := parseKeyPEM(p)
		if err != nil {
			t.Fatal(err)
		}
		return account.SigningKey{ID: k.id, Algorithm: EdDSA, Private: p, CreatedAt: created}
	}
	older, newer := mk(now), mk(now.Add(time.Second))
	store := &memStore{keys: []account.SigningKey{newer, older}}
	if got := newIssuer(t, testConfig(), store).KeyID(); got != older.ID {
		t.Fatalf("signing with %s, want the older %s", got, older.ID)
	}

	a, b := mk(now), mk(now)
	low := min(a.ID, b.ID)
	store = &memStore{keys: []account.SigningKey{a, b}}
	if got := newIssuer(t, testConfig(), store).KeyID(); got != low {
		t.Fatalf("tie: signing with %s, want the lower ID %s", got, low)
	}
}

func TestStoredKeyCorrupt(t *testing.T) {
	p := generate(t, EdDSA)
	k, err := parseKeyPEM(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, sk := range map[string]account.SigningKey{
		"id_not_thumbprint":  {ID: "someone-else", Algorithm: EdDSA, Private: p, CreatedAt: now},
		"algorithm_mismatch": {ID: k.id, Algorithm: RS256, Private: p, CreatedAt: now},
		"not_a_key":          {ID: k.id, Algorithm: EdDSA, Private: []byte("junk"), CreatedAt: now},
	} {
		t.Run(name, func(t *testing.T) {
			store := &memStore{keys: []account.SigningKey{sk}}
			if _, err := New(context.Background(), testConfig(), store); err == nil {
				t.Fatal("New accepted a corrupt stored key")
			}
		})
	}
}

// barrierStore makes n instances start together on an empty store: all read before any
// writes, and all write before any reads again.
type barrierStore struct {
	memStore
	n                 int
	mu                sync.Mutex
	reads, adds       int
	allRead, allAdded chan struct{}
}

func (s *barrierStore) wait(count *int, done chan struct{}) {
	s.mu.Lock()
	*count++
	if *count == s.n {
		close(done)
	}
	s.mu.Unlock()
	<-done
}

func (s *barrierStore) SigningKeys(ctx context.Context) ([]account.SigningKey, error) {
	keys, err := s.memStore.SigningKeys(ctx)
	s.mu.Lock()
	first := s.reads < s.n
	s.mu.Unlock()
	if first {
		s.wait(&s.reads, s.allRead)
	}
	return keys, err
}

func (s *barrierStore) AddFirstSigningKey(ctx context.Context, k account.SigningKey) (bool, error) {
	added, err := s.memStore.AddFirstSigningKey(ctx, k)
	s.wait(&s.adds, s.allAdded)
	return added, err
}

func TestConcurrentStartAgrees(t *testing.T) {
	const n = 3
	store := &barrierStore{n: n, allRead: make(chan struct{}), allAdded: make(chan struct{})}
	issuers := make([]*Issuer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() { issuers[k], errs[k] = New(context.Background(), testConfig(), store) })
	}
	wg.Wait()
	for k := range n {
		if errs[k] != nil {
			t.Fatal(errs[k])
		}
	}
	if store.len() != 1 {
		t.Fatalf("%d keys stored, want 1 (each instance generated one; the first is kept)", store.len())
	}
	for _, i := range issuers[1:] {
		if i.KeyID() != issuers[0].KeyID() {
			t.Fatalf("instances sign with %s and %s", issuers[0].KeyID(), i.KeyID())
		}
	}
	if _, err := issuers[1].Parse(mustIssue(t, issuers[2]), now); err != nil {
		t.Fatal(err)
	}
}
