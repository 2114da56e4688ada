package token

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

func TestDirectEd25519Signing(t *testing.T) {
	i := newIssuer(t, testConfig(), &memStore{})
	if i.ed == nil {
		t.Fatal("an EdDSA issuer does not sign directly")
	}
	tok := mustIssue(t, i)

	t.Run("jwx_verifies_it", func(t *testing.T) {
		pub := i.signing.public.(ed25519.PublicKey)
		payload, err := jws.Verify([]byte(tok), jws.WithKey(jwa.EdDSA(), pub))
		if err != nil {
			t.Fatalf("jws.Verify: %v", err)
		}
		var c map[string]any
		if err := json.Unmarshal(payload, &c); err != nil || c["sub"] != "42" {
			t.Fatalf("payload %s, %v", payload, err)
		}
	})
	t.Run("header_is_exactly_alg_kid_typ", func(t *testing.T) {
		seg, _, _ := strings.Cut(tok, ".")
		raw, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil {
			t.Fatal(err)
		}
		var h map[string]any
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatal(err)
		}
		if len(h) != 3 || h["alg"] != "EdDSA" || h["kid"] != i.KeyID() || h["typ"] != "at+jwt" {
			t.Fatalf("header %v, want alg, kid and typ only", h)
		}
	})
	t.Run("same_token_as_jws_sign", func(t *testing.T) {
		// Ed25519 is deterministic, and the header is jwx's own (the same members in the
		// same order): jws.Sign of the same payload gives the very same token.
		parts := strings.Split(tok, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		signed, err := jws.Sign(payload, i.signOpt)
		if err != nil {
			t.Fatal(err)
		}
		if string(signed) != tok {
			t.Fatalf("direct signing gave\n%s\njws.Sign gives\n%s", tok, signed)
		}
	})
	t.Run("other_algorithms_use_jwx", func(t *testing.T) {
		for _, alg := range []string{ES256, RS256} {
			cfg := testConfig()
			cfg.Algorithm = alg
			if newIssuer(t, cfg, &memStore{}).ed != nil {
				t.Errorf("%s issuer signs as Ed25519", alg)
			}
		}
	})
}
