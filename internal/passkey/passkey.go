// Package passkey runs the WebAuthn ceremonies of passkeys on
// github.com/go-webauthn/webauthn: the creation and request options the browser's
// navigator.credentials takes, and the verification of what it answers. It implements
// account.PasskeyCeremonies; the account service keeps the credentials and the
// ceremony state (single-use, server-side), and decides what a verified assertion is
// worth. The library speaks HTTP, so it stays out of the domain.
package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/accountd/accountd/internal/account"
)

// Config is the relying party: accountd as the browser knows it.
type Config struct {
	// RPID is the relying party ID, the registrable domain passkeys are bound to
	// ("example.com", "localhost").
	RPID string
	// RPName is shown by the browser and the authenticator ("accountd").
	RPName string
	// Origins are the origins of the pages that may run the ceremonies
	// ("https://accounts.example.com"); each must be RPID or under it.
	Origins []string
	// Timeout is how long the browser lets the user take (the account service's
	// challenge lifetime).
	Timeout time.Duration
}

// Ceremonies runs the WebAuthn ceremonies for one relying party. It is safe for
// concurrent use.
type Ceremonies struct {
	w *webauthn.WebAuthn
}

var _ account.PasskeyCeremonies = (*Ceremonies)(nil)

// New checks cfg and returns the relying party's ceremonies.
func New(cfg Config) (*Ceremonies, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	timeout := webauthn.TimeoutConfig{Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout}
	w, err := webauthn.New(&webauthn.Config{
		RPID: cfg.RPID, RPDisplayName: cfg.RPName, RPOrigins: cfg.Origins,
		// "none": accountd trusts no authenticator maker over another, so it asks for no
		// attestation to check (and gets no identifying certificates).
		AttestationPreference: protocol.PreferNoAttestation,
		// Expiry is the account service's to enforce, on its own clock, with the rest of
		// the ceremony state.
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: %w", err)
	}
	return &Ceremonies{w: w}, nil
}

// user is an account as the library sees it: its handle, its names, and the credentials
// the ceremony concerns.
type user struct {
	handle      []byte
	name, shown string
	creds       []webauthn.Credential
}

func (u user) WebAuthnID() []byte                         { return u.handle }
func (u user) WebAuthnName() string                       { return u.name }
func (u user) WebAuthnDisplayName() string                { return u.shown }
func (u user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// accountUser is u with handle and its passkeys.
func accountUser(u account.User, handle []byte, keys []account.Passkey) user {
	shown := u.FullName()
	if shown == "" {
		shown = u.Username
	}
	out := user{handle: handle, name: u.Username, shown: shown}
	for _, k := range keys {
		out.creds = append(out.creds, credential(k))
	}
	return out
}

// credential is the library's form of a stored passkey.
func credential(k account.Passkey) webauthn.Credential {
	c := webauthn.Credential{
		ID: k.CredentialID, PublicKey: k.PublicKey, AttestationType: k.AttestationType,
		Flags: webauthn.CredentialFlags{
			UserPresent: true, UserVerified: k.UserVerified, BackupEligible: k.BackupEligible, BackupState: k.BackupState,
		},
		Authenticator: webauthn.Authenticator{AAGUID: k.AAGUID, SignCount: k.SignCount},
	}
	for _, t := range k.Transports {
		c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
	}
	return c
}

// invalid wraps a refusal by the library as account.ErrPasskeyInvalid, keeping its
// reason for the logs.
func invalid(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w: %s (%s)", account.ErrPasskeyInvalid, pe.Details, pe.DevInfo)
	}
	return fmt.Errorf("%w: %v", account.ErrPasskeyInvalid, err)
}

// BeginRegistration asks for a discoverable credential (a passkey proper, which signs
// in without a username), with user verification preferred and no attestation; the
// account's passkeys are excluded, so an authenticator is not registered twice.
func (c *Ceremonies) BeginRegistration(u account.User, handle []byte, existing []account.Passkey) ([]byte, []byte, error) {
	wu := accountUser(u, handle, existing)
	creation, session, err := c.w.BeginRegistration(wu,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationPreferred,
		}),
		webauthn.WithExclusions(webauthn.Credentials(wu.creds).CredentialDescriptors()),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: begin registration: %w", err)
	}
	return marshal(creation.Response, session)
}

// FinishRegistration verifies the attestation response against the ceremony's state.
func (c *Ceremonies) FinishRegistration(u account.User, state, response []byte) (account.Passkey, error) {
	var session webauthn.SessionData
	if err := json.Unmarshal(state, &session); err != nil {
		return account.Passkey{}, fmt.Errorf("passkey: ceremony state: %w", err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return account.Passkey{}, invalid(err)
	}
	cred, err := c.w.CreateCredential(accountUser(u, session.UserID, nil), session, parsed)
	if err != nil {
		return account.Passkey{}, invalid(err)
	}
	p := account.Passkey{
		CredentialID: cred.ID, UserHandle: session.UserID, PublicKey: cred.PublicKey,
		AttestationType: cred.AttestationType, AAGUID: cred.Authenticator.AAGUID, SignCount: cred.Authenticator.SignCount,
		BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState, UserVerified: cred.Flags.UserVerified,
	}
	for _, t := range cred.Transport {
		p.Transports = append(p.Transports, string(t))
	}
	return p, nil
}

// BeginLogin asks for an assertion by one of allowed (all of one account), or by any
// discoverable credential when allowed is empty.
func (c *Ceremonies) BeginLogin(allowed []account.Passkey, verifyUser bool) ([]byte, []byte, error) {
	uv := protocol.VerificationPreferred
	if verifyUser {
		uv = protocol.VerificationRequired
	}
	var (
		assertion *protocol.CredentialAssertion
		session   *webauthn.SessionData
		err       error
	)
	if len(allowed) == 0 {
		assertion, session, err = c.w.BeginDiscoverableLogin(webauthn.WithUserVerification(uv))
	} else {
		assertion, session, err = c.w.BeginLogin(accountUser(account.User{}, allowed[0].UserHandle, allowed), webauthn.WithUserVerification(uv))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: begin login: %w", err)
	}
	return marshal(assertion.Response, session)
}

// ReadAssertion parses an assertion response.
func (c *Ceremonies) ReadAssertion(response []byte) (account.PasskeyAssertion, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return account.PasskeyAssertion{}, invalid(err)
	}
	return account.PasskeyAssertion{CredentialID: parsed.RawID, UserHandle: parsed.Response.UserHandle, Parsed: parsed}, nil
}

// FinishLogin verifies the assertion against the ceremony's state and the stored
// credential: the challenge, origin and relying party, the signature by the
// credential's key, user presence (and verification, when the ceremony required it)
// and the backup flags. The sign counter is returned as the authenticator sent it; the
// account service refuses one that did not grow.
func (c *Ceremonies) FinishLogin(state []byte, a account.PasskeyAssertion, cred account.Passkey) (account.PasskeyUse, error) {
	parsed, ok := a.Parsed.(*protocol.ParsedCredentialAssertionData)
	if !ok || !bytes.Equal(parsed.RawID, cred.CredentialID) {
		return account.PasskeyUse{}, fmt.Errorf("%w: assertion does not match the credential", account.ErrPasskeyInvalid)
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(state, &session); err != nil {
		return account.PasskeyUse{}, fmt.Errorf("passkey: ceremony state: %w", err)
	}
	owner := user{handle: cred.UserHandle, creds: []webauthn.Credential{credential(cred)}}
	var err error
	if len(session.UserID) == 0 {
		_, _, err = c.w.ValidatePasskeyLogin(func(_, _ []byte) (webauthn.User, error) { return owner, nil }, session, parsed)
	} else {
		// The ceremony allowed all of the account's credentials, and the library wants
		// the user to hold every one it allowed; it is checked here that this one was
		// allowed, and the library is given only it.
		if !containsID(session.AllowedCredentialIDs, cred.CredentialID) {
			return account.PasskeyUse{}, fmt.Errorf("%w: credential not allowed by the ceremony", account.ErrPasskeyInvalid)
		}
		session.AllowedCredentialIDs = [][]byte{cred.CredentialID}
		_, err = c.w.ValidateLogin(owner, session, parsed)
	}
	if err != nil {
		return account.PasskeyUse{}, invalid(err)
	}
	flags := parsed.Response.AuthenticatorData.Flags
	return account.PasskeyUse{
		SignCount: parsed.Response.AuthenticatorData.Counter, BackupState: flags.HasBackupState(), UserVerified: flags.HasUserVerified(),
	}, nil
}

func containsID(ids [][]byte, id []byte) bool {
	for _, x := range ids {
		if bytes.Equal(x, id) {
			return true
		}
	}
	return false
}

// marshal encodes a ceremony's options (as the browser's JSON form takes them) and its
// state.
func marshal(options any, session *webauthn.SessionData) ([]byte, []byte, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: options: %w", err)
	}
	s, err := json.Marshal(session)
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: ceremony state: %w", err)
	}
	return o, s, nil
}
