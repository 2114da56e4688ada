package accountd

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrInvalidToken is wrapped by every refusal of Verifier.Verify; the text after it says
// why (for logs: never tell the caller more than "invalid token").
var ErrInvalidToken = errors.New("accountd: invalid access token")

// VerifierConfig says which tokens a Verifier accepts and where it finds their keys.
type VerifierConfig struct {
	// JWKSURL is accountd's key set, such as
	// "https://accounts.example.com/.well-known/jwks.json". Required.
	JWKSURL string
	// Issuer and Audience must equal the iss and aud claims: accountd's ACCOUNTD_ISSUER
	// and ACCOUNTD_AUDIENCE. Required: a token for another audience is not for you.
	Issuer, Audience string
	// Leeway is the clock difference tolerated on exp, iat and nbf; 0 means 10 seconds.
	Leeway time.Duration
	// MinRefreshInterval is how often, at most, a token signed with a key the Verifier
	// does not know makes it fetch the key set again; 0 means 30 seconds. It keeps a
	// flood of tokens with made-up key IDs from turning into a flood of fetches.
	MinRefreshInterval time.Duration
	// MaxKeyAge is how long a fetched key set is used before it is fetched again (if that
	// fails, the old one goes on serving); 0 means one hour.
	MaxKeyAge time.Duration
	// HTTPClient fetches the key set; nil means one with a 10-second timeout.
	HTTPClient *http.Client
	// Now reads the time; nil means time.Now.
	Now func() time.Time
}

// Claims are what a valid access token says.
type Claims struct {
	// UserID is the account's id (the sub claim), as in Account.Id.
	UserID int64
	// SessionID is the session the token belongs to (sid), as in Session.Id.
	SessionID string
	// ID is the token's own id (jti).
	ID       string
	Issuer   string
	Audience []string
	IssuedAt time.Time
	Expiry   time.Time
}

// A Verifier checks accountd access tokens offline, for services that accept them: the
// signature with accountd's published keys, the algorithm each key is published for
// and no other, the token type (at+jwt), iss, aud, exp, iat and nbf. Keys are fetched
// on first use, kept, fetched again when they get old or when a token names a key not
// seen yet (at most once per MinRefreshInterval). Safe for concurrent use.
//
// Offline verification cannot see a logout that happened after the token was issued;
// where that matters, ask accountd (VerifyTokenWithResponse) or keep tokens short-lived.
type Verifier struct {
	cfg VerifierConfig

	mu        sync.Mutex
	keys      map[string]verificationKey
	fetchedAt time.Time // of the key set in keys
	triedAt   time.Time // of the last fetch, failed or not
	lastErr   error     // of the last fetch
	fetching  chan struct{}
}

// verificationKey is a published public key and the one algorithm it verifies.
type verificationKey struct {
	alg    string
	public crypto.PublicKey
}

// NewVerifier checks cfg and returns a Verifier. It fetches nothing yet; call Refresh
// to fail early when the key set is unreachable.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.JWKSURL == "" || cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("accountd: NewVerifier: JWKSURL, Issuer and Audience are required")
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = 10 * time.Second
	}
	if cfg.MinRefreshInterval <= 0 {
		cfg.MinRefreshInterval = 30 * time.Second
	}
	if cfg.MaxKeyAge <= 0 {
		cfg.MaxKeyAge = time.Hour
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg}, nil
}

// maxTokenLen bounds what Verify decodes: accountd's tokens are under 1 KiB, even with
// RSA keys.
const maxTokenLen = 4096

// Verify checks token and returns its claims. Any refusal wraps ErrInvalidToken, except
// when the keys could not be fetched at all: that error says so instead (answer 503,
// not 401).
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > maxTokenLen {
		return nil, invalid("token too long")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, invalid("not a compact JWS")
	}
	var header struct {
		Alg  string          `json:"alg"`
		Kid  string          `json:"kid"`
		Typ  string          `json:"typ"`
		Crit json.RawMessage `json:"crit"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, invalid("malformed header")
	}
	if header.Kid == "" {
		return nil, invalid("no kid in the header")
	}
	if header.Crit != nil {
		return nil, invalid("crit header: no extension is understood")
	}
	if !strings.EqualFold(header.Typ, "at+jwt") && !strings.EqualFold(header.Typ, "application/at+jwt") {
		return nil, invalid("not an access token (typ " + strconv.Quote(header.Typ) + ")")
	}
	key, err := v.key(ctx, header.Kid)
	if err != nil {
		return nil, err
	}
	// Pinned: the algorithm is the key's, never the token's choice.
	if header.Alg != key.alg {
		return nil, invalid("algorithm " + strconv.Quote(header.Alg) + " is not its key's")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, invalid("malformed signature")
	}
	if !verifySignature(key, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, invalid("bad signature")
	}
	var c tokenClaims
	if err := decodeSegment(parts[1], &c); err != nil {
		return nil, invalid("malformed claims")
	}
	return v.check(&c)
}

// tokenClaims is the payload of an access token, as read before it is checked.
type tokenClaims struct {
	Issuer    string          `json:"iss"`
	Subject   string          `json:"sub"`
	Audience  json.RawMessage `json:"aud"`
	Expiry    json.Number     `json:"exp"`
	IssuedAt  json.Number     `json:"iat"`
	NotBefore json.Number     `json:"nbf"`
	ID        string          `json:"jti"`
	SessionID string          `json:"sid"`
}

// check validates the claims of a token whose signature is good.
func (v *Verifier) check(c *tokenClaims) (*Claims, error) {
	if c.Issuer != v.cfg.Issuer {
		return nil, invalid("issuer " + strconv.Quote(c.Issuer) + " is not " + strconv.Quote(v.cfg.Issuer))
	}
	audience, err := parseAudience(c.Audience)
	if err != nil || !slices.Contains(audience, v.cfg.Audience) {
		return nil, invalid("audience is not " + strconv.Quote(v.cfg.Audience))
	}
	now, leeway := v.cfg.Now(), v.cfg.Leeway
	expiry, ok := numericDate(c.Expiry)
	if !ok || expiry.IsZero() { // a token without exp would never expire
		return nil, invalid("no exp")
	}
	if !now.Before(expiry.Add(leeway)) {
		return nil, invalid("expired")
	}
	issued, ok := numericDate(c.IssuedAt)
	if !ok || issued.IsZero() || issued.After(now.Add(leeway)) {
		return nil, invalid("iat missing or in the future")
	}
	if notBefore, ok := numericDate(c.NotBefore); !ok || notBefore.After(now.Add(leeway)) {
		return nil, invalid("not valid yet (nbf)")
	}
	userID, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || userID <= 0 || strconv.FormatInt(userID, 10) != c.Subject {
		return nil, invalid("sub is not a user id")
	}
	if c.SessionID == "" || c.ID == "" {
		return nil, invalid("sid or jti missing")
	}
	return &Claims{UserID: userID, SessionID: c.SessionID, ID: c.ID, Issuer: c.Issuer, Audience: audience, IssuedAt: issued, Expiry: expiry}, nil
}

func invalid(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, reason)
}

// decodeSegment decodes one base64url part of a JWS as JSON into v.
func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// parseAudience reads aud, which RFC 7519 allows as a string or an array of strings.
func parseAudience(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	err := json.Unmarshal(raw, &many)
	return many, err
}

// numericDate reads a NumericDate (seconds since the epoch, maybe fractional); the zero
// time when absent, false when it is not a number.
func numericDate(n json.Number) (time.Time, bool) {
	if n == "" {
		return time.Time{}, true
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e12 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// verifySignature checks sig over signed with key, by the key's algorithm.
func verifySignature(key verificationKey, signed, sig []byte) bool {
	switch key.alg {
	case "EdDSA":
		pub, ok := key.public.(ed25519.PublicKey)
		return ok && ed25519.Verify(pub, signed, sig)
	case "ES256":
		pub, ok := key.public.(*ecdsa.PublicKey)
		// JWS writes R and S as two 32-byte big-endian integers (RFC 7518 §3.4), not DER.
		if !ok || len(sig) != 64 {
			return false
		}
		sum := sha256.Sum256(signed)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, sum[:], r, s)
	case "RS256":
		pub, ok := key.public.(*rsa.PublicKey)
		if !ok {
			return false
		}
		sum := sha256.Sum256(signed)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
	}
	return false
}

// key returns the key named kid, fetching the key set when kid is unknown (at most once
// per MinRefreshInterval) or the set is older than MaxKeyAge.
func (v *Verifier) key(ctx context.Context, kid string) (verificationKey, error) {
	for {
		v.mu.Lock()
		k, known := v.keys[kid]
		now := v.cfg.Now()
		stale := v.keys == nil || now.Sub(v.fetchedAt) >= v.cfg.MaxKeyAge
		mayFetch := v.triedAt.IsZero() || now.Sub(v.triedAt) >= v.cfg.MinRefreshInterval
		if known && !(stale && mayFetch) {
			v.mu.Unlock()
			return k, nil
		}
		if !mayFetch {
			keys, lastErr := v.keys, v.lastErr
			v.mu.Unlock()
			switch {
			case known:
				return k, nil
			case keys == nil:
				// Never fetched: the token may be fine, the keys are what is missing.
				return verificationKey{}, lastErr
			}
			return verificationKey{}, invalid("unknown key " + strconv.Quote(kid))
		}
		if wait := v.fetching; wait != nil {
			// Another caller is fetching: wait for it, then look again.
			v.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return verificationKey{}, ctx.Err()
			}
		}
		done := make(chan struct{})
		v.fetching = done
		v.mu.Unlock()

		// Not the caller's cancellation: a fetch given up half-way would still count
		// against MinRefreshInterval. The HTTP client's timeout bounds it.
		keys, err := v.fetch(context.WithoutCancel(ctx))

		v.mu.Lock()
		v.record(keys, err)
		v.fetching = nil
		close(done)
		haveKeys := v.keys != nil
		v.mu.Unlock()
		if err != nil && !haveKeys {
			return verificationKey{}, err
		}
		// Look again: now known, or unknown and not to be fetched again so soon.
	}
}

// Refresh fetches the key set now, regardless of MinRefreshInterval: call it at start-up
// to fail early when accountd's keys are unreachable.
func (v *Verifier) Refresh(ctx context.Context) error {
	keys, err := v.fetch(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.record(keys, err)
	return err
}

// record keeps the outcome of a fetch; v.mu is held.
func (v *Verifier) record(keys map[string]verificationKey, err error) {
	v.triedAt, v.lastErr = v.cfg.Now(), err
	if err == nil {
		v.keys, v.fetchedAt = keys, v.triedAt
	}
}

// maxJWKSSize bounds the key set read: a few keys take a few KiB.
const maxJWKSSize = 1 << 20

// fetch downloads and parses the key set. Keys of a type, curve or algorithm accountd
// does not sign with, or without an alg, are left out: they could never verify a token.
func (v *Verifier) fetch(ctx context.Context) (map[string]verificationKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("accountd: fetching the key set: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("accountd: fetching the key set: %w", err)
	}
	defer drain(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("accountd: fetching the key set: %s answered %s", v.cfg.JWKSURL, res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSSize))
	if err != nil {
		return nil, fmt.Errorf("accountd: fetching the key set: %w", err)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("accountd: the key set at %s is not a JWK Set: %w", v.cfg.JWKSURL, err)
	}
	keys := make(map[string]verificationKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if pub, ok := k.public(); ok {
			keys[k.Kid] = verificationKey{alg: k.Alg, public: pub}
		}
	}
	return keys, nil
}

// jwk is the part of a JSON Web Key (RFC 7517) that accountd's keys use.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// public returns the key when it is one accountd signs with, for its declared alg.
func (k jwk) public() (crypto.PublicKey, bool) {
	b := func(s string) []byte {
		v, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return nil
		}
		return v
	}
	switch {
	case k.Alg == "EdDSA" && k.Kty == "OKP" && k.Crv == "Ed25519":
		x := b(k.X)
		if len(x) != ed25519.PublicKeySize {
			return nil, false
		}
		return ed25519.PublicKey(x), true
	case k.Alg == "ES256" && k.Kty == "EC" && k.Crv == "P-256":
		x, y := b(k.X), b(k.Y)
		if len(x) != 32 || len(y) != 32 {
			return nil, false
		}
		// Checks that the point is on the curve: an invalid point must not be usable.
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		return pub, err == nil
	case k.Alg == "RS256" && k.Kty == "RSA":
		n, e := b(k.N), b(k.E)
		if len(n) < 2048/8 || len(e) == 0 || len(e) > 4 {
			return nil, false // under 2048 bits is too weak to trust
		}
		exp := new(big.Int).SetBytes(e)
		if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64()%2 == 0 {
			return nil, false
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, true
	}
	return nil, false
}
