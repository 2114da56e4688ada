package contracttests

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/passkey/passkeytest"
)

// object decodes a WebAuthn credential the software authenticator made.
func object(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// registerPasskey adds a passkey of a new software authenticator to the account signed
// in with access and returns the authenticator and the answer.
func (e *env) registerPasskey(access, name string) (*passkeytest.Authenticator, map[string]any) {
	e.t.Helper()
	status, b := e.api("POST", "/v1/me/passkeys/begin", access, nil)
	want(e.t, "begin registration", status, b, http.StatusOK, "")
	a := passkeytest.New(mfaOrigin)
	cred, _, err := a.Create(mustJSON(e.t, b["options"]))
	if err != nil {
		e.t.Fatal(err)
	}
	status, out := e.api("POST", "/v1/me/passkeys", access, map[string]any{"ceremony": b["ceremony"], "credential": object(e.t, cred), "name": name})
	want(e.t, "register passkey", status, out, http.StatusCreated, "")
	return a, out
}

// passkeyLogin signs in with a passkey alone and returns the answer.
func (e *env) passkeyLogin(a *passkeytest.Authenticator) (int, map[string]any) {
	e.t.Helper()
	status, b := e.api("POST", "/v1/auth/passkey/begin", "", nil)
	want(e.t, "begin passkey login", status, b, http.StatusOK, "")
	cred, err := a.Get(mustJSON(e.t, b["options"]))
	if err != nil {
		e.t.Fatal(err)
	}
	return e.api("POST", "/v1/auth/passkey/finish", "", map[string]any{"ceremony": b["ceremony"], "credential": object(e.t, cred)})
}

// TestPasskeys walks the passkey ceremonies on both stores with a software
// authenticator: registration, sign-in with no username, a passkey as the second factor
// of a password login, step-up, rename and removal.
func TestPasskeys(t *testing.T) {
	forEachStoreWith(t, withMFA, func(t *testing.T, e *env) {
		u := e.activeUser("pk")
		access := e.login(u).AccessToken
		a, reg := e.registerPasskey(access, "Laptop")
		pk := reg["passkey"].(map[string]any)
		if pk["name"] != "Laptop" || len(reg["recovery_codes"].([]any)) != 10 {
			t.Fatalf("registered %v", reg)
		}

		// Sign in with the passkey alone: no username typed.
		status, b := e.passkeyLogin(a)
		want(t, "passkey login", status, b, http.StatusOK, "")
		tok := b["access_token"].(string)
		if got := amr(t, tok); got != "hwk user mfa" {
			t.Errorf("amr %q", got)
		}
		status, me := e.api("GET", "/v1/me", tok, nil)
		if status != http.StatusOK || me["username"] != u.username {
			t.Fatalf("/v1/me after passkey login = %d %v", status, me)
		}

		// The password alone no longer signs in; the passkey completes it.
		ch := e.mfaChallenge(u)
		methods := ch["methods"].([]any)
		if !slices.Contains(methods, any("passkey")) || slices.Contains(methods, any("totp")) || ch["passkey_options"] == nil {
			t.Fatalf("challenge %v", ch)
		}
		cred, err := a.Get(mustJSON(t, ch["passkey_options"]))
		if err != nil {
			t.Fatal(err)
		}
		status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "passkey": object(t, cred)})
		want(t, "verify with a passkey", status, b, http.StatusOK, "")
		if got := amr(t, b["access_token"].(string)); got != "pwd hwk user mfa" {
			t.Errorf("amr %q", got)
		}

		// Rename; list.
		status, b = e.api("PATCH", "/v1/me/passkeys/"+pk["id"].(string), tok, map[string]any{"name": "Work laptop"})
		want(t, "rename", status, b, http.StatusOK, "")
		status, b = e.api("GET", "/v1/me/passkeys", tok, nil)
		items := b["items"].([]any)
		if status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["name"] != "Work laptop" || items[0].(map[string]any)["last_used_at"] == nil {
			t.Fatalf("list %d %v", status, b)
		}

		// Step-up with the passkey, once the window has passed.
		e.clock.Advance(11 * time.Minute)
		status, b = e.api("DELETE", "/v1/me/passkeys/"+pk["id"].(string), tok, nil)
		want(t, "remove without a recent factor", status, b, http.StatusForbidden, "step_up_required")
		status, b = e.api("POST", "/v1/auth/step-up/passkey", tok, nil)
		want(t, "begin step-up", status, b, http.StatusOK, "")
		cred, err = a.Get(mustJSON(t, b["options"]))
		if err != nil {
			t.Fatal(err)
		}
		status, up := e.api("POST", "/v1/auth/step-up", tok, map[string]any{"ceremony": b["ceremony"], "passkey": object(t, cred)})
		want(t, "step-up with a passkey", status, up, http.StatusOK, "")
		status, b = e.api("DELETE", "/v1/me/passkeys/"+pk["id"].(string), tok, nil)
		if status != http.StatusNoContent {
			t.Fatalf("remove after step-up = %d %v", status, b)
		}
		status, b = e.api("GET", "/v1/me/mfa", tok, nil)
		if b["enabled"] != false || b["recovery_codes_left"] != float64(0) {
			t.Errorf("factors after removing the only passkey: %d %v", status, b)
		}
		types := e.eventTypes(tok)
		for _, typ := range []string{"passkey_registered", "passkey_renamed", "passkey_removed", "mfa_step_up"} {
			if !slices.Contains(types, typ) {
				t.Errorf("history lacks %s: %v", typ, types)
			}
		}
	})
}

// TestPasskeyAttacks: a ceremony replayed, another account's credential, a forged user
// handle, a cloned authenticator, an origin not allowed.
func TestPasskeyAttacks(t *testing.T) {
	forEachStoreWith(t, withMFA, func(t *testing.T, e *env) {
		alice, mallory := e.activeUser("alice"), e.activeUser("mallory")
		aliceKey, _ := e.registerPasskey(e.login(alice).AccessToken, "")
		malloryKey, _ := e.registerPasskey(e.login(mallory).AccessToken, "")

		t.Run("ceremony_replayed", func(t *testing.T) {
			status, b := e.api("POST", "/v1/auth/passkey/begin", "", nil)
			want(t, "begin", status, b, http.StatusOK, "")
			cred, _ := aliceKey.Get(mustJSON(t, b["options"]))
			body := map[string]any{"ceremony": b["ceremony"], "credential": object(t, cred)}
			status, out := e.api("POST", "/v1/auth/passkey/finish", "", body)
			want(t, "finish", status, out, http.StatusOK, "")
			status, out = e.api("POST", "/v1/auth/passkey/finish", "", body)
			want(t, "the same ceremony and assertion again", status, out, http.StatusUnauthorized, "mfa_challenge_invalid")
		})
		t.Run("registration_ceremony_of_another_session", func(t *testing.T) {
			_, one := e.passkeyLogin(aliceKey)
			_, two := e.passkeyLogin(aliceKey)
			status, b := e.api("POST", "/v1/me/passkeys/begin", one["access_token"].(string), nil)
			want(t, "begin registration", status, b, http.StatusOK, "")
			cred, _, _ := passkeytest.New(mfaOrigin).Create(mustJSON(t, b["options"]))
			status, out := e.api("POST", "/v1/me/passkeys", two["access_token"].(string), map[string]any{"ceremony": b["ceremony"], "credential": object(t, cred)})
			want(t, "finish in another session", status, out, http.StatusUnauthorized, "mfa_challenge_invalid")
		})
		t.Run("another_accounts_credential_as_second_factor", func(t *testing.T) {
			ch := e.mfaChallenge(alice)
			forged, err := malloryKey.Assert(mustJSON(t, ch["passkey_options"]), malloryKey.Credentials[0], malloryKey.Credentials[0].UserHandle)
			if err != nil {
				t.Fatal(err)
			}
			status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "passkey": object(t, forged)})
			want(t, "Mallory's passkey on Alice's challenge", status, b, http.StatusUnauthorized, "passkey_invalid")
		})
		t.Run("another_accounts_handle", func(t *testing.T) {
			status, b := e.api("POST", "/v1/auth/passkey/begin", "", nil)
			want(t, "begin", status, b, http.StatusOK, "")
			c := malloryKey.Credentials[0]
			c.SignCount += 5
			forged, _ := malloryKey.Assert(mustJSON(t, b["options"]), c, aliceKey.Credentials[0].UserHandle)
			status, out := e.api("POST", "/v1/auth/passkey/finish", "", map[string]any{"ceremony": b["ceremony"], "credential": object(t, forged)})
			want(t, "Mallory's passkey claiming Alice's handle", status, out, http.StatusUnauthorized, "passkey_invalid")
		})
		t.Run("cloned_authenticator", func(t *testing.T) {
			clone := aliceKey.Clone()
			status, b := e.passkeyLogin(aliceKey)
			want(t, "the genuine authenticator", status, b, http.StatusOK, "")
			access := b["access_token"].(string)
			status, b = e.passkeyLogin(clone) // same counter as the genuine one's last
			want(t, "the clone", status, b, http.StatusUnauthorized, "passkey_invalid")
			if !slices.Contains(e.eventTypes(access), "passkey_clone_detected") {
				t.Error("no passkey_clone_detected in the history")
			}
		})
		t.Run("origin_not_allowed", func(t *testing.T) {
			phished := aliceKey.Clone()
			phished.Origin = "https://accounts.test.evil.example"
			phished.Credentials[0].SignCount += 100
			status, b := e.passkeyLogin(phished)
			want(t, "an assertion collected at another origin", status, b, http.StatusUnauthorized, "passkey_invalid")
		})
		t.Run("profiles_refuse_a_passkey_account", func(t *testing.T) {
			status, _, out := e.do("POST", "/api/jwt/create/", "application/json", mustJSON(t, map[string]any{"email": alice.email, "password": alice.password}))
			if status != http.StatusForbidden {
				t.Errorf("djoser login of an account with a passkey = %d %s", status, out)
			}
		})
	})
}
