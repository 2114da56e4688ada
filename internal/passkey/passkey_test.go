package passkey_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"testing"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/passkey"
	"github.com/accountd/accountd/internal/passkey/passkeytest"
)

const origin = "https://accounts.example.com"

func newCeremonies(t *testing.T) *passkey.Ceremonies {
	t.Helper()
	c, err := passkey.New(passkey.Config{RPID: "accounts.example.com", RPName: "accountd", Origins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// register runs a registration ceremony with a and returns the stored form.
func register(t *testing.T, c *passkey.Ceremonies, a *passkeytest.Authenticator, handle []byte, existing []account.Passkey) account.Passkey {
	t.Helper()
	u := account.User{ID: 1, Username: "ada", FirstName: "Ada"}
	options, state, err := c.BeginRegistration(u, handle, existing)
	if err != nil {
		t.Fatal(err)
	}
	response, _, err := a.Create(options)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := c.FinishRegistration(u, state, response)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return pk
}

func TestRegistrationAndLogin(t *testing.T) {
	c := newCeremonies(t)
	a := passkeytest.New(origin)
	handle := []byte("0123456789abcdef0123456789abcdef")
	pk := register(t, c, a, handle, nil)
	if string(pk.UserHandle) != string(handle) || len(pk.PublicKey) == 0 || !pk.UserVerified || pk.AttestationType != "none" {
		t.Fatalf("registered %+v", pk)
	}

	// A discoverable sign-in, with user verification required.
	options, state, err := c.BeginLogin(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	_ = json.Unmarshal(options, &o)
	if o["userVerification"] != "required" || o["allowCredentials"] != nil {
		t.Errorf("discoverable options %s", options)
	}
	response, err := a.Get(options)
	if err != nil {
		t.Fatal(err)
	}
	assertion, err := c.ReadAssertion(response)
	if err != nil {
		t.Fatal(err)
	}
	if string(assertion.UserHandle) != string(handle) || string(assertion.CredentialID) != string(pk.CredentialID) {
		t.Errorf("assertion names %x / %x", assertion.UserHandle, assertion.CredentialID)
	}
	use, err := c.FinishLogin(state, assertion, pk)
	if err != nil || use.SignCount != 1 || !use.UserVerified {
		t.Fatalf("FinishLogin = %+v, %v", use, err)
	}

	// As a second factor: the account's credentials are allowed, the second one used.
	a2 := passkeytest.New(origin)
	pk2 := register(t, c, a2, handle, []account.Passkey{pk})
	options, state, err = c.BeginLogin([]account.Passkey{pk, pk2}, false)
	if err != nil {
		t.Fatal(err)
	}
	response, err = a2.Get(options)
	if err != nil {
		t.Fatal(err)
	}
	assertion, _ = c.ReadAssertion(response)
	if _, err := c.FinishLogin(state, assertion, pk2); err != nil {
		t.Fatalf("FinishLogin(second credential): %v", err)
	}
}

// TestExcludesRegisteredCredentials: the creation options exclude the account's
// passkeys, so an authenticator is not registered twice.
func TestExcludesRegisteredCredentials(t *testing.T) {
	c := newCeremonies(t)
	a := passkeytest.New(origin)
	pk := register(t, c, a, []byte("handle-handle-handle-handle-0001"), nil)
	options, _, err := c.BeginRegistration(account.User{ID: 1, Username: "ada"}, pk.UserHandle, []account.Passkey{pk})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Create(options); err == nil {
		t.Error("the authenticator registered a second credential for the same account")
	}
}

// TestRefusals attacks FinishRegistration and FinishLogin: each forgery is
// ErrPasskeyInvalid.
func TestRefusals(t *testing.T) {
	c := newCeremonies(t)
	a := passkeytest.New(origin)
	handle := []byte("handle-handle-handle-handle-0002")
	pk := register(t, c, a, handle, nil)
	u := account.User{ID: 1, Username: "ada"}

	refused := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, account.ErrPasskeyInvalid) {
			t.Errorf("%s: %v, want ErrPasskeyInvalid", name, err)
		}
	}

	t.Run("registration_from_another_origin", func(t *testing.T) {
		options, state, _ := c.BeginRegistration(u, handle, nil)
		response, _, _ := passkeytest.New("https://evil.example").Create(options)
		_, err := c.FinishRegistration(u, state, response)
		refused("other origin", err)
	})
	t.Run("registration_answering_another_ceremony", func(t *testing.T) {
		options, _, _ := c.BeginRegistration(u, handle, nil)
		_, state, _ := c.BeginRegistration(u, handle, nil)
		response, _, _ := passkeytest.New(origin).Create(options)
		_, err := c.FinishRegistration(u, state, response)
		refused("other challenge", err)
	})
	t.Run("registration_not_json", func(t *testing.T) {
		_, state, _ := c.BeginRegistration(u, handle, nil)
		_, err := c.FinishRegistration(u, state, []byte(`{"id":"x"`))
		refused("malformed", err)
	})
	t.Run("assertion_for_another_ceremony", func(t *testing.T) {
		options, _, _ := c.BeginLogin(nil, true)
		_, state, _ := c.BeginLogin(nil, true)
		response, _ := a.Get(options)
		assertion, _ := c.ReadAssertion(response)
		_, err := c.FinishLogin(state, assertion, pk)
		refused("other challenge", err)
	})
	t.Run("assertion_signed_by_another_key", func(t *testing.T) {
		options, state, _ := c.BeginLogin(nil, true)
		thief := passkeytest.New(origin)
		forged := *a.Credentials[0]
		forged.Key = mustKey(t, thief)
		forged.SignCount = 100
		response, err := thief.Assert(options, &forged, handle)
		if err != nil {
			t.Fatal(err)
		}
		assertion, _ := c.ReadAssertion(response)
		_, err = c.FinishLogin(state, assertion, pk)
		refused("wrong key", err)
	})
	t.Run("assertion_without_user_verification_where_required", func(t *testing.T) {
		options, state, _ := c.BeginLogin(nil, true)
		lazy := a.Clone()
		lazy.UserVerified = false
		response, _ := lazy.Get(options)
		assertion, _ := c.ReadAssertion(response)
		_, err := c.FinishLogin(state, assertion, pk)
		refused("no UV", err)
	})
	t.Run("assertion_with_another_users_handle", func(t *testing.T) {
		options, state, _ := c.BeginLogin(nil, true)
		cred := a.Credentials[0]
		cred.SignCount += 10
		response, _ := a.Assert(options, cred, []byte("someone-else-someone-else-000000"))
		assertion, _ := c.ReadAssertion(response)
		_, err := c.FinishLogin(state, assertion, pk)
		refused("other handle", err)
	})
	t.Run("backup_eligibility_changed", func(t *testing.T) {
		options, state, _ := c.BeginLogin(nil, true)
		synced := a.Clone()
		synced.BackupEligible = true
		response, _ := synced.Get(options)
		assertion, _ := c.ReadAssertion(response)
		_, err := c.FinishLogin(state, assertion, pk)
		refused("BE flipped", err)
	})
	t.Run("credential_not_allowed_by_the_ceremony", func(t *testing.T) {
		other := register(t, c, passkeytest.New(origin), handle, nil)
		options, state, _ := c.BeginLogin([]account.Passkey{other}, false)
		cred := a.Credentials[0]
		cred.SignCount += 10
		response, _ := a.Assert(options, cred, handle)
		assertion, _ := c.ReadAssertion(response)
		_, err := c.FinishLogin(state, assertion, pk)
		refused("not allowed", err)
	})
}

// mustKey gives thief a credential and returns its key.
func mustKey(t *testing.T, thief *passkeytest.Authenticator) *ecdsa.PrivateKey {
	t.Helper()
	c := newCeremonies(t)
	options, _, err := c.BeginRegistration(account.User{ID: 2, Username: "mallory"}, []byte("mallory-mallory-mallory-mallory0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, cred, err := thief.Create(options)
	if err != nil {
		t.Fatal(err)
	}
	return cred.Key
}
