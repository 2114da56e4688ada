package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// PEM encodings of the same key types in each format KeyFiles accepts.
func keyFilePEMs(t *testing.T) map[string][]byte {
	t.Helper()
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"EdDSA/pkcs8": pkcs8(ed),
		"ES256/pkcs8": pkcs8(ec),
		"ES256/sec1":  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
		"RS256/pkcs8": pkcs8(rk),
		"RS256/pkcs1": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}),
	}
}

func TestKeyFiles(t *testing.T) {
	for name, pemBytes := range keyFilePEMs(t) {
		t.Run(name, func(t *testing.T) {
			alg, _, _ := strings.Cut(name, "/")
			cfg := testConfig()
			cfg.KeyFiles = []string{writeKey(t, "key.pem", pemBytes)}
			i := newIssuer(t, cfg, nil) // no store needed
			if got := i.signing.alg.String(); got != alg {
				t.Fatalf("inferred algorithm %s, want %s", got, alg)
			}
			tok := mustIssue(t, i)
			if hdr := decodeSegment(t, strings.Split(tok, ".")[0]); hdr["alg"] != alg {
				t.Fatalf("header alg %v, want %s", hdr["alg"], alg)
			}
			if _, err := i.Parse(tok, now); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			// The same file loaded again (a restart) gives the same kid and verifies.
			if _, err := newIssuer(t, cfg, nil).Parse(tok, now); err != nil {
				t.Fatalf("Parse after reload: %v", err)
			}
		})
	}
}

// The kid is the RFC 7638 thumbprint, computed here by hand for Ed25519 (RFC 8037 §A.3).
func TestKeyIDIsThumbprint(t *testing.T) {
	pemBytes := generate(t, EdDSA)
	k, err := parseKeyPEM(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	x := base64.RawURLEncoding.EncodeToString(k.public.(ed25519.PublicKey))
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); k.id != want {
		t.Fatalf("kid %s, want %s", k.id, want)
	}
}

// The first key file signs; every file's key verifies (a retired key stays listed).
func TestKeyFilesRotation(t *testing.T) {
	oldKey := writeKey(t, "old.pem", generate(t, EdDSA))
	newKey := writeKey(t, "new.pem", generate(t, ES256))

	cfg := testConfig()
	cfg.KeyFiles = []string{oldKey}
	before := newIssuer(t, cfg, nil)
	oldToken := mustIssue(t, before)

	cfg.KeyFiles = []string{newKey, oldKey}
	after := newIssuer(t, cfg, nil)
	if after.signing.alg.String() != ES256 {
		t.Fatalf("signing with %s, want the first file's ES256", after.signing.alg)
	}
	if _, err := after.Parse(oldToken, now); err != nil {
		t.Fatalf("token of the retired key: %v", err)
	}
	if _, err := after.Parse(mustIssue(t, after), now); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := before.Parse(mustIssue(t, after), now); err == nil {
		t.Fatal("an issuer without the new key accepted its token")
	}
}

func TestKeyFilesRefused(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	ed := generate(t, EdDSA)
	edPath := writeKey(t, "ed.pem", ed)
	pubDER, err := x509.MarshalPKIXPublicKey(p384.Public())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		files     []string
		algorithm string
		wantErr   string
	}{
		{"missing_file", []string{"/nonexistent/key.pem"}, "", "no such file"},
		{"not_pem", []string{writeKey(t, "k", []byte("hello"))}, "", "no PEM block"},
		{"public_key", []string{writeKey(t, "k", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))}, "", "not a private key"},
		{"encrypted_pkcs8", []string{writeKey(t, "k", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}))}, "", "encrypted"},
		{"legacy_encrypted", []string{writeKey(t, "k", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}}))}, "", "encrypted"},
		{"p384", []string{writeKey(t, "k", pkcs8(p384))}, "", "P-384"},
		{"rsa_1024", []string{writeKey(t, "k", pkcs8(rsa1024))}, "", "too short"},
		{"same_key_twice", []string{edPath, writeKey(t, "copy.pem", ed)}, "", "same key"},
		{"algorithm_mismatch", []string{edPath}, RS256, "algorithm is RS256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.KeyFiles = c.files
			cfg.Algorithm = c.algorithm
			_, err := New(context.Background(), cfg, nil)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("New: %v, want an error containing %q", err, c.wantErr)
			}
		})
	}
}

func TestConfigRefused(t *testing.T) {
	cases := map[string]func(*Config){
		"no_issuer":   func(c *Config) { c.Issuer = "" },
		"no_audience": func(c *Config) { c.Audience = "" },
		"no_ttl":      func(c *Config) { c.TTL = 0 },
		"long_ttl":    func(c *Config) { c.TTL = 48 * time.Hour },
		"hs256":       func(c *Config) { c.Algorithm = "HS256" },
		"none":        func(c *Config) { c.Algorithm = "none" },
		"neg_leeway":  func(c *Config) { c.Leeway = -time.Second },
		"huge_leeway": func(c *Config) { c.Leeway = time.Hour },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			change(&cfg)
			if _, err := New(context.Background(), cfg, &memStore{}); err == nil {
				t.Fatal("New accepted the config")
			}
		})
	}
	if _, err := New(context.Background(), testConfig(), nil); err == nil {
		t.Error("New accepted neither key files nor a store")
	}
}

func jwksKeys(t *testing.T, i *Issuer) []map[string]any {
	t.Helper()
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(i.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Keys
}

// The JWKS lists every key with kid, alg and use, and no private member.
func TestJWKS(t *testing.T) {
	pems := keyFilePEMs(t)
	cfg := testConfig()
	for _, name := range []string{"EdDSA/pkcs8", "ES256/sec1", "RS256/pkcs1"} {
		cfg.KeyFiles = append(cfg.KeyFiles, writeKey(t, "k.pem", pems[name]))
	}
	i := newIssuer(t, cfg, nil)
	keys := jwksKeys(t, i)
	if len(keys) != 3 {
		t.Fatalf("%d keys published, want 3", len(keys))
	}
	wantKty := map[string]string{EdDSA: "OKP", ES256: "EC", RS256: "RSA"}
	for n, k := range keys {
		alg, _ := k["alg"].(string)
		if k["kty"] != wantKty[alg] || k["use"] != "sig" || k["kid"] == "" || i.keys[k["kid"].(string)] == nil {
			t.Errorf("key %d: %v", n, k)
		}
		// RFC 7517/7518 private members: d (EC, OKP, RSA), p q dp dq qi oth (RSA), k (oct).
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("key %d (%s) publishes private member %q", n, alg, private)
			}
		}
	}
	if keys[0]["kid"] != i.KeyID() {
		t.Errorf("first published key %v, want the signing key %s", keys[0]["kid"], i.KeyID())
	}

	// Callers cannot alter the published document.
	b := i.JWKS()
	b[0] = 'X'
	if i.JWKS()[0] != '{' {
		t.Error("JWKS returned its internal buffer")
	}

	// Another service verifies our tokens with nothing but the JWKS and plain jwx.
	set, err := jwk.Parse(i.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	tok := mustIssue(t, i)
	parsed, err := jwt.ParseString(tok, jwt.WithKeySet(set), jwt.WithIssuer(cfg.Issuer), jwt.WithAudience(cfg.Audience),
		jwt.WithClock(jwt.ClockFunc(func() time.Time { return now })))
	if err != nil {
		t.Fatalf("jwt.Parse with the JWKS: %v", err)
	}
	if sub, _ := parsed.Subject(); sub != "42" {
		t.Errorf("sub %q", sub)
	}
}

func TestGenerateKeyPEM(t *testing.T) {
	for _, alg := range []string{EdDSA, ES256, RS256} {
		p := generate(t, alg)
		k, err := parseKeyPEM(p)
		if err != nil || k.alg.String() != alg {
			t.Errorf("%s: parsed back as %v, %v", alg, k, err)
		}
	}
	if _, err := GenerateKeyPEM("HS256"); err == nil {
		t.Error("HS256 key generated")
	}
}
