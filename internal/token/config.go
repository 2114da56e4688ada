package token

import (
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
)

// Config configures access tokens.
type Config struct {
	// Issuer and Audience go into every token's iss and aud, and Parse requires them.
	Issuer, Audience string
	// TTL is how long an access token stays valid.
	TTL time.Duration
	// Algorithm signs new tokens: "EdDSA" (Ed25519; the default), "ES256" (ECDSA P-256)
	// or "RS256" (RSA, at least 2048 bits). With KeyFiles it is inferred from the first
	// file's key when empty, and must match that key when set.
	Algorithm string
	// KeyFiles are PEM private keys: PKCS #8 ("PRIVATE KEY"), SEC 1 ("EC PRIVATE KEY") or
	// PKCS #1 ("RSA PRIVATE KEY"), unencrypted. The first signs; all verify and are
	// published in the JWKS, so a retired key stays listed until its tokens expire.
	// When empty, keys are kept in the KeyStore instead.
	KeyFiles []string
	// Leeway is the clock skew tolerated on exp, iat and nbf. Zero (the default) is
	// right while every instance that verifies tokens also issues them from
	// NTP-synchronised clocks; a few seconds help services on other hosts that verify
	// with this package.
	Leeway time.Duration
}

// Supported signing algorithms.
const (
	EdDSA = "EdDSA"
	ES256 = "ES256"
	RS256 = "RS256"
)

// DefaultAlgorithm signs when Config.Algorithm is empty: Ed25519 signatures are small,
// fast, deterministic and have no parameter choices to get wrong.
const DefaultAlgorithm = EdDSA

// maxTTL bounds Config.TTL: access tokens cannot be revoked one by one before they expire
// except through their session, so they must stay short-lived.
const maxTTL = 24 * time.Hour

func (c Config) validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("token issuer is empty"))
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("token audience is empty"))
	}
	if c.TTL < time.Second || c.TTL > maxTTL {
		errs = append(errs, fmt.Errorf("token TTL must be between 1s and %v, not %v", maxTTL, c.TTL))
	}
	if c.Algorithm != "" {
		if _, err := algorithm(c.Algorithm); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Leeway < 0 || c.Leeway > 5*time.Minute {
		errs = append(errs, fmt.Errorf("token leeway must be between 0 and 5m, not %v", c.Leeway))
	}
	return errors.Join(errs...)
}

// algorithm maps a configured algorithm name to jwa's.
func algorithm(name string) (jwa.SignatureAlgorithm, error) {
	switch name {
	case EdDSA:
		return jwa.EdDSA(), nil
	case ES256:
		return jwa.ES256(), nil
	case RS256:
		return jwa.RS256(), nil
	}
	return jwa.EmptySignatureAlgorithm(), fmt.Errorf("token algorithm %q is not one of %s, %s, %s", name, EdDSA, ES256, RS256)
}
