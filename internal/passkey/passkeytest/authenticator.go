// Package passkeytest is a software WebAuthn authenticator for tests: it answers the
// creation and request options accountd hands out the way a browser and a passkey
// would, with ES256 keys, attestation "none", authenticator data built byte by byte and
// sign counters, so that the ceremonies can be tested, and attacked, without a browser.
// Its Credential fields may be changed between calls to forge what a real
// authenticator never would (a counter going backwards, another account's handle).
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Credential is a passkey the authenticator holds.
type Credential struct {
	ID         []byte
	RPID       string
	UserHandle []byte
	Key        *ecdsa.PrivateKey
	// SignCount is the counter of the last signature; Get adds one before signing.
	SignCount uint32
}

// Authenticator holds credentials and signs for Origin, as a browser at that origin
// would collect the client data.
type Authenticator struct {
	Origin string
	// UserVerified sets the UV flag (a PIN or biometrics); true from New.
	UserVerified bool
	// BackupEligible and BackupState set the BE and BS flags (a synced passkey).
	BackupEligible, BackupState bool
	Credentials                 []*Credential
}

// New returns an authenticator that verifies its user, for pages at origin.
func New(origin string) *Authenticator {
	return &Authenticator{Origin: origin, UserVerified: true}
}

// Clone returns an authenticator holding copies of a's keys and counters: what an
// attacker who extracted them would hold.
func (a *Authenticator) Clone() *Authenticator {
	c := *a
	c.Credentials = nil
	for _, cred := range a.Credentials {
		cp := *cred
		c.Credentials = append(c.Credentials, &cp)
	}
	return &c
}

// b64 is base64url without padding, WebAuthn's JSON encoding of bytes.
var b64 = base64.RawURLEncoding

// creationOptions is what Create reads of PublicKeyCredentialCreationOptions.
type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Exclude []struct {
		ID string `json:"id"`
	} `json:"excludeCredentials"`
}

// requestOptions is what Get reads of PublicKeyCredentialRequestOptions.
type requestOptions struct {
	Challenge string `json:"challenge"`
	RPID      string `json:"rpId"`
	Allow     []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
}

// Create makes a new discoverable credential for the options (the JSON of the
// "publicKey" member of navigator.credentials.create's argument) and returns the
// PublicKeyCredential JSON a page would post back.
func (a *Authenticator) Create(options []byte) ([]byte, *Credential, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, nil, fmt.Errorf("passkeytest: creation options: %w", err)
	}
	handle, err := b64.DecodeString(o.User.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("passkeytest: user.id: %w", err)
	}
	for _, ex := range o.Exclude {
		id, _ := b64.DecodeString(ex.ID)
		if slices.ContainsFunc(a.Credentials, func(c *Credential) bool { return string(c.ID) == string(id) }) {
			return nil, nil, errors.New("passkeytest: InvalidStateError: a credential of this authenticator is excluded")
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	cred := &Credential{ID: make([]byte, 16), RPID: o.RP.ID, UserHandle: handle, Key: key}
	_, _ = rand.Read(cred.ID)
	a.Credentials = append(a.Credentials, cred)

	clientData, err := a.clientData("webauthn.create", o.Challenge)
	if err != nil {
		return nil, nil, err
	}
	auth := a.authData(cred.RPID, cred.SignCount, attestedCredential(cred))
	att := cborMap(3)
	att = append(att, cborText("fmt")...)
	att = append(att, cborText("none")...)
	att = append(att, cborText("attStmt")...)
	att = append(att, cborMap(0)...)
	att = append(att, cborText("authData")...)
	att = append(att, cborBytes(auth)...)
	body, err := json.Marshal(map[string]any{
		"id": b64.EncodeToString(cred.ID), "rawId": b64.EncodeToString(cred.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON": b64.EncodeToString(clientData), "attestationObject": b64.EncodeToString(att),
			"transports": []string{"internal"},
		},
	})
	return body, cred, err
}

// Get signs the request options' challenge with the first credential of this
// authenticator that they allow (any of the relying party's, for a discoverable
// request), with the next sign counter, and returns the PublicKeyCredential JSON.
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("passkeytest: request options: %w", err)
	}
	for _, c := range a.Credentials {
		if c.RPID != o.RPID {
			continue
		}
		if len(o.Allow) == 0 || slices.ContainsFunc(o.Allow, func(x struct {
			ID string `json:"id"`
		}) bool {
			return x.ID == b64.EncodeToString(c.ID)
		}) {
			c.SignCount++
			return a.Assert(options, c, c.UserHandle)
		}
	}
	return nil, errors.New("passkeytest: NotAllowedError: no credential of this authenticator is allowed")
}

// Assert signs the request options' challenge with c as it stands (its counter
// unchanged) and returns the PublicKeyCredential JSON with userHandle as the user handle
// (nil for none): a forgery when userHandle is not c's.
func (a *Authenticator) Assert(options []byte, c *Credential, userHandle []byte) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("passkeytest: request options: %w", err)
	}
	clientData, err := a.clientData("webauthn.get", o.Challenge)
	if err != nil {
		return nil, err
	}
	auth := a.authData(c.RPID, c.SignCount, nil)
	digest := sha256.Sum256(append(append([]byte{}, auth...), sha256Sum(clientData)...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.Key, digest[:])
	if err != nil {
		return nil, err
	}
	response := map[string]any{
		"clientDataJSON": b64.EncodeToString(clientData), "authenticatorData": b64.EncodeToString(auth),
		"signature": b64.EncodeToString(sig),
	}
	if userHandle != nil {
		response["userHandle"] = b64.EncodeToString(userHandle)
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{}, "response": response,
	})
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// clientData is the CollectedClientData JSON a browser at a.Origin would sign.
func (a *Authenticator) clientData(typ, challenge string) ([]byte, error) {
	return json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
}

// The flags of authenticator data (WebAuthn §6.1).
const (
	flagUP = 1 << 0
	flagUV = 1 << 2
	flagBE = 1 << 3
	flagBS = 1 << 4
	flagAT = 1 << 6
)

// authData is the authenticator data: the SHA-256 of the relying party ID, the flags,
// the counter (big-endian), and the attested credential data when there is some.
func (a *Authenticator) authData(rpID string, count uint32, attested []byte) []byte {
	out := sha256Sum([]byte(rpID))
	flags := byte(flagUP)
	if a.UserVerified {
		flags |= flagUV
	}
	if a.BackupEligible {
		flags |= flagBE
	}
	if a.BackupState {
		flags |= flagBS
	}
	if attested != nil {
		flags |= flagAT
	}
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, count)
	return append(out, attested...)
}

// attestedCredential is the attested credential data: a zero AAGUID, the credential
// ID's length and the ID, and the public key as a COSE_Key (EC2, P-256, ES256).
func attestedCredential(c *Credential) []byte {
	out := make([]byte, 16)
	out = binary.BigEndian.AppendUint16(out, uint16(len(c.ID)))
	out = append(out, c.ID...)
	pub, _ := c.Key.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
	x, y := pub[1:33], pub[33:65]
	out = append(out, cborMap(5)...)
	out = append(out, 0x01, 0x02)       // kty: EC2
	out = append(out, 0x03, 0x26)       // alg: -7 (ES256)
	out = append(out, 0x20, 0x01)       // crv (-1): P-256
	out = append(out, 0x21)             // x (-2)
	out = append(out, cborBytes(x)...)  //
	out = append(out, 0x22)             // y (-3)
	return append(out, cborBytes(y)...) //
}

// The few CBOR items (RFC 8949) the attestation object needs.
func cborHead(major byte, n int) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 256:
		return []byte{major<<5 | 24, byte(n)}
	default:
		return binary.BigEndian.AppendUint16([]byte{major<<5 | 25}, uint16(n))
	}
}

func cborBytes(b []byte) []byte { return append(cborHead(2, len(b)), b...) }
func cborText(s string) []byte  { return append(cborHead(3, len(s)), s...) }
func cborMap(n int) []byte      { return cborHead(5, n) }
