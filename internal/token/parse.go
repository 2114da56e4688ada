package token

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/accountd/accountd/internal/account"
)

// Why Parse refused a token. Each wraps account.ErrUnauthenticated, which is all callers
// need; the reason is for logs and tests. They are built once so that refusing a flood
// of bad tokens allocates nothing for the error.
var (
	errMalformed  = unauthenticated("malformed token")
	errNoKeyID    = unauthenticated("token header has no kid")
	errUnknownKey = unauthenticated("token signed with an unknown key")
	errAlgorithm  = unauthenticated("token algorithm is not its key's")
	errType       = unauthenticated("token is not an access token")
	errSignature  = unauthenticated("token signature invalid")
	errIssuer     = unauthenticated("token issuer mismatch")
	errAudience   = unauthenticated("token audience mismatch")
	errExpired    = unauthenticated("token expired")
	errNotYet     = unauthenticated("token not valid yet")
	errSubject    = unauthenticated("token subject missing or invalid")
	errSession    = unauthenticated("token session missing")
	errTokenID    = unauthenticated("token ID missing")
)

func unauthenticated(reason string) error {
	return fmt.Errorf("%w: %s", account.ErrUnauthenticated, reason)
}

// maxTokenLen bounds the input: our tokens are under 1 KiB even with RSA, and a huge
// header must not cost decoding work before it is refused.
const maxTokenLen = 4096

// Parse verifies token and returns its claims. It accepts only tokens that:
//   - name in the header (kid) one of the Issuer's keys and use that key's algorithm
//     (alg): the algorithm comes from the key, never from the token, which rules out
//     "none" and HS256-with-the-public-key tricks;
//   - are access tokens (typ "at+jwt") with a valid signature and no "crit" or "b64"
//     header;
//   - carry the configured iss and aud, an exp after now, an iat (and nbf, if present)
//     not after now, all give or take Config.Leeway;
//   - carry sub (a positive decimal user ID), sid and jti.
//
// Any failure is an error wrapping account.ErrUnauthenticated.
func (i *Issuer) Parse(token string, now time.Time) (account.AccessClaims, error) {
	var none account.AccessClaims
	if len(token) > maxTokenLen {
		return none, errMalformed
	}
	// A token verified before answers from the cache (cache.go explains why that is
	// safe); only its time claims are checked again.
	ck := cacheKey(token)
	if e, ok := i.verified.get(ck); ok {
		if err := i.checkTimes(e, now); err != nil {
			return none, err
		}
		return e.claims, nil
	}
	k, err := i.keys.forToken(token)
	if err != nil {
		return none, err
	}
	// jws.VerifyCompactFast is the path jwt.Parse itself takes for a single known key;
	// the generic jws.Verify would parse the header a second time into a full
	// jws.Headers, doubling allocations on every authenticated request. It checks the
	// header's alg against k.alg once more, and refuses "crit" (we understand no
	// extension, RFC 7515 §4.1.11) and "b64".
	payload, err := jws.VerifyCompactFast(k.public, []byte(token), k.alg)
	if err != nil {
		// jwx's text may quote header values; the reason is enough.
		return none, errSignature
	}
	var c parsedClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return none, errMalformed
	}
	claims, err := i.validate(&c, now)
	if err != nil {
		return none, err
	}
	i.verified.put(ck, cachedClaims{claims: claims, notBefore: c.NotBefore})
	return claims, nil
}

// validate checks the claims of a token whose signature has been verified.
func (i *Issuer) validate(c *parsedClaims, now time.Time) (account.AccessClaims, error) {
	var none account.AccessClaims
	if c.Issuer != i.issuer {
		return none, errIssuer
	}
	if !slices.Contains(c.Audience, i.audience) {
		return none, errAudience
	}
	// exp is required: RFC 7519 makes it optional, but a token without one would
	// never expire.
	if c.Expiry == 0 || !now.Before(time.Unix(c.Expiry, 0).Add(i.leeway)) {
		return none, errExpired
	}
	latest := now.Add(i.leeway)
	if c.IssuedAt == 0 || time.Unix(c.IssuedAt, 0).After(latest) {
		return none, errNotYet
	}
	if c.NotBefore != 0 && time.Unix(c.NotBefore, 0).After(latest) {
		return none, errNotYet
	}
	userID, err := strconv.ParseInt(c.Subject, 10, 64)
	// Only the canonical form: "+7" or "007" are not what Issue writes.
	if err != nil || userID <= 0 || strconv.FormatInt(userID, 10) != c.Subject {
		return none, errSubject
	}
	if c.SessionID == "" {
		return none, errSession
	}
	if c.ID == "" {
		return none, errTokenID
	}
	claims := account.AccessClaims{
		UserID:    userID,
		SessionID: c.SessionID,
		TokenID:   c.ID,
		IssuedAt:  time.Unix(c.IssuedAt, 0).UTC(),
		ExpiresAt: time.Unix(c.Expiry, 0).UTC(),
		AMR:       c.AMR,
	}
	if c.AuthTime != 0 {
		claims.AuthTime = time.Unix(c.AuthTime, 0).UTC()
	}
	return claims, nil
}

// keySet holds the verification keys by kid.
type keySet map[string]*key

func newKeySet(keys []*key) keySet {
	ks := make(keySet, len(keys))
	for _, k := range keys {
		ks[k.id] = k
	}
	return ks
}

// protectedHeader is the part of a token's JOSE header that Parse looks at. Other
// members (jwk, jku, x5u, ...) are ignored: keys only ever come from the Issuer.
type protectedHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// forToken returns the key the token's header names, after checking that the header
// asks for that key's algorithm and is an access token's. Nothing in the header is
// trusted yet: it only selects a key, and the signature then covers the header.
func (ks keySet) forToken(token string) (*key, error) {
	seg, _, ok := strings.Cut(token, ".")
	if !ok {
		return nil, errMalformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, errMalformed
	}
	var h protectedHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, errMalformed
	}
	if h.Kid == "" {
		return nil, errNoKeyID
	}
	k, ok := ks[h.Kid]
	if !ok {
		return nil, errUnknownKey
	}
	// Pinning: each key has one algorithm, and the token must ask for exactly it.
	if h.Alg != k.alg.String() {
		return nil, errAlgorithm
	}
	if !isAccessTokenType(h.Typ) {
		return nil, errType
	}
	return k, nil
}

// isAccessTokenType accepts "at+jwt" and its full media type, ignoring case (RFC 9068
// §4, RFC 7515 §4.1.9).
func isAccessTokenType(typ string) bool {
	return strings.EqualFold(typ, accessTokenType) || strings.EqualFold(typ, "application/"+accessTokenType)
}
