// Package token signs and verifies accountd's access tokens: short-lived JWTs (JWS
// compact serialization) signed with EdDSA, ES256 or RS256 keys that come from key files
// or are generated once and kept in the database. Every key verifies and is published
// as a JWK Set, so keys rotate without logging anyone out and other services can verify
// tokens without calling accountd.
package token

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/accountd/accountd/internal/account"
)

// Issuer signs and verifies access tokens. It is safe for concurrent use; everything
// Issue and Parse need is built once by New.
type Issuer struct {
	issuer, audience string
	ttl, leeway      time.Duration

	signing *key
	// signOpt signs with the signing key and its protected header (kid, typ).
	signOpt jws.SignOption
	// ed signs directly when the signing key is Ed25519 (sign.go); nil otherwise.
	ed   *edSigner
	keys keySet
	jwks []byte
	// verified remembers the tokens Parse has verified (cache.go).
	verified *verifiedCache
}

var _ account.AccessTokens = (*Issuer)(nil)

// New loads the signing keys and prepares signing and verification.
//
// With cfg.KeyFiles, the keys are read from those files and store is not used (it may
// be nil). Otherwise the keys persisted in store are used, signing with the oldest one
// of cfg.Algorithm; if there is none, one is generated and stored first. Keys in the
// store of other algorithms (from before a change of cfg.Algorithm) still verify.
func New(ctx context.Context, cfg Config, store KeyStore) (*Issuer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var (
		keys []*key
		err  error
	)
	if len(cfg.KeyFiles) > 0 {
		if keys, err = loadKeyFiles(cfg.KeyFiles); err != nil {
			return nil, err
		}
		if cfg.Algorithm != "" && keys[0].alg.String() != cfg.Algorithm {
			return nil, fmt.Errorf("token: algorithm is %s but the first key file holds a %s key", cfg.Algorithm, keys[0].alg)
		}
	} else {
		if store == nil {
			return nil, errors.New("token: no key files and no key store")
		}
		if keys, err = loadStoredKeys(ctx, store, cmp.Or(cfg.Algorithm, DefaultAlgorithm)); err != nil {
			return nil, err
		}
	}

	set := jwk.NewSet()
	for _, k := range keys {
		if err := set.AddKey(k.jwk); err != nil {
			return nil, fmt.Errorf("token: build JWK set: %w", err)
		}
	}
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("token: marshal JWK set: %w", err)
	}

	signing := keys[0]
	hdr := jws.NewHeaders()
	if err := errors.Join(
		hdr.Set(jws.KeyIDKey, signing.id),
		hdr.Set(jws.TypeKey, accessTokenType),
	); err != nil {
		return nil, fmt.Errorf("token: build header: %w", err)
	}
	ed, err := newEdSigner(signing)
	if err != nil {
		return nil, fmt.Errorf("token: build header: %w", err)
	}
	return &Issuer{
		ed:       ed,
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		ttl:      cfg.TTL,
		leeway:   cfg.Leeway,
		signing:  signing,
		// jws.Sign clones the header before use, so sharing one is safe.
		signOpt:  jws.WithKey(signing.alg, signing.signer, jws.WithProtectedHeaders(hdr)),
		keys:     newKeySet(keys),
		jwks:     jwks,
		verified: &verifiedCache{},
	}, nil
}

// TTL returns how long issued access tokens stay valid.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// JWKS returns the public keys as a JWK Set document (each key with kid, alg and use
// "sig"; never a private part), for GET /.well-known/jwks.json.
func (i *Issuer) JWKS() []byte { return slices.Clone(i.jwks) }

// KeyID returns the kid of the key that signs new tokens.
func (i *Issuer) KeyID() string { return i.signing.id }
