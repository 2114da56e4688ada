package token

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"

	"github.com/lestrrat-go/jwx/v3/jwa"
)

// edSigner signs access tokens with an Ed25519 key without going through jws.Sign. A
// JWS compact serialization is base64url(header) "." base64url(payload) "."
// base64url(signature over the two first parts) (RFC 7515 §7.1), and for Ed25519 the
// signature is a plain ed25519.Sign (RFC 8037 §3.1). The header is the same for every
// token of a key, so it is encoded once here; jws.Sign would marshal it to JSON again
// on every call, which cost refresh and login as much as the signature itself.
// Parse, jwx and any other JOSE library verify these tokens like any other.
type edSigner struct {
	priv ed25519.PrivateKey
	// prefix is the encoded protected header and the '.' after it.
	prefix string
}

// newEdSigner returns a direct signer for k, or nil when k is not an Ed25519 key (other
// algorithms keep jws.Sign).
func newEdSigner(k *key) (*edSigner, error) {
	priv, ok := k.signer.(ed25519.PrivateKey)
	if !ok || k.alg != jwa.EdDSA() {
		return nil, nil
	}
	hdr, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{k.alg.String(), k.id, accessTokenType})
	if err != nil {
		return nil, err
	}
	return &edSigner{priv: priv, prefix: base64.RawURLEncoding.EncodeToString(hdr) + "."}, nil
}

// sign returns the compact JWS of payload.
func (e *edSigner) sign(payload []byte) string {
	enc := base64.RawURLEncoding
	b := make([]byte, 0, len(e.prefix)+enc.EncodedLen(len(payload))+1+enc.EncodedLen(ed25519.SignatureSize))
	b = append(b, e.prefix...)
	b = enc.AppendEncode(b, payload)
	sig := ed25519.Sign(e.priv, b)
	b = append(b, '.')
	b = enc.AppendEncode(b, sig)
	return string(b)
}
