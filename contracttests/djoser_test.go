package contracttests

// The djoser compatibility profile: a replay of /work/shared/reference/djoser-observed.md,
// the answers of a real djoser 2.1 / SimpleJWT 5.2 server, row by row, over plain HTTP
// as djoser clients call it. Every response to a profile path is validated against
// openapi.yaml by the harness.
//
// The rows are grouped by flow, one test each (TestDjoserRegistration, ...Activation,
// ...Login, ...Me, ...Users, ...Password, ...Email, ...Logout, ...Delete), on a fresh
// server per store; each flow first sets up, with helpers rather than rows, the users
// the reference had by then, and runs its rows in the reference's order. A subtest is named after its
// row's number in the reference (row37_200_logged_in). Being independent, the flows run
// in parallel with one another (t.Parallel), which keeps their extra servers' start-up
// from adding up.
//
// Rows 76, 77, 94 and 98 go the other way on purpose: a password reset, a logout and a
// deletion end the sessions they concern, so the old tokens get 401. Other rows differ
// by design and say why: accountd's emails are unique without regard to case (15, 36),
// POST without the trailing slash is served rather than redirected (16), verify refuses
// a token whose session has ended (93), and the password policy is accountd's (min 10).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	client "github.com/accountd/accountd/clients/go/accountd"
	djosergen "github.com/accountd/accountd/gen/compat/djoser"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/djoser"
	"github.com/accountd/accountd/internal/config"
	mailpkg "github.com/accountd/accountd/internal/mail"
)

// djAny in a wanted body matches any non-empty string (tokens, whose values vary).
const djAny = "<any>"

// djSend sends body to the profile: a string as it is with contentType, anything else
// as JSON.
func (e *env) djSend(method, path, contentType string, body any, header ...string) (int, http.Header, []byte) {
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
		contentType = "application/json"
	}
	return e.do(method, path, contentType, raw, header...)
}

// dj sends a JSON body (or none) to the profile.
func (e *env) dj(method, path string, body any, header ...string) (int, http.Header, []byte) {
	e.t.Helper()
	return e.djSend(method, path, "", body, header...)
}

// djWant fails unless the answer has wantStatus and a body equal to want: JSON in
// which djAny matches any non-empty string, or "" for no body (and so no Content-Type,
// as DRF sends none then).
func djWant(t *testing.T, status int, h http.Header, got []byte, wantStatus int, want string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", status, wantStatus, got)
	}
	if want == "" {
		if len(got) != 0 || h.Get("Content-Type") != "" {
			t.Fatalf("want no body, got %q (Content-Type %q)", got, h.Get("Content-Type"))
		}
		return
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json; body %s", ct, got)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %s", got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !djMatch(g, w) {
		t.Fatalf("body\n  %s\nwant\n  %s", got, want)
	}
	if status == http.StatusUnauthorized && h.Get("WWW-Authenticate") != `Bearer realm="api"` {
		t.Errorf("401 without SimpleJWT's WWW-Authenticate: %q", h.Get("WWW-Authenticate"))
	}
}

func djMatch(got, want any) bool {
	switch w := want.(type) {
	case string:
		if w == djAny {
			s, ok := got.(string)
			return ok && s != ""
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			if gv, ok := g[k]; !ok || !djMatch(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !djMatch(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

// djID is the "id" of a JSON object answer, 0 when it has none.
func djID(got []byte) int64 {
	var v struct{ ID int64 }
	_ = json.Unmarshal(got, &v)
	return v.ID
}

// djDecode decodes a JSON object answer.
func djDecode(t *testing.T, got []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("body is not a JSON object: %s", got)
	}
	return v
}

// djUID is djoser's uid for a user id.
func djUID(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// djLink returns the link of the newest email to addr, and its last two path segments
// (djoser's uid and token).
func (e *env) djLink(addr string) (link, uid, token string) {
	e.t.Helper()
	m, ok := e.lastMail(addr)
	if !ok {
		e.t.Fatalf("no email was sent to %s", addr)
	}
	link = mailpkg.FindLink(m.Text)
	u, err := url.Parse(link)
	if err != nil {
		e.t.Fatalf("email to %s has no link: %q", addr, m.Text)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 {
		e.t.Fatalf("link %q has no uid and token", link)
	}
	return link, parts[len(parts)-2], parts[len(parts)-1]
}

// mailCount is how many emails addr has received.
func (e *env) mailCount(addr string) int {
	n := 0
	for _, m := range e.sent() {
		if strings.EqualFold(m.To, addr) {
			n++
		}
	}
	return n
}

func djBearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// djoserConfig serves the reference's configuration: taken emails reported.
func djoserConfig(c *config.Config) {
	c.HideExistingEmails = false
}

// djRegistration is the registration body of djoser's API document with the given names.
func djRegistration(username, email, password string) map[string]any {
	return map[string]any{
		"first_name": "Ehsan", "last_name": "Khan", "username": username, "email": email,
		"password": password, "re_password": password,
	}
}

// djLogin logs in through the profile and returns access and refresh tokens.
func (e *env) djLogin(email, password string) (access, refresh string) {
	e.t.Helper()
	status, _, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": email, "password": password})
	if status != http.StatusOK {
		e.t.Fatalf("jwt create %s: %d %s", email, status, got)
	}
	v := djDecode(e.t, got)
	return v["access"].(string), v["refresh"].(string)
}

// The reference's user and the addresses and passwords its rows use.
const (
	djEmail    = "ehsan18t@gmail.com"
	djPassword = "myTestPass123."
	djNewPass  = "myNewPass456!"
	djNewEmail = "ehsan.new@example.com"
)

// Answers the reference gives in several flows.
const (
	djNoAccount    = `{"detail":"No active account found with the given credentials"}`
	djNotProvided  = `{"detail":"Authentication credentials were not provided."}`
	djTokenInvalid = `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}`
)

// djFormUser is the registration of the reference's second user, form@example.com,
// which row 14 registers (form-encoded) and which stays inactive: the "other user" of
// the rows about someone else's token, id or address.
func djFormUser() map[string]any {
	return map[string]any{
		"first_name": "Form", "last_name": "User", "username": "formuser", "email": "form@example.com",
		"password": djPassword, "re_password": djPassword,
	}
}

// djMe returns the answer of /api/users/me/ for the reference's user (id) with the
// given first name and email.
func djMe(id int64) func(firstName, mail string) string {
	return func(firstName, mail string) string {
		return fmt.Sprintf(`{"first_name":%q,"last_name":"Khan","username":"ehsan","id":%d,"email":%q}`, firstName, id, mail)
	}
}

// djRows returns the function that runs one row of the reference as a subtest of t,
// named "rowNN_name" after its number in djoser-observed.md, with the env's helpers
// reporting to it. The rows of a flow run in turn, each building on the ones before, as
// on the recorded server.
func (e *env) djRows(t *testing.T) func(n int, name string, fn func(t *testing.T)) {
	return func(n int, name string, fn func(t *testing.T)) {
		t.Run(fmt.Sprintf("row%02d_%s", n, name), func(t *testing.T) {
			parent := e.t
			e.t = t
			defer func() { e.t = parent }()
			fn(t)
		})
	}
}

// djRegister registers through the profile, as a setup step rather than a row, and
// returns the new user's id.
func (e *env) djRegister(body map[string]any) int64 {
	e.t.Helper()
	status, _, got := e.dj("POST", "/api/users/", body)
	if status != http.StatusCreated || djID(got) <= 0 {
		e.t.Fatalf("register %v: %d %s", body["email"], status, got)
	}
	return djID(got)
}

// djActivate activates addr's account from the link of the newest email to it, as a
// setup step rather than a row.
func (e *env) djActivate(addr string) {
	e.t.Helper()
	_, uid, token := e.djLink(addr)
	if status, _, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": uid, "token": token}); status != http.StatusNoContent {
		e.t.Fatalf("activate %s: %d %s", addr, status, got)
	}
}

// djActiveUser registers the reference's user and activates it, as rows 1 and 31 do,
// and returns its id.
func (e *env) djActiveUser() int64 {
	e.t.Helper()
	id := e.djRegister(djRegistration("ehsan", djEmail, djPassword))
	e.djActivate(djEmail)
	return id
}

// TestDjoserRegistration: rows 1 to 16, registering through POST /api/users/: the
// answers to duplicates, weak or mismatched passwords, invalid and missing fields, and
// each body encoding djoser takes.
func TestDjoserRegistration(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		const email, password = djEmail, djPassword
		registration := djRegistration("ehsan", email, password)
		var id, formID int64
		row := e.djRows(t)

		row(1, "201_registered", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/", registration)
			id = djID(got)
			djWant(t, status, h, got, 201, `{"first_name":"Ehsan","last_name":"Khan","username":"ehsan","email":"ehsan18t@gmail.com","id":`+
				strconv.FormatInt(id, 10)+`}`)
			if id <= 0 {
				t.Fatalf("id %d", id)
			}
		})
		row(2, "400_duplicate_email_and_username", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/", registration)
			djWant(t, status, h, got, 400, `{"username":["A user with that username already exists."],"email":["user with this email address already exists."]}`)
		})
		row(3, "400_duplicate_email", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/", djRegistration("ehsan_other", email, password))
			djWant(t, status, h, got, 400, `{"email":["user with this email address already exists."]}`)
		})
		row(4, "400_duplicate_username", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/", djRegistration("ehsan", "other@example.com", password))
			djWant(t, status, h, got, 400, `{"username":["A user with that username already exists."]}`)
		})
		row(5, "400_password_mismatch", func(t *testing.T) {
			b := djRegistration("mismatch", "mismatch@example.com", password)
			b["re_password"] = password + "x"
			status, h, got := e.dj("POST", "/api/users/", b)
			djWant(t, status, h, got, 400, `{"non_field_errors":["The two password fields didn't match."]}`)
		})
		row(6, "400_weak_password_wins_over_mismatch", func(t *testing.T) {
			b := djRegistration("weak", "weak@example.com", "123")
			b["re_password"] = "1234"
			status, h, got := e.dj("POST", "/api/users/", b)
			djWant(t, status, h, got, 400, `{"password":["This password is too short. It must contain at least 10 characters."]}`)
		})
		row(7, "400_weak_password", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/", djRegistration("weak", "weak@example.com", "123"))
			djWant(t, status, h, got, 400, `{"password":["This password is too short. It must contain at least 10 characters."]}`)
			status, h, got = e.dj("POST", "/api/users/", djRegistration("weak", "weak@example.com", "1234567890"))
			djWant(t, status, h, got, 400, `{"password":["This password is too common."]}`)
		})
		row(8, "400_password_similar_to_username", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/", djRegistration("similar_user7", "similar@example.com", "similar_user7"))
			djWant(t, status, h, got, 400, `{"password":["The password is too similar to the username."]}`)
		})
		row(9, "400_invalid_fields_together", func(t *testing.T) {
			b := djRegistration("bad user!", "not-an-email", password)
			b["first_name"] = ""
			status, h, got := e.dj("POST", "/api/users/", b)
			djWant(t, status, h, got, 400, `{"first_name":["This field may not be blank."],`+
				`"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],`+
				`"email":["Enter a valid email address."]}`)
		})
		row(10, "400_every_field_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/", map[string]any{})
			djWant(t, status, h, got, 400, `{"first_name":["This field is required."],"last_name":["This field is required."],`+
				`"username":["This field is required."],"email":["This field is required."],"password":["This field is required."],`+
				`"re_password":["This field is required."]}`)
			// DRF lists the fields in the serializer's order.
			if !bytes.HasPrefix(got, []byte(`{"first_name":`)) || !bytes.Contains(got, []byte(`"password":["This field is required."],"re_password"`)) {
				t.Errorf("fields out of djoser's order: %s", got)
			}
		})
		row(11, "400_malformed_json", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/", `{"email": "a@example.co", 'x': 1}`, "Content-Type", "application/json")
			djWant(t, status, h, got, 400, `{"detail":"JSON parse error - Expecting property name enclosed in double quotes: line 1 column 27 (char 26)"}`)
		})
		row(12, "400_json_array", func(t *testing.T) {
			status, h, got := e.djSend("POST", "/api/users/", "application/json", `[1, 2]`)
			djWant(t, status, h, got, 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`)
		})
		row(13, "415_text_plain", func(t *testing.T) {
			status, h, got := e.djSend("POST", "/api/users/", "text/plain", "first_name=Ehsan")
			djWant(t, status, h, got, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`)
		})
		row(14, "201_form_encoded", func(t *testing.T) {
			form := url.Values{"first_name": {"Form"}, "last_name": {"User"}, "username": {"formuser"},
				"email": {"form@example.com"}, "password": {password}, "re_password": {password}}
			status, h, got := e.djSend("POST", "/api/users/", "application/x-www-form-urlencoded", form.Encode())
			formID = djID(got)
			djWant(t, status, h, got, 201, `{"first_name":"Form","last_name":"User","username":"formuser","email":"form@example.com","id":`+
				strconv.FormatInt(formID, 10)+`}`)
		})
		row(14, "201_multipart", func(t *testing.T) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, v := range map[string]string{"first_name": "Multi", "last_name": "Part", "username": "multipart",
				"email": "multipart@example.com", "password": password, "re_password": password} {
				_ = mw.WriteField(k, v)
			}
			_ = mw.Close()
			status, h, got := e.djSend("POST", "/api/users/", mw.FormDataContentType(), buf.String())
			djWant(t, status, h, got, 201, `{"first_name":"Multi","last_name":"Part","username":"multipart","email":"multipart@example.com","id":`+
				strconv.FormatInt(djID(got), 10)+`}`)
		})
		row(15, "201_unknown_fields_ignored", func(t *testing.T) {
			b := djRegistration("upcase", "upcase@example.com", password)
			b["favourite_colour"] = "blue"
			status, _, got := e.dj("POST", "/api/users/", b)
			if status != 201 {
				t.Fatalf("status %d: %s", status, got)
			}
		})
		row(15, "400_email_differing_in_case_is_taken", func(t *testing.T) {
			// djoser takes EHSAN18T@gmail.com as a second account; accountd's emails are
			// unique without regard to case, so one mailbox cannot hold two accounts.
			status, h, got := e.dj("POST", "/api/users/", djRegistration("upcase2", "EHSAN18T@gmail.com", password))
			djWant(t, status, h, got, 400, `{"email":["user with this email address already exists."]}`)
		})
		row(16, "201_without_trailing_slash", func(t *testing.T) {
			// djoser redirects (301), which loses a POST's body; accountd serves both.
			status, _, got := e.dj("POST", "/api/users", djRegistration("noslash", "noslash@example.com", password))
			if status != 201 {
				t.Fatalf("status %d: %s", status, got)
			}
		})
	})
}

// TestDjoserActivation: rows 27 to 34, activating from the emailed link's uid and token,
// and resending the link.
func TestDjoserActivation(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		const email = djEmail
		id := e.djRegister(djRegistration("ehsan", email, djPassword))
		formID := e.djRegister(djFormUser())
		var uid, activationToken, formUID, formActivationTok string
		row := e.djRows(t)

		row(27, "400_activation_bad_token", func(t *testing.T) {
			_, uid, activationToken = e.djLink(email)
			status, h, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": uid, "token": "br5ds7-38480a3770236a3c5ae4056c5798d152"})
			djWant(t, status, h, got, 400, `{"token":["Invalid token for given user."]}`)
		})
		row(27, "400_activation_token_of_another_user", func(t *testing.T) {
			_, formUID, formActivationTok = e.djLink("form@example.com")
			status, h, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": uid, "token": formActivationTok})
			djWant(t, status, h, got, 400, `{"token":["Invalid token for given user."]}`)
			if formUID != djUID(formID) {
				t.Errorf("uid in the link %q, want %q", formUID, djUID(formID))
			}
		})
		row(28, "400_activation_missing_user", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": djUID(999999), "token": activationToken})
			djWant(t, status, h, got, 400, `{"uid":["Invalid user id or user doesn't exist."]}`)
		})
		row(29, "400_activation_garbage_uid", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": "!!garbage!!", "token": activationToken})
			djWant(t, status, h, got, 400, `{"uid":["Invalid user id or user doesn't exist."]}`)
		})
		row(30, "400_activation_fields_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/activation/", map[string]any{})
			djWant(t, status, h, got, 400, `{"uid":["This field is required."],"token":["This field is required."]}`)
		})
		row(31, "204_activated", func(t *testing.T) {
			if uid != djUID(id) {
				t.Errorf("uid in the link %q, want %q", uid, djUID(id))
			}
			status, h, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": uid, "token": activationToken})
			djWant(t, status, h, got, 204, "")
		})
		row(32, "403_already_active", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": uid, "token": activationToken})
			djWant(t, status, h, got, 403, `{"detail":"Stale token for given user."}`)
		})
		row(33, "400_resend_for_active_user", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/resend_activation/", map[string]any{"email": email})
			djWant(t, status, h, got, 400, "")
		})
		row(34, "204_resend_for_inactive_user", func(t *testing.T) {
			before := e.mailCount("form@example.com")
			status, h, got := e.dj("POST", "/api/users/resend_activation/", map[string]any{"email": "form@example.com"})
			djWant(t, status, h, got, 204, "")
			if e.mailCount("form@example.com") != before+1 {
				t.Fatal("no new activation email")
			}
			link, u, tok := e.djLink("form@example.com")
			if want := "http://localhost:3000/activate/" + djUID(formID) + "/" + tok; link != want || u != djUID(formID) {
				t.Errorf("link %q, want %q", link, want)
			}
			if tok == formActivationTok {
				t.Error("the resent link carries the old token")
			}
		})
	})
}

// TestDjoserLogin: rows 18 to 26 and 35 to 37, logging in (POST /api/jwt/create/) before
// and after activation, and rows 51 to 61, the JWT endpoints (refresh, verify) and the
// routing answers around them.
func TestDjoserLogin(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		const email, password = djEmail, djPassword
		id := e.djRegister(djRegistration("ehsan", email, password))
		me := djMe(id)
		var access, refresh string
		row := e.djRows(t)

		row(18, "401_inactive_with_right_password", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": email, "password": password})
			djWant(t, status, h, got, 401, djNoAccount)
		})
		row(19, "401_wrong_password", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": email, "password": "wrong-password-1"})
			djWant(t, status, h, got, 401, djNoAccount)
		})
		row(20, "401_unknown_email", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": "nobody@example.com", "password": password})
			djWant(t, status, h, got, 401, djNoAccount)
		})
		row(21, "400_login_fields_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{})
			djWant(t, status, h, got, 400, `{"email":["This field is required."],"password":["This field is required."]}`)
		})
		row(22, "400_username_instead_of_email", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"username": "ehsan", "password": password})
			djWant(t, status, h, got, 400, `{"email":["This field is required."]}`)
		})
		row(23, "400_login_malformed_json", func(t *testing.T) {
			status, h, got := e.djSend("POST", "/api/jwt/create/", "application/json", `{"email":}`)
			djWant(t, status, h, got, 400, `{"detail":"JSON parse error - Expecting value: line 1 column 10 (char 9)"}`)
		})
		row(24, "400_empty_json_body", func(t *testing.T) {
			status, h, got := e.djSend("POST", "/api/jwt/create/", "application/json", "")
			djWant(t, status, h, got, 400, `{"email":["This field is required."],"password":["This field is required."]}`)
		})
		row(25, "400_null_values", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": nil, "password": nil})
			djWant(t, status, h, got, 400, `{"email":["This field may not be null."],"password":["This field may not be null."]}`)
		})
		row(26, "400_blank_values", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": "", "password": ""})
			djWant(t, status, h, got, 400, `{"email":["This field may not be blank."],"password":["This field may not be blank."]}`)
		})

		e.djActivate(email) // rows 27 to 31, TestDjoserActivation

		row(35, "401_wrong_password_active_user", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": email, "password": "wrong-password-1"})
			djWant(t, status, h, got, 401, djNoAccount)
		})
		row(36, "200_email_in_other_case", func(t *testing.T) {
			// djoser compares emails exactly (401); accountd's are case-insensitive.
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": "EHSAN18T@GMAIL.COM", "password": password})
			djWant(t, status, h, got, 200, `{"refresh":"<any>","access":"<any>"}`)
		})
		row(37, "200_logged_in", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": email, "password": password})
			djWant(t, status, h, got, 200, `{"refresh":"<any>","access":"<any>"}`)
			v := djDecode(t, got)
			access, refresh = v["access"].(string), v["refresh"].(string)
		})

		row(51, "200_refreshed_without_rotation", func(t *testing.T) {
			for range 2 { // the same refresh token works again: no rotation
				status, h, got := e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": refresh})
				djWant(t, status, h, got, 200, `{"access":"<any>"}`)
				fresh := djDecode(t, got)["access"].(string)
				status, h, got = e.dj("GET", "/api/users/me/", nil, djBearer(fresh)...)
				djWant(t, status, h, got, 200, me("Ehsan", email))
			}
		})
		row(52, "401_refresh_with_access_token", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": access})
			djWant(t, status, h, got, 401, `{"detail":"Token has wrong type","code":"token_not_valid"}`)
		})
		row(53, "401_refresh_garbage", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": "garbage"})
			djWant(t, status, h, got, 401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`)
		})
		row(54, "400_refresh_field_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/refresh/", map[string]any{})
			djWant(t, status, h, got, 400, `{"refresh":["This field is required."]}`)
		})
		row(55, "200_verify_access", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/verify/", map[string]any{"token": access})
			djWant(t, status, h, got, 200, `{}`)
		})
		row(56, "200_verify_refresh", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/verify/", map[string]any{"token": refresh})
			djWant(t, status, h, got, 200, `{}`)
		})
		row(57, "401_verify_tampered", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/verify/", map[string]any{"token": access[:len(access)-4] + "AAAA"})
			djWant(t, status, h, got, 401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`)
		})
		row(58, "400_verify_field_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/verify/", map[string]any{})
			djWant(t, status, h, got, 400, `{"token":["This field is required."]}`)
		})
		row(59, "405_get_on_post_only", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/jwt/create/", nil)
			djWant(t, status, h, got, 405, `{"detail":"Method \"GET\" not allowed."}`)
			if allow := h.Get("Allow"); allow != "POST" {
				t.Errorf("Allow %q", allow)
			}
		})
		row(60, "200_login_without_trailing_slash", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create", map[string]any{"email": email, "password": password})
			djWant(t, status, h, got, 200, `{"refresh":"<any>","access":"<any>"}`)
		})
		row(61, "404_unknown_route", func(t *testing.T) {
			// Django answers with an HTML page; accountd with its usual 404.
			if status, _, got := e.dj("GET", "/api/nothing/", nil); status != 404 {
				t.Fatalf("status %d: %s", status, got)
			}
		})
	})
}

// TestDjoserMe: rows 38 to 47, GET, PATCH and PUT /api/users/me/, and each way an
// Authorization header can be wrong.
func TestDjoserMe(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		const email = djEmail
		me := djMe(e.djActiveUser())
		access, refresh := e.djLogin(email, djPassword)
		badHeader := `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`
		row := e.djRows(t)

		row(38, "401_me_anonymous", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil)
			djWant(t, status, h, got, 401, djNotProvided)
		})
		row(39, "200_me_bearer", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, djBearer(access)...)
			djWant(t, status, h, got, 200, me("Ehsan", email))
		})
		row(40, "200_me_jwt_scheme", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, "Authorization", "JWT "+access)
			djWant(t, status, h, got, 200, me("Ehsan", email))
		})
		row(41, "401_me_other_scheme", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, "Authorization", "Token "+access)
			djWant(t, status, h, got, 401, djNotProvided)
		})
		row(42, "401_bearer_without_token", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, "Authorization", "Bearer")
			djWant(t, status, h, got, 401, badHeader)
		})
		row(43, "401_bearer_two_values", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, "Authorization", "Bearer a b")
			djWant(t, status, h, got, 401, badHeader)
		})
		row(44, "401_garbage_token", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, djBearer("garbage.token.here")...)
			djWant(t, status, h, got, 401, djTokenInvalid)
		})
		row(45, "401_refresh_token_as_access", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, djBearer(refresh)...)
			djWant(t, status, h, got, 401, strings.Replace(djTokenInvalid, "Token is invalid or expired", "Token has wrong type", 1))
		})
		row(46, "200_patch_me_email_read_only", func(t *testing.T) {
			status, h, got := e.dj("PATCH", "/api/users/me/", map[string]any{"first_name": "Ehsan2", "email": "hijack@example.com"}, djBearer(access)...)
			djWant(t, status, h, got, 200, me("Ehsan2", email))
		})
		row(47, "400_put_me_fields_required", func(t *testing.T) {
			status, h, got := e.dj("PUT", "/api/users/me/", map[string]any{"first_name": "Ehsan2"}, djBearer(access)...)
			djWant(t, status, h, got, 400, `{"last_name":["This field is required."],"username":["This field is required."]}`)
		})
	})
}

// TestDjoserUsers: rows 17 and 48 to 50, the user list and a user by id: a user sees
// only itself.
func TestDjoserUsers(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		const email = djEmail
		id := e.djActiveUser()
		formID := e.djRegister(djFormUser())
		me := djMe(id)
		access, _ := e.djLogin(email, djPassword)
		row := e.djRows(t)

		row(17, "401_list_users_anonymous", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/", nil)
			djWant(t, status, h, got, 401, `{"detail":"Authentication credentials were not provided."}`)
		})
		row(48, "200_list_users_self_only", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/", nil, djBearer(access)...)
			djWant(t, status, h, got, 200, "["+me("Ehsan", email)+"]")
		})
		row(49, "200_own_user", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/"+strconv.FormatInt(id, 10)+"/", nil, djBearer(access)...)
			djWant(t, status, h, got, 200, me("Ehsan", email))
		})
		row(50, "404_other_user", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/"+strconv.FormatInt(formID, 10)+"/", nil, djBearer(access)...)
			djWant(t, status, h, got, 404, `{"detail":"Not found."}`)
		})
	})
}

// TestDjoserPassword: rows 62 to 77, resetting a forgotten password from the emailed
// link (which ends every session), and rows 78 to 82, setting a new one with the current
// one (which keeps the caller's).
func TestDjoserPassword(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		const email, password, newPass = djEmail, djPassword, djNewPass
		id := e.djActiveUser()
		formID := e.djRegister(djFormUser())
		me := djMe(id)
		access1, refresh1 := e.djLogin(email, password)
		var access2, refresh2 string
		row := e.djRows(t)

		row(62, "204_reset_unknown_email_no_mail", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password/", map[string]any{"email": "nobody@example.com"})
			djWant(t, status, h, got, 204, "")
			if n := e.mailCount("nobody@example.com"); n != 0 {
				t.Errorf("%d emails to an unknown address", n)
			}
		})
		row(63, "400_reset_invalid_email", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password/", map[string]any{"email": "not-an-email"})
			djWant(t, status, h, got, 400, `{"email":["Enter a valid email address."]}`)
		})
		row(64, "400_reset_email_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password/", map[string]any{})
			djWant(t, status, h, got, 400, `{"email":["This field is required."]}`)
		})
		row(65, "204_reset_inactive_user_no_mail", func(t *testing.T) {
			before := e.mailCount("form@example.com")
			status, h, got := e.dj("POST", "/api/users/reset_password/", map[string]any{"email": "form@example.com"})
			djWant(t, status, h, got, 204, "")
			if e.mailCount("form@example.com") != before {
				t.Error("a reset link went to an inactive account")
			}
		})
		var resetUID, resetToken string
		row(66, "204_reset_link_sent", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password/", map[string]any{"email": email})
			djWant(t, status, h, got, 204, "")
			var link string
			link, resetUID, resetToken = e.djLink(email)
			if want := "http://localhost:3000/password/reset/confirm/" + djUID(id) + "/" + resetToken; link != want {
				t.Errorf("link %q, want %q", link, want)
			}
		})
		confirm := func(uid, token, pw, re string) map[string]any {
			return map[string]any{"uid": uid, "token": token, "new_password": pw, "re_new_password": re}
		}
		row(67, "400_confirm_bad_token", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password_confirm/", confirm(resetUID, "br5f9q-9e13c10052139803dd3713ca30a85c50", newPass, newPass))
			djWant(t, status, h, got, 400, `{"token":["Invalid token for given user."]}`)
		})
		row(67, "400_confirm_token_of_another_user", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password_confirm/", confirm(djUID(formID), resetToken, newPass, newPass))
			djWant(t, status, h, got, 400, `{"token":["Invalid token for given user."]}`)
		})
		row(68, "400_confirm_bad_uid", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password_confirm/", confirm(djUID(999999), resetToken, newPass, newPass))
			djWant(t, status, h, got, 400, `{"uid":["Invalid user id or user doesn't exist."]}`)
		})
		row(69, "400_confirm_mismatch", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password_confirm/", confirm(resetUID, resetToken, newPass, newPass+"x"))
			djWant(t, status, h, got, 400, `{"non_field_errors":["The two password fields didn't match."]}`)
		})
		row(70, "400_confirm_weak_password", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password_confirm/", confirm(resetUID, resetToken, "123", "123"))
			djWant(t, status, h, got, 400, `{"new_password":["This password is too short. It must contain at least 10 characters."]}`)
		})
		row(71, "400_confirm_fields_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password_confirm/", map[string]any{})
			djWant(t, status, h, got, 400, `{"uid":["This field is required."],"token":["This field is required."],"new_password":["This field is required."],"re_new_password":["This field is required."]}`)
		})
		row(72, "204_password_reset", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password_confirm/", confirm(resetUID, resetToken, newPass, newPass))
			djWant(t, status, h, got, 204, "")
		})
		row(73, "400_confirm_token_spent", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/reset_password_confirm/", confirm(resetUID, resetToken, newPass, newPass))
			djWant(t, status, h, got, 400, `{"token":["Invalid token for given user."]}`)
		})
		row(74, "401_old_password", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": email, "password": password})
			djWant(t, status, h, got, 401, djNoAccount)
		})
		row(75, "200_new_password", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": email, "password": newPass})
			djWant(t, status, h, got, 200, `{"refresh":"<any>","access":"<any>"}`)
			v := djDecode(t, got)
			access2, refresh2 = v["access"].(string), v["refresh"].(string)
		})
		row(76, "401_access_token_from_before_reset", func(t *testing.T) {
			// Hole closed: djoser answers 200; the reset ended every session.
			status, h, got := e.dj("GET", "/api/users/me/", nil, djBearer(access1)...)
			djWant(t, status, h, got, 401, djTokenInvalid)
		})
		row(77, "401_refresh_token_from_before_reset", func(t *testing.T) {
			// Hole closed: djoser answers 200 with a new access token.
			status, h, got := e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": refresh1})
			djWant(t, status, h, got, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`)
		})
		row(78, "400_set_password_wrong_current", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/set_password/",
				map[string]any{"new_password": "anotherPass789", "re_new_password": "anotherPass789", "current_password": "wrong-password-1"}, djBearer(access2)...)
			djWant(t, status, h, got, 400, `{"current_password":["Invalid password."]}`)
		})
		row(79, "400_set_password_mismatch", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/set_password/",
				map[string]any{"new_password": "anotherPass789", "re_new_password": "anotherPass780", "current_password": newPass}, djBearer(access2)...)
			djWant(t, status, h, got, 400, `{"non_field_errors":["The two password fields didn't match."]}`)
		})
		row(80, "400_set_password_fields_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/set_password/", map[string]any{}, djBearer(access2)...)
			djWant(t, status, h, got, 400, `{"new_password":["This field is required."],"re_new_password":["This field is required."],"current_password":["This field is required."]}`)
		})
		row(81, "401_set_password_anonymous", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/set_password/", map[string]any{})
			djWant(t, status, h, got, 401, djNotProvided)
		})
		const thirdPass = "anotherPass789"
		row(82, "204_password_set", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/set_password/",
				map[string]any{"new_password": thirdPass, "re_new_password": thirdPass, "current_password": newPass}, djBearer(access2)...)
			djWant(t, status, h, got, 204, "")
			// The caller's own session stays, as in djoser.
			status, h, got = e.dj("GET", "/api/users/me/", nil, djBearer(access2)...)
			djWant(t, status, h, got, 200, me("Ehsan", email))
			status, h, got = e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": refresh2})
			djWant(t, status, h, got, 200, `{"access":"<any>"}`)
		})
	})
}

// TestDjoserEmail: rows 83 to 87, changing the email with the current password.
func TestDjoserEmail(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		const email, password, newEmail = djEmail, djPassword, djNewEmail
		me := djMe(e.djActiveUser())
		e.djRegister(djFormUser())
		access, _ := e.djLogin(email, password)
		row := e.djRows(t)

		row(83, "400_set_email_taken", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/set_email/", map[string]any{"new_email": "form@example.com", "current_password": password}, djBearer(access)...)
			djWant(t, status, h, got, 400, `{"new_email":["user with this email address already exists."]}`)
		})
		row(84, "400_set_email_wrong_password_and_invalid_email", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/users/set_email/", map[string]any{"new_email": "not-an-email", "current_password": "wrong-password-1"}, djBearer(access)...)
			djWant(t, status, h, got, 400, `{"current_password":["Invalid password."],"new_email":["Enter a valid email address."]}`)
		})
		row(85, "204_email_set", func(t *testing.T) {
			before := e.mailCount(email)
			status, h, got := e.dj("POST", "/api/users/set_email/", map[string]any{"new_email": newEmail, "current_password": password}, djBearer(access)...)
			djWant(t, status, h, got, 204, "")
			if e.mailCount(email) != before+1 {
				t.Error("the old address was not told of the change")
			}
		})
		row(86, "200_me_after_set_email", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, djBearer(access)...)
			djWant(t, status, h, got, 200, me("Ehsan", newEmail))
		})
		row(87, "200_login_new_email_and_password", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": newEmail, "password": password})
			djWant(t, status, h, got, 200, `{"refresh":"<any>","access":"<any>"}`)
		})
	})
}

// TestDjoserLogout: rows 88 to 94, POST /api/logout/ with the refresh token, and what
// the session's tokens get afterwards.
func TestDjoserLogout(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		e.djActiveUser()
		access, refresh := e.djLogin(djEmail, djPassword)
		row := e.djRows(t)

		row(88, "400_logout_field_required", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/logout/", map[string]any{})
			djWant(t, status, h, got, 400, `{"refresh":["This field is required."]}`)
		})
		row(89, "401_logout_with_access_token", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/logout/", map[string]any{"refresh": access})
			djWant(t, status, h, got, 401, `{"detail":"Token has wrong type","code":"token_not_valid"}`)
		})
		row(90, "200_logged_out", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/logout/", map[string]any{"refresh": refresh})
			djWant(t, status, h, got, 200, `{}`)
		})
		blacklisted := `{"detail":"Token is blacklisted","code":"token_not_valid"}`
		row(91, "401_logout_twice", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/logout/", map[string]any{"refresh": refresh})
			djWant(t, status, h, got, 401, blacklisted)
		})
		row(92, "401_refresh_after_logout", func(t *testing.T) {
			status, h, got := e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": refresh})
			djWant(t, status, h, got, 401, blacklisted)
		})
		row(93, "401_verify_after_logout", func(t *testing.T) {
			// djoser says 200 (it checks only the signature); accountd answers for the
			// session, which has ended.
			status, h, got := e.dj("POST", "/api/jwt/verify/", map[string]any{"token": refresh})
			djWant(t, status, h, got, 401, blacklisted)
			status, h, got = e.dj("POST", "/api/jwt/verify/", map[string]any{"token": access})
			djWant(t, status, h, got, 401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`)
		})
		row(94, "401_access_token_after_logout", func(t *testing.T) {
			// Hole closed: djoser answers 200 until the access token expires.
			status, h, got := e.dj("GET", "/api/users/me/", nil, djBearer(access)...)
			djWant(t, status, h, got, 401, djTokenInvalid)
		})
	})
}

// TestDjoserDelete: rows 95 to 98, DELETE /api/users/me/ with the current password, and
// what the user's tokens get afterwards.
func TestDjoserDelete(t *testing.T) {
	t.Parallel()
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		e.djActiveUser()
		var access, refresh string
		row := e.djRows(t)

		row(95, "400_delete_wrong_password", func(t *testing.T) {
			access, refresh = e.djLogin(djEmail, djPassword)
			status, h, got := e.dj("DELETE", "/api/users/me/", map[string]any{"current_password": "wrong-password-1"}, djBearer(access)...)
			djWant(t, status, h, got, 400, `{"current_password":["Invalid password."]}`)
		})
		row(96, "204_deleted", func(t *testing.T) {
			status, h, got := e.dj("DELETE", "/api/users/me/", map[string]any{"current_password": djPassword}, djBearer(access)...)
			djWant(t, status, h, got, 204, "")
		})
		row(97, "401_token_of_deleted_user", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me/", nil, djBearer(access)...)
			djWant(t, status, h, got, 401, `{"detail":"User not found","code":"user_not_found"}`)
		})
		row(98, "401_refresh_of_deleted_user", func(t *testing.T) {
			// Hole closed: djoser hands out a new access token.
			status, h, got := e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": refresh})
			djWant(t, status, h, got, 401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`)
		})
	})
}

// TestDjoserHiddenEmails: with ACCOUNTD_HIDE_EXISTING_EMAILS on (the default), no answer
// of the profile tells whether an email has an account, and a taken email's answers look
// like successes.
func TestDjoserHiddenEmails(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		const pw = "myTestPass123."
		owner := e.seedUser("djhide")

		t.Run("201_taken_email_looks_like_success", func(t *testing.T) {
			status, h, fresh := e.dj("POST", "/api/users/", djRegistration("hidden_new", "hidden-new@example.com", pw))
			djWant(t, status, h, fresh, 201, `{"first_name":"Ehsan","last_name":"Khan","username":"hidden_new","email":"hidden-new@example.com"}`)
			status, h, taken := e.dj("POST", "/api/users/", djRegistration("hidden_taken", owner.email, pw))
			djWant(t, status, h, taken, 201, `{"first_name":"Ehsan","last_name":"Khan","username":"hidden_taken","email":"`+owner.email+`"}`)
			if n := e.mailCount(owner.email); n != 1 {
				t.Errorf("the owner got %d emails, want 1 telling of the attempt", n)
			}
		})
		t.Run("400_taken_username_still_reported", func(t *testing.T) {
			// Whether the email is taken or not, the answer is the same.
			for _, addr := range []string{owner.email, "fresh-addr@example.com"} {
				status, h, got := e.dj("POST", "/api/users/", djRegistration(owner.username, addr, pw))
				djWant(t, status, h, got, 400, `{"username":["A user with that username already exists."]}`)
			}
		})
		t.Run("204_resend_whatever_the_address", func(t *testing.T) {
			for _, addr := range []string{owner.email, "nobody@example.com", "hidden-new@example.com"} {
				status, h, got := e.dj("POST", "/api/users/resend_activation/", map[string]any{"email": addr})
				djWant(t, status, h, got, 204, "")
			}
		})
		t.Run("204_set_email_to_taken_address_changes_nothing", func(t *testing.T) {
			other := e.seedUser("djhide_other")
			access, _ := e.djLogin(other.email, other.password)
			status, h, got := e.dj("POST", "/api/users/set_email/", map[string]any{"new_email": owner.email, "current_password": other.password}, djBearer(access)...)
			djWant(t, status, h, got, 204, "")
			status, _, got = e.dj("GET", "/api/users/me/", nil, djBearer(access)...)
			if status != 200 || djDecode(t, got)["email"] != other.email {
				t.Errorf("email changed to a taken address: %d %s", status, got)
			}
		})
	})
}

// TestDjoserSharesAccounts: the profile and the canonical API are one service: the same
// accounts, passwords and sessions.
func TestDjoserSharesAccounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		t.Run("200_registered_here_logs_in_at_v1", func(t *testing.T) {
			const pw = "sharedPass123!"
			status, _, got := e.dj("POST", "/api/users/", djRegistration("shared_dj", "shared-dj@example.com", pw))
			if status != 201 {
				t.Fatalf("register: %d %s", status, got)
			}
			_, uid, token := e.djLink("shared-dj@example.com")
			if status, _, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": uid, "token": token}); status != 204 {
				t.Fatalf("activate: %d %s", status, got)
			}
			res, err := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: "shared_dj", Password: pw})
			if err != nil || res.JSON200 == nil {
				t.Fatalf("canonical login: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			me, err := e.client.GetMeWithResponse(ctx, bearer(res.JSON200.AccessToken))
			if err != nil || me.JSON200 == nil || string(me.JSON200.FirstName) != "Ehsan" {
				t.Fatalf("canonical me: %v %d %s", err, statusOf(me), bodyOf(me))
			}
		})
		t.Run("401_logout_at_v1_ends_the_djoser_session", func(t *testing.T) {
			u := e.activeUser("shared_v1")
			access, refresh := e.djLogin(u.email, u.password)
			if res, err := e.client.LogoutWithResponse(ctx, client.LogoutJSONRequestBody{}, bearer(access)); err != nil || res.StatusCode() != 204 {
				t.Fatalf("canonical logout: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			status, h, got := e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": refresh})
			djWant(t, status, h, got, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`)
		})
		t.Run("200_djoser_access_token_works_at_v1", func(t *testing.T) {
			u := e.activeUser("shared_tok")
			access, _ := e.djLogin(u.email, u.password)
			if me, err := e.client.GetMeWithResponse(ctx, bearer(access)); err != nil || me.JSON200 == nil {
				t.Fatalf("canonical me with a djoser token: %v %d %s", err, statusOf(me), bodyOf(me))
			}
		})
	})
}

// TestDjoserEdges covers what the reference does not show: configured links, staff,
// rate limits, large bodies, tokens bound to their uid, and switching the profile off.
func TestDjoserEdges(t *testing.T) {
	t.Run("configured_links", func(t *testing.T) {
		forEachStoreWith(t, func(c *config.Config) {
			s := djoser.SettingsOf(c)
			s.FrontendURL = "https://app.example.com/portal/"
			s.ActivationPath = "/#/activate/{uid}/{token}"
			s.ResetPath = "reset/{uid}/{token}"
		}, func(t *testing.T, e *env) {
			status, _, got := e.dj("POST", "/api/users/", djRegistration("linked", "linked@example.com", "linkedPass123"))
			if status != 201 {
				t.Fatalf("%d %s", status, got)
			}
			m, _ := e.lastMail("linked@example.com")
			if !strings.Contains(m.Text, "https://app.example.com/portal/#/activate/") {
				t.Errorf("activation link not from the configured template:\n%s", m.Text)
			}
			// Canonical registrations keep the canonical link.
			e.register(newUser("linked_v1"))
		})
	})
	t.Run("429_rate_limited", func(t *testing.T) {
		forEachStoreWith(t, func(c *config.Config) {
			c.Limits.LoginIP = account.Rule{Limit: 1, Window: time.Minute}
		}, func(t *testing.T, e *env) {
			body := map[string]any{"email": "nobody@example.com", "password": "whatever-123"}
			e.dj("POST", "/api/jwt/create/", body)
			status, h, got := e.dj("POST", "/api/jwt/create/", body)
			wait := h.Get("Retry-After")
			if n, err := strconv.Atoi(wait); err != nil || n <= 0 {
				t.Fatalf("Retry-After %q", wait)
			}
			djWant(t, status, h, got, 429, `{"detail":"Request was throttled. Expected available in `+wait+` seconds."}`)
		})
	})
	forEachStore(t, func(t *testing.T, e *env) {
		t.Run("413_body_too_large", func(t *testing.T) {
			big := `{"email":"` + strings.Repeat("a", 70<<10) + `"}`
			status, h, got := e.djSend("POST", "/api/jwt/create/", "application/json", big)
			djWant(t, status, h, got, 413, `{"detail":"Request body exceeded 65536 bytes."}`)
		})
		t.Run("400_university_unknown", func(t *testing.T) {
			b := djRegistration("uni", "uni@example.com", "uniPass12345")
			b["university"] = "999"
			status, h, got := e.dj("POST", "/api/users/", b)
			djWant(t, status, h, got, 400, `{"university":["Invalid pk \"999\" - object does not exist."]}`)
			b["university"] = "abc"
			status, h, got = e.dj("POST", "/api/users/", b)
			djWant(t, status, h, got, 400, `{"university":["Incorrect type. Expected pk value, received str."]}`)
		})
		t.Run("201_university_as_string_or_number", func(t *testing.T) {
			org, err := e.app.Store.CreateOrganization(context.Background(), account.Organization{Name: "BUET", Slug: "buet", CreatedAt: e.clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			for i, uni := range []any{strconv.FormatInt(org.ID, 10), org.ID} {
				name := "uni_member" + strconv.Itoa(i)
				b := djRegistration(name, name+"@example.com", "uniPass12345")
				b["university"] = uni
				if status, _, got := e.dj("POST", "/api/users/", b); status != 201 {
					t.Fatalf("university %v: %d %s", uni, status, got)
				}
				_, uid, token := e.djLink(name + "@example.com")
				if status, _, got := e.dj("POST", "/api/users/activation/", map[string]any{"uid": uid, "token": token}); status != 204 {
					t.Fatalf("activate: %d %s", status, got)
				}
				res, err := e.client.LoginWithResponse(context.Background(), client.LoginJSONRequestBody{Login: name, Password: "uniPass12345"})
				if err != nil || res.JSON200 == nil {
					t.Fatalf("login: %v %d %s", err, statusOf(res), bodyOf(res))
				}
				me, err := e.client.GetMeWithResponse(context.Background(), bearer(res.JSON200.AccessToken))
				if err != nil || me.JSON200 == nil || me.JSON200.Organization == nil || me.JSON200.Organization.Id != org.ID {
					t.Fatalf("the account did not join the organization: %v %s", err, bodyOf(me))
				}
			}
		})
		t.Run("404_staff_only_other_users", func(t *testing.T) {
			u := e.seedUser("djstaff")
			access, _ := e.djLogin(u.email, u.password)
			status, h, got := e.dj("GET", "/api/users/abc/", nil, djBearer(access)...)
			djWant(t, status, h, got, 404, `{"detail":"Not found."}`)
		})
		t.Run("401_no_slash_paths_authenticate_too", func(t *testing.T) {
			status, h, got := e.dj("GET", "/api/users/me", nil)
			djWant(t, status, h, got, 401, `{"detail":"Authentication credentials were not provided."}`)
		})
	})
	t.Run("404_profile_switched_off", func(t *testing.T) {
		forEachStoreWith(t, func(c *config.Config) { c.Compat = nil }, func(t *testing.T, e *env) {
			// Not through e.http: the canonical 404 is not among the profile's answers.
			res, err := http.Post(e.url+"/api/jwt/create/", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 404 {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
	})
}

// TestDjoserSpecIsValid checks the profile's part of openapi.yaml as OpenAPI 3.0,
// examples included.
func TestDjoserSpecIsValid(t *testing.T) {
	doc, err := djosergen.GetSwagger()
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range doc.Paths.Map() {
		if len(item.Operations()) > 0 {
			n++
		}
	}
	if n != 26 {
		t.Errorf("%d paths with operations, want 26: 13, each with and without its trailing slash", n)
	}
}
