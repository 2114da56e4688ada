package token

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// WithTTL returns an Issuer that signs with the same keys but makes tokens valid for ttl
// (within the same bounds as Config.TTL), for an API that hands out one access token and
// no refresh token. Parse is the same on both.
func (i *Issuer) WithTTL(ttl time.Duration) (*Issuer, error) {
	if ttl < time.Second || ttl > maxTTL {
		return nil, fmt.Errorf("token TTL must be between 1s and %v, not %v", maxTTL, ttl)
	}
	c := *i
	c.ttl = ttl
	return &c, nil
}

// DeriveSecret returns a 32-byte secret for another use (info names it), derived with
// HKDF-SHA256 from the private signing key. Every instance that signs with the same key
// derives the same secret, so a secret persisted once in the database (or the key file)
// is shared by restarts and replicas without another thing to configure; the HKDF info
// separates the uses, so the secret tells nothing about the key. It changes when the
// signing key does.
func (i *Issuer) DeriveSecret(info string) ([]byte, error) {
	if info == "" {
		return nil, errors.New("token: DeriveSecret needs an info string naming the use")
	}
	der, err := x509.MarshalPKCS8PrivateKey(i.signing.signer)
	if err != nil {
		return nil, fmt.Errorf("token: derive secret: %w", err)
	}
	return hkdf.Key(sha256.New, der, nil, info, 32)
}
