package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// minRSABits is the smallest RSA modulus accepted (NIST SP 800-57: 2048 bits through 2030).
const minRSABits = 2048

// key is one signing key pair, ready to sign and verify.
type key struct {
	// id is the RFC 7638 JWK thumbprint (SHA-256, base64url): it depends only on the
	// public key, so every instance derives the same kid from the same key.
	id     string
	alg    jwa.SignatureAlgorithm
	signer crypto.Signer
	public crypto.PublicKey
	// jwk is the public key as published: kid, alg and use "sig" set.
	jwk jwk.Key
}

// parseKeyPEM reads an unencrypted PEM private key and derives its algorithm and kid.
// Errors never include key material.
func parseKeyPEM(data []byte) (*key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if len(block.Headers) != 0 {
		// "Proc-Type: 4,ENCRYPTED": legacy OpenSSL encryption.
		return nil, errors.New("encrypted PEM keys are not supported")
	}
	var (
		priv any
		err  error
	)
	switch block.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("encrypted PEM keys are not supported")
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", block.Type, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported private key type %T", priv)
	}
	return newKey(signer)
}

// newKey infers the algorithm from the key type and computes the kid and public JWK.
func newKey(signer crypto.Signer) (*key, error) {
	alg, err := algorithmFor(signer)
	if err != nil {
		return nil, err
	}
	pub, err := jwk.Import(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("import public key: %w", err)
	}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("thumbprint: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(thumb)
	// Published keys carry alg (so verifiers pin it instead of trusting the token
	// header) and kid (so a token names its key); jwx refuses key sets without them.
	if err := errors.Join(
		pub.Set(jwk.KeyIDKey, id),
		pub.Set(jwk.AlgorithmKey, alg),
		pub.Set(jwk.KeyUsageKey, jwk.ForSignature),
	); err != nil {
		return nil, fmt.Errorf("describe public key: %w", err)
	}
	return &key{id: id, alg: alg, signer: signer, public: signer.Public(), jwk: pub}, nil
}

// algorithmFor maps a private key to the one algorithm it may sign with. One algorithm
// per key is what lets Parse pin the algorithm instead of reading it from the token.
func algorithmFor(signer crypto.Signer) (jwa.SignatureAlgorithm, error) {
	switch k := signer.(type) {
	case ed25519.PrivateKey:
		return jwa.EdDSA(), nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return jwa.EmptySignatureAlgorithm(), fmt.Errorf("ECDSA curve %s is not supported (use P-256)", k.Curve.Params().Name)
		}
		return jwa.ES256(), nil
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return jwa.EmptySignatureAlgorithm(), fmt.Errorf("RSA key of %d bits is too short (minimum %d)", bits, minRSABits)
		}
		return jwa.RS256(), nil
	}
	return jwa.EmptySignatureAlgorithm(), fmt.Errorf("unsupported private key type %T", signer)
}

// GenerateKeyPEM returns a new private key for alg ("EdDSA", "ES256" or "RS256"; RSA keys
// have 2048 bits) in PKCS #8 PEM, the form KeyFiles and the KeyStore hold.
func GenerateKeyPEM(alg string) ([]byte, error) {
	if _, err := algorithm(alg); err != nil {
		return nil, err
	}
	var (
		priv any
		err  error
	)
	switch alg {
	case EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, minRSABits)
	}
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("marshal %s key: %w", alg, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
