package accountd_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/clients/go/accountd"
)

// The tests of this module run against fakeAccountd, a small stand-in for the server
// with the same answers on the operations the hand-written code uses (login, refresh,
// logout, me, the key set), so that they can count, delay and break them. The same code
// runs against the real accountd in the repository's clienttests.

// accountdURL is the base URL of a fakeAccountd the examples use.
var accountdURL string

func TestMain(m *testing.M) {
	f := newFakeAccountd()
	srv := httptest.NewServer(f)
	accountdURL = srv.URL
	code := m.Run()
	srv.Close()
	os.Exit(code)
}

const (
	fakeIssuer   = "https://accounts.example.com"
	fakeAudience = "accountd"
	fakeLogin    = "ada"
	fakePassword = "correct-horse-battery"
	fakeUserID   = 7
)

// fakeAccountd issues real EdDSA access tokens and single-use refresh tokens.
type fakeAccountd struct {
	mux  *http.ServeMux
	kid  string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey

	mu       sync.Mutex
	now      func() time.Time
	ttl      time.Duration
	refresh  map[string]string // refresh token → its state: "live" or "spent"
	ended    bool              // the session was ended by a reuse or a logout
	failNext int               // refreshes still to answer 503 without doing anything
	loseNext int               // refreshes still to do, then answer 503 as if the answer were lost
	delay    time.Duration     // how long a refresh takes

	refreshes   atomic.Int64 // POST /v1/auth/refresh requests
	reuses      atomic.Int64 // spent refresh tokens presented
	jwksFetches atomic.Int64
	keys        map[string]string // Idempotency-Key → refresh token first sent with it
	replays     atomic.Int64      // requests answered from an Idempotency-Key
	answers     map[string][]byte // Idempotency-Key → first answer
}

func newFakeAccountd() *fakeAccountd {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	f := &fakeAccountd{
		mux: http.NewServeMux(), kid: "key-1", priv: priv, pub: pub,
		now: time.Now, ttl: 15 * time.Minute,
		refresh: map[string]string{}, keys: map[string]string{}, answers: map[string][]byte{},
	}
	f.mux.HandleFunc("POST /v1/auth/login", f.login)
	f.mux.HandleFunc("POST /v1/auth/refresh", f.refreshTokens)
	f.mux.HandleFunc("POST /v1/auth/logout", f.logout)
	f.mux.HandleFunc("GET /v1/me", f.me)
	f.mux.HandleFunc("GET /.well-known/jwks.json", f.jwks)
	return f
}

func (f *fakeAccountd) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

func problem(w http.ResponseWriter, status int, code accountd.ProblemCode, fields ...accountd.FieldError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	p := map[string]any{"type": "urn:accountd:problem:" + string(code), "title": http.StatusText(status), "status": status, "code": code, "request_id": "req-" + string(code)}
	if len(fields) > 0 {
		p["errors"] = fields
	}
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeAccountd) login(w http.ResponseWriter, r *http.Request) {
	var body accountd.LoginRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		problem(w, 400, accountd.ProblemCodeMalformedRequest)
		return
	}
	if body.Login != fakeLogin || body.Password != fakePassword {
		problem(w, 401, accountd.ProblemCodeInvalidCredentials)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = false
	writeJSON(w, 200, f.issue())
}

// issue makes a new pair of tokens; f.mu is held.
func (f *fakeAccountd) issue() accountd.TokenPair {
	rt := rand.Text()
	f.refresh[rt] = "live"
	return accountd.TokenPair{
		AccessToken:  f.sign(map[string]any{"typ": "at+jwt", "alg": "EdDSA", "kid": f.kid}, f.claims()),
		RefreshToken: rt, TokenType: accountd.TokenPairTokenTypeBearer, ExpiresIn: int32(f.ttl / time.Second),
	}
}

func (f *fakeAccountd) claims() map[string]any {
	now := f.now()
	return map[string]any{
		"iss": fakeIssuer, "aud": fakeAudience, "sub": strconv.Itoa(fakeUserID), "sid": "s-1", "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(f.ttl).Unix(),
	}
}

// sign makes a compact JWS of claims with header, signed with f's key.
func (f *fakeAccountd) sign(header, claims map[string]any) string {
	return signEd25519(f.priv, header, claims)
}

func signEd25519(priv ed25519.PrivateKey, header, claims map[string]any) string {
	input := segment(header) + "." + segment(claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(input)))
}

func segment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (f *fakeAccountd) refreshTokens(w http.ResponseWriter, r *http.Request) {
	f.refreshes.Add(1)
	var body accountd.RefreshRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		problem(w, 400, accountd.ProblemCodeMalformedRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	time.Sleep(f.delay) // holding f.mu: one refresh at a time, as a database row lock would
	key := r.Header.Get(accountd.IdempotencyKeyHeader)
	if answer, ok := f.answers[key]; ok && f.keys[key] == body.RefreshToken {
		f.replays.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
		return
	}
	if f.failNext > 0 {
		f.failNext--
		w.Header().Set("Retry-After", "0")
		problem(w, 503, accountd.ProblemCodeUnavailable)
		return
	}
	switch f.refresh[body.RefreshToken] {
	case "live":
	case "spent":
		// As accountd does outside its grace window: a reuse ends the session.
		f.reuses.Add(1)
		f.ended = true
		fallthrough
	default:
		problem(w, 401, accountd.ProblemCodeRefreshTokenInvalid)
		return
	}
	if f.ended {
		problem(w, 401, accountd.ProblemCodeRefreshTokenInvalid)
		return
	}
	f.refresh[body.RefreshToken] = "spent"
	answer, _ := json.Marshal(f.issue())
	if key != "" {
		f.keys[key], f.answers[key] = body.RefreshToken, answer
	}
	if f.loseNext > 0 {
		f.loseNext--
		problem(w, 503, accountd.ProblemCodeUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(answer)
}

func (f *fakeAccountd) logout(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.authenticate(r); !ok {
		problem(w, 401, accountd.ProblemCodeUnauthenticated)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = true
	w.WriteHeader(204)
}

// authenticate checks the bearer token the way a service would, with a Verifier.
func (f *fakeAccountd) authenticate(r *http.Request) (*accountd.Claims, bool) {
	v, err := accountd.NewVerifier(accountd.VerifierConfig{
		JWKSURL: "http://" + r.Host + "/.well-known/jwks.json", Issuer: fakeIssuer, Audience: fakeAudience,
		Now: f.now,
	})
	if err != nil {
		return nil, false
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims, err := v.Verify(r.Context(), token)
	f.mu.Lock()
	defer f.mu.Unlock()
	return claims, err == nil && !f.ended
}

func (f *fakeAccountd) me(w http.ResponseWriter, r *http.Request) {
	claims, ok := f.authenticate(r)
	if !ok {
		problem(w, 401, accountd.ProblemCodeUnauthenticated)
		return
	}
	writeJSON(w, 200, map[string]any{"id": claims.UserID, "username": fakeLogin, "email": "ada@example.com"})
}

func (f *fakeAccountd) jwks(w http.ResponseWriter, r *http.Request) {
	f.jwksFetches.Add(1)
	writeJSON(w, 200, map[string]any{"keys": []map[string]string{
		{"kty": "OKP", "crv": "Ed25519", "kid": f.kid, "alg": "EdDSA", "use": "sig", "x": base64.RawURLEncoding.EncodeToString(f.pub)},
	}})
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startFake starts a fakeAccountd on the clock for one test.
func startFake(t *testing.T, clock *fakeClock) (*fakeAccountd, string) {
	t.Helper()
	f := newFakeAccountd()
	if clock != nil {
		f.now = clock.Now
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}
