package contracttests

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/totp"
)

// mfaOrigin is the page origin the passkey tests' software authenticator signs for.
const mfaOrigin = "https://accounts.test"

// withMFA turns TOTP on (a test key) and names the relying party of the passkey tests.
func withMFA(c *config.Config) {
	c.MFA.EncryptionKey = bytes.Repeat([]byte{0x42}, 32)
	c.MFA.RPID = "accounts.test"
	c.MFA.Origins = []string{mfaOrigin}
}

// api sends a JSON request, with the bearer token when not empty, and decodes the answer.
func (e *env) api(method, path, token string, body any) (int, map[string]any) {
	e.t.Helper()
	var raw []byte
	contentType := ""
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
		contentType = "application/json"
	}
	var hdr []string
	if token != "" {
		hdr = []string{"Authorization", "Bearer " + token}
	}
	status, _, out := e.do(method, path, contentType, raw, hdr...)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return status, m
}

// want fails unless status is the one expected, and for a problem, its code.
func want(t *testing.T, what string, status int, body map[string]any, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus || (wantCode != "" && body["code"] != wantCode) {
		t.Fatalf("%s = %d %v, want %d %s", what, status, body, wantStatus, wantCode)
	}
}

// totpCode is the code of secret at the app's clock, shifted by steps.
func (e *env) totpCode(secret string, steps int64) string {
	e.t.Helper()
	code, err := totp.Keys{}.Code(secret, e.clock.Now().Unix()/30+steps)
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// nextStep moves the clock to the start of the next 30-second step, so that a new code
// is due.
func (e *env) nextStep() {
	now := e.clock.Now()
	e.clock.Advance(time.Duration(30-now.Unix()%30)*time.Second + time.Millisecond)
}

// enrolTOTP adds a confirmed TOTP factor to u, signed in with access, and returns its
// secret and recovery codes.
func (e *env) enrolTOTP(access string) (secret string, codes []string) {
	e.t.Helper()
	status, b := e.api("POST", "/v1/me/mfa/totp", access, nil)
	want(e.t, "begin TOTP", status, b, http.StatusCreated, "")
	secret = b["secret"].(string)
	status, b = e.api("POST", "/v1/me/mfa/totp/confirm", access, map[string]any{"code": e.totpCode(secret, 0)})
	want(e.t, "confirm TOTP", status, b, http.StatusOK, "")
	for _, c := range b["recovery_codes"].([]any) {
		codes = append(codes, c.(string))
	}
	e.nextStep()
	return secret, codes
}

// mfaChallenge logs u in with the password and returns the challenge it answers with.
func (e *env) mfaChallenge(u user) map[string]any {
	e.t.Helper()
	status, b := e.api("POST", "/v1/auth/login", "", map[string]any{"login": u.username, "password": u.password})
	want(e.t, "password login of an account with a factor", status, b, http.StatusUnauthorized, "mfa_required")
	if _, ok := b["access_token"]; ok {
		e.t.Fatalf("tokens handed out with mfa_required: %v", b)
	}
	return b["mfa"].(map[string]any)
}

// claims decodes an access token's payload.
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// amr is an access token's amr claim, space-separated.
func amr(t *testing.T, token string) string {
	t.Helper()
	var out []string
	for _, m := range claims(t, token)["amr"].([]any) {
		out = append(out, m.(string))
	}
	return strings.Join(out, " ")
}

// eventTypes lists the types of the caller's history, newest first.
func (e *env) eventTypes(access string) []string {
	e.t.Helper()
	status, b := e.api("GET", "/v1/me/events?limit=200", access, nil)
	want(e.t, "history", status, b, http.StatusOK, "")
	var out []string
	for _, ev := range b["items"].([]any) {
		out = append(out, ev.(map[string]any)["type"].(string))
	}
	return out
}

// TestMFATOTP walks TOTP on both stores: enrolment with a QR code, confirmation and
// recovery codes, the end of older sessions, login with a code and with a recovery code
// (emailed to the owner), removal, and the history of it all.
func TestMFATOTP(t *testing.T) {
	forEachStoreWith(t, withMFA, func(t *testing.T, e *env) {
		u := e.activeUser("totp")
		older := e.login(u).AccessToken
		access := e.login(u).AccessToken

		status, b := e.api("GET", "/v1/me/mfa", access, nil)
		want(t, "factors before", status, b, http.StatusOK, "")
		if b["enabled"] != false {
			t.Fatalf("factors before enrolment: %v", b)
		}
		if status, b := e.api("POST", "/v1/me/mfa/totp/confirm", access, map[string]any{"code": "123456"}); status != http.StatusNotFound {
			t.Fatalf("confirm with nothing pending = %d %v, want 404", status, b)
		}
		status, b = e.api("POST", "/v1/me/mfa/totp", access, nil)
		want(t, "begin TOTP", status, b, http.StatusCreated, "")
		secret := b["secret"].(string)
		if !strings.HasPrefix(b["otpauth_uri"].(string), "otpauth://totp/") || !strings.Contains(b["otpauth_uri"].(string), secret) ||
			!strings.HasPrefix(b["qr_code"].(string), "data:image/png;base64,") {
			t.Fatalf("enrolment %v", b)
		}
		status, b = e.api("POST", "/v1/me/mfa/totp/confirm", access, map[string]any{"code": e.totpCode(secret, 5)})
		want(t, "confirm with a code from the wrong time", status, b, http.StatusUnauthorized, "mfa_code_invalid")
		confirmed := e.totpCode(secret, 0)
		status, b = e.api("POST", "/v1/me/mfa/totp/confirm", access, map[string]any{"code": confirmed})
		want(t, "confirm TOTP", status, b, http.StatusOK, "")
		codes := b["recovery_codes"].([]any)
		if len(codes) != 10 {
			t.Fatalf("recovery codes %v", codes)
		}
		status, b = e.api("POST", "/v1/me/mfa/totp", access, nil)
		want(t, "enrol twice", status, b, http.StatusConflict, "mfa_already_enabled")

		// The session started before the factor, with the password alone, has ended;
		// the one that confirmed it lives on.
		if status, _ := e.api("GET", "/v1/me", older, nil); status != http.StatusUnauthorized {
			t.Errorf("a session started with the password alone outlived the enrolment: %d", status)
		}
		if status, _ := e.api("GET", "/v1/me", access, nil); status != http.StatusOK {
			t.Errorf("the enrolling session ended: %d", status)
		}

		// Login: the password answers with a challenge, not tokens.
		ch := e.mfaChallenge(u)
		methods, _ := json.Marshal(ch["methods"])
		if string(methods) != `["totp","recovery_code"]` {
			t.Errorf("methods %s", methods)
		}
		status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": confirmed})
		want(t, "the confirmation's code again, within its window", status, b, http.StatusUnauthorized, "mfa_code_invalid")
		e.nextStep()
		code := e.totpCode(secret, 0)
		status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": code})
		want(t, "verify with a code", status, b, http.StatusOK, "")
		tok := b["access_token"].(string)
		if got := amr(t, tok); got != "pwd otp mfa" {
			t.Errorf("amr %q", got)
		}
		if at := claims(t, tok)["auth_time"]; at == nil || int64(at.(float64)) > e.clock.Now().Unix() {
			t.Errorf("auth_time %v", at)
		}
		status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": e.totpCode(secret, 1)})
		want(t, "the challenge replayed", status, b, http.StatusUnauthorized, "mfa_challenge_invalid")

		// A recovery code, once, and the owner is told.
		ch = e.mfaChallenge(u)
		rc := strings.ToUpper(codes[0].(string))
		status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "recovery_code": rc})
		want(t, "verify with a recovery code (typed in capitals)", status, b, http.StatusOK, "")
		access = b["access_token"].(string)
		if m, ok := e.lastMail(u.email); !ok || !strings.Contains(m.Subject, "recovery code") {
			t.Errorf("no email about the recovery code: %+v", m)
		}
		ch = e.mfaChallenge(u)
		status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "recovery_code": rc})
		want(t, "the recovery code again", status, b, http.StatusUnauthorized, "mfa_code_invalid")
		status, b = e.api("GET", "/v1/me/mfa", access, nil)
		if b["recovery_codes_left"] != float64(9) || b["totp"] != true {
			t.Errorf("factors %d %v", status, b)
		}

		// New codes void the old ones.
		status, b = e.api("POST", "/v1/me/mfa/recovery-codes", access, nil)
		want(t, "regenerate codes", status, b, http.StatusOK, "")
		ch = e.mfaChallenge(u)
		status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "recovery_code": codes[1]})
		want(t, "an old recovery code", status, b, http.StatusUnauthorized, "mfa_code_invalid")

		// Removal needs the password or a code, one of them.
		status, b = e.api("DELETE", "/v1/me/mfa/totp", access, map[string]any{})
		want(t, "remove without password or code", status, b, http.StatusBadRequest, "validation_failed")
		status, b = e.api("DELETE", "/v1/me/mfa/totp", access, map[string]any{"password": "not-the-password"})
		want(t, "remove with a wrong password", status, b, http.StatusBadRequest, "validation_failed")
		status, b = e.api("DELETE", "/v1/me/mfa/totp", access, map[string]any{"password": u.password})
		if status != http.StatusNoContent {
			t.Fatalf("remove TOTP = %d %v", status, b)
		}
		status, b = e.api("GET", "/v1/me/mfa", access, nil)
		if b["enabled"] != false || b["recovery_codes_left"] != float64(0) {
			t.Errorf("factors after removal %d %v", status, b)
		}
		e.login(u) // the password alone works again

		types := e.eventTypes(access)
		for _, typ := range []string{"mfa_totp_enabled", "mfa_recovery_codes_generated", "mfa_recovery_code_used", "mfa_failed", "mfa_totp_disabled"} {
			if !slices.Contains(types, typ) {
				t.Errorf("history lacks %s: %v", typ, types)
			}
		}
	})
}

// TestMFAAttacks tries to get past second factors: a flood of wrong codes, another
// account's challenge, a code replayed, a challenge worn out.
func TestMFAAttacks(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		withMFA(c)
		c.MFA.CodeFailures = account.Rule{Limit: 8, Window: 15 * time.Minute}
	}, func(t *testing.T, e *env) {
		alice, mallory := e.activeUser("alice"), e.activeUser("mallory")
		aliceSecret, _ := e.enrolTOTP(e.login(alice).AccessToken)
		mallorySecret, _ := e.enrolTOTP(e.login(mallory).AccessToken)

		t.Run("challenge_of_another_account", func(t *testing.T) {
			// Mallory knows her own code; Alice's challenge does not take it.
			ch := e.mfaChallenge(alice)
			code := e.totpCode(mallorySecret, 0)
			if code == e.totpCode(aliceSecret, 0) {
				e.nextStep()
				code = e.totpCode(mallorySecret, 0)
			}
			status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": code})
			want(t, "Alice's challenge with Mallory's code", status, b, http.StatusUnauthorized, "mfa_code_invalid")
			// And her own challenge does not take Alice's code.
			mine := e.mfaChallenge(mallory)
			status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": mine["challenge"], "code": e.totpCode(aliceSecret, 0)})
			want(t, "Mallory's challenge with Alice's code", status, b, http.StatusUnauthorized, "mfa_code_invalid")
			status, b = e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": mine["challenge"], "code": e.totpCode(mallorySecret, 0)})
			want(t, "Mallory's own challenge and code", status, b, http.StatusOK, "")
		})
		t.Run("challenge_worn_out_by_wrong_codes", func(t *testing.T) {
			e.nextStep()
			ch := e.mfaChallenge(mallory)
			for range 5 {
				status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": "000000"})
				want(t, "a wrong code", status, b, http.StatusUnauthorized, "mfa_code_invalid")
			}
			status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": e.totpCode(mallorySecret, 0)})
			want(t, "the right code on a worn-out challenge", status, b, http.StatusUnauthorized, "mfa_challenge_invalid")
		})
		t.Run("expired_challenge", func(t *testing.T) {
			ch := e.mfaChallenge(alice)
			e.clock.Advance(6 * time.Minute)
			status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": e.totpCode(aliceSecret, 0)})
			want(t, "an expired challenge", status, b, http.StatusUnauthorized, "mfa_challenge_invalid")
		})
		t.Run("wrong_code_flood", func(t *testing.T) {
			e.clock.Advance(16 * time.Minute) // a fresh window for the per-account limit
			limited := 0
			for range 12 {
				ch := e.mfaChallenge(alice)
				status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": "999999"})
				if status == http.StatusTooManyRequests {
					limited++
					continue
				}
				want(t, "a wrong code", status, b, http.StatusUnauthorized, "mfa_code_invalid")
			}
			if limited < 4 {
				t.Fatalf("12 wrong codes against one account, %d refused with 429; want the ones past 8", limited)
			}
			// Even the right code waits while the account is limited.
			ch := e.mfaChallenge(alice)
			status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": e.totpCode(aliceSecret, 0)})
			want(t, "the right code under the limit", status, b, http.StatusTooManyRequests, "rate_limited")
		})
	})
}

// TestMFAStepUp: the changes that hand an account over need a recent second factor, on
// every API that makes them; a step-up with a code grants it for the window.
func TestMFAStepUp(t *testing.T) {
	forEachStoreWith(t, withMFA, func(t *testing.T, e *env) {
		u := e.activeUser("stepup")
		secret, _ := e.enrolTOTP(e.login(u).AccessToken)
		ch := e.mfaChallenge(u)
		status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": e.totpCode(secret, 0)})
		want(t, "verify", status, b, http.StatusOK, "")
		access := b["access_token"].(string)
		e.clock.Advance(11 * time.Minute) // past ACCOUNTD_MFA_STEP_UP_WINDOW

		bearerHdr := []string{"Authorization", "Bearer " + access}
		attempts := []struct {
			name string
			do   func() (int, []byte)
		}{
			{"canonical password change", func() (int, []byte) {
				s, _, out := e.do("POST", "/v1/me/password", "application/json", mustJSON(t, map[string]any{"current_password": u.password, "new_password": "a-brand-new-passphrase"}), bearerHdr...)
				return s, out
			}},
			{"canonical email change", func() (int, []byte) {
				s, _, out := e.do("POST", "/v1/me/email", "application/json", mustJSON(t, map[string]any{"new_email": "thief@example.com", "password": u.password}), bearerHdr...)
				return s, out
			}},
			{"canonical deletion", func() (int, []byte) {
				s, _, out := e.do("DELETE", "/v1/me", "application/json", mustJSON(t, map[string]any{"password": u.password}), bearerHdr...)
				return s, out
			}},
			{"TOTP removal", func() (int, []byte) {
				s, _, out := e.do("DELETE", "/v1/me/mfa/totp", "application/json", mustJSON(t, map[string]any{"password": u.password}), bearerHdr...)
				return s, out
			}},
			{"djoser set_password", func() (int, []byte) {
				s, _, out := e.dj("POST", "/api/users/set_password/", map[string]any{"current_password": u.password, "new_password": "a-brand-new-passphrase", "re_new_password": "a-brand-new-passphrase"}, bearerHdr...)
				return s, out
			}},
			{"djoser set_email", func() (int, []byte) {
				s, _, out := e.dj("POST", "/api/users/set_email/", map[string]any{"current_password": u.password, "new_email": "thief@example.com"}, bearerHdr...)
				return s, out
			}},
			{"djoser deletion", func() (int, []byte) {
				s, _, out := e.dj("DELETE", "/api/users/me/", map[string]any{"current_password": u.password}, bearerHdr...)
				return s, out
			}},
			{"rest-registration change-password", func() (int, []byte) {
				s, _, out := e.do("POST", "/api/accounts/change-password/", "application/json", mustJSON(t, map[string]any{"old_password": u.password, "password": "a-brand-new-passphrase", "password_confirm": "a-brand-new-passphrase"}), bearerHdr...)
				return s, out
			}},
			{"rest-registration register-email", func() (int, []byte) {
				s, _, out := e.do("POST", "/api/accounts/register-email/", "application/json", mustJSON(t, map[string]any{"email": "thief@example.com"}), bearerHdr...)
				return s, out
			}},
			{"jwt-accounts change password", func() (int, []byte) {
				s, _, out := e.do("POST", "/accounts/api/change/password/", "application/json", mustJSON(t, map[string]any{"old_password": u.password, "new_password": "a-brand-new-passphrase", "confirm_password": "a-brand-new-passphrase"}), bearerHdr...)
				return s, out
			}},
		}
		for _, a := range attempts {
			status, out := a.do()
			if status != http.StatusForbidden || !strings.Contains(string(out), "step") {
				t.Errorf("%s without a recent second factor = %d %s, want 403 asking for a step-up", a.name, status, out)
			}
		}
		// Nothing changed.
		e.login2(u, secret)

		// A step-up takes a second factor, not the password.
		status, b = e.api("POST", "/v1/auth/step-up", access, map[string]any{"password": u.password})
		want(t, "step-up with the password", status, b, http.StatusBadRequest, "validation_failed")
		status, b = e.api("POST", "/v1/auth/step-up", access, map[string]any{"code": "000000"})
		want(t, "step-up with a wrong code", status, b, http.StatusUnauthorized, "mfa_code_invalid")
		e.nextStep()
		status, b = e.api("POST", "/v1/auth/step-up", access, map[string]any{"code": e.totpCode(secret, 0)})
		want(t, "step-up with a code", status, b, http.StatusOK, "")
		if !strings.Contains(amr(t, b["access_token"].(string)), "otp") || b["auth_time"] == nil {
			t.Errorf("step-up answer %v", b)
		}
		// The session's own older token benefits at once: the check reads the session.
		status, _, out := e.do("POST", "/v1/me/password", "application/json", mustJSON(t, map[string]any{"current_password": u.password, "new_password": "a-brand-new-passphrase"}), bearerHdr...)
		if status != http.StatusNoContent {
			t.Fatalf("password change after the step-up = %d %s", status, out)
		}
		if !slices.Contains(e.eventTypes(access), "mfa_step_up") {
			t.Error("no mfa_step_up in the history")
		}
	})
}

// login2 logs u in with the password and a code of secret, failing the test otherwise.
func (e *env) login2(u user, secret string) string {
	e.t.Helper()
	e.nextStep()
	ch := e.mfaChallenge(u)
	status, b := e.api("POST", "/v1/auth/mfa/verify", "", map[string]any{"challenge": ch["challenge"], "code": e.totpCode(secret, 0)})
	want(e.t, "login with password and code", status, b, http.StatusOK, "")
	return b["access_token"].(string)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMFAProfilesRefuse: no compatibility profile's password login hands out tokens for
// an account with a second factor; each refuses in its own shape.
func TestMFAProfilesRefuse(t *testing.T) {
	forEachStoreWith(t, withMFA, func(t *testing.T, e *env) {
		u := e.activeUser("profiles")
		e.enrolTOTP(e.login(u).AccessToken)
		for _, c := range []struct{ name, path string }{
			{"djoser jwt/create", "/api/jwt/create/"},
			{"rest-registration login", "/api/accounts/login/"},
			{"rest-registration login (account)", "/api/account/login/"},
			{"cadasta login", "/api/v1/account/login/"},
			{"jwt-accounts login", "/accounts/api/login/"},
		} {
			body := map[string]any{"email": u.email, "login": u.username, "username": u.username, "password": u.password}
			status, _, out := e.do("POST", c.path, "application/json", mustJSON(t, body))
			if status != http.StatusForbidden || !strings.Contains(string(out), "second factor") {
				t.Errorf("%s = %d %s, want 403 naming the second factor", c.name, status, out)
			}
			for _, leak := range []string{"token", "access", "refresh"} {
				if strings.Contains(strings.ToLower(string(out)), `"`+leak) {
					t.Errorf("%s answered with %q: %s", c.name, leak, out)
				}
			}
		}
	})
}

// TestMFAAdminReset: staff list a user's factors and reset them; the owner is emailed,
// the history names the administrator, and the password alone signs in again.
func TestMFAAdminReset(t *testing.T) {
	forEachStoreWith(t, withMFA, func(t *testing.T, e *env) {
		u := e.activeUser("lost")
		e.enrolTOTP(e.login(u).AccessToken)
		_, staff := e.staffUser("staff", false)
		id := e.userID(staff, u.username)
		res, err := e.client.AdminGetUserMfaWithResponse(t.Context(), id, staff)
		if err != nil || res.JSON200 == nil || !res.JSON200.Totp || res.JSON200.RecoveryCodesLeft != 10 {
			t.Fatalf("admin factors: %v %d %s", err, statusOf(res), bodyOf(res))
		}
		plain := bearer(e.login(e.activeUser("plain")).AccessToken)
		if res, err := e.client.AdminResetUserMfaWithResponse(t.Context(), id, plain); err != nil || res.StatusCode() != http.StatusForbidden {
			t.Fatalf("reset by a non-staff user: %v %d", err, statusOf(res))
		}
		reset, err := e.client.AdminResetUserMfaWithResponse(t.Context(), id, staff)
		if err != nil || reset.StatusCode() != http.StatusNoContent {
			t.Fatalf("reset: %v %d %s", err, statusOf(reset), bodyOf(reset))
		}
		if again, _ := e.client.AdminResetUserMfaWithResponse(t.Context(), id, staff); statusOf(again) != http.StatusNotFound {
			t.Errorf("a second reset = %d, want 404", statusOf(again))
		}
		if m, ok := e.lastMail(u.email); !ok || !strings.Contains(strings.ToLower(m.Subject), "second factor") {
			t.Errorf("no email to the owner about the reset: %+v", m)
		}
		access := e.login(u).AccessToken
		if !slices.Contains(e.eventTypes(access), "admin_mfa_reset") {
			t.Error("no admin_mfa_reset in the history")
		}
	})
}

// TestMFANotConfigured: without ACCOUNTD_MFA_ENCRYPTION_KEY, TOTP answers 501 and the
// rest works as before.
func TestMFANotConfigured(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	access := e.login(e.activeUser("nokey")).AccessToken
	status, b := e.api("POST", "/v1/me/mfa/totp", access, nil)
	want(t, "TOTP without a key", status, b, http.StatusNotImplemented, "mfa_not_configured")
}
