package contracttests

// The rest-registration compatibility profile (a municipal portal's django-rest-registration
// API): every endpoint of its API document over plain HTTP, as its clients call them.
// Responses to its paths are validated against openapi.yaml by the harness like every
// other.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/compat/restregistration"
	"github.com/accountd/accountd/internal/config"
	mailpkg "github.com/accountd/accountd/internal/mail"
)

// rrJSON is a decoded response body of the profile.
type rrJSON map[string]any

// rrDo sends body to the profile as JSON (a string is sent as it is) and decodes the
// answer, which must be JSON.
func (e *env) rrDo(method, path string, body any, header ...string) (int, http.Header, rrJSON) {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	contentType := ""
	if raw != nil {
		contentType = "application/json"
	}
	status, h, out := e.do(method, path, contentType, raw, header...)
	return status, h, rrDecode(e.t, status, h, out)
}

func rrDecode(t *testing.T, status int, h http.Header, out []byte) rrJSON {
	t.Helper()
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("status %d with Content-Type %q: %s", status, ct, out)
	}
	var v rrJSON
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("status %d, body not a JSON object: %s", status, out)
	}
	return v
}

// rrBearer is the header the document's clients send.
func rrBearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// rrWant fails unless the answer has the status and exactly the body want.
func rrWant(t *testing.T, status int, body rrJSON, wantStatus int, want string) {
	t.Helper()
	var w rrJSON
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if status != wantStatus || !reflect.DeepEqual(body, w) {
		t.Fatalf("got %d %v, want %d %s", status, body, wantStatus, want)
	}
}

// rrWantField fails unless the answer is a 400 naming field.
func rrWantField(t *testing.T, status int, body rrJSON, field string) {
	t.Helper()
	if msgs, ok := body[field].([]any); status != http.StatusBadRequest || !ok || len(msgs) == 0 {
		t.Fatalf("got %d %v, want 400 with messages for %q", status, body, field)
	}
}

// rrLink returns the query parameters of the link in the newest email to addr, which
// must open the frontend page page.
func (e *env) rrLink(addr, page string) url.Values {
	e.t.Helper()
	m, ok := e.lastMail(addr)
	if !ok {
		e.t.Fatalf("no email to %s", addr)
	}
	link := mailpkg.FindLink(m.Text)
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, page+"?") {
		e.t.Fatalf("email to %s: link %q does not open %s", addr, link, page)
	}
	q := u.Query()
	for _, p := range []string{"user_id", "timestamp", "signature"} {
		if q.Get(p) == "" {
			e.t.Fatalf("link %q has no %s", link, p)
		}
	}
	return q
}

// The frontend pages of the default settings.
const (
	rrVerifyUserPage  = "http://localhost:3000/verify-user/"
	rrResetPage       = "http://localhost:3000/reset-password/"
	rrVerifyEmailPage = "http://localhost:3000/verify-email/"
)

// rrLinkBody is what the frontend posts back: the link's parameters as they are.
func rrLinkBody(q url.Values, more ...string) map[string]any {
	b := map[string]any{}
	for k := range q {
		b[k] = q.Get(k)
	}
	for i := 0; i+1 < len(more); i += 2 {
		b[more[i]] = more[i+1]
	}
	return b
}

// rrRegister registers u through the profile and returns its verification link.
func (e *env) rrRegister(u user) url.Values {
	e.t.Helper()
	status, _, body := e.rrDo("POST", "/api/accounts/register/", map[string]any{
		"username": u.username, "email": u.email, "password": u.password, "password_confirm": u.password,
	})
	rrWant(e.t, status, body, http.StatusCreated, `{}`)
	return e.rrLink(u.email, rrVerifyUserPage)
}

// rrActiveUser registers and verifies a new user through the profile.
func (e *env) rrActiveUser(prefix string) user {
	e.t.Helper()
	u := newUser(prefix)
	status, _, body := e.rrDo("POST", "/api/accounts/verify-registration/", rrLinkBody(e.rrRegister(u)))
	rrWant(e.t, status, body, http.StatusOK, `{}`)
	return u
}

// rrLogin logs in through the profile and returns the token.
func (e *env) rrLogin(login, password string) string {
	e.t.Helper()
	status, _, body := e.rrDo("POST", "/api/account/login/", map[string]any{"login": login, "password": password})
	token, _ := body["token"].(string)
	if status != http.StatusOK || token == "" || len(body) != 1 {
		e.t.Fatalf("login %s: %d %v", login, status, body)
	}
	return token
}

// rrTamper changes one character of a signature.
func rrTamper(sig string) string {
	c := byte('A')
	if sig[0] == 'A' {
		c = 'B'
	}
	return string(c) + sig[1:]
}

// rrApproveEmailChange follows the link that an email change, asked without the
// password as this API does, sends to the account's current address: the same verify
// page and parameters as the new address's link, which the new address then gets.
func (e *env) rrApproveEmailChange(current string) {
	e.t.Helper()
	q := e.rrLink(current, rrVerifyEmailPage)
	status, _, body := e.rrDo("POST", "/api/accounts/verify-email/", rrLinkBody(q))
	rrWant(e.t, status, body, http.StatusOK, `{}`)
}

// rrCanonicalStatus is the status of GET /v1/me with token: the profile's tokens are
// the canonical API's too.
func (e *env) rrCanonicalStatus(token string) int {
	e.t.Helper()
	status, _, _ := e.do("GET", "/v1/me", "", nil, rrBearer(token)...)
	return status
}

func TestRestRegistrationRegister(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		t.Run("201_empty_body_and_signed_link_emailed", func(t *testing.T) {
			u := newUser("rr_reg")
			q := e.rrRegister(u)
			if _, err := strconv.ParseInt(q.Get("timestamp"), 10, 64); err != nil {
				t.Fatalf("timestamp %q is not Unix seconds", q.Get("timestamp"))
			}
			// The account is the canonical API's: not active until verified.
			status, _, body := e.rrDo("POST", "/api/account/login/", map[string]any{"login": u.username, "password": u.password})
			if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body["detail"]), "not verified") {
				t.Fatalf("login before verification: %d %v", status, body)
			}
		})

		t.Run("201_form_encoded", func(t *testing.T) {
			u := newUser("rr_form")
			form := url.Values{"username": {u.username}, "email": {u.email}, "password": {u.password}, "password_confirm": {u.password}}
			status, h, out := e.do("POST", "/api/accounts/register/", "application/x-www-form-urlencoded", []byte(form.Encode()))
			rrWant(t, status, rrDecode(t, status, h, out), http.StatusCreated, `{}`)
			e.rrLink(u.email, rrVerifyUserPage)
		})

		t.Run("201_multipart", func(t *testing.T) {
			u := newUser("rr_multi")
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, v := range map[string]string{"username": u.username, "email": u.email, "password": u.password, "password_confirm": u.password} {
				_ = mw.WriteField(k, v)
			}
			_ = mw.Close()
			status, h, out := e.do("POST", "/api/accounts/register/", mw.FormDataContentType(), buf.Bytes())
			rrWant(t, status, rrDecode(t, status, h, out), http.StatusCreated, `{}`)
		})

		t.Run("400_passwords_dont_match", func(t *testing.T) {
			u := newUser("rr_mismatch")
			status, _, body := e.rrDo("POST", "/api/accounts/register/", map[string]any{
				"username": u.username, "email": u.email, "password": u.password, "password_confirm": u.password + "x",
			})
			rrWant(t, status, body, http.StatusBadRequest, `{"password_confirm": ["Passwords don't match"]}`)
		})

		t.Run("400_every_missing_field_named", func(t *testing.T) {
			status, _, body := e.rrDo("POST", "/api/accounts/register/", map[string]any{})
			for _, f := range []string{"username", "email", "password", "password_confirm"} {
				rrWantField(t, status, body, f)
			}
		})

		t.Run("400_invalid_username_and_email", func(t *testing.T) {
			status, _, body := e.rrDo("POST", "/api/accounts/register/", map[string]any{
				"username": "no spaces", "email": "not-an-email", "password": "correct-horse-99", "password_confirm": "correct-horse-99",
			})
			rrWant(t, status, body, http.StatusBadRequest, `{
				"username": ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],
				"email": ["Enter a valid email address."]}`)
		})

		t.Run("400_common_password", func(t *testing.T) {
			u := newUser("rr_weak")
			status, _, body := e.rrDo("POST", "/api/accounts/register/", map[string]any{
				"username": u.username, "email": u.email, "password": "password123", "password_confirm": "password123",
			})
			rrWant(t, status, body, http.StatusBadRequest, `{"password": ["This password is too common."]}`)
		})

		t.Run("400_username_taken", func(t *testing.T) {
			u := newUser("rr_taken")
			e.rrRegister(u)
			other := newUser("rr_other")
			status, _, body := e.rrDo("POST", "/api/accounts/register/", map[string]any{
				"username": strings.ToUpper(u.username), "email": other.email, "password": other.password, "password_confirm": other.password,
			})
			rrWant(t, status, body, http.StatusBadRequest, `{"username": ["A user with that username already exists."]}`)
		})

		t.Run("201_taken_email_not_revealed", func(t *testing.T) {
			owner := e.seedUser("rr_owner")
			intruder := newUser("rr_intruder")
			status, _, body := e.rrDo("POST", "/api/accounts/register/", map[string]any{
				"username": intruder.username, "email": owner.email, "password": intruder.password, "password_confirm": intruder.password,
			})
			rrWant(t, status, body, http.StatusCreated, `{}`)
			if m, ok := e.lastMail(owner.email); !ok || strings.Contains(m.Text, "signature=") {
				t.Fatalf("the owner should be told, without a verification link: %+v", m)
			}
		})

		t.Run("400_malformed_json", func(t *testing.T) {
			status, _, body := e.rrDo("POST", "/api/accounts/register/", `{"username": `)
			if status != http.StatusBadRequest || !strings.HasPrefix(fmt.Sprint(body["detail"]), "JSON parse error") {
				t.Fatalf("got %d %v", status, body)
			}
		})

		t.Run("400_json_not_an_object", func(t *testing.T) {
			status, _, body := e.rrDo("POST", "/api/accounts/register/", `["a"]`)
			rrWant(t, status, body, http.StatusBadRequest, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`)
		})

		t.Run("415_plain_text", func(t *testing.T) {
			status, h, out := e.do("POST", "/api/accounts/register/", "text/plain", []byte("hello"))
			rrWant(t, status, rrDecode(t, status, h, out), http.StatusUnsupportedMediaType, `{"detail": "Unsupported media type \"text/plain\" in request."}`)
		})

		t.Run("405_other_methods_answered_as_drf", func(t *testing.T) {
			status, h, body := e.rrDo("GET", "/api/accounts/register/", nil)
			rrWant(t, status, body, http.StatusMethodNotAllowed, `{"detail": "Method \"GET\" not allowed."}`)
			if h.Get("Allow") != "POST" {
				t.Fatalf("Allow: %q", h.Get("Allow"))
			}
			status, h, _ = e.rrDo("DELETE", "/api/accounts/profile/", nil)
			if status != http.StatusMethodNotAllowed || h.Get("Allow") != "GET, PATCH, POST, PUT" {
				t.Fatalf("got %d, Allow: %q", status, h.Get("Allow"))
			}
		})

		t.Run("413_body_too_large", func(t *testing.T) {
			big := `{"username": "` + strings.Repeat("a", 70<<10) + `"}`
			status, _, body := e.rrDo("POST", "/api/accounts/register/", big)
			rrWant(t, status, body, http.StatusRequestEntityTooLarge, `{"detail": "Request body too large."}`)
		})
	})
}

func TestRestRegistrationVerifyRegistration(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		verify := func(b map[string]any) (int, rrJSON) {
			status, _, body := e.rrDo("POST", "/api/accounts/verify-registration/", b)
			return status, body
		}
		u := newUser("rr_verify")
		q := e.rrRegister(u)

		t.Run("400_tampered_signature", func(t *testing.T) {
			status, body := verify(rrLinkBody(q, "signature", rrTamper(q.Get("signature"))))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("400_tampered_timestamp", func(t *testing.T) {
			ts, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
			status, body := verify(rrLinkBody(q, "timestamp", strconv.FormatInt(ts+3600, 10)))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("400_other_user", func(t *testing.T) {
			e.seedUser("rr_verify_other") // so that the next ID is a real user
			id, _ := strconv.ParseInt(q.Get("user_id"), 10, 64)
			status, body := verify(rrLinkBody(q, "user_id", strconv.FormatInt(id+1, 10)))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("400_unknown_or_garbage_user_id", func(t *testing.T) {
			for _, id := range []string{"999999", "abc", "-1"} {
				status, body := verify(rrLinkBody(q, "user_id", id))
				rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
			}
		})
		t.Run("400_timestamp_not_a_number", func(t *testing.T) {
			status, body := verify(rrLinkBody(q, "timestamp", "yesterday"))
			rrWant(t, status, body, http.StatusBadRequest, `{"timestamp": ["A valid integer is required."]}`)
		})
		t.Run("400_missing_fields", func(t *testing.T) {
			status, body := verify(map[string]any{})
			for _, f := range []string{"user_id", "timestamp", "signature"} {
				rrWantField(t, status, body, f)
			}
		})
		t.Run("200_verified_and_same_user_everywhere", func(t *testing.T) {
			// Numbers are accepted where the link's strings are expected, as DRF does.
			b := rrLinkBody(q)
			b["timestamp"], _ = strconv.ParseInt(q.Get("timestamp"), 10, 64)
			status, body := verify(b)
			rrWant(t, status, body, http.StatusOK, `{}`)
			// Registered here, the user logs in at the canonical API too, and its history
			// has the canonical events.
			pair := e.login(u)
			status, _, out := e.do("GET", "/v1/me/events", "", nil, rrBearer(pair.AccessToken)...)
			if status != http.StatusOK || !bytes.Contains(out, []byte(`"registered"`)) || !bytes.Contains(out, []byte(`"activated"`)) {
				t.Fatalf("events: %d %s", status, out)
			}
		})
		t.Run("400_reused", func(t *testing.T) {
			status, body := verify(rrLinkBody(q))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("400_expired_after_48h", func(t *testing.T) {
			inProcessOnly(t, "moves the clock past the link's 48 hours")
			late := newUser("rr_late")
			lq := e.rrRegister(late)
			e.clock.Advance(48*time.Hour + time.Second)
			status, body := verify(rrLinkBody(lq))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Signature expired"}`)
			// Expiry is told only for a genuine link.
			status, body = verify(rrLinkBody(lq, "signature", rrTamper(lq.Get("signature"))))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
	})
}

func TestRestRegistrationLogin(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.rrActiveUser("rr_login")

		t.Run("200_token_by_username_and_by_email_at_both_paths", func(t *testing.T) {
			for path, login := range map[string]string{"/api/account/login/": u.username, "/api/accounts/login/": strings.ToUpper(u.email)} {
				status, _, body := e.rrDo("POST", path, map[string]any{"login": login, "password": u.password})
				token, _ := body["token"].(string)
				if status != http.StatusOK || token == "" {
					t.Fatalf("%s: %d %v", path, status, body)
				}
				if got := e.rrCanonicalStatus(token); got != http.StatusOK {
					t.Fatalf("the profile's token at /v1/me: %d", got)
				}
			}
		})

		t.Run("200_token_lives_24h", func(t *testing.T) {
			token := e.rrLogin(u.username, u.password)
			parts := strings.Split(token, ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if len(parts) != 3 || err != nil {
				t.Fatalf("not a JWT: %q", token)
			}
			var claims struct{ Iat, Exp int64 }
			if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp-claims.Iat != int64((24*time.Hour).Seconds()) {
				t.Fatalf("claims %s: want a 24h lifetime", payload)
			}
		})

		t.Run("200_form_encoded_and_imported_django_hash", func(t *testing.T) {
			s := e.seedUser("rr_seeded")
			form := url.Values{"login": {s.email}, "password": {s.password}}
			status, h, out := e.do("POST", "/api/accounts/login/", "application/x-www-form-urlencoded", []byte(form.Encode()))
			if body := rrDecode(t, status, h, out); status != http.StatusOK || body["token"] == nil {
				t.Fatalf("got %d %v", status, body)
			}
		})

		t.Run("400_wrong_password_and_unknown_login_alike", func(t *testing.T) {
			for _, b := range []map[string]any{
				{"login": u.username, "password": "wrong-password-1"},
				{"login": "nobody_at_all", "password": "wrong-password-1"},
			} {
				status, _, body := e.rrDo("POST", "/api/account/login/", b)
				rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Login or password invalid."}`)
			}
		})

		t.Run("400_missing_fields", func(t *testing.T) {
			status, _, body := e.rrDo("POST", "/api/account/login/", map[string]any{"login": "", "password": nil})
			rrWant(t, status, body, http.StatusBadRequest, `{"login": ["This field may not be blank."], "password": ["This field may not be null."]}`)
		})
	})

	forEachStoreWith(t, func(c *config.Config) {
		c.Limits.LoginIP = account.Rule{Limit: 1, Window: time.Minute}
	}, func(t *testing.T, e *env) {
		t.Run("429_throttled_with_retry_after", func(t *testing.T) {
			e.rrDo("POST", "/api/account/login/", map[string]any{"login": "someone", "password": "wrong-password-1"})
			status, h, body := e.rrDo("POST", "/api/account/login/", map[string]any{"login": "someone", "password": "wrong-password-1"})
			if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" ||
				!strings.HasPrefix(fmt.Sprint(body["detail"]), "Request was throttled. Expected available in ") {
				t.Fatalf("got %d %v %v", status, h, body)
			}
		})
	})
}

func TestRestRegistrationProfile(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.rrActiveUser("rr_profile")
		token := e.rrLogin(u.username, u.password)
		auth := rrBearer(token)

		t.Run("401_without_or_with_a_bad_token", func(t *testing.T) {
			status, h, body := e.rrDo("GET", "/api/accounts/profile/", nil)
			rrWant(t, status, body, http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
			if h.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without a challenge")
			}
			status, _, body = e.rrDo("GET", "/api/accounts/profile/", nil, rrBearer(token+"x")...)
			rrWant(t, status, body, http.StatusUnauthorized, `{"detail": "Token is invalid or expired."}`)
			status, _, body = e.rrDo("POST", "/api/accounts/profile/", map[string]any{"first_name": "X"}, "Authorization", "Bearer")
			rrWant(t, status, body, http.StatusUnauthorized, `{"detail": "Token is invalid or expired."}`)
		})

		t.Run("200_profile", func(t *testing.T) {
			status, _, body := e.rrDo("GET", "/api/accounts/profile/", nil, auth...)
			id, _ := body["id"].(float64)
			if status != http.StatusOK || id <= 0 || body["username"] != u.username || body["email"] != u.email ||
				body["first_name"] != "" || body["last_name"] != "" || len(body) != 5 {
				t.Fatalf("got %d %v", status, body)
			}
		})

		t.Run("200_post_put_and_patch_change_only_the_fields_given", func(t *testing.T) {
			status, _, body := e.rrDo("POST", "/api/accounts/profile/", map[string]any{"first_name": "Ada", "id": 999}, auth...)
			if status != http.StatusOK || body["first_name"] != "Ada" || body["id"] == 999.0 {
				t.Fatalf("POST: %d %v", status, body)
			}
			status, _, body = e.rrDo("PUT", "/api/accounts/profile/", map[string]any{"last_name": "Lovelace"}, auth...)
			if status != http.StatusOK || body["first_name"] != "Ada" || body["last_name"] != "Lovelace" {
				t.Fatalf("PUT: %d %v", status, body)
			}
			u.username += "_x"
			status, _, body = e.rrDo("PATCH", "/api/accounts/profile/", map[string]any{"username": u.username}, auth...)
			if status != http.StatusOK || body["username"] != u.username || body["last_name"] != "Lovelace" {
				t.Fatalf("PATCH: %d %v", status, body)
			}
			// The canonical API sees the same account.
			_, _, out := e.do("GET", "/v1/me", "", nil, auth...)
			if !bytes.Contains(out, []byte(`"first_name":"Ada"`)) || !bytes.Contains(out, []byte(u.username)) {
				t.Fatalf("/v1/me: %s", out)
			}
		})

		t.Run("400_username_taken_or_invalid", func(t *testing.T) {
			other := e.seedUser("rr_profile_other")
			status, _, body := e.rrDo("PATCH", "/api/accounts/profile/", map[string]any{"username": other.username}, auth...)
			rrWant(t, status, body, http.StatusBadRequest, `{"username": ["A user with that username already exists."]}`)
			status, _, body = e.rrDo("PATCH", "/api/accounts/profile/", map[string]any{"username": "", "first_name": strings.Repeat("a", 151)}, auth...)
			rrWant(t, status, body, http.StatusBadRequest, `{"username": ["This field may not be blank."], "first_name": ["Ensure this field has no more than 150 characters."]}`)
		})

		t.Run("200_email_not_applied_but_verified_first", func(t *testing.T) {
			newEmail := newUser("rr_profile_new").email
			status, _, body := e.rrDo("POST", "/api/accounts/profile/", map[string]any{"email": newEmail, "last_name": "L"}, auth...)
			if status != http.StatusOK || body["email"] != u.email || body["last_name"] != "L" {
				t.Fatalf("got %d %v", status, body)
			}
			e.rrApproveEmailChange(u.email)
			q := e.rrLink(newEmail, rrVerifyEmailPage)
			if q.Get("email") != newEmail {
				t.Fatalf("link for %q", q.Get("email"))
			}
			// The same address again (any case) is no change and sends nothing.
			before := len(e.sent())
			status, _, _ = e.rrDo("PATCH", "/api/accounts/profile/", map[string]any{"email": strings.ToUpper(u.email)}, auth...)
			if status != http.StatusOK || len(e.sent()) != before {
				t.Fatalf("unchanged email: %d, %d emails sent", status, len(e.sent())-before)
			}
		})
	})
}

func TestRestRegistrationChangePassword(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.rrActiveUser("rr_change")
		token := e.rrLogin(u.username, u.password)
		other := e.rrLogin(u.email, u.password)
		change := func(b map[string]any, header ...string) (int, rrJSON) {
			status, _, body := e.rrDo("POST", "/api/accounts/change-password/", b, header...)
			return status, body
		}
		newPassword := u.password + "-new"

		t.Run("401_without_token", func(t *testing.T) {
			status, body := change(map[string]any{"old_password": u.password, "password": newPassword, "password_confirm": newPassword})
			rrWant(t, status, body, http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
		})
		t.Run("400_wrong_old_password", func(t *testing.T) {
			status, body := change(map[string]any{"old_password": "not-it-at-all", "password": newPassword, "password_confirm": newPassword}, rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"old_password": ["Old password is not correct"]}`)
		})
		t.Run("400_passwords_dont_match", func(t *testing.T) {
			status, body := change(map[string]any{"old_password": u.password, "password": newPassword, "password_confirm": "other"}, rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"password_confirm": ["Passwords don't match"]}`)
		})
		t.Run("400_too_short", func(t *testing.T) {
			status, body := change(map[string]any{"old_password": u.password, "password": "short", "password_confirm": "short"}, rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"password": ["This password is too short. It must be at least 10 characters."]}`)
		})
		t.Run("200_changed_other_sessions_end", func(t *testing.T) {
			status, body := change(map[string]any{"old_password": u.password, "password": newPassword, "password_confirm": newPassword}, rrBearer(token)...)
			rrWant(t, status, body, http.StatusOK, `{}`)
			if e.rrCanonicalStatus(token) != http.StatusOK || e.rrCanonicalStatus(other) != http.StatusUnauthorized {
				t.Fatal("the caller's session should stay and the other one end")
			}
			e.rrLogin(u.username, newPassword)
			status, _, _ = e.rrDo("POST", "/api/account/login/", map[string]any{"login": u.username, "password": u.password})
			if status != http.StatusBadRequest {
				t.Fatalf("old password still works: %d", status)
			}
		})
	})
}

func TestRestRegistrationResetPassword(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		sendLink := func(email string) (int, rrJSON) {
			status, _, body := e.rrDo("POST", "/api/accounts/send-reset-password-link/", map[string]any{"email": email})
			return status, body
		}
		reset := func(b map[string]any) (int, rrJSON) {
			status, _, body := e.rrDo("POST", "/api/accounts/reset-password/", b)
			return status, body
		}
		u := e.rrActiveUser("rr_reset")
		session := e.rrLogin(u.username, u.password)
		newPassword := u.password + "-reset"

		t.Run("200_unknown_email_answered_alike", func(t *testing.T) {
			before := len(e.sent())
			status, body := sendLink("nobody-here@example.com")
			rrWant(t, status, body, http.StatusOK, `{}`)
			if len(e.sent()) != before {
				t.Fatal("an email went out for an unknown address")
			}
		})
		t.Run("400_invalid_email", func(t *testing.T) {
			status, body := sendLink("nope")
			rrWant(t, status, body, http.StatusBadRequest, `{"email": ["Enter a valid email address."]}`)
		})

		status, body := sendLink(u.email)
		rrWant(t, status, body, http.StatusOK, `{}`)
		q := e.rrLink(u.email, rrResetPage)

		t.Run("400_tampered_signature", func(t *testing.T) {
			status, body := reset(rrLinkBody(q, "password", newPassword, "signature", rrTamper(q.Get("signature"))))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("400_weak_password_leaves_link_usable", func(t *testing.T) {
			status, body := reset(rrLinkBody(q, "password", "password123"))
			rrWant(t, status, body, http.StatusBadRequest, `{"password": ["This password is too common."]}`)
			status, body = reset(rrLinkBody(q, "password", newPassword, "password_confirm", "different"))
			rrWant(t, status, body, http.StatusBadRequest, `{"password_confirm": ["Passwords don't match"]}`)
		})
		t.Run("200_reset_sessions_end", func(t *testing.T) {
			status, body := reset(rrLinkBody(q, "password", newPassword))
			rrWant(t, status, body, http.StatusOK, `{}`)
			if e.rrCanonicalStatus(session) != http.StatusUnauthorized {
				t.Fatal("a session survived the reset")
			}
			e.rrLogin(u.username, newPassword)
		})
		t.Run("400_reused", func(t *testing.T) {
			status, body := reset(rrLinkBody(q, "password", newPassword+"-again"))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("400_dies_when_the_password_changes", func(t *testing.T) {
			status, body := sendLink(u.email)
			rrWant(t, status, body, http.StatusOK, `{}`)
			stale := e.rrLink(u.email, rrResetPage)
			token := e.rrLogin(u.username, newPassword)
			s, _, b := e.rrDo("POST", "/api/accounts/change-password/", map[string]any{
				"old_password": newPassword, "password": newPassword + "2", "password_confirm": newPassword + "2"}, rrBearer(token)...)
			rrWant(t, s, b, http.StatusOK, `{}`)
			status, body = reset(rrLinkBody(stale, "password", "yet-another-password-1"))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
			newPassword += "2"
		})
		t.Run("400_expired_after_1h", func(t *testing.T) {
			inProcessOnly(t, "moves the clock past the link's hour")
			status, body := sendLink(u.email)
			rrWant(t, status, body, http.StatusOK, `{}`)
			late := e.rrLink(u.email, rrResetPage)
			e.clock.Advance(time.Hour + time.Second)
			status, body = reset(rrLinkBody(late, "password", "yet-another-password-1"))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Signature expired"}`)
		})
	})

	forEachStoreWith(t, func(c *config.Config) { restregistration.SettingsOf(c).ResetUnknownEmail404 = true }, func(t *testing.T, e *env) {
		t.Run("404_unknown_email_when_configured", func(t *testing.T) {
			status, _, body := e.rrDo("POST", "/api/accounts/send-reset-password-link/", map[string]any{"email": "nobody-here@example.com"})
			rrWant(t, status, body, http.StatusNotFound, `{"detail": "User not found"}`)
			u := e.seedUser("rr_reset404")
			status, _, body = e.rrDo("POST", "/api/accounts/send-reset-password-link/", map[string]any{"email": u.email})
			rrWant(t, status, body, http.StatusOK, `{}`)
		})
	})
}

func TestRestRegistrationEmail(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.rrActiveUser("rr_email")
		token := e.rrLogin(u.username, u.password)
		registerEmail := func(email string, header ...string) (int, rrJSON) {
			status, _, body := e.rrDo("POST", "/api/accounts/register-email/", map[string]any{"email": email}, header...)
			return status, body
		}
		verify := func(path string, b map[string]any, header ...string) (int, rrJSON) {
			status, _, body := e.rrDo("POST", path, b, header...)
			return status, body
		}

		t.Run("401_without_token", func(t *testing.T) {
			status, body := registerEmail("x@example.com")
			rrWant(t, status, body, http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
		})
		t.Run("400_invalid_or_current_email", func(t *testing.T) {
			status, body := registerEmail("nope", rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"email": ["Enter a valid email address."]}`)
			status, body = registerEmail(u.email, rrBearer(token)...)
			rrWantField(t, status, body, "email")
		})

		first := newUser("rr_email_first").email
		status, body := registerEmail(first, rrBearer(token)...)
		rrWant(t, status, body, http.StatusOK, `{}`)
		e.rrApproveEmailChange(u.email)
		q := e.rrLink(first, rrVerifyEmailPage)

		t.Run("400_tampered_email_or_signature", func(t *testing.T) {
			status, body := verify("/api/account/verify-email/", rrLinkBody(q, "email", "thief@example.com"), rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
			status, body = verify("/api/account/verify-email/", rrLinkBody(q, "signature", rrTamper(q.Get("signature"))), rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("401_invalid_token_offered", func(t *testing.T) {
			status, body := verify("/api/account/verify-email/", rrLinkBody(q), rrBearer("garbage")...)
			rrWant(t, status, body, http.StatusUnauthorized, `{"detail": "Token is invalid or expired."}`)
		})
		t.Run("400_another_users_token", func(t *testing.T) {
			other := e.seedUser("rr_email_other")
			status, body := verify("/api/account/verify-email/", rrLinkBody(q), rrBearer(e.rrLogin(other.username, other.password))...)
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("200_applied_and_old_address_told", func(t *testing.T) {
			toOld := func() (n int) {
				for _, m := range e.sent() {
					if m.To == u.email {
						n++
					}
				}
				return n
			}
			before := toOld()
			status, body := verify("/api/account/verify-email/", rrLinkBody(q), rrBearer(token)...)
			rrWant(t, status, body, http.StatusOK, `{}`)
			_, _, profile := e.rrDo("GET", "/api/accounts/profile/", nil, rrBearer(token)...)
			if profile["email"] != first {
				t.Fatalf("profile %v, want email %s", profile, first)
			}
			if toOld() != before+1 {
				t.Fatal("the old address was not told")
			}
		})
		t.Run("400_reused", func(t *testing.T) {
			status, body := verify("/api/account/verify-email/", rrLinkBody(q), rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		second := newUser("rr_email_second").email
		t.Run("200_without_token_at_accounts_path_and_documents_timestam", func(t *testing.T) {
			status, body := registerEmail(second, rrBearer(token)...)
			rrWant(t, status, body, http.StatusOK, `{}`)
			e.rrApproveEmailChange(first)
			lq := e.rrLink(second, rrVerifyEmailPage)
			b := rrLinkBody(lq)
			b["timestam"] = b["timestamp"]
			delete(b, "timestamp")
			status, body = verify("/api/accounts/verify-email/", b)
			rrWant(t, status, body, http.StatusOK, `{}`)
		})
		t.Run("400_expired_after_24h", func(t *testing.T) {
			inProcessOnly(t, "moves the clock past the link's 24 hours")
			third := newUser("rr_email_third").email
			status, body := registerEmail(third, rrBearer(token)...)
			rrWant(t, status, body, http.StatusOK, `{}`)
			e.rrApproveEmailChange(second)
			lq := e.rrLink(third, rrVerifyEmailPage)
			e.clock.Advance(24*time.Hour + time.Second)
			status, body = verify("/api/accounts/verify-email/", rrLinkBody(lq))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Signature expired"}`)
		})
	})
}

func TestRestRegistrationLogout(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.rrActiveUser("rr_logout")

		t.Run("401_without_token", func(t *testing.T) {
			status, _, body := e.rrDo("POST", "/api/accounts/logout/", map[string]any{"revoke_token": true})
			rrWant(t, status, body, http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
		})
		t.Run("400_revoke_token_not_a_boolean", func(t *testing.T) {
			token := e.rrLogin(u.username, u.password)
			status, _, body := e.rrDo("POST", "/api/accounts/logout/", map[string]any{"revoke_token": "maybe"}, rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"revoke_token": ["Must be a valid boolean."]}`)
			status, _, body = e.rrDo("POST", "/api/accounts/logout/?revoke_token=maybe", nil, rrBearer(token)...)
			rrWant(t, status, body, http.StatusBadRequest, `{"revoke_token": ["Must be a valid boolean."]}`)
			if e.rrCanonicalStatus(token) != http.StatusOK {
				t.Fatal("a refused logout ended the session")
			}
		})
		for name, call := range map[string]func(token string) (int, rrJSON){
			"200_revoke_token_in_body": func(token string) (int, rrJSON) {
				s, _, b := e.rrDo("POST", "/api/accounts/logout/", map[string]any{"revoke_token": true}, rrBearer(token)...)
				return s, b
			},
			"200_revoke_token_in_query": func(token string) (int, rrJSON) {
				s, _, b := e.rrDo("POST", "/api/accounts/logout/?revoke_token=true", nil, rrBearer(token)...)
				return s, b
			},
		} {
			t.Run(name+"_token_refused_after", func(t *testing.T) {
				token := e.rrLogin(u.username, u.password)
				keep := e.rrLogin(u.username, u.password)
				status, body := call(token)
				rrWant(t, status, body, http.StatusOK, `{}`)
				status, _, body = e.rrDo("GET", "/api/accounts/profile/", nil, rrBearer(token)...)
				rrWant(t, status, body, http.StatusUnauthorized, `{"detail": "Token is invalid or expired."}`)
				if e.rrCanonicalStatus(token) != http.StatusUnauthorized || e.rrCanonicalStatus(keep) != http.StatusOK {
					t.Fatal("logout should end this session only")
				}
			})
		}
	})
}

// TestRestRegistrationSettings covers the profile's switch and its link secret.
func TestRestRegistrationSettings(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) { c.Compat = nil }, func(t *testing.T, e *env) {
		t.Run("404_when_not_served", func(t *testing.T) {
			// Straight to the server: the answer is the canonical API's 404, which the
			// profile's operation, being off, rightly does not describe.
			res, err := http.Post(e.url+"/api/accounts/register/", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("got %d", res.StatusCode)
			}
		})
	})

	secret := strings.Repeat("s3cr3t-", 6)
	forEachStoreWith(t, func(c *config.Config) { c.LinkSecret = secret }, func(t *testing.T, e *env) {
		u := newUser("rr_secret")
		q := e.rrRegister(u)
		t.Run("400_instance_with_another_secret_refuses", func(t *testing.T) {
			status, body := e.rrOtherInstance(strings.Repeat("other-", 6)).verify(rrLinkBody(q))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("200_instance_with_the_same_secret_verifies", func(t *testing.T) {
			status, body := e.rrOtherInstance(secret).verify(rrLinkBody(q))
			rrWant(t, status, body, http.StatusOK, `{}`)
		})
	})

	forEachStore(t, func(t *testing.T, e *env) {
		t.Run("200_derived_secret_shared_by_another_instance", func(t *testing.T) {
			inProcessOnly(t, "starts another app on the same database")
			// A second app on the same database (a restart, or a replica) derives the same
			// link secret from the signing key kept there: its link verifies on the other.
			q := e.rrRegister(newUser("rr_instances"))
			status, body := e.rrOtherInstance("").verify(rrLinkBody(q))
			rrWant(t, status, body, http.StatusOK, `{}`)
		})
	})
}

// rrInstance is another accountd on the database of an env.
type rrInstance struct {
	e   *env
	url string
}

// rrOtherInstance starts another app on e's database, clock and mail, with linkSecret.
func (e *env) rrOtherInstance(linkSecret string) rrInstance {
	e.t.Helper()
	cfg := testConfig(e.t)
	cfg.LinkSecret = linkSecret
	other, err := app.New(context.Background(), cfg, app.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Sender: e.mail, Now: e.clock.Now, Store: e.app.Store,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = other.Close() })
	srv := httptest.NewServer(other.Handler)
	e.t.Cleanup(srv.Close)
	return rrInstance{e: e, url: srv.URL}
}

// verify posts a registration link to the instance.
func (i rrInstance) verify(b map[string]any) (int, rrJSON) {
	i.e.t.Helper()
	raw, _ := json.Marshal(b)
	res, err := i.e.http.Post(i.url+"/api/accounts/verify-registration/", "application/json", bytes.NewReader(raw))
	if err != nil {
		i.e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, rrDecode(i.e.t, res.StatusCode, res.Header, out)
}
