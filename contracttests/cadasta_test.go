package contracttests

// The Cadasta compatibility profile: the platform's account API as its document
// (/work/shared/seeds/001_d91ef317477ba37c.txt) lists it, walked top to bottom over
// plain HTTP as its clients call it, answering as the platform did at v1.1.0
// (/work/shared/reference/cadasta-observed.md) where the document is silent. Every
// response to a profile path is validated against openapi.yaml by the harness.
//
// Rows that go the other way on purpose say why: the auth_token is a session's, so a
// logout, a password change (for the other sessions), a reset and a deactivation end it;
// email_verified is not writable at registration; a new email is verified before it
// applies; the platform's 500s (a PATCH without email, every /api/v1/users/{username}/)
// are answers.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// cdToken is the header of a request signed with an auth_token.
func cdToken(token string) []string { return []string{"Authorization", "Token " + token} }

// cdWant is djWant for this profile: its 401s name DRF's TokenAuthentication.
func cdWant(t *testing.T, status int, h http.Header, got []byte, wantStatus int, want string) {
	t.Helper()
	if status == http.StatusUnauthorized && h.Get("WWW-Authenticate") != "Token" {
		t.Errorf("401 without TokenAuthentication's WWW-Authenticate: %q", h.Get("WWW-Authenticate"))
	}
	if status == http.StatusUnauthorized {
		// djWant checks SimpleJWT's challenge; this API's was checked above.
		h = h.Clone()
		h.Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	djWant(t, status, h, got, wantStatus, want)
}

// cadastaConfig serves the platform's behaviour: taken emails reported.
func cadastaConfig(c *config.Config) {
	c.HideExistingEmails = false
}

// cdRegistration is the document's registration body with the given names.
func cdRegistration(username, email, password string) map[string]any {
	return map[string]any{"username": username, "full_name": "Joe Smith", "email": email, "password": password}
}

// cdActiveUser registers an account through the profile and activates it with the
// emailed link.
func (e *env) cdActiveUser(prefix string) user {
	e.t.Helper()
	u := newUser(prefix)
	status, _, got := e.dj("POST", "/api/v1/account/register/", cdRegistration(u.username, u.email, u.password))
	if status != http.StatusCreated {
		e.t.Fatalf("register %s: %d %s", u.username, status, got)
	}
	_, uid, token := e.djLink(u.email)
	if status, _, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": token}); status != http.StatusOK {
		e.t.Fatalf("activate %s: %d %s", u.username, status, got)
	}
	return u
}

// cdLogin logs in through the profile and returns the auth_token.
func (e *env) cdLogin(login, password string) string {
	e.t.Helper()
	status, _, got := e.dj("POST", "/api/v1/account/login/", map[string]any{"username": login, "password": password})
	if status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", login, status, got)
	}
	token, _ := djDecode(e.t, got)["auth_token"].(string)
	if token == "" {
		e.t.Fatalf("login %s: no auth_token in %s", login, got)
	}
	return token
}

// cdStatus is the status of GET /api/v1/account/ with token: 201 while it works.
func (e *env) cdStatus(token string) int {
	e.t.Helper()
	status, _, _ := e.dj("GET", "/api/v1/account/", nil, cdToken(token)...)
	return status
}

// cdSeedUsers makes n active accounts straight in the store, for the listing's pages.
func (e *env) cdSeedUsers(prefix string, n int) {
	e.t.Helper()
	now := e.clock.Now()
	for i := range n {
		name := fmt.Sprintf("%s%03d", prefix, i)
		_, err := e.app.Store.CreateUser(context.Background(), account.User{
			Username: name, Email: name + "@example.com", Active: true, Role: account.RoleUser,
			DateJoined: now, LinksVoidedAt: now, UpdatedAt: now,
		})
		if err != nil {
			e.t.Fatal(err)
		}
	}
}

const invalidToken = `{"detail":"Invalid token."}`

// TestCadastaDocument walks the document in its order, each row building on the ones
// before, then the platform's users for staff.
func TestCadastaDocument(t *testing.T) {
	inProcessOnly(t, "walks the Cadasta document on a database of its own (its fixed usernames, user counts, a superuser only the command line makes)")
	forEachStoreWith(t, cadastaConfig, func(t *testing.T, e *env) {
		const (
			email    = "joe.smith@example.com"
			newEmail = "joe@new.example.com"
			password = "correct-horse-77"
			pass2    = "second-horse-88"
			pass3    = "third-horse-99"
		)
		var token1, token2, token3 string
		row := func(name string, fn func(t *testing.T)) {
			t.Run(name, func(t *testing.T) {
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				fn(t)
			})
		}

		// Register a new user.
		row("register_201_email_verified_ignored", func(t *testing.T) {
			b := cdRegistration("j_smith", email, password)
			b["email_verified"] = true // the platform took it, and skipped verification
			status, h, got := e.dj("POST", "/api/v1/account/register/", b)
			cdWant(t, status, h, got, 201, `{"username":"j_smith","full_name":"Joe Smith","email":"joe.smith@example.com","email_verified":false}`)
			if !strings.HasPrefix(string(got), `{"username":"j_smith","full_name":"Joe Smith","email":`) {
				t.Errorf("keys out of the platform's order: %s", got)
			}
		})
		row("register_400_username_and_email_taken", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/register/", cdRegistration("j_smith", "JOE.SMITH@example.com", password))
			cdWant(t, status, h, got, 400, `{"username":["A user with that username already exists."],"email":["Another user is already registered with this email address"]}`)
		})
		row("register_400_every_field_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/register/", map[string]any{})
			cdWant(t, status, h, got, 400, `{"username":["This field is required."],"email":["This field is required."],"password":["This field is required."]}`)
		})
		row("register_400_field_rules", func(t *testing.T) {
			for _, tc := range []struct {
				field string
				value any
				want  string
			}{
				{"username", strings.Repeat("a", 31), "Ensure this field has no more than 30 characters."},
				{"username", "bad user!", "Enter a valid username. This value may contain only letters, numbers and @/./+/-/_ characters."},
				{"username", "ADD", "Username cannot be “add” or “new”."},
				{"username", "new", "Username cannot be “add” or “new”."},
				{"username", nil, "This field may not be null."},
				{"full_name", strings.Repeat("é", 131), "Ensure this field has no more than 130 characters."},
				{"full_name", "Joe\nSmith", "This field may not contain control characters."},
				{"email", "not-an-email", "Enter a valid email address."},
				{"email", "", "This field may not be blank."},
				{"password", "short", "This password is too short. It must contain at least 10 characters."},
				{"password", "1234567890", "This password is too common."},
			} {
				b := cdRegistration("rules_user", "rules@example.com", password)
				b[tc.field] = tc.value
				status, h, got := e.dj("POST", "/api/v1/account/register/", b)
				want, _ := json.Marshal(map[string][]string{tc.field: {tc.want}})
				cdWant(t, status, h, got, 400, string(want))
			}
		})
		row("register_201_form_encoded_blank_full_name", func(t *testing.T) {
			form := url.Values{"username": {"form_user"}, "full_name": {""}, "email": {"form@example.com"}, "password": {password}}
			status, h, got := e.djSend("POST", "/api/v1/account/register/", "application/x-www-form-urlencoded", form.Encode())
			cdWant(t, status, h, got, 201, `{"username":"form_user","full_name":"","email":"form@example.com","email_verified":false}`)
		})
		row("register_400_malformed_json", func(t *testing.T) {
			status, h, got := e.djSend("POST", "/api/v1/account/register/", "application/json", `{"username":}`)
			cdWant(t, status, h, got, 400, `{"detail":"JSON parse error - Expecting value: line 1 column 13 (char 12)"}`)
		})
		row("register_415_text", func(t *testing.T) {
			status, h, got := e.djSend("POST", "/api/v1/account/register/", "text/plain", "username=x")
			cdWant(t, status, h, got, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`)
		})
		row("register_405_get", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/v1/account/register/", nil)
			cdWant(t, status, h, got, 405, `{"detail":"Method \"GET\" not allowed."}`)
			if h.Get("Allow") != "POST" {
				t.Errorf("Allow %q", h.Get("Allow"))
			}
		})

		// Log in before activating: the document's "not verified" 400.
		bad := `{"non_field_errors":["Unable to login with provided credentials."]}`
		row("login_400_not_activated_even_with_email_verified_sent", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/login/", map[string]any{"username": "j_smith", "password": password})
			cdWant(t, status, h, got, 400, `{"non_field_errors":["User account is disabled."]}`)
		})
		row("login_400_wrong_credentials", func(t *testing.T) {
			for _, b := range []map[string]any{
				{"username": "j_smith", "password": "wrong-password-1"},
				{"username": "nobody", "password": password},
				{"username": "j_smith"},
				{},
			} {
				status, h, got := e.dj("POST", "/api/v1/account/login/", b)
				cdWant(t, status, h, got, 400, bad)
			}
			status, h, got := e.dj("POST", "/api/v1/account/login/", map[string]any{"username": "", "password": password})
			cdWant(t, status, h, got, 400, `{"username":["This field may not be blank."]}`)
		})

		// Activate the account.
		var uid, activation string
		row("activate_400_fields_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{})
			cdWant(t, status, h, got, 400, `{"uid":["This field is required."],"token":["This field is required."]}`)
		})
		row("activate_400_bad_uid", func(t *testing.T) {
			_, uid, activation = e.djLink(email)
			for _, bad := range []string{"junk!", djUID(987654321)} {
				status, h, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": bad, "token": activation})
				cdWant(t, status, h, got, 400, `{"uid":["Invalid user id or user doesn't exist."]}`)
			}
		})
		row("activate_400_bad_token", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": "4fw-" + activation})
			cdWant(t, status, h, got, 400, `{"non_field_errors":["Invalid token for given user."]}`)
			_, otherUID, _ := e.djLink("form@example.com")
			status, h, got = e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": otherUID, "token": activation})
			cdWant(t, status, h, got, 400, `{"non_field_errors":["Invalid token for given user."]}`)
		})
		row("activate_200_empty", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": activation})
			cdWant(t, status, h, got, 200, "")
		})
		row("activate_401_used_link_of_an_active_account", func(t *testing.T) {
			// Once active, a link can only confirm a new email, which takes the account's
			// token: the platform let the link work again.
			status, h, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": activation})
			cdWant(t, status, h, got, 401, `{"detail":"Authentication credentials were not provided."}`)
		})

		// Log a user in.
		row("login_200_auth_token_by_username_and_by_email", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/login/", map[string]any{"username": "j_smith", "password": password})
			cdWant(t, status, h, got, 200, `{"auth_token":"<any>"}`)
			token1 = djDecode(t, got)["auth_token"].(string)
			token2 = e.cdLogin("JOE.SMITH@example.com", password)
			if token1 == token2 {
				t.Fatal("two logins share a token: each is a session of its own")
			}
		})

		// Get the user account.
		row("account_201_read", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/v1/account/", nil, cdToken(token1)...)
			cdWant(t, status, h, got, 201, `{"username":"j_smith","full_name":"Joe Smith","email":"joe.smith@example.com","email_verified":true,"last_login":"<any>"}`)
			last, _ := djDecode(t, got)["last_login"].(string)
			if _, err := time.Parse(time.RFC3339Nano, last); err != nil || !strings.HasSuffix(last, "Z") {
				t.Errorf("last_login %q: want ISO 8601 in UTC with Z", last)
			}
			// DRF reads the header word in any case.
			status, _, _ = e.dj("GET", "/api/v1/account/", nil, "Authorization", "token "+token1)
			if status != 201 {
				t.Errorf("lower-case header word: %d", status)
			}
		})
		row("account_401_credentials", func(t *testing.T) {
			for header, want := range map[string]string{
				"":                       "Authentication credentials were not provided.",
				"Bearer " + token1:       "Authentication credentials were not provided.",
				"Basic " + token1:        "Authentication credentials were not provided.",
				"Token":                  "Invalid token header. No credentials provided.",
				"Token " + token1 + " x": "Invalid token header. Token string should not contain spaces.",
				"Token nonsense":         "Invalid token.",
			} {
				status, h, got := e.dj("GET", "/api/v1/account/", nil, "Authorization", header)
				cdWant(t, status, h, got, 401, `{"detail":"`+want+`"}`)
			}
		})

		// Update a user account.
		row("account_patch_201_full_name_alone", func(t *testing.T) {
			// The platform's 500 (a PATCH without email) is fixed; the name reads back as
			// written, and the canonical API sees it as first and last name.
			status, h, got := e.dj("PATCH", "/api/v1/account/", map[string]any{"full_name": "Joe  van Smith"}, cdToken(token1)...)
			cdWant(t, status, h, got, 201, `{"username":"j_smith","full_name":"Joe  van Smith","email":"joe.smith@example.com","email_verified":true,"last_login":"<any>"}`)
			res, err := e.client.GetMeWithResponse(context.Background(), bearer(e.login(user{username: "j_smith", password: password}).AccessToken))
			if err != nil || res.JSON200 == nil || res.JSON200.FirstName != "Joe  van" || res.JSON200.LastName != "Smith" {
				t.Fatalf("/v1/me names: %v %s", err, bodyOf(res))
			}
		})
		row("account_patch_read_only_fields", func(t *testing.T) {
			status, _, got := e.dj("GET", "/api/v1/account/", nil, cdToken(token1)...)
			last := djDecode(t, got)["last_login"]
			status, h, got := e.dj("PATCH", "/api/v1/account/", map[string]any{"email_verified": false, "last_login": last}, cdToken(token1)...)
			cdWant(t, status, h, got, 201, `{"username":"j_smith","full_name":"Joe  van Smith","email":"joe.smith@example.com","email_verified":true,"last_login":"<any>"}`)
			status, h, got = e.dj("PATCH", "/api/v1/account/", map[string]any{"last_login": "2016-10-20T19:20:27.848272Z"}, cdToken(token1)...)
			cdWant(t, status, h, got, 400, `{"last_login":["Cannot update last_login"]}`)
			status, h, got = e.dj("PATCH", "/api/v1/account/", map[string]any{"last_login": "yesterday"}, cdToken(token1)...)
			cdWant(t, status, h, got, 400, `{"last_login":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}`)
		})
		row("account_patch_username", func(t *testing.T) {
			status, h, got := e.dj("PATCH", "/api/v1/account/", map[string]any{"username": "form_user"}, cdToken(token1)...)
			cdWant(t, status, h, got, 400, `{"username":["A user with that username already exists."]}`)
			status, h, got = e.dj("PATCH", "/api/v1/account/", map[string]any{"username": "add"}, cdToken(token1)...)
			cdWant(t, status, h, got, 400, `{"username":["Username cannot be “add” or “new”."]}`)
			status, h, got = e.dj("PATCH", "/api/v1/account/", map[string]any{"username": "joe_smith", "full_name": "Joe Smith"}, cdToken(token1)...)
			cdWant(t, status, h, got, 201, `{"username":"joe_smith","full_name":"Joe Smith","email":"joe.smith@example.com","email_verified":true,"last_login":"<any>"}`)
		})
		row("account_patch_email_refused", func(t *testing.T) {
			status, h, got := e.dj("PATCH", "/api/v1/account/", map[string]any{"email": "form@example.com"}, cdToken(token1)...)
			cdWant(t, status, h, got, 400, `{"email":["Another user is already registered with this email address"]}`)
			status, h, got = e.dj("PATCH", "/api/v1/account/", map[string]any{"email": newEmail, "current_password": "wrong-password-1"}, cdToken(token1)...)
			cdWant(t, status, h, got, 400, `{"current_password":["Invalid password."]}`)
			if n := e.mailCount(newEmail); n != 0 {
				t.Fatalf("%d emails to the new address of a refused change", n)
			}
		})
		row("account_patch_201_new_email_pending_its_link", func(t *testing.T) {
			status, h, got := e.dj("PATCH", "/api/v1/account/", map[string]any{"email": newEmail, "current_password": password, "full_name": "Joe Smith"}, cdToken(token1)...)
			cdWant(t, status, h, got, 201, `{"username":"joe_smith","full_name":"Joe Smith","email":"joe.smith@example.com","email_verified":true,"last_login":"<any>"}`)
			status, _, got = e.dj("GET", "/api/v1/account/", nil, cdToken(token1)...)
			if djDecode(t, got)["email"] != email {
				t.Fatalf("the new email applied before its link: %d %s", status, got)
			}
		})
		row("activate_confirms_the_new_email_with_the_token", func(t *testing.T) {
			_, linkUID, linkToken := e.djLink(newEmail)
			body := map[string]any{"uid": linkUID, "token": linkToken}
			status, h, got := e.dj("POST", "/api/v1/account/activate/", body)
			cdWant(t, status, h, got, 401, `{"detail":"Authentication credentials were not provided."}`)
			status, h, got = e.dj("POST", "/api/v1/account/activate/", body, cdToken(token1)...)
			cdWant(t, status, h, got, 200, "")
			status, h, got = e.dj("GET", "/api/v1/account/", nil, cdToken(token1)...)
			cdWant(t, status, h, got, 201, `{"username":"joe_smith","full_name":"Joe Smith","email":"joe@new.example.com","email_verified":true,"last_login":"<any>"}`)
			status, h, got = e.dj("POST", "/api/v1/account/activate/", body, cdToken(token1)...)
			cdWant(t, status, h, got, 400, `{"non_field_errors":["Invalid token for given user."]}`)
		})
		row("account_put_400_username_and_email_required", func(t *testing.T) {
			status, h, got := e.dj("PUT", "/api/v1/account/", map[string]any{"full_name": "Joe"}, cdToken(token1)...)
			cdWant(t, status, h, got, 400, `{"username":["This field is required."],"email":["This field is required."]}`)
			status, h, got = e.dj("PUT", "/api/v1/account/", map[string]any{"username": "joe_smith", "email": newEmail}, cdToken(token1)...)
			cdWant(t, status, h, got, 201, `{"username":"joe_smith","full_name":"Joe Smith","email":"joe@new.example.com","email_verified":true,"last_login":"<any>"}`)
		})

		// Change the password.
		row("password_400", func(t *testing.T) {
			for _, tc := range []struct {
				body map[string]any
				want string
			}{
				{map[string]any{}, `{"new_password":["This field is required."],"re_new_password":["This field is required."],"current_password":["This field is required."]}`},
				{map[string]any{"new_password": pass2, "re_new_password": pass2 + "x", "current_password": password}, `{"non_field_errors":["The two password fields didn't match."]}`},
				{map[string]any{"new_password": pass2, "re_new_password": pass2 + "x", "current_password": "wrong-password-1"}, `{"current_password":["Invalid password."]}`},
				{map[string]any{"new_password": pass2, "re_new_password": pass2, "current_password": "wrong-password-1"}, `{"current_password":["Invalid password."]}`},
				{map[string]any{"new_password": "short", "re_new_password": "short", "current_password": password}, `{"new_password":["This password is too short. It must contain at least 10 characters."]}`},
			} {
				status, h, got := e.dj("POST", "/api/v1/account/password/", tc.body, cdToken(token1)...)
				cdWant(t, status, h, got, 400, tc.want)
			}
		})
		row("password_401_without_token", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/password/", map[string]any{"new_password": pass2, "re_new_password": pass2, "current_password": password})
			cdWant(t, status, h, got, 401, `{"detail":"Authentication credentials were not provided."}`)
		})
		row("password_200_this_token_stays_the_others_end", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/password/", map[string]any{"new_password": pass2, "re_new_password": pass2, "current_password": password}, cdToken(token1)...)
			cdWant(t, status, h, got, 200, "")
			if s := e.cdStatus(token1); s != 201 {
				t.Fatalf("the token that changed the password: %d, want 201", s)
			}
			status, h, got = e.dj("GET", "/api/v1/account/", nil, cdToken(token2)...)
			cdWant(t, status, h, got, 401, invalidToken)
		})

		// Reset the password.
		row("reset_400_email", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/password/reset/", map[string]any{})
			cdWant(t, status, h, got, 400, `{"email":["This field is required."]}`)
			status, h, got = e.dj("POST", "/api/v1/account/password/reset/", map[string]any{"email": "not-an-email"})
			cdWant(t, status, h, got, 400, `{"email":["Enter a valid email address."]}`)
		})
		row("reset_200_unknown_email_alike", func(t *testing.T) {
			// The document's 400 for an unknown address would tell who has an account;
			// the platform never sent it either.
			status, h, got := e.dj("POST", "/api/v1/account/password/reset/", map[string]any{"email": "nobody@example.com"})
			cdWant(t, status, h, got, 200, "")
			if n := e.mailCount("nobody@example.com"); n != 0 {
				t.Fatalf("%d emails to an address without an account", n)
			}
		})
		var resetUID, resetToken string
		row("reset_200_link_sent", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/password/reset/", map[string]any{"email": newEmail})
			cdWant(t, status, h, got, 200, "")
			var link string
			link, resetUID, resetToken = e.djLink(newEmail)
			if !strings.HasPrefix(link, "http://localhost:8000/account/password/reset/confirm/") {
				t.Fatalf("reset link %q", link)
			}
		})

		// Confirm the password reset.
		row("reset_confirm_400", func(t *testing.T) {
			for _, tc := range []struct {
				body map[string]any
				want string
			}{
				{map[string]any{}, `{"uid":["This field is required."],"token":["This field is required."],"new_password":["This field is required."],"re_new_password":["This field is required."]}`},
				{map[string]any{"uid": "junk!", "token": resetToken, "new_password": pass3, "re_new_password": pass3 + "x"}, `{"non_field_errors":["The two password fields didn't match."]}`},
				{map[string]any{"uid": "junk!", "token": resetToken, "new_password": pass3, "re_new_password": pass3}, `{"uid":["Invalid user id or user doesn't exist."]}`},
				{map[string]any{"uid": resetUID, "token": "x" + resetToken, "new_password": pass3, "re_new_password": pass3}, `{"non_field_errors":["Invalid token for given user."]}`},
				{map[string]any{"uid": resetUID, "token": resetToken, "new_password": "short", "re_new_password": "short"}, `{"new_password":["This password is too short. It must contain at least 10 characters."]}`},
			} {
				status, h, got := e.dj("POST", "/api/v1/account/password/reset/confirm/", tc.body)
				cdWant(t, status, h, got, 400, tc.want)
			}
		})
		row("reset_confirm_200_every_token_ends", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/password/reset/confirm/", map[string]any{"uid": resetUID, "token": resetToken, "new_password": pass3, "re_new_password": pass3})
			cdWant(t, status, h, got, 200, "")
			status, h, got = e.dj("GET", "/api/v1/account/", nil, cdToken(token1)...)
			cdWant(t, status, h, got, 401, invalidToken)
			token3 = e.cdLogin("joe_smith", pass3)
		})

		// Log a user out.
		row("logout_401_without_token", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/v1/account/logout/", nil)
			cdWant(t, status, h, got, 401, `{"detail":"Authentication credentials were not provided."}`)
		})
		row("logout_200_ends_that_token_alone", func(t *testing.T) {
			other := e.cdLogin("joe_smith", pass3)
			status, h, got := e.dj("POST", "/api/v1/account/logout/", nil, cdToken(token3)...)
			cdWant(t, status, h, got, 200, "")
			status, h, got = e.dj("GET", "/api/v1/account/", nil, cdToken(token3)...)
			cdWant(t, status, h, got, 401, invalidToken)
			if s := e.cdStatus(other); s != 201 {
				t.Fatalf("another login's token after logout: %d, want 201", s)
			}
		})
		row("same_account_at_v1_and_djoser", func(t *testing.T) {
			e.login(user{username: "joe_smith", password: pass3})
			e.djLogin(newEmail, pass3)
		})

		// The platform's users, for staff.
		staff, _ := e.staffUser("cdstaff", false)
		root, _ := e.staffUser("cdroot", true)
		var staffToken string
		row("users_401_anonymous", func(t *testing.T) {
			staffToken = e.cdLogin(staff.username, staff.password)
			status, h, got := e.dj("GET", "/api/v1/users/", nil)
			cdWant(t, status, h, got, 401, `{"detail":"Authentication credentials were not provided."}`)
		})
		row("users_403_not_staff_whatever_the_user", func(t *testing.T) {
			userToken := e.cdLogin("joe_smith", pass3)
			for _, path := range []string{"/api/v1/users/", "/api/v1/users/joe_smith/", "/api/v1/users/" + root.username + "/", "/api/v1/users/nobody/", "/api/v1/users/not%20a%20name/"} {
				status, h, got := e.dj("GET", path, nil, cdToken(userToken)...)
				cdWant(t, status, h, got, 403, `{"detail":"You do not have permission to perform this action."}`)
			}
			status, h, got := e.dj("PATCH", "/api/v1/users/joe_smith/", map[string]any{"is_active": false}, cdToken(userToken)...)
			cdWant(t, status, h, got, 403, `{"detail":"You do not have permission to perform this action."}`)
		})
		row("users_200_pages", func(t *testing.T) {
			e.cdSeedUsers("m_", 100) // with the 4 accounts above: two pages
			status, _, got := e.dj("GET", "/api/v1/users/", nil, cdToken(staffToken)...)
			if status != 200 {
				t.Fatalf("%d %s", status, got)
			}
			var page struct {
				Count          int
				Next, Previous *string
				Results        []map[string]any
			}
			if err := json.Unmarshal(got, &page); err != nil {
				t.Fatal(err)
			}
			if page.Count != 104 || len(page.Results) != 100 || page.Previous != nil || page.Next == nil ||
				!strings.HasSuffix(*page.Next, "/api/v1/users/?page=2") || !strings.HasPrefix(*page.Next, "http://") {
				t.Fatalf("first page: count %d, %d results, next %v, previous %v", page.Count, len(page.Results), page.Next, page.Previous)
			}
			if first := page.Results[0]; first["username"] != root.username && first["username"] != staff.username {
				// Ordered by username: cdroot_n and cdstaff_n come before form_user and m_...
				t.Fatalf("first user %v", first["username"])
			}
			next, _ := url.Parse(*page.Next)
			status, _, got = e.dj("GET", next.RequestURI(), nil, cdToken(staffToken)...)
			if err := json.Unmarshal(got, &page); err != nil || status != 200 {
				t.Fatal(status, err)
			}
			if len(page.Results) != 4 || page.Next != nil || page.Previous == nil || !strings.HasSuffix(*page.Previous, "/api/v1/users/") {
				t.Fatalf("last page: %d results, next %v, previous %v", len(page.Results), page.Next, page.Previous)
			}
			status, _, got2 := e.dj("GET", "/api/v1/users/?page=last", nil, cdToken(staffToken)...)
			if status != 200 || string(got2) != string(got) {
				t.Fatalf("page=last: %d %s", status, got2)
			}
			for _, bad := range []string{"3", "0", "-1", "two", "1.5"} {
				status, h, got := e.dj("GET", "/api/v1/users/?page="+bad, nil, cdToken(staffToken)...)
				cdWant(t, status, h, got, 404, `{"detail":"Invalid page."}`)
			}
		})
		row("users_200_filters", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/v1/users/?search=JOE_SM", nil, cdToken(staffToken)...)
			cdWant(t, status, h, got, 200, `{"count":1,"next":null,"previous":null,"results":[{"username":"joe_smith","full_name":"Joe Smith",`+
				`"email":"joe@new.example.com","organizations":[],"last_login":"<any>","is_active":true}]}`)
			status, _, got = e.dj("GET", "/api/v1/users/?ordering=-username&is_active=true", nil, cdToken(staffToken)...)
			if status != 200 || !strings.Contains(string(got), `"results":[{"username":"m_099"`) {
				t.Fatalf("-username: %d %.200s", status, got)
			}
			status, h, got = e.dj("GET", "/api/v1/users/?search=joe&search=smith", nil, cdToken(staffToken)...)
			cdWant(t, status, h, got, 400, `{"detail":"Each query parameter may be given once."}`)
			status, h, got = e.dj("GET", "/api/v1/users/?is_active=false", nil, cdToken(staffToken)...)
			cdWant(t, status, h, got, 200, `{"count":1,"next":null,"previous":null,"results":[{"username":"form_user","full_name":"",`+
				`"email":"form@example.com","organizations":[],"last_login":null,"is_active":false}]}`)
		})
		row("user_200_and_404", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/v1/users/joe_smith/", nil, cdToken(staffToken)...)
			cdWant(t, status, h, got, 200, `{"username":"joe_smith","full_name":"Joe Smith","email":"joe@new.example.com","organizations":[],"last_login":"<any>","is_active":true}`)
			for _, path := range []string{"/api/v1/users/nobody/", "/api/v1/users/not%20a%20name/"} {
				status, h, got = e.dj("GET", path, nil, cdToken(staffToken)...)
				cdWant(t, status, h, got, 404, `{"detail":"User not found."}`)
			}
		})
		row("user_patch_200_full_name", func(t *testing.T) {
			status, h, got := e.dj("PATCH", "/api/v1/users/joe_smith/", map[string]any{"full_name": "Joseph Smith", "username": "joe_smith"}, cdToken(staffToken)...)
			cdWant(t, status, h, got, 200, `{"username":"joe_smith","full_name":"Joseph Smith","email":"joe@new.example.com","organizations":[],"last_login":"<any>","is_active":true}`)
		})
		row("user_patch_400_fields_not_to_change", func(t *testing.T) {
			for _, tc := range []struct {
				body map[string]any
				want string
			}{
				{map[string]any{"username": "joseph"}, `{"username":["Cannot update username"]}`},
				{map[string]any{"email": "elsewhere@example.com"}, `{"email":["Cannot update email"]}`},
				{map[string]any{"last_login": "2016-10-20T19:20:27.848272Z"}, `{"last_login":["Cannot update last_login"]}`},
				{map[string]any{"is_active": "maybe"}, `{"is_active":["Must be a valid boolean."]}`},
			} {
				status, h, got := e.dj("PATCH", "/api/v1/users/joe_smith/", tc.body, cdToken(staffToken)...)
				cdWant(t, status, h, got, 400, tc.want)
			}
		})
		row("user_put", func(t *testing.T) {
			status, h, got := e.dj("PUT", "/api/v1/users/joe_smith/", map[string]any{"full_name": "Joe Smith"}, cdToken(staffToken)...)
			cdWant(t, status, h, got, 400, `{"username":["This field is required."]}`)
			status, h, got = e.dj("PUT", "/api/v1/users/joe_smith/", map[string]any{"username": "joe_smith", "full_name": "Joe Smith"}, cdToken(staffToken)...)
			cdWant(t, status, h, got, 200, `{"username":"joe_smith","full_name":"Joe Smith","email":"joe@new.example.com","organizations":[],"last_login":"<any>","is_active":true}`)
		})
		row("user_patch_admin_rules", func(t *testing.T) {
			status, h, got := e.dj("PATCH", "/api/v1/users/"+root.username+"/", map[string]any{"is_active": false}, cdToken(staffToken)...)
			cdWant(t, status, h, got, 403, `{"detail":"You do not have permission to perform this action."}`)
			// Staff accounts, their own included, are a superuser's to change.
			status, h, got = e.dj("PATCH", "/api/v1/users/"+staff.username+"/", map[string]any{"full_name": "Me"}, cdToken(staffToken)...)
			cdWant(t, status, h, got, 403, `{"detail":"You do not have permission to perform this action."}`)
			rootToken := e.cdLogin(root.username, root.password)
			status, h, got = e.dj("PATCH", "/api/v1/users/"+root.username+"/", map[string]any{"is_active": false}, cdToken(rootToken)...)
			cdWant(t, status, h, got, 400, `{"is_active":["You cannot deactivate your own account."]}`)
			status, _, got = e.dj("PATCH", "/api/v1/users/"+staff.username+"/", map[string]any{"full_name": "Staff Member"}, cdToken(rootToken)...)
			if status != 200 || djDecode(t, got)["full_name"] != "Staff Member" {
				t.Fatalf("a superuser changing staff: %d %s", status, got)
			}
		})
		row("user_deactivation_ends_the_token", func(t *testing.T) {
			userToken := e.cdLogin("joe_smith", pass3)
			status, h, got := e.dj("PATCH", "/api/v1/users/joe_smith/", map[string]any{"is_active": "false"}, cdToken(staffToken)...)
			cdWant(t, status, h, got, 200, `{"username":"joe_smith","full_name":"Joe Smith","email":"joe@new.example.com","organizations":[],"last_login":"<any>","is_active":false}`)
			status, h, got = e.dj("GET", "/api/v1/account/", nil, cdToken(userToken)...)
			cdWant(t, status, h, got, 401, invalidToken)
			status, h, got = e.dj("POST", "/api/v1/account/login/", map[string]any{"username": "joe_smith", "password": pass3})
			cdWant(t, status, h, got, 400, `{"non_field_errors":["User account is disabled."]}`)
			status, _, _ = e.dj("PATCH", "/api/v1/users/joe_smith/", map[string]any{"is_active": true}, cdToken(staffToken)...)
			if status != 200 {
				t.Fatalf("reactivate: %d", status)
			}
			e.cdLogin("joe_smith", pass3)
		})
	})
}

// TestCadastaAttacks tries to get past the profile's rules, and another API's rules
// through it: a profile is never a back door.
func TestCadastaAttacks(t *testing.T) {
	forEachStoreWith(t, cadastaConfig, func(t *testing.T, e *env) {
		run := func(name string, fn func(t *testing.T)) {
			t.Run(name, func(t *testing.T) {
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				fn(t)
			})
		}

		run("nul_bytes_in_every_field_400", func(t *testing.T) {
			victim := e.cdActiveUser("cdnul")
			token := e.cdLogin(victim.username, victim.password)
			staff, _ := e.staffUser("cdnulstaff", true)
			staffToken := e.cdLogin(staff.username, staff.password)
			_, uid, _ := e.djLink(victim.email)
			const nul = "a\x00b"
			for _, tc := range []struct {
				method, path string
				base         map[string]any
				auth         []string
			}{
				{"POST", "/api/v1/account/register/", map[string]any{"username": "nul_user", "full_name": "N U", "email": "nul@example.com", "password": "correct-horse-1"}, nil},
				{"POST", "/api/v1/account/login/", map[string]any{"username": victim.username, "password": victim.password}, nil},
				{"POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": "some-token"}, nil},
				{"PATCH", "/api/v1/account/", map[string]any{"username": victim.username, "full_name": "N U", "email": "nul-new@example.com", "current_password": victim.password, "last_login": nil}, cdToken(token)},
				{"PUT", "/api/v1/account/", map[string]any{"username": victim.username, "email": victim.email}, cdToken(token)},
				{"POST", "/api/v1/account/password/", map[string]any{"new_password": "another-horse-1", "re_new_password": "another-horse-1", "current_password": victim.password}, cdToken(token)},
				{"POST", "/api/v1/account/password/reset/", map[string]any{"email": victim.email}, nil},
				{"POST", "/api/v1/account/password/reset/confirm/", map[string]any{"uid": uid, "token": "some-token", "new_password": "another-horse-1", "re_new_password": "another-horse-1"}, nil},
				{"PATCH", "/api/v1/users/" + victim.username + "/", map[string]any{"username": victim.username, "full_name": "N U", "email": victim.email, "is_active": true, "last_login": nil}, cdToken(staffToken)},
			} {
				for field := range tc.base {
					b := map[string]any{}
					for k, v := range tc.base {
						b[k] = v
					}
					b[field] = nul
					status, _, got := e.dj(tc.method, tc.path, b, tc.auth...)
					if status != http.StatusBadRequest || !strings.Contains(string(got), `"`+field+`":`) {
						t.Errorf("%s %s with a NUL in %s: %d %s, want 400 naming the field", tc.method, tc.path, field, status, got)
					}
				}
			}
			// In a form, and in the query and the path.
			status, _, got := e.djSend("POST", "/api/v1/account/login/", "application/x-www-form-urlencoded", "username=a%00b&password=x")
			if status != http.StatusBadRequest {
				t.Errorf("form login with a NUL: %d %s", status, got)
			}
			for path, want := range map[string]int{
				"/api/v1/users/?search=a%00b": 400, "/api/v1/users/?page=1%00": 404, "/api/v1/users/a%00b/": 404,
			} {
				if status, _, got := e.dj("GET", path, nil, cdToken(staffToken)...); status != want {
					t.Errorf("GET %s: %d %s, want %d", path, status, got, want)
				}
			}
			if status, _, got := e.dj("GET", "/api/v1/users/a%00b/", nil, cdToken(token)...); status != 403 {
				t.Errorf("a user's GET of a NUL username: %d %s, want 403", status, got)
			}
			// Nothing was changed by any of it.
			e.cdLogin(victim.username, victim.password)
		})

		run("a_users_token_on_another_users_resources", func(t *testing.T) {
			alice, bob := e.cdActiveUser("cdalice"), e.cdActiveUser("cdbob")
			aliceToken, bobToken := e.cdLogin(alice.username, alice.password), e.cdLogin(bob.username, bob.password)
			forbidden := `{"detail":"You do not have permission to perform this action."}`
			status, h, got := e.dj("GET", "/api/v1/users/"+bob.username+"/", nil, cdToken(aliceToken)...)
			cdWant(t, status, h, got, 403, forbidden)
			status, h, got = e.dj("PATCH", "/api/v1/users/"+bob.username+"/", map[string]any{"is_active": false}, cdToken(aliceToken)...)
			cdWant(t, status, h, got, 403, forbidden)
			// Bob's password does not change Alice's, nor Bob's through Alice's token.
			status, h, got = e.dj("POST", "/api/v1/account/password/", map[string]any{"new_password": "stolen-horse-1", "re_new_password": "stolen-horse-1", "current_password": bob.password}, cdToken(aliceToken)...)
			cdWant(t, status, h, got, 400, `{"current_password":["Invalid password."]}`)
			// Bob's new-email link, posted with Alice's token, is refused and stays Bob's.
			status, _, got = e.dj("PATCH", "/api/v1/account/", map[string]any{"email": "bob-new@example.com", "current_password": bob.password}, cdToken(bobToken)...)
			if status != 201 {
				t.Fatalf("bob's email change: %d %s", status, got)
			}
			_, uid, token := e.djLink("bob-new@example.com")
			status, h, got = e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": token}, cdToken(aliceToken)...)
			cdWant(t, status, h, got, 400, `{"non_field_errors":["Invalid token for given user."]}`)
			status, h, got = e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": token}, cdToken(bobToken)...)
			cdWant(t, status, h, got, 200, "")
			// Alice logging out ends her session, not Bob's.
			if status, _, _ := e.dj("POST", "/api/v1/account/logout/", nil, cdToken(aliceToken)...); status != 200 {
				t.Fatalf("logout: %d", status)
			}
			if s := e.cdStatus(bobToken); s != 201 {
				t.Fatalf("bob's token after alice's logout: %d", s)
			}
		})

		run("email_change_with_a_stolen_token", func(t *testing.T) {
			victim := e.cdActiveUser("cdvictim")
			stolen := e.cdLogin(victim.username, victim.password)
			thief := e.cdActiveUser("cdthief")
			thiefToken := e.cdLogin(thief.username, thief.password)
			const thiefAddress = "thief-drop@example.com"
			// A guessed password is refused, and nothing goes to the thief's address.
			status, h, got := e.dj("PATCH", "/api/v1/account/", map[string]any{"email": thiefAddress, "current_password": "guessed-password-1"}, cdToken(stolen)...)
			cdWant(t, status, h, got, 400, `{"current_password":["Invalid password."]}`)
			if n := e.mailCount(thiefAddress); n != 0 {
				t.Fatalf("%d emails to the thief's address after a wrong password", n)
			}
			// Without a password, the platform applied the address at once. Here it stays
			// the victim's: the answer, the account and login by email say so.
			status, h, got = e.dj("PATCH", "/api/v1/account/", map[string]any{"email": thiefAddress}, cdToken(stolen)...)
			cdWant(t, status, h, got, 201, `{"username":"`+victim.username+`","full_name":"Joe Smith","email":"`+victim.email+`","email_verified":true,"last_login":"<any>"}`)
			if _, _, got := e.dj("GET", "/api/v1/account/", nil, cdToken(stolen)...); djDecode(t, got)["email"] != victim.email {
				t.Fatalf("email moved by the PATCH: %s", got)
			}
			e.cdLogin(victim.email, victim.password)
			// Without the password, the thief's address gets nothing: the victim's own
			// address is asked to approve the move first (and would have to, before any
			// link went to the thief). See TestStolenAccessTokenCannotMoveEmail_cadasta.
			if n := e.mailCount(thiefAddress); n != 0 {
				t.Fatalf("%d emails to the thief's address without the owner's approval", n)
			}
			if m, ok := e.lastMail(victim.email); !ok || !strings.Contains(m.Text, thiefAddress) {
				t.Fatalf("the victim's address was not asked to approve the move: %+v", m)
			}
			// The victim's approval link is the victim's: not the thief's to use.
			_, uid, token := e.djLink(victim.email)
			status, h, got = e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": token}, cdToken(thiefToken)...)
			cdWant(t, status, h, got, 400, `{"non_field_errors":["Invalid token for given user."]}`)
		})

		run("tokens_of_one_kind_refused_as_another", func(t *testing.T) {
			u := e.cdActiveUser("cdkinds")
			authToken := e.cdLogin(u.username, u.password)
			pair := e.login(u)
			status, h, got := e.dj("GET", "/api/v1/account/", nil, cdToken(pair.AccessToken)...)
			cdWant(t, status, h, got, 401, invalidToken)
			status, h, got = e.dj("GET", "/api/v1/account/", nil, cdToken(pair.RefreshToken)...)
			cdWant(t, status, h, got, 401, invalidToken)
			if status, _, _ := e.do("GET", "/v1/me", "", nil, "Authorization", "Bearer "+authToken); status != http.StatusUnauthorized {
				t.Fatalf("an auth_token as a bearer token at /v1: %d", status)
			}
			body, _ := json.Marshal(map[string]string{"refresh_token": authToken})
			if status, _, _ := e.do("POST", "/v1/auth/refresh", "application/json", body); status != http.StatusUnauthorized {
				t.Fatalf("an auth_token as a refresh token at /v1: %d", status)
			}
			if s := e.cdStatus(authToken); s != 201 {
				t.Fatalf("the auth_token after those attempts: %d", s)
			}
			// The same sessions: /v1 lists the auth_token's, and ending it there ends the
			// token.
			list, err := e.client.ListMySessionsWithResponse(context.Background(), nil, bearer(pair.AccessToken))
			if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 2 {
				t.Fatalf("/v1 sessions: %v %s", err, bodyOf(list))
			}
			for _, sess := range list.JSON200.Items {
				if sess.Current {
					continue
				}
				res, err := e.client.RevokeMySessionWithResponse(context.Background(), sess.Id, bearer(pair.AccessToken))
				if err != nil || res.StatusCode() != http.StatusNoContent {
					t.Fatalf("revoke at /v1: %v %d %s", err, statusOf(res), bodyOf(res))
				}
			}
			status, h, got = e.dj("GET", "/api/v1/account/", nil, cdToken(authToken)...)
			cdWant(t, status, h, got, 401, invalidToken)
		})

		run("deletion_at_another_api_ends_the_token", func(t *testing.T) {
			u := e.cdActiveUser("cddeleted")
			authToken := e.cdLogin(u.username, u.password)
			access, _ := e.djLogin(u.email, u.password)
			status, _, got := e.dj("DELETE", "/api/users/me/", map[string]any{"current_password": u.password}, djBearer(access)...)
			if status != http.StatusNoContent {
				t.Fatalf("djoser delete: %d %s", status, got)
			}
			status, h, got := e.dj("GET", "/api/v1/account/", nil, cdToken(authToken)...)
			cdWant(t, status, h, got, 401, invalidToken)
		})
	})
}

// TestCadastaLoginLimitsAreTheCanonicalOnes: login attempts here and at /v1 count
// against the same limits.
func TestCadastaLoginLimitsAreTheCanonicalOnes(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		cadastaConfig(c)
		c.Limits.LoginFailures = account.Rule{Limit: 3, Window: time.Minute}
	}, func(t *testing.T, e *env) {
		u := e.cdActiveUser("cdlimited")
		wrong := map[string]any{"username": u.username, "password": "wrong-password-1"}
		for range 2 {
			body, _ := json.Marshal(map[string]string{"login": u.username, "password": "wrong-password-1"})
			if status, _, got := e.do("POST", "/v1/auth/login", "application/json", body); status != http.StatusUnauthorized {
				t.Fatalf("/v1 login: %d %s", status, got)
			}
		}
		status, h, got := e.dj("POST", "/api/v1/account/login/", wrong)
		cdWant(t, status, h, got, 400, `{"non_field_errors":["Unable to login with provided credentials."]}`)
		status, h, got = e.dj("POST", "/api/v1/account/login/", wrong)
		if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" ||
			!strings.HasPrefix(string(got), `{"detail":"Request was throttled. Expected available in `) {
			t.Fatalf("fourth attempt: %d Retry-After %q %s", status, h.Get("Retry-After"), got)
		}
		body, _ := json.Marshal(map[string]string{"login": u.username, "password": "wrong-password-1"})
		if status, _, got := e.do("POST", "/v1/auth/login", "application/json", body); status != http.StatusTooManyRequests {
			t.Fatalf("/v1 login after the limit: %d %s", status, got)
		}
	})
}

// TestCadastaHidesTakenEmails: with ACCOUNTD_HIDE_EXISTING_EMAILS (the default), a
// registration with a taken email answers as a new account does, creates nothing, and
// tells the address's owner.
func TestCadastaHidesTakenEmails(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		owner := e.cdActiveUser("cdowner")
		before := e.mailCount(owner.email)
		status, h, got := e.dj("POST", "/api/v1/account/register/", cdRegistration("cdsquatter", strings.ToUpper(owner.email), "correct-horse-55"))
		// The address as a real registration would store it: the domain in lower case.
		local, domain, _ := strings.Cut(strings.ToUpper(owner.email), "@")
		cdWant(t, status, h, got, 201, `{"username":"cdsquatter","full_name":"Joe Smith","email":"`+local+"@"+strings.ToLower(domain)+`","email_verified":false}`)
		fresh := newUser("cdfresh")
		status, h, got = e.dj("POST", "/api/v1/account/register/", cdRegistration(fresh.username, fresh.email, fresh.password))
		cdWant(t, status, h, got, 201, `{"username":"`+fresh.username+`","full_name":"Joe Smith","email":"`+fresh.email+`","email_verified":false}`)
		if after := e.mailCount(owner.email); after != before+1 {
			t.Fatalf("the owner got %d emails, want 1", after-before)
		}
		// The hidden registration holds its username as a real one would: taking it
		// again is refused, with the same answer as after the fresh registration.
		for _, username := range []string{"cdsquatter", fresh.username} {
			again := newUser("cdagain")
			status, h, got = e.dj("POST", "/api/v1/account/register/", cdRegistration(username, again.email, again.password))
			cdWant(t, status, h, got, 400, `{"username":["A user with that username already exists."]}`)
		}
		status, h, got = e.dj("POST", "/api/v1/account/login/", map[string]any{"username": "cdsquatter", "password": "correct-horse-55"})
		cdWant(t, status, h, got, 400, `{"non_field_errors":["Unable to login with provided credentials."]}`)
	})
}
