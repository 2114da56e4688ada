package accountd_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/clients/go/accountd"
)

// signingKey is a private key of one of the algorithms accountd signs with.
type signingKey struct {
	kid, alg string
	priv     crypto.Signer
}

func (k signingKey) jwk() map[string]string {
	b := base64.RawURLEncoding.EncodeToString
	switch pub := k.priv.Public().(type) {
	case ed25519.PublicKey:
		return map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b(pub), "kid": k.kid, "alg": k.alg, "use": "sig"}
	case *ecdsa.PublicKey:
		raw, _ := pub.Bytes()
		return map[string]string{"kty": "EC", "crv": "P-256", "x": b(raw[1:33]), "y": b(raw[33:]), "kid": k.kid, "alg": k.alg, "use": "sig"}
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "n": b(pub.N.Bytes()), "e": b(big.NewInt(int64(pub.E)).Bytes()), "kid": k.kid, "alg": k.alg, "use": "sig"}
	}
	panic("unknown key type")
}

// sign makes a compact JWS of claims, with header fields over the key's own
// (kid, alg, typ at+jwt), signed by the key's algorithm whatever the header says.
func (k signingKey) sign(t *testing.T, claims map[string]any, header map[string]any) string {
	t.Helper()
	h := map[string]any{"kid": k.kid, "alg": k.alg, "typ": "at+jwt"}
	for name, v := range header {
		if v == nil {
			delete(h, name)
		} else {
			h[name] = v
		}
	}
	input := segment(h) + "." + segment(claims)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch priv := k.priv.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(priv, []byte(input))
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, priv, sum[:])
		if err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, sum[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

var (
	keysOnce sync.Once
	testKeys map[string]signingKey
)

// keys returns one key of each algorithm, made once (RSA keys take a while).
func keys(t *testing.T) map[string]signingKey {
	keysOnce.Do(func() {
		_, ed, err1 := ed25519.GenerateKey(rand.Reader)
		ec, err2 := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		rs, err3 := rsa.GenerateKey(rand.Reader, 2048)
		if err := errors.Join(err1, err2, err3); err != nil {
			panic(err)
		}
		testKeys = map[string]signingKey{
			"EdDSA": {"ed-1", "EdDSA", ed},
			"ES256": {"ec-1", "ES256", ec},
			"RS256": {"rs-1", "RS256", rs},
		}
	})
	return testKeys
}

// jwksServer publishes a key set tests can change, counting fetches.
type jwksServer struct {
	mu      sync.Mutex
	keys    []map[string]string
	down    bool
	fetches atomic.Int64
	url     string
}

func newJWKSServer(t *testing.T, keys ...map[string]string) *jwksServer {
	s := &jwksServer{keys: keys}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.down {
			http.Error(w, "down", 503)
			return
		}
		writeJSON(w, 200, map[string]any{"keys": s.keys})
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/.well-known/jwks.json"
	return s
}

func (s *jwksServer) set(keys ...map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

var epoch = time.Unix(1_800_000_000, 0)

func validClaims() map[string]any {
	return map[string]any{
		"iss": fakeIssuer, "aud": fakeAudience, "sub": "42", "sid": "s-9", "jti": "j-1",
		"iat": epoch.Unix(), "exp": epoch.Add(15 * time.Minute).Unix(),
	}
}

func with(claims map[string]any, name string, v any) map[string]any {
	c := map[string]any{}
	for k, x := range claims {
		c[k] = x
	}
	if v == nil {
		delete(c, name)
	} else {
		c[name] = v
	}
	return c
}

func newVerifier(t *testing.T, jwks *jwksServer, clock *fakeClock) *accountd.Verifier {
	t.Helper()
	v, err := accountd.NewVerifier(accountd.VerifierConfig{JWKSURL: jwks.url, Issuer: fakeIssuer, Audience: fakeAudience, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifierAcceptsEachAlgorithm(t *testing.T) {
	ks := keys(t)
	jwks := newJWKSServer(t, ks["EdDSA"].jwk(), ks["ES256"].jwk(), ks["RS256"].jwk())
	v := newVerifier(t, jwks, &fakeClock{now: epoch.Add(time.Minute)})
	for alg, k := range ks {
		claims, err := v.Verify(context.Background(), k.sign(t, validClaims(), nil))
		if err != nil {
			t.Errorf("%s: %v", alg, err)
			continue
		}
		if claims.UserID != 42 || claims.SessionID != "s-9" || claims.ID != "j-1" || !claims.Expiry.Equal(epoch.Add(15*time.Minute)) {
			t.Errorf("%s: claims %+v", alg, claims)
		}
	}
	if n := jwks.fetches.Load(); n != 1 {
		t.Errorf("%d key set fetches for three tokens of known keys, want 1", n)
	}
}

// Each case is an attack or a mistake the Verifier must refuse.
func TestVerifierRefuses(t *testing.T) {
	ks := keys(t)
	ed, ec, rs := ks["EdDSA"], ks["ES256"], ks["RS256"]
	jwks := newJWKSServer(t, ed.jwk(), ec.jwk(), rs.jwk())
	clock := &fakeClock{now: epoch.Add(time.Minute)}
	v := newVerifier(t, jwks, clock)
	good := ed.sign(t, validClaims(), nil)
	parts := strings.Split(good, ".")

	hmacWith := func(secret []byte, kid string) string {
		input := segment(map[string]any{"kid": kid, "alg": "HS256", "typ": "at+jwt"}) + "." + segment(validClaims())
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	impostor := signingKey{ed.kid, "EdDSA", other} // the right kid, another key
	rsPub, _ := json.Marshal(rs.jwk())

	for name, token := range map[string]string{
		"alg none": segment(map[string]any{"kid": ed.kid, "alg": "none", "typ": "at+jwt"}) + "." + parts[1] + ".",
		"HS256 keyed with the Ed25519 public key": hmacWith(ed.priv.Public().(ed25519.PublicKey), ed.kid),
		"HS256 keyed with the RSA JWK":            hmacWith(rsPub, rs.kid),
		"another algorithm for the key":           ec.sign(t, validClaims(), map[string]any{"kid": ed.kid, "alg": "ES256"}),
		"the right kid, another key":              impostor.sign(t, validClaims(), nil),
		"payload changed after signing":           parts[0] + "." + segment(with(validClaims(), "sub", "1")) + "." + parts[2],
		"no kid":                                  ed.sign(t, validClaims(), map[string]any{"kid": nil}),
		"unknown kid":                             ed.sign(t, validClaims(), map[string]any{"kid": "made-up"}),
		"not an access token (typ JWT)":           ed.sign(t, validClaims(), map[string]any{"typ": "JWT"}),
		"no typ":                                  ed.sign(t, validClaims(), map[string]any{"typ": nil}),
		"a crit header":                           ed.sign(t, validClaims(), map[string]any{"crit": []string{"exp"}}),
		"expired":                                 ed.sign(t, with(validClaims(), "exp", epoch.Add(-11*time.Second+time.Minute).Unix()), nil),
		"no exp":                                  ed.sign(t, with(validClaims(), "exp", nil), nil),
		"issued in the future":                    ed.sign(t, with(validClaims(), "iat", epoch.Add(2*time.Minute).Unix()), nil),
		"not valid yet":                           ed.sign(t, with(validClaims(), "nbf", epoch.Add(2*time.Minute).Unix()), nil),
		"another issuer":                          ed.sign(t, with(validClaims(), "iss", "https://evil.example.com"), nil),
		"another audience":                        ed.sign(t, with(validClaims(), "aud", "billing"), nil),
		"a subject that is not a user":            ed.sign(t, with(validClaims(), "sub", "007"), nil),
		"no session":                              ed.sign(t, with(validClaims(), "sid", nil), nil),
		"not a JWS":                               "abc.def",
		"too long":                                good + strings.Repeat("A", 4096),
	} {
		if _, err := v.Verify(context.Background(), token); !errors.Is(err, accountd.ErrInvalidToken) {
			t.Errorf("%s: got %v, want ErrInvalidToken", name, err)
		}
	}

	// Within the leeway (10 s) either way is fine; an audience list that names us too.
	for name, claims := range map[string]map[string]any{
		"expired 5 s ago":     with(validClaims(), "exp", epoch.Add(-5*time.Second+time.Minute).Unix()),
		"issued 5 s from now": with(validClaims(), "iat", epoch.Add(5*time.Second+time.Minute).Unix()),
		"audience list":       with(validClaims(), "aud", []string{"billing", fakeAudience}),
	} {
		if _, err := v.Verify(context.Background(), ed.sign(t, claims, nil)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestVerifierIgnoresKeysItCannotTrust(t *testing.T) {
	ks := keys(t)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	weakKey := signingKey{"weak", "RS256", weak}
	noAlg := ks["EdDSA"].jwk()
	delete(noAlg, "alg")
	offCurve := ks["ES256"].jwk()
	offCurve["y"] = offCurve["x"]
	encryption := ks["RS256"].jwk()
	encryption["use"] = "enc"
	jwks := newJWKSServer(t, weakKey.jwk(), noAlg, offCurve, encryption)
	v := newVerifier(t, jwks, &fakeClock{now: epoch.Add(time.Minute)})
	for name, token := range map[string]string{
		"a 1024-bit RSA key":    weakKey.sign(t, validClaims(), nil),
		"a key without alg":     ks["EdDSA"].sign(t, validClaims(), nil),
		"a point off the curve": ks["ES256"].sign(t, validClaims(), nil),
		"an encryption key":     ks["RS256"].sign(t, validClaims(), nil),
	} {
		if _, err := v.Verify(context.Background(), token); !errors.Is(err, accountd.ErrInvalidToken) {
			t.Errorf("%s: got %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestVerifierFetchesKeys(t *testing.T) {
	ks := keys(t)
	ed, ec := ks["EdDSA"], ks["ES256"]
	jwks := newJWKSServer(t, ed.jwk())
	clock := &fakeClock{now: epoch.Add(time.Minute)}
	v := newVerifier(t, jwks, clock)
	ctx := context.Background()
	if _, err := v.Verify(ctx, ed.sign(t, validClaims(), nil)); err != nil {
		t.Fatal(err)
	}

	// A flood of made-up kids costs one fetch per MinRefreshInterval (30 s).
	flood := func() {
		for range 100 {
			_, err := v.Verify(ctx, ed.sign(t, validClaims(), map[string]any{"kid": rand.Text()}))
			if !errors.Is(err, accountd.ErrInvalidToken) {
				t.Fatalf("unknown kid: %v", err)
			}
		}
	}
	flood()
	if n := jwks.fetches.Load(); n != 1 {
		t.Errorf("%d fetches after 100 unknown kids right after the first, want 1", n)
	}
	clock.Advance(31 * time.Second)
	flood()
	if n := jwks.fetches.Load(); n != 2 {
		t.Errorf("%d fetches after 100 more unknown kids 31 s later, want 2", n)
	}

	// accountd rotates to a new key: its tokens verify once the interval has passed.
	jwks.set(ed.jwk(), ec.jwk())
	newToken := ec.sign(t, with(validClaims(), "exp", epoch.Add(time.Hour).Unix()), nil)
	clock.Advance(31 * time.Second)
	if _, err := v.Verify(ctx, newToken); err != nil {
		t.Fatalf("a token of the new key: %v", err)
	}

	// The set is fetched again once older than MaxKeyAge (an hour); a failure keeps the
	// old one serving.
	before := jwks.fetches.Load()
	jwks.mu.Lock()
	jwks.down = true
	jwks.mu.Unlock()
	clock.Advance(61 * time.Minute)
	stillValid := ed.sign(t, with(validClaims(), "exp", epoch.Add(2*time.Hour).Unix()), nil)
	if _, err := v.Verify(ctx, stillValid); err != nil {
		t.Errorf("keys unreachable after an hour: %v; want the old set to go on serving", err)
	}
	if jwks.fetches.Load() != before+1 {
		t.Errorf("an hour-old key set was not fetched again")
	}
}

func TestVerifierMiddleware(t *testing.T) {
	ed := keys(t)["EdDSA"]
	jwks := newJWKSServer(t, ed.jwk())
	clock := &fakeClock{now: epoch.Add(time.Minute)}
	v := newVerifier(t, jwks, clock)
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := accountd.ClaimsFromContext(r.Context())
		if !ok {
			t.Error("no claims in the context")
			return
		}
		_ = json.NewEncoder(w).Encode(claims.UserID)
	}))
	call := func(auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := call("Bearer " + ed.sign(t, validClaims(), nil)); w.Code != 200 || strings.TrimSpace(w.Body.String()) != "42" {
		t.Errorf("valid token: %d %s", w.Code, w.Body)
	}
	for _, auth := range []string{"", "Basic YWRhOnB3", "Bearer ", "Bearer " + ed.sign(t, with(validClaims(), "aud", "other"), nil)} {
		w := call(auth)
		if w.Code != 401 || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("Authorization %q: %d %q %q, want 401 with a Bearer challenge and a problem", auth, w.Code, w.Header().Get("WWW-Authenticate"), w.Body)
		}
	}

	// Keys never fetched: the token is not known to be bad, the service is unavailable.
	down := newJWKSServer(t)
	down.down = true
	v2 := newVerifier(t, down, clock)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+ed.sign(t, validClaims(), nil))
	w := httptest.NewRecorder()
	v2.Middleware(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != 503 {
		t.Errorf("keys unreachable: %d, want 503", w.Code)
	}
}
