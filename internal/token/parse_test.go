package token

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func TestIssueParse(t *testing.T) {
	for _, alg := range []string{EdDSA, ES256, RS256} {
		t.Run(alg, func(t *testing.T) {
			cfg := testConfig()
			cfg.Algorithm = alg
			i := newIssuer(t, cfg, &memStore{})

			tok, exp, err := i.Issue(42, "sess-1", account.Authentication{}, now)
			if err != nil {
				t.Fatal(err)
			}
			if want := now.Add(cfg.TTL); !exp.Equal(want) {
				t.Errorf("expiry %v, want %v", exp, want)
			}

			parts := strings.Split(tok, ".")
			if len(parts) != 3 {
				t.Fatalf("not a compact JWS: %q", tok)
			}
			hdr := decodeSegment(t, parts[0])
			if hdr["alg"] != alg || hdr["kid"] != i.KeyID() || hdr["typ"] != "at+jwt" {
				t.Errorf("header %v", hdr)
			}
			claims := decodeSegment(t, parts[1])
			for name, want := range map[string]any{
				"iss": cfg.Issuer, "aud": cfg.Audience, "sub": "42", "sid": "sess-1",
				"iat": float64(now.Unix()), "exp": float64(exp.Unix()),
			} {
				if claims[name] != want {
					t.Errorf("claim %s = %v, want %v", name, claims[name], want)
				}
			}

			got, err := i.Parse(tok, now.Add(time.Minute))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := account.AccessClaims{UserID: 42, SessionID: "sess-1", TokenID: claims["jti"].(string), IssuedAt: now, ExpiresAt: exp}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse = %+v, want %+v", got, want)
			}

			tok2, _, err := i.Issue(42, "sess-1", account.Authentication{}, now)
			if err != nil {
				t.Fatal(err)
			}
			if got2, _ := i.Parse(tok2, now); got2.TokenID == got.TokenID || len(got.TokenID) < 22 {
				t.Errorf("token IDs %q and %q: want distinct 128-bit values", got.TokenID, got2.TokenID)
			}
		})
	}
}

func TestIssueRefusesEmptyIDs(t *testing.T) {
	i := newIssuer(t, testConfig(), &memStore{})
	if _, _, err := i.Issue(0, "s", account.Authentication{}, now); err == nil {
		t.Error("user ID 0 accepted")
	}
	if _, _, err := i.Issue(1, "", account.Authentication{}, now); err == nil {
		t.Error("empty session accepted")
	}
}

// Every refusal wraps account.ErrUnauthenticated, and for the reason the case is about:
// each case would pass if that one check were missing.
func TestParseRefuses(t *testing.T) {
	i := newIssuer(t, testConfig(), &memStore{})
	other := newIssuer(t, testConfig(), &memStore{}) // same config, different key
	sign := signEd(t, i)
	valid, _, err := i.Issue(42, "s1", account.Authentication{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i.Parse(forge(t, goodHeader(i), goodClaims(i), sign), now); err != nil {
		t.Fatalf("the forged baseline must be valid: %v", err)
	}

	pubRaw := []byte(i.signing.public.(ed25519.PublicKey))
	pubDER, err := x509.MarshalPKIXPublicKey(i.signing.public)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs256 := func(secret []byte) func([]byte) []byte {
		return func(input []byte) []byte {
			m := hmac.New(sha256.New, secret)
			m.Write(input)
			return m.Sum(nil)
		}
	}
	parts := strings.Split(valid, ".")
	tamperedClaims := decodeSegment(t, parts[1])
	tamperedClaims["sub"] = "1"
	tampered := forge(t, decodeSegment(t, parts[0]), tamperedClaims, func([]byte) []byte { return nil })
	tampered = tampered[:strings.LastIndexByte(tampered, '.')+1] + parts[2] // original signature

	cases := []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"alg_none", forge(t, with(goodHeader(i), "alg", "none"), goodClaims(i), func([]byte) []byte { return nil }), now, errAlgorithm},
		{"alg_missing", forge(t, with(goodHeader(i), "alg", nil), goodClaims(i), sign), now, errAlgorithm},
		{"hs256_with_raw_public_key", forge(t, with(goodHeader(i), "alg", "HS256"), goodClaims(i), hs256(pubRaw)), now, errAlgorithm},
		{"hs256_with_pem_public_key", forge(t, with(goodHeader(i), "alg", "HS256"), goodClaims(i), hs256(pubPEM)), now, errAlgorithm},
		{"other_asymmetric_alg", forge(t, with(goodHeader(i), "alg", "ES256"), goodClaims(i), sign), now, errAlgorithm},
		{"tampered_payload", tampered, now, errSignature},
		{"tampered_signature", valid[:len(valid)-4] + flip(valid[len(valid)-4:]), now, errSignature},
		{"signed_by_other_key_with_our_kid", forge(t, goodHeader(i), goodClaims(i), signEd(t, other)), now, errSignature},
		{"unknown_kid", mustIssue(t, other), now, errUnknownKey},
		{"missing_kid", forge(t, with(goodHeader(i), "kid", nil), goodClaims(i), sign), now, errNoKeyID},
		{"typ_jwt", forge(t, with(goodHeader(i), "typ", "JWT"), goodClaims(i), sign), now, errType},
		{"typ_missing", forge(t, with(goodHeader(i), "typ", nil), goodClaims(i), sign), now, errType},
		// Critical extensions we do not understand must be refused (RFC 7515 §4.1.11).
		{"unknown_crit", forge(t, with(goodHeader(i), "crit", []string{"x-policy"}, "x-policy", "anything"), goodClaims(i), sign), now, errSignature},
		{"wrong_audience", forge(t, goodHeader(i), with(goodClaims(i), "aud", "billing"), sign), now, errAudience},
		{"wrong_audience_list", forge(t, goodHeader(i), with(goodClaims(i), "aud", []string{"billing", "mail"}), sign), now, errAudience},
		{"missing_audience", forge(t, goodHeader(i), with(goodClaims(i), "aud", nil), sign), now, errAudience},
		{"wrong_issuer", forge(t, goodHeader(i), with(goodClaims(i), "iss", "https://evil.example"), sign), now, errIssuer},
		{"expired", valid, now.Add(testConfig().TTL), errExpired},
		{"missing_exp", forge(t, goodHeader(i), with(goodClaims(i), "exp", nil), sign), now, errExpired},
		{"issued_in_future", forge(t, goodHeader(i), with(goodClaims(i), "iat", now.Add(time.Second).Unix()), sign), now, errNotYet},
		{"missing_iat", forge(t, goodHeader(i), with(goodClaims(i), "iat", nil), sign), now, errNotYet},
		{"not_before_in_future", forge(t, goodHeader(i), with(goodClaims(i), "nbf", now.Add(time.Second).Unix()), sign), now, errNotYet},
		{"missing_sub", forge(t, goodHeader(i), with(goodClaims(i), "sub", nil), sign), now, errSubject},
		{"non_canonical_sub", forge(t, goodHeader(i), with(goodClaims(i), "sub", "+42"), sign), now, errSubject},
		{"zero_sub", forge(t, goodHeader(i), with(goodClaims(i), "sub", "0"), sign), now, errSubject},
		{"missing_sid", forge(t, goodHeader(i), with(goodClaims(i), "sid", nil), sign), now, errSession},
		{"missing_jti", forge(t, goodHeader(i), with(goodClaims(i), "jti", nil), sign), now, errTokenID},
		{"fractional_exp", forge(t, goodHeader(i), with(goodClaims(i), "exp", 1e10+0.5), sign), now, errMalformed},
		{"too_long", valid + strings.Repeat("A", maxTokenLen), now, errMalformed},
		{"b64_false", forge(t, with(goodHeader(i), "b64", false, "crit", []string{"b64"}), goodClaims(i), sign), now, errSignature},
		{"empty", "", now, errMalformed},
		{"garbage", "not.a.token", now, errMalformed},
		{"header_not_json", "bm90IGpzb24." + parts[1] + "." + parts[2], now, errMalformed},
		{"two_segments", parts[0] + "." + parts[1], now, errSignature},
		{"json_serialization", `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`, now, errMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			claims, err := i.Parse(c.token, c.at)
			if !errors.Is(err, account.ErrUnauthenticated) || !errors.Is(err, c.want) {
				t.Fatalf("Parse = %+v, %v; want %v", claims, err, c.want)
			}
			if !reflect.DeepEqual(claims, account.AccessClaims{}) {
				t.Fatalf("claims returned with an error: %+v", claims)
			}
		})
	}
}

// The boundaries of exp and iat, with and without leeway.
func TestParseTimeBoundaries(t *testing.T) {
	cfg := testConfig()
	store := &memStore{}
	strict := newIssuer(t, cfg, store)
	cfg.Leeway = 30 * time.Second
	lenient := newIssuer(t, cfg, store) // same stored key
	tok, exp, err := strict.Issue(42, "s1", account.Authentication{}, now)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		i    *Issuer
		at   time.Time
		want error
	}{
		{"last_second", strict, exp.Add(-time.Second), nil},
		{"at_exp", strict, exp, errExpired},
		{"at_iat", strict, now, nil},
		{"before_iat", strict, now.Add(-time.Second), errNotYet},
		{"leeway_after_exp", lenient, exp.Add(29 * time.Second), nil},
		{"beyond_leeway_after_exp", lenient, exp.Add(30 * time.Second), errExpired},
		{"leeway_before_iat", lenient, now.Add(-30 * time.Second), nil},
		{"beyond_leeway_before_iat", lenient, now.Add(-31 * time.Second), errNotYet},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.i.Parse(tok, c.at); !errors.Is(err, c.want) {
				t.Fatalf("Parse: %v, want %v", err, c.want)
			}
		})
	}
}

func mustIssue(t testing.TB, i *Issuer) string {
	t.Helper()
	tok, _, err := i.Issue(42, "s1", account.Authentication{}, now)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// flip changes the first character of a base64url string into another valid one.
func flip(s string) string {
	c := byte('A')
	if s[0] == 'A' {
		c = 'B'
	}
	return string(c) + s[1:]
}

// TestAuthenticationClaims: amr and auth_time go into the token and come back out of
// Parse; a session with no record of its authentication leaves both out.
func TestAuthenticationClaims(t *testing.T) {
	i := newIssuer(t, testConfig(), &memStore{})
	at := now.Add(-3 * time.Minute)
	tok, _, err := i.Issue(42, "s1", account.Authentication{Methods: []string{"pwd", "otp", "mfa"}, Time: at}, now)
	if err != nil {
		t.Fatal(err)
	}
	claims := decodeSegment(t, strings.Split(tok, ".")[1])
	if claims["auth_time"] != float64(at.Unix()) {
		t.Errorf("auth_time %v, want %d", claims["auth_time"], at.Unix())
	}
	c, err := i.Parse(tok, now)
	if err != nil {
		t.Fatal(err)
	}
	if !c.AuthTime.Equal(time.Unix(at.Unix(), 0)) || strings.Join(c.AMR, " ") != "pwd otp mfa" {
		t.Errorf("parsed auth_time %v amr %v", c.AuthTime, c.AMR)
	}
	bare, _, err := i.Issue(42, "s1", account.Authentication{}, now)
	if err != nil {
		t.Fatal(err)
	}
	claims = decodeSegment(t, strings.Split(bare, ".")[1])
	if _, ok := claims["auth_time"]; ok {
		t.Errorf("auth_time present without an authentication: %v", claims)
	}
	if _, ok := claims["amr"]; ok {
		t.Errorf("amr present without an authentication: %v", claims)
	}
}
