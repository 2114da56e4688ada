package contracttests

// The jwt-accounts compatibility profile: the JWT accounts API with profile, dashboard
// and history, walked endpoint by endpoint over plain HTTP as its clients call it, then
// attacked. Every response to a profile path is validated against openapi.yaml by the
// harness.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/jwtaccounts"
	"github.com/accountd/accountd/internal/config"
	mailpkg "github.com/accountd/accountd/internal/mail"
)

// The pages of the test's frontend: its origin is allowed, the configured pages are
// elsewhere, and accountd's public address is a third.
const (
	jaOrigin        = "https://app.example.com"
	jaVerifyPage    = jaOrigin + "/verify-account"
	jaResetPage     = jaOrigin + "/new-password"
	jaConfiguredAct = "https://configured.example.com/activate"
	jaConfiguredRst = "https://configured.example.com/reset"
	jaPublic        = "https://accounts.example.com"
)

// jwtaConfig allows the test frontend's origin and sets the profile's pages.
func jwtaConfig(c *config.Config) {
	c.AllowedRedirectOrigins = []string{jaOrigin}
	s := jwtaccounts.SettingsOf(c)
	s.ActivationURL, s.ResetURL, s.PublicURL = jaConfiguredAct, jaConfiguredRst, jaPublic
}

// jaSend sends body to the profile: []byte as it is with contentType, anything else as
// JSON; and returns the status, headers and body.
func (e *env) jaSend(method, path, contentType string, body any, header ...string) (int, http.Header, []byte) {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
		contentType = "application/json"
	}
	return e.do(method, path, contentType, raw, header...)
}

// ja sends a JSON body (or none) and decodes the JSON object it answers.
func (e *env) ja(method, path string, body any, header ...string) (int, map[string]any) {
	e.t.Helper()
	status, h, got := e.jaSend(method, path, "", body, header...)
	return status, jaObject(e.t, h, got)
}

// jaObject decodes a JSON object answer, failing on anything else.
func jaObject(t *testing.T, h http.Header, got []byte) map[string]any {
	t.Helper()
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json; body %s", ct, got)
	}
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("body is not a JSON object: %s", got)
	}
	return v
}

// jaWant fails unless status is want.
func jaWant(t *testing.T, status int, got map[string]any, want int) {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d; body %v", status, want, got)
	}
}

// jaFieldError fails unless got is a 400 naming field.
func jaFieldError(t *testing.T, status int, got map[string]any, field string) {
	t.Helper()
	jaWant(t, status, got, http.StatusBadRequest)
	if msgs, ok := got[field].([]any); !ok || len(msgs) == 0 {
		t.Fatalf("400 without an error for %s: %v", field, got)
	}
}

func jaAuth(token string) []string { return []string{"Authorization", "Bearer " + token} }

// jaLink returns the link of the newest email to addr and its last two path segments:
// the uidb64 and the token.
func (e *env) jaLink(addr string) (link, uid, token string) {
	e.t.Helper()
	m, ok := e.lastMail(addr)
	if !ok {
		e.t.Fatalf("no email was sent to %s", addr)
	}
	link = mailpkg.FindLink(m.Text)
	u, err := url.Parse(link)
	if err != nil || !strings.HasSuffix(u.Path, "/") {
		e.t.Fatalf("email to %s has no link ending in a slash: %q", addr, link)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 {
		e.t.Fatalf("link %q has no uidb64 and token", link)
	}
	return link, parts[len(parts)-2], parts[len(parts)-1]
}

// jaRegistration is the document's registration body.
func jaRegistration(u user, base string) map[string]any {
	b := map[string]any{"username": u.username, "email": u.email, "password": u.password, "confirm_password": u.password}
	if base != "" {
		b["verification_base_url"] = base
	}
	return b
}

// jaRegister registers u through the profile, its link under base.
func (e *env) jaRegister(u user, base string) {
	e.t.Helper()
	status, got := e.ja("POST", "/accounts/api/registration/", jaRegistration(u, base))
	jaWant(e.t, status, got, http.StatusCreated)
}

// jaActivate follows the newest link sent to addr.
func (e *env) jaActivate(addr string) {
	e.t.Helper()
	_, uid, token := e.jaLink(addr)
	status, got := e.ja("POST", "/accounts/api/verify/token/"+uid+"/"+token+"/", nil)
	jaWant(e.t, status, got, http.StatusOK)
}

// jaLogin logs u in through the profile and returns its tokens.
func (e *env) jaLogin(email, password string) (access, refresh string) {
	e.t.Helper()
	status, got := e.ja("POST", "/accounts/api/login/", map[string]any{"email": email, "password": password})
	jaWant(e.t, status, got, http.StatusOK)
	return got["access_token"].(string), got["refresh_token"].(string)
}

// jaActiveUser registers, activates and logs in a new user through the profile.
func (e *env) jaActiveUser(prefix string) (u user, access, refresh string) {
	e.t.Helper()
	u = newUser(prefix)
	e.jaRegister(u, "")
	e.jaActivate(u.email)
	access, refresh = e.jaLogin(u.email, u.password)
	return u, access, refresh
}

// jaPNG is a small PNG image.
func jaPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jaForm is a multipart form with text fields and one file, whose part claims the
// given content type.
func jaForm(t *testing.T, fields map[string]string, fileField, fileName, fileType string, file []byte) (contentType string, body []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, fileField, fileName)}
		h["Content-Type"] = []string{fileType}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.Bytes()
}

// jaUID is the uidb64 of a user id.
func jaUID(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// TestJwtAccountsWalk walks every endpoint of the document in the order a client meets
// them, each step building on the ones before.
func TestJwtAccountsWalk(t *testing.T) {
	forEachStoreWith(t, jwtaConfig, func(t *testing.T, e *env) {
		u := newUser("jwalk")
		var uid, access, refresh string
		step := func(name string, fn func(t *testing.T)) {
			t.Run(name, func(t *testing.T) {
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				fn(t)
			})
		}

		step("registration_base_outside_allow_list_400_nothing_kept", func(t *testing.T) {
			before := len(e.sent())
			status, got := e.ja("POST", "/accounts/api/registration/", jaRegistration(u, "https://evil.example.net/verify"))
			jaFieldError(t, status, got, "verification_base_url")
			if after := len(e.sent()); after != before {
				t.Fatalf("%d emails sent for a refused registration", after-before)
			}
		})
		step("registration_201_link_under_the_clients_page", func(t *testing.T) {
			// The username the refused attempt sent is still free.
			status, got := e.ja("POST", "/accounts/api/registration/", jaRegistration(u, jaVerifyPage))
			jaWant(t, status, got, http.StatusCreated)
			if msg, _ := got["msg"].(string); !strings.Contains(msg, u.username) || len(got) != 1 {
				t.Fatalf("answer %v, want the document's msg naming the user", got)
			}
			var link string
			link, uid, _ = e.jaLink(u.email)
			if !strings.HasPrefix(link, jaVerifyPage+"/"+uid+"/") {
				t.Fatalf("link %q, want <verification_base_url>/<uidb64>/<token>/", link)
			}
		})
		step("login_before_activation_403", func(t *testing.T) {
			status, got := e.ja("POST", "/accounts/api/login/", map[string]any{"email": u.email, "password": u.password})
			jaWant(t, status, got, http.StatusForbidden)
		})
		var firstToken string
		step("resend_both_spellings_200_no_tokens", func(t *testing.T) {
			_, _, firstToken = e.jaLink(u.email)
			for _, path := range []string{"/accounts/api/get/acctivation/token/", "/accounts/api/get/accttivation/token/"} {
				status, got := e.ja("POST", path, map[string]any{"email": u.email, "verification_base_url": jaVerifyPage + "/"})
				jaWant(t, status, got, http.StatusOK)
				if _, ok := got["msg"]; !ok || len(got) != 1 {
					t.Fatalf("%s answered %v: want {\"msg\"} and no token", path, got)
				}
			}
			link, _, token := e.jaLink(u.email)
			if token == firstToken || !strings.HasPrefix(link, jaVerifyPage+"/"+uid+"/") {
				t.Fatalf("resent link %q", link)
			}
		})
		step("verify_replaced_token_400_fresh_200_again_400", func(t *testing.T) {
			status, got := e.ja("POST", "/accounts/api/verify/token/"+uid+"/"+firstToken+"/", nil)
			jaWant(t, status, got, http.StatusBadRequest)
			_, _, token := e.jaLink(u.email)
			status, got = e.ja("POST", "/accounts/api/verify/token/"+uid+"/"+token+"/", nil)
			jaWant(t, status, got, http.StatusOK)
			status, got = e.ja("POST", "/accounts/api/verify/token/"+uid+"/"+token+"/", nil)
			jaWant(t, status, got, http.StatusBadRequest)
		})
		step("login_200_msg_access_refresh", func(t *testing.T) {
			status, got := e.ja("POST", "/accounts/api/login/", map[string]any{"email": u.email, "password": u.password})
			jaWant(t, status, got, http.StatusOK)
			access, _ = got["access_token"].(string)
			refresh, _ = got["refresh_token"].(string)
			if access == "" || refresh == "" || !strings.Contains(got["msg"].(string), u.username) {
				t.Fatalf("login answer %v", got)
			}
		})
		step("same_account_at_the_canonical_login", func(t *testing.T) {
			status, _, got := e.do("POST", "/v1/auth/login", "application/json", []byte(`{"login":"`+u.username+`","password":"`+u.password+`"}`))
			if status != http.StatusOK {
				t.Fatalf("/v1/auth/login: %d %s", status, got)
			}
		})
		step("refresh_rotates_and_a_replay_ends_the_session", func(t *testing.T) {
			status, got := e.ja("POST", "/accounts/api/token/refresh/", map[string]any{"refresh_token": refresh})
			jaWant(t, status, got, http.StatusOK)
			newAccess, newRefresh := got["access_token"].(string), got["refresh_token"].(string)
			if newRefresh == refresh || newAccess == "" {
				t.Fatalf("refresh answer %v", got)
			}
			// Sent again while its successor is unused, the token leads to that same
			// successor (a retry after a lost answer, /v1's rule).
			status, got = e.ja("POST", "/accounts/api/token/refresh/", map[string]any{"refresh_token": refresh})
			jaWant(t, status, got, http.StatusOK)
			if got["refresh_token"] != newRefresh {
				t.Fatalf("a retried refresh forked the chain: %v", got)
			}
			// Once the successor is spent, the chain has moved past the first token: a
			// replay after ACCOUNTD_REFRESH_GRACE is theft and ends the session.
			status, got = e.ja("POST", "/accounts/api/token/refresh/", map[string]any{"refresh_token": newRefresh})
			jaWant(t, status, got, http.StatusOK)
			newAccess = got["access_token"].(string)
			e.clock.Advance(time.Minute)
			status, got = e.ja("POST", "/accounts/api/token/refresh/", map[string]any{"refresh_token": refresh})
			jaWant(t, status, got, http.StatusUnauthorized)
			status, got = e.ja("GET", "/accounts/api/get/profile/", nil, jaAuth(newAccess)...)
			jaWant(t, status, got, http.StatusUnauthorized)
			access, refresh = e.jaLogin(u.email, u.password)
		})
		step("dashboard_200", func(t *testing.T) {
			status, got := e.ja("GET", "/accounts/api/dashboard/", nil, jaAuth(access)...)
			jaWant(t, status, got, http.StatusOK)
			if got["username"] != u.username || got["email"] != u.email || got["active_sessions"].(float64) < 1 ||
				got["failed_logins_30d"].(float64) != 0 || len(got["recent_history"].([]any)) == 0 {
				t.Fatalf("dashboard %v", got)
			}
		})
		step("profile_200_empty", func(t *testing.T) {
			status, got := e.ja("GET", "/accounts/api/get/profile/", nil, jaAuth(access)...)
			jaWant(t, status, got, http.StatusOK)
			if got["country"] != "" || got["profile_img"] != nil || len(got) != 5 {
				t.Fatalf("profile %v", got)
			}
		})
		step("update_profile_json_with_a_url", func(t *testing.T) {
			status, got := e.ja("POST", "/accounts/api/update/profile/", map[string]any{
				"country": "Nepal", "profession": "Engineer", "bio": "Builds things.", "thoughts": "Keep going.",
				"profile_img": "https://images.example.org/me.jpg",
			}, jaAuth(access)...)
			jaWant(t, status, got, http.StatusOK)
			if got["country"] != "Nepal" || got["profile_img"] != "https://images.example.org/me.jpg" {
				t.Fatalf("profile %v", got)
			}
			// The canonical API sees the same profile.
			status, _, me := e.do("GET", "/v1/me", "", nil, jaAuth(access)...)
			if status != http.StatusOK || !strings.Contains(string(me), `"avatar_url":"https://images.example.org/me.jpg"`) || !strings.Contains(string(me), `"country":"Nepal"`) {
				t.Fatalf("/v1/me: %d %s", status, me)
			}
		})
		step("update_profile_multipart_with_a_picture_served_back", func(t *testing.T) {
			pic := jaPNG(t)
			ct, body := jaForm(t, map[string]string{"bio": "Now with a face."}, "profile_img", "me.png", "image/png", pic)
			status, h, raw := e.jaSend("POST", "/accounts/api/update/profile/", ct, body, jaAuth(access)...)
			got := jaObject(t, h, raw)
			jaWant(t, status, got, http.StatusOK)
			img, _ := got["profile_img"].(string)
			if !strings.HasPrefix(img, jaPublic+"/accounts/api/media/profile_img/") || got["bio"] != "Now with a face." || got["country"] != "Nepal" {
				t.Fatalf("profile %v", got)
			}
			status, h, served := e.do("GET", strings.TrimPrefix(img, jaPublic), "", nil)
			if status != http.StatusOK || !bytes.Equal(served, pic) || h.Get("Content-Type") != "image/png" ||
				h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
				t.Fatalf("picture: %d %q %v", status, h.Get("Content-Type"), h)
			}
		})
		step("change_password_200_old_one_refused", func(t *testing.T) {
			newPass := u.password + "-changed"
			status, got := e.ja("POST", "/accounts/api/change/password/", map[string]any{
				"old_password": u.password, "new_password": newPass, "confirm_password": newPass,
			}, jaAuth(access)...)
			jaWant(t, status, got, http.StatusOK)
			status, got = e.ja("POST", "/accounts/api/login/", map[string]any{"email": u.email, "password": u.password})
			jaWant(t, status, got, http.StatusUnauthorized)
			u.password = newPass
			access, refresh = e.jaLogin(u.email, u.password)
		})
		step("forget_and_set_new_password_without_sign_in", func(t *testing.T) {
			status, got := e.ja("POST", "/accounts/api/forget/password/", map[string]any{"email": u.email, "verification_base_url": jaResetPage})
			jaWant(t, status, got, http.StatusOK)
			link, linkUID, token := e.jaLink(u.email)
			if !strings.HasPrefix(link, jaResetPage+"/"+uid+"/") || linkUID != uid {
				t.Fatalf("reset link %q", link)
			}
			newPass := "set-anew-" + u.password
			status, got = e.ja("POST", "/accounts/api/set/new/forget/password/"+uid+"/"+token+"/", map[string]any{
				"new_password": newPass, "confirm_password": newPass,
			})
			jaWant(t, status, got, http.StatusOK)
			// The reset ended every session.
			status, got = e.ja("GET", "/accounts/api/get/profile/", nil, jaAuth(access)...)
			jaWant(t, status, got, http.StatusUnauthorized)
			u.password = newPass
			access, _ = e.jaLogin(u.email, u.password)
		})
		step("history_paginated_newest_first", func(t *testing.T) {
			status, got := e.ja("GET", "/accounts/api/history/?page_size=3", nil, jaAuth(access)...)
			jaWant(t, status, got, http.StatusOK)
			seen := map[float64]bool{}
			types := map[string]bool{}
			pages := 0
			for {
				pages++
				for _, ev := range got["results"].([]any) {
					ev := ev.(map[string]any)
					if seen[ev["id"].(float64)] {
						t.Fatalf("event %v twice", ev["id"])
					}
					seen[ev["id"].(float64)] = true
					types[ev["type"].(string)] = true
				}
				next, _ := got["next"].(string)
				if next == "" {
					break
				}
				if !strings.HasPrefix(next, jaPublic+"/accounts/api/history/?") {
					t.Fatalf("next %q, want it under the public URL", next)
				}
				status, got = e.ja("GET", strings.TrimPrefix(next, jaPublic), nil, jaAuth(access)...)
				jaWant(t, status, got, http.StatusOK)
			}
			for _, want := range []string{"registered", "activated", "login_succeeded", "login_failed", "profile_updated", "password_changed", "password_reset"} {
				if !types[want] {
					t.Errorf("history lacks %s: %v", want, types)
				}
			}
			if pages < 3 {
				t.Errorf("%d events in %d pages of 3", len(seen), pages)
			}
		})
	})
}

// jaDoHost sends a JSON body with a forged Host header and the given other headers:
// what a client, or an attacker, controls about where it thinks it is talking to.
func (e *env) jaDoHost(method, path, host, contentType string, body []byte, header ...string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Host = host
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, jaObject(e.t, res.Header, raw)
}

// TestJwtAccountsAttacks tries to break each rule the profile must keep.
func TestJwtAccountsAttacks(t *testing.T) {
	forEachStoreWith(t, jwtaConfig, func(t *testing.T, e *env) {
		run := func(name string, fn func(t *testing.T)) {
			t.Run(name, func(t *testing.T) {
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				fn(t)
			})
		}

		run("nul_bytes_in_every_field_4xx", func(t *testing.T) {
			_, access, _ := e.jaActiveUser("jnul")
			pending := newUser("jnulpending")
			e.jaRegister(pending, "")
			_, uid, token := e.jaLink(pending.email)
			const nul = "a\x00b"
			for _, c := range []struct {
				path   string
				auth   bool
				fields map[string]any
			}{
				{"/accounts/api/registration/", false, jaRegistration(newUser("jnulreg"), jaVerifyPage)},
				{"/accounts/api/get/acctivation/token/", false, map[string]any{"email": pending.email, "verification_base_url": jaVerifyPage}},
				{"/accounts/api/get/accttivation/token/", false, map[string]any{"email": pending.email, "verification_base_url": jaVerifyPage}},
				{"/accounts/api/login/", false, map[string]any{"email": pending.email, "password": pending.password}},
				{"/accounts/api/token/refresh/", false, map[string]any{"refresh_token": "x"}},
				{"/accounts/api/update/profile/", true, map[string]any{"country": "c", "profession": "p", "bio": "b", "thoughts": "t", "profile_img": "https://images.example.org/a.png"}},
				{"/accounts/api/change/password/", true, map[string]any{"old_password": "x", "new_password": "y", "confirm_password": "y"}},
				{"/accounts/api/forget/password/", false, map[string]any{"email": pending.email, "verification_base_url": jaResetPage}},
				{"/accounts/api/set/new/forget/password/" + uid + "/" + token + "/", false, map[string]any{"new_password": "y", "confirm_password": "y"}},
			} {
				for name := range c.fields {
					body := map[string]any{}
					for k, v := range c.fields {
						body[k] = v
					}
					body[name] = nul
					var header []string
					if c.auth {
						header = jaAuth(access)
					}
					status, got := e.ja("POST", c.path, body, header...)
					if status != http.StatusBadRequest {
						t.Errorf("%s with NUL in %s: %d %v, want 400", c.path, name, status, got)
					}
				}
			}
			// In a form and in a multipart form too.
			status, got := e.ja("POST", "/accounts/api/update/profile/", nil, jaAuth(access)...)
			jaWant(t, status, got, http.StatusOK) // an empty update changes nothing
			st, h, raw := e.jaSend("POST", "/accounts/api/update/profile/", "application/x-www-form-urlencoded", []byte("bio=a%00b"), jaAuth(access)...)
			jaFieldError(t, st, jaObject(t, h, raw), "bio")
			ct, form := jaForm(t, map[string]string{"thoughts": nul}, "", "", "", nil)
			st, h, raw = e.jaSend("POST", "/accounts/api/update/profile/", ct, form, jaAuth(access)...)
			jaFieldError(t, st, jaObject(t, h, raw), "thoughts")
			// And in every path and query parameter.
			for _, c := range []struct{ method, path string }{
				{"POST", "/accounts/api/verify/token/%00/" + token + "/"},
				{"POST", "/accounts/api/verify/token/" + uid + "/a%00b/"},
				{"GET", "/accounts/api/media/profile_img/a%00b.png"},
				{"GET", "/accounts/api/history/?cursor=%00"},
				{"GET", "/accounts/api/history/?page_size=%00"},
			} {
				status, h, raw := e.jaSend(c.method, c.path, "", nil, jaAuth(access)...)
				if status < 400 || status >= 500 {
					t.Errorf("%s %s: %d %s, want 4xx", c.method, c.path, status, raw)
				}
				jaObject(t, h, raw)
			}
			st, h, raw = e.jaSend("POST", "/accounts/api/set/new/forget/password/"+uid+"/a%00b/", "application/json", []byte(`{"new_password":"a-long-passphrase","confirm_password":"a-long-passphrase"}`))
			if st != http.StatusBadRequest {
				t.Errorf("reset with a NUL token: %d %s", st, raw)
			}
		})

		run("uploads_of_the_wrong_size_or_type_refused_and_nothing_changed", func(t *testing.T) {
			_, access, _ := e.jaActiveUser("jupload")
			status, before := e.ja("GET", "/accounts/api/get/profile/", nil, jaAuth(access)...)
			jaWant(t, status, before, http.StatusOK)
			pic := jaPNG(t)
			overLimit := append(append([]byte{}, pic...), make([]byte, account.MaxAvatarBytes)...)
			for name, c := range map[string]struct {
				fileName, fileType string
				file               []byte
				status             int
			}{
				"over_2MB":            {"big.png", "image/png", overLimit, http.StatusBadRequest},
				"far_over_the_body":   {"huge.png", "image/png", make([]byte, 3*account.MaxAvatarBytes), http.StatusRequestEntityTooLarge},
				"text_claiming_png":   {"me.png", "image/png", []byte("not a picture at all"), http.StatusBadRequest},
				"svg_with_script":     {"me.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>`), http.StatusBadRequest},
				"svg_claiming_png":    {"me.png", "image/png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), http.StatusBadRequest},
				"html_claiming_png":   {"me.png", "image/png", []byte(`<!doctype html><script>fetch('/accounts/api/get/profile/')</script>`), http.StatusBadRequest},
				"png_magic_then_html": {"me.png", "image/png", append([]byte("\x89PNG\r\n\x1a\n"), `<script>alert(1)</script>`...), http.StatusBadRequest},
				"empty_file":          {"me.png", "image/png", []byte{}, http.StatusBadRequest},
			} {
				ct, form := jaForm(t, map[string]string{"bio": "should not stick"}, "profile_img", c.fileName, c.fileType, c.file)
				st, h, raw := e.jaSend("POST", "/accounts/api/update/profile/", ct, form, jaAuth(access)...)
				got := jaObject(t, h, raw)
				if st != c.status {
					t.Errorf("%s: %d %v, want %d", name, st, got, c.status)
				} else if c.status == http.StatusBadRequest {
					jaFieldError(t, st, got, "profile_img")
				}
			}
			status, after := e.ja("GET", "/accounts/api/get/profile/", nil, jaAuth(access)...)
			jaWant(t, status, after, http.StatusOK)
			if fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("profile changed by refused uploads: %v, was %v", after, before)
			}
		})

		run("picture_served_as_its_bytes_say_whatever_the_client_claimed", func(t *testing.T) {
			_, access, _ := e.jaActiveUser("jclaim")
			pic := jaPNG(t)
			ct, form := jaForm(t, nil, "profile_img", "page.html", "text/html", pic)
			st, h, raw := e.jaSend("POST", "/accounts/api/update/profile/", ct, form, jaAuth(access)...)
			got := jaObject(t, h, raw)
			jaWant(t, st, got, http.StatusOK)
			img := got["profile_img"].(string)
			if !strings.HasSuffix(img, ".png") {
				t.Fatalf("picture URL %q, want the type read from the bytes", img)
			}
			st, h, served := e.jaSend("GET", strings.TrimPrefix(img, jaPublic), "", nil)
			if st != http.StatusOK || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Content-Security-Policy") != "default-src 'none'; sandbox" || !bytes.Equal(served, pic) {
				t.Fatalf("served %d with %v", st, h)
			}
			// A new upload replaces it: the old address answers 404.
			ct, form = jaForm(t, nil, "profile_img", "again.png", "image/png", pic)
			st, h, raw = e.jaSend("POST", "/accounts/api/update/profile/", ct, form, jaAuth(access)...)
			jaWant(t, st, jaObject(t, h, raw), http.StatusOK)
			st, h, raw = e.jaSend("GET", strings.TrimPrefix(img, jaPublic), "", nil)
			jaWant(t, st, jaObject(t, h, raw), http.StatusNotFound)
		})

		run("host_headers_cannot_steer_links_or_urls", func(t *testing.T) {
			forged := []string{"X-Forwarded-Host", "evil.example.net", "X-Forwarded-Proto", "http", "Forwarded", "host=evil.example.net;proto=http", "X-Original-Host", "evil.example.net"}
			u := newUser("jhost")
			raw, _ := json.Marshal(jaRegistration(u, ""))
			status, got := e.jaDoHost("POST", "/accounts/api/registration/", "evil.example.net", "application/json", raw, forged...)
			jaWant(t, status, got, http.StatusCreated)
			if link, _, _ := e.jaLink(u.email); !strings.HasPrefix(link, jaConfiguredAct+"/") {
				t.Fatalf("activation link %q, want the configured page", link)
			}
			e.jaActivate(u.email)
			raw, _ = json.Marshal(map[string]any{"email": u.email})
			status, got = e.jaDoHost("POST", "/accounts/api/forget/password/", "evil.example.net", "application/json", raw, forged...)
			jaWant(t, status, got, http.StatusOK)
			if link, _, _ := e.jaLink(u.email); !strings.HasPrefix(link, jaConfiguredRst+"/") {
				t.Fatalf("reset link %q, want the configured page", link)
			}
			access, _ := e.jaLogin(u.email, u.password)
			ct, form := jaForm(t, nil, "profile_img", "me.png", "image/png", jaPNG(t))
			status, got = e.jaDoHost("POST", "/accounts/api/update/profile/", "evil.example.net", ct, form, append(forged, jaAuth(access)...)...)
			jaWant(t, status, got, http.StatusOK)
			if img := got["profile_img"].(string); !strings.HasPrefix(img, jaPublic+"/") {
				t.Fatalf("picture URL %q, want it under the public URL", img)
			}
			status, got = e.jaDoHost("GET", "/accounts/api/history/?page_size=1", "evil.example.net", "", nil, append(forged, jaAuth(access)...)...)
			jaWant(t, status, got, http.StatusOK)
			if next := got["next"].(string); !strings.HasPrefix(next, jaPublic+"/") {
				t.Fatalf("next %q, want it under the public URL", next)
			}
		})

		run("pages_outside_the_allow_list_400_at_every_door", func(t *testing.T) {
			active, _, _ := e.jaActiveUser("jorigin")
			for _, base := range []string{
				"https://evil.example.net/verify",
				"https://app.example.com.evil.example.net/verify",
				"https://app.example.com@evil.example.net/",
				"https://evil.example.net\\@app.example.com/",
				"https://evil.example.net/?https://app.example.com/",
				"http://app.example.com/verify",
				"https://app.example.com:8443/verify",
				"https://app.example.com/verify?next=https://evil.example.net",
				"https://app.example.com/verify#x",
				"//app.example.com/verify",
				"javascript:alert(document.cookie)//app.example.com",
				"data:text/html,<script>alert(1)</script>",
				"app.example.com/verify",
			} {
				before := len(e.sent())
				u := newUser("jorigin")
				status, got := e.ja("POST", "/accounts/api/registration/", jaRegistration(u, base))
				jaFieldError(t, status, got, "verification_base_url")
				status, got = e.ja("POST", "/accounts/api/get/acctivation/token/", map[string]any{"email": u.email, "verification_base_url": base})
				jaFieldError(t, status, got, "verification_base_url")
				status, got = e.ja("POST", "/accounts/api/forget/password/", map[string]any{"email": active.email, "verification_base_url": base})
				jaFieldError(t, status, got, "verification_base_url")
				if after := len(e.sent()); after != before {
					t.Errorf("%q: %d emails sent", base, after-before)
				}
			}
			// The allowed origin in another case and with its default port is the same origin.
			u := newUser("jorigincase")
			e.jaRegister(u, "HTTPS://APP.EXAMPLE.COM:443/Verify")
			if link, _, _ := e.jaLink(u.email); !strings.HasPrefix(link, jaOrigin+"/Verify/") {
				t.Fatalf("link %q", link)
			}
		})

		run("unknown_addresses_answer_like_known_ones", func(t *testing.T) {
			active, _, _ := e.jaActiveUser("jknown")
			pending := newUser("jpending")
			e.jaRegister(pending, "")
			answer := func(path, email string) string {
				status, h, raw := e.jaSend("POST", path, "application/json", []byte(`{"email":"`+email+`","verification_base_url":"`+jaVerifyPage+`"}`))
				h.Del("X-Request-ID")
				h.Del("Date")
				h.Del("Content-Length")
				return fmt.Sprint(status, h, string(raw))
			}
			for _, path := range []string{"/accounts/api/get/acctivation/token/", "/accounts/api/get/accttivation/token/", "/accounts/api/forget/password/"} {
				unknown := answer(path, "nobody-here@example.com")
				for _, email := range []string{active.email, pending.email} {
					if got := answer(path, email); got != unknown {
						t.Errorf("%s: %s answers\n  %s\nan unknown address\n  %s", path, email, got, unknown)
					}
				}
				if strings.Contains(unknown, "token") {
					t.Errorf("%s hands out a token: %s", path, unknown)
				}
			}
		})

		run("uid_and_token_of_another_account_refused_and_left_unspent", func(t *testing.T) {
			a, b := newUser("jmine"), newUser("jtheirs")
			e.jaRegister(a, "")
			e.jaRegister(b, "")
			_, uidA, tokenA := e.jaLink(a.email)
			_, uidB, tokenB := e.jaLink(b.email)
			status, got := e.ja("POST", "/accounts/api/verify/token/"+uidA+"/"+tokenB+"/", nil)
			jaWant(t, status, got, http.StatusBadRequest)
			status, got = e.ja("POST", "/accounts/api/verify/token/"+jaUID(1<<40)+"/"+tokenB+"/", nil)
			jaWant(t, status, got, http.StatusBadRequest)
			// An activation token is no reset token.
			status, got = e.ja("POST", "/accounts/api/set/new/forget/password/"+uidB+"/"+tokenB+"/", map[string]any{"new_password": "hijacked-passphrase", "confirm_password": "hijacked-passphrase"})
			jaWant(t, status, got, http.StatusBadRequest)
			status, got = e.ja("POST", "/accounts/api/verify/token/"+uidB+"/"+tokenB+"/", nil)
			jaWant(t, status, got, http.StatusOK)
			status, got = e.ja("POST", "/accounts/api/verify/token/"+uidA+"/"+tokenA+"/", nil)
			jaWant(t, status, got, http.StatusOK)

			for _, u := range []user{a, b} {
				status, got = e.ja("POST", "/accounts/api/forget/password/", map[string]any{"email": u.email})
				jaWant(t, status, got, http.StatusOK)
			}
			_, _, resetA := e.jaLink(a.email)
			_, _, resetB := e.jaLink(b.email)
			status, got = e.ja("POST", "/accounts/api/set/new/forget/password/"+uidA+"/"+resetB+"/", map[string]any{"new_password": "hijacked-passphrase", "confirm_password": "hijacked-passphrase"})
			jaWant(t, status, got, http.StatusBadRequest)
			for _, u := range []user{a, b} {
				e.jaLogin(u.email, u.password) // neither password changed
			}
			// A weak password leaves the link unspent; the owner's link still works.
			status, got = e.ja("POST", "/accounts/api/set/new/forget/password/"+uidB+"/"+resetB+"/", map[string]any{"new_password": "short", "confirm_password": "short"})
			jaFieldError(t, status, got, "new_password")
			status, got = e.ja("POST", "/accounts/api/set/new/forget/password/"+uidB+"/"+resetB+"/", map[string]any{"new_password": "b-new-passphrase", "confirm_password": "b-new-passphrase"})
			jaWant(t, status, got, http.StatusOK)
			status, got = e.ja("POST", "/accounts/api/set/new/forget/password/"+uidA+"/"+resetA+"/", map[string]any{"new_password": "a-new-passphrase", "confirm_password": "a-new-passphrase"})
			jaWant(t, status, got, http.StatusOK)
		})

		run("signed_in_endpoints_401_without_a_valid_access_token", func(t *testing.T) {
			_, _, refresh := e.jaActiveUser("jauth")
			for _, c := range []struct{ method, path string }{
				{"GET", "/accounts/api/dashboard/"}, {"GET", "/accounts/api/get/profile/"}, {"POST", "/accounts/api/update/profile/"},
				{"POST", "/accounts/api/change/password/"}, {"GET", "/accounts/api/history/"},
			} {
				for _, header := range [][]string{nil, {"Authorization", "Token x"}, jaAuth("not.a.jwt"), jaAuth(refresh)} {
					status, h, raw := e.jaSend(c.method, c.path, "application/json", []byte(`{}`), header...)
					if status != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s with %q: %d %s", c.method, c.path, header, status, raw)
					}
				}
			}
		})

		run("input_errors_in_the_documents_fields", func(t *testing.T) {
			taken, access, _ := e.jaActiveUser("jinput")
			u := newUser("jinput")
			for name, c := range map[string]struct {
				body  map[string]any
				field string
			}{
				"mismatch":       {map[string]any{"username": u.username, "email": u.email, "password": u.password, "confirm_password": u.password + "x"}, "confirm_password"},
				"weak_password":  {map[string]any{"username": u.username, "email": u.email, "password": "password", "confirm_password": "password"}, "password"},
				"taken_username": {jaRegistration(user{username: taken.username, email: u.email, password: u.password}, ""), "username"},
				"bad_email":      {jaRegistration(user{username: u.username, email: "not-an-email", password: u.password}, ""), "email"},
				"bad_username":   {jaRegistration(user{username: "no spaces", email: u.email, password: u.password}, ""), "username"},
				"missing":        {map[string]any{"username": u.username}, "email"},
			} {
				status, got := e.ja("POST", "/accounts/api/registration/", c.body)
				if status != http.StatusBadRequest || got[c.field] == nil {
					t.Errorf("%s: %d %v, want 400 naming %s", name, status, got, c.field)
				}
			}
			// A taken email answers like a success (ACCOUNTD_HIDE_EXISTING_EMAILS).
			status, got := e.ja("POST", "/accounts/api/registration/", jaRegistration(user{username: u.username, email: taken.email, password: u.password}, ""))
			jaWant(t, status, got, http.StatusCreated)
			status, got = e.ja("POST", "/accounts/api/change/password/", map[string]any{"old_password": "wrong-one-here", "new_password": "a-new-passphrase", "confirm_password": "a-new-passphrase"}, jaAuth(access)...)
			jaFieldError(t, status, got, "old_password")
			status, got = e.ja("POST", "/accounts/api/update/profile/", map[string]any{"country": strings.Repeat("x", 101), "profile_img": "javascript:alert(1)"}, jaAuth(access)...)
			jaFieldError(t, status, got, "country")
			status, got = e.ja("POST", "/accounts/api/update/profile/", map[string]any{"profile_img": "javascript:alert(1)"}, jaAuth(access)...)
			jaFieldError(t, status, got, "profile_img")
			for _, q := range []string{"cursor=abc", "cursor=-1", "page_size=0", "page_size=201", "page_size=many"} {
				st, h, raw := e.jaSend("GET", "/accounts/api/history/?"+q, "", nil, jaAuth(access)...)
				jaWant(t, st, jaObject(t, h, raw), http.StatusBadRequest)
			}
			st, h, raw := e.jaSend("POST", "/accounts/api/login/", "application/json", []byte(`{"email":`))
			jaWant(t, st, jaObject(t, h, raw), http.StatusBadRequest)
			st, h, raw = e.jaSend("POST", "/accounts/api/login/", "text/plain", []byte(`email=x`))
			jaWant(t, st, jaObject(t, h, raw), http.StatusUnsupportedMediaType)
			st, h, raw = e.jaSend("GET", "/accounts/api/login/", "", nil)
			jaWant(t, st, jaObject(t, h, raw), http.StatusMethodNotAllowed)
		})
	})
}

// TestJwtAccountsSharesRateLimits: failed logins at the profile count at the canonical
// API too, and the other way round; a throttled request gets 429 with Retry-After.
func TestJwtAccountsSharesRateLimits(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		jwtaConfig(c)
		c.Limits.LoginFailures = account.Rule{Limit: 2, Window: 15 * time.Minute}
	}, func(t *testing.T, e *env) {
		u := e.seedUser("jlimits")
		for range 2 {
			status, got := e.ja("POST", "/accounts/api/login/", map[string]any{"email": u.email, "password": "wrong-password-guess"})
			jaWant(t, status, got, http.StatusUnauthorized)
		}
		status, _, raw := e.do("POST", "/v1/auth/login", "application/json", []byte(`{"login":"`+u.email+`","password":"`+u.password+`"}`))
		if status != http.StatusTooManyRequests {
			t.Fatalf("/v1/auth/login after two failures at the profile: %d %s", status, raw)
		}
		st, h, raw := e.jaSend("POST", "/accounts/api/login/", "application/json", []byte(`{"email":"`+u.email+`","password":"`+u.password+`"}`))
		jaWant(t, st, jaObject(t, h, raw), http.StatusTooManyRequests)
		if h.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	})
}
