package token

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// now is the fixed clock of these tests.
var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func testConfig() Config {
	return Config{Issuer: "https://accounts.example.com", Audience: "accountd", TTL: 15 * time.Minute}
}

// memStore is an in-memory KeyStore with account.Store's semantics.
type memStore struct {
	mu   sync.Mutex
	keys []account.SigningKey
}

func (s *memStore) SigningKeys(context.Context) ([]account.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys), nil
}

func (s *memStore) AddSigningKey(_ context.Context, k account.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.ContainsFunc(s.keys, func(e account.SigningKey) bool { return e.ID == k.ID }) {
		s.keys = append(s.keys, k)
	}
	return nil
}

func (s *memStore) AddFirstSigningKey(_ context.Context, k account.SigningKey) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.keys, func(e account.SigningKey) bool { return e.Algorithm == k.Algorithm }) {
		return false, nil
	}
	s.keys = append(s.keys, k)
	return true, nil
}

func (s *memStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.keys)
}

func newIssuer(t testing.TB, cfg Config, store KeyStore) *Issuer {
	t.Helper()
	i, err := New(context.Background(), cfg, store)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return i
}

// writeKey writes pemBytes to a file in a test directory and returns its path.
func writeKey(t testing.TB, name string, pemBytes []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func generate(t testing.TB, alg string) []byte {
	t.Helper()
	p, err := GenerateKeyPEM(alg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// forge builds a compact JWS from raw header and claims without jwx, so that tests can
// write what jwx would refuse to produce. sign receives the signing input.
func forge(t testing.TB, hdr, claims map[string]any, sign func(input []byte) []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(hdr) + "." + enc(claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

// signEd signs with an Ed25519 issuer's signing key.
func signEd(t testing.TB, i *Issuer) func([]byte) []byte {
	priv, ok := i.signing.signer.(ed25519.PrivateKey)
	if !ok {
		t.Fatalf("signing key is %T, not Ed25519", i.signing.signer)
	}
	return func(input []byte) []byte { return ed25519.Sign(priv, input) }
}

// goodHeader and goodClaims are what Issue writes for user 42, session s1, at now.
func goodHeader(i *Issuer) map[string]any {
	return map[string]any{"alg": "EdDSA", "kid": i.KeyID(), "typ": "at+jwt"}
}

func goodClaims(i *Issuer) map[string]any {
	return map[string]any{
		"iss": i.issuer, "aud": i.audience, "sub": "42", "sid": "s1", "jti": "j1",
		"iat": now.Unix(), "exp": now.Add(i.ttl).Unix(),
	}
}

// with returns a copy of m with the given changes; a nil value deletes the entry.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for n := 0; n < len(kv); n += 2 {
		if kv[n+1] == nil {
			delete(out, kv[n].(string))
		} else {
			out[kv[n].(string)] = kv[n+1]
		}
	}
	return out
}

// decodeSegment decodes one base64url JSON segment of a compact JWS.
func decodeSegment(t testing.TB, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
