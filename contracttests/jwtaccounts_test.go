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
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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
			e.clock.Advance(time.Minute) // past ACCOUNTD_REFRESH_GRACE: a replay is theft
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
