package contracttests

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestIdempotencyKeyReplaysFirstAnswer (issue 20, item 3): a POST that creates or
// rotates something, sent again with the same Idempotency-Key and the same request, gets
// the first answer again and does nothing a second time: no second account (no 409 for
// its own), no second email, no second rotation. The same key with another request is
// refused, and keys are the caller's own.
func TestIdempotencyKeyReplaysFirstAnswer(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		key := func() []string { return []string{"Idempotency-Key", uuid.NewString()} }
		t.Run("register_replayed_not_409", func(t *testing.T) {
			u := newUser("idem")
			body := []byte(`{"username":"` + u.username + `","email":"` + u.email + `","password":"` + u.password + `"}`)
			k := key()
			status, h, first := e.do("POST", "/v1/auth/register", "application/json", body, k...)
			if status != http.StatusCreated {
				t.Fatalf("register: %d %s", status, first)
			}
			if h.Get("Idempotent-Replayed") != "" {
				t.Error("a first answer marked as replayed")
			}
			// The same request, encoded otherwise (keys in another order, spaces).
			again := []byte(`{ "password": "` + u.password + `", "email": "` + u.email + `", "username": "` + u.username + `" }`)
			status, h, second := e.do("POST", "/v1/auth/register", "application/json", again, k...)
			if status != http.StatusCreated || !bytes.Equal(first, second) {
				t.Fatalf("retry: %d %s, want the first answer %s", status, second, first)
			}
			if h.Get("Idempotent-Replayed") != "true" {
				t.Error("a replay without Idempotent-Replayed: true")
			}
			if n := e.mailCount(u.email); n != 1 {
				t.Errorf("%d emails to %s, want the one activation email", n, u.email)
			}
			// Another request under the same key is refused.
			other := []byte(`{"username":"` + u.username + `x","email":"x` + u.email + `","password":"` + u.password + `"}`)
			status, _, body = e.do("POST", "/v1/auth/register", "application/json", other, k...)
			if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"idempotency_key_reused"`) {
				t.Errorf("another request under the key: %d %s, want 422 idempotency_key_reused", status, body)
			}
		})
		t.Run("refresh_replayed_with_the_same_pair", func(t *testing.T) {
			pair := e.login(e.activeUser("idemrefresh"))
			body := []byte(`{"refresh_token":"` + pair.RefreshToken + `"}`)
			k := key()
			status, _, first := e.do("POST", "/v1/auth/refresh", "application/json", body, k...)
			if status != http.StatusOK {
				t.Fatalf("refresh: %d %s", status, first)
			}
			status, h, second := e.do("POST", "/v1/auth/refresh", "application/json", body, k...)
			if status != http.StatusOK || !bytes.Equal(first, second) || h.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry: %d %s, want the first answer %s", status, second, first)
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Error("a replayed token answer may be cached")
			}
			// What is kept of the answer is sealed: the database holds no token.
			var rows []struct {
				Key      string `bun:"key"`
				Response []byte `bun:"response"`
			}
			if err := e.app.Store.DB().NewRaw("SELECT key, response FROM idempotency_keys").Scan(context.Background(), &rows); err != nil {
				t.Fatal(err)
			}
			pairOut := decodePair(t, first)
			for _, r := range rows {
				for _, secret := range []string{pairOut.refresh, pairOut.access, k[1]} {
					if strings.Contains(r.Key, secret) || bytes.Contains(r.Response, []byte(secret)) {
						t.Fatal("idempotency_keys holds a token or a client key in clear")
					}
				}
			}
		})
		t.Run("keys_belong_to_their_caller", func(t *testing.T) {
			a, b := e.login(e.activeUser("idemA")), e.login(e.activeUser("idemB"))
			k := key()
			body := []byte(`{"current_password":"wrong-password-1","new_password":"another-long-passphrase"}`)
			// A's request fails (a wrong password): the key is given up, nothing kept.
			status, _, _ := e.do("POST", "/v1/me/password", "application/json", body, append(k, "Authorization", "Bearer "+a.AccessToken)...)
			if status != http.StatusBadRequest {
				t.Fatalf("A's change with a wrong password: %d", status)
			}
			// B under the same key and body is B's own request, not A's answer.
			status, h, _ := e.do("POST", "/v1/me/password", "application/json", body, append(k, "Authorization", "Bearer "+b.AccessToken)...)
			if status != http.StatusBadRequest || h.Get("Idempotent-Replayed") != "" {
				t.Fatalf("B under A's key: %d replayed=%q", status, h.Get("Idempotent-Replayed"))
			}
		})
		t.Run("short_key_400", func(t *testing.T) {
			status, _, body := e.do("POST", "/v1/auth/refresh", "application/json", []byte(`{"refresh_token":"x"}`), "Idempotency-Key", "1")
			if status != http.StatusBadRequest {
				t.Errorf("a one-character key: %d %s, want 400", status, body)
			}
		})
	})
}

// TestRegistrationRetriedWithoutKeyIsNot409 (issue 20, item 3): a client that retries
// a registration without an Idempotency-Key, after an answer it never saw, sends the
// same username, email and password as the account its first attempt created. That is
// its own account: the retry answers 201 as the first did, and no second email goes out.
// Anyone else (another password, another email) still gets 409.
func TestRegistrationRetriedWithoutKeyIsNot409(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := newUser("retryreg")
		body := []byte(`{"username":"` + u.username + `","email":"` + u.email + `","password":"` + u.password + `"}`)
		status, _, first := e.do("POST", "/v1/auth/register", "application/json", body)
		if status != http.StatusCreated {
			t.Fatalf("register: %d %s", status, first)
		}
		status, _, second := e.do("POST", "/v1/auth/register", "application/json", body)
		if status != http.StatusCreated || !bytes.Equal(first, second) {
			t.Fatalf("retry without a key: %d %s, want the first answer %s", status, second, first)
		}
		if n := e.mailCount(u.email); n != 1 {
			t.Errorf("%d emails to %s, want the one activation email", n, u.email)
		}
		other := []byte(`{"username":"` + u.username + `","email":"` + u.email + `","password":"another-long-passphrase"}`)
		if status, _, body := e.do("POST", "/v1/auth/register", "application/json", other); status != http.StatusConflict {
			t.Errorf("same username and email, another password: %d %s, want 409", status, body)
		}
	})
}
