package contracttests

// Attacks on who an account is: its login names, its email, the text it holds. Each
// test goes through every API that could break its rule (canonical, djoser,
// rest-registration, admin), over plain HTTP as their clients would.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/httpapi"
)

// sendJSON sends body as JSON (nil for none) and returns status and body.
func (e *env) sendJSON(method, path string, body any, header ...string) (int, []byte) {
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
	status, _, out := e.do(method, path, contentType, raw, header...)
	return status, out
}

// authHeader is the Authorization header of a fresh session of u: every API takes the
// canonical API's access tokens.
func (e *env) authHeader(u user) []string {
	e.t.Helper()
	return []string{"Authorization", "Bearer " + e.login(u).AccessToken}
}

// refused fails unless status is 400 or 409: the attack was turned down, with a field
// error or as a conflict, and not with an error of the server's.
func refused(t *testing.T, what string, status int, body []byte) {
	t.Helper()
	if status != http.StatusBadRequest && status != http.StatusConflict {
		t.Errorf("%s: status %d, want 400 or 409; body %s", what, status, body)
	}
}

// me returns the username and email of the account a canonical access token is for,
// after logging in with login and password through the given API.
func (e *env) loginThrough(api, login, password string) (username, email string) {
	e.t.Helper()
	var status int
	var out []byte
	var token string
	switch api {
	case "canonical":
		status, out = e.sendJSON("POST", "/v1/auth/login", map[string]any{"login": login, "password": password})
		var v struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal(out, &v)
		token = v.AccessToken
	case "djoser":
		status, out = e.sendJSON("POST", "/api/jwt/create/", map[string]any{"email": login, "password": password})
		var v struct{ Access string }
		_ = json.Unmarshal(out, &v)
		token = v.Access
	case "rest-registration":
		status, out = e.sendJSON("POST", "/api/accounts/login/", map[string]any{"login": login, "password": password})
		var v struct{ Token string }
		_ = json.Unmarshal(out, &v)
		token = v.Token
	}
	if status != http.StatusOK || token == "" {
		e.t.Errorf("login %s through %s: %d %s", login, api, status, out)
		return "", ""
	}
	status, out = e.sendJSON("GET", "/v1/me", nil, "Authorization", "Bearer "+token)
	var me struct{ Username, Email string }
	if err := json.Unmarshal(out, &me); status != http.StatusOK || err != nil {
		e.t.Fatalf("GET /v1/me: %d %s", status, out)
	}
	return me.Username, me.Email
}

// historyOf returns the types of u's history, newest first (after a login of its own).
func (e *env) historyOf(u user) []string {
	e.t.Helper()
	return e.eventTypes(e.login(u).AccessToken)
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// TestSecurityUsernameCannotShadowEmail: usernames and emails are one namespace of login
// names. No account can take another's email as its username (which made the victim's
// login by email find the squatter, and locked djoser's email-only clients out), nor
// another's username as its email, through registration, profile edits or the admin
// API of any API; the victim still logs in by email everywhere, and its failed logins
// land in its own history.
func TestSecurityUsernameCannotShadowEmail(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		carol := e.seedUser("carol")
		mallory := e.activeUser("mallory")
		malloryAuth := e.authHeader(mallory)
		_, staff := e.staffUser("admin", true)
		staffAuth := staffAuthHeader(t, e, staff)
		malloryID := strconv.FormatInt(e.userID(staff, mallory.username), 10)
		shadow := strings.ToUpper(carol.email)
		fresh := func(n string) string { return "fresh-" + n + "-" + mallory.email }
		for _, a := range []struct {
			name, method, path string
			body               any
			header             []string
		}{
			{"canonical_register", "POST", "/v1/auth/register", map[string]any{"username": shadow, "email": fresh("1"), "password": mallory.password}, nil},
			{"canonical_update_profile", "PATCH", "/v1/me", map[string]any{"username": shadow}, malloryAuth},
			{"djoser_register", "POST", "/api/users/", djRegistration(shadow, fresh("2"), mallory.password), nil},
			{"djoser_patch_me", "PATCH", "/api/users/me/", map[string]any{"username": shadow}, malloryAuth},
			{"djoser_put_me", "PUT", "/api/users/me/", map[string]any{"username": shadow, "first_name": "M", "last_name": "M"}, malloryAuth},
			{"rest_registration_register", "POST", "/api/accounts/register/", map[string]any{"username": shadow, "email": fresh("3"), "password": mallory.password, "password_confirm": mallory.password}, nil},
			{"rest_registration_profile", "PATCH", "/api/accounts/profile/", map[string]any{"username": shadow}, malloryAuth},
			{"admin_create", "POST", "/v1/admin/users", map[string]any{"username": shadow, "email": fresh("4")}, staffAuth},
			{"admin_update", "PATCH", "/v1/admin/users/" + malloryID, map[string]any{"username": shadow}, staffAuth},
			{"admin_replace", "PUT", "/v1/admin/users/" + malloryID, map[string]any{"username": shadow, "email": mallory.email, "role": "user", "active": true}, staffAuth},
		} {
			status, out := e.sendJSON(a.method, a.path, a.body, a.header...)
			refused(t, a.name, status, out)
		}
		// Registering carol's email as both username and email only finds it taken:
		// hidden, it looks like a success and creates nothing.
		if status, out := e.sendJSON("POST", "/v1/auth/register", map[string]any{"username": shadow, "email": shadow, "password": mallory.password}); status != http.StatusCreated {
			t.Errorf("register with carol's email as username and email: %d %s, want the hidden 201", status, out)
		}

		for _, api := range []string{"canonical", "djoser", "rest-registration"} {
			if name, _ := e.loginThrough(api, carol.email, carol.password); name != carol.username {
				t.Errorf("carol's login by email through %s found %q", api, name)
			}
		}
		if status, out := e.sendJSON("POST", "/v1/auth/login", map[string]any{"login": shadow, "password": "wrong-password"}); status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d %s", status, out)
		}
		if n := count(e.historyOf(carol), "login_failed"); n != 1 {
			t.Errorf("carol's history has %d failed logins, want 1", n)
		}
		if n := count(e.historyOf(mallory), "login_failed"); n != 0 {
			t.Errorf("mallory's history has %d failed logins of carol's", n)
		}

		// The other way: an address that is an account's username is no one else's
		// email. dave's username is his old address, kept when he moved.
		dave := newUser("dave")
		dave.username = dave.email
		e.register(dave)
		if _, err := e.client.ActivateWithResponse(context.Background(), client.ActivateJSONRequestBody{Token: e.emailedToken(dave.email)}); err != nil {
			t.Fatal(err)
		}
		daveID := strconv.FormatInt(e.userID(staff, dave.username), 10)
		if status, out := e.sendJSON("PATCH", "/v1/admin/users/"+daveID, map[string]any{"email": "moved-" + dave.email}, staffAuth...); status != http.StatusOK {
			t.Fatalf("moving dave's email: %d %s", status, out)
		}
		old := strings.ToUpper(dave.email)
		status, out := e.sendJSON("PATCH", "/v1/admin/users/"+malloryID, map[string]any{"email": old}, staffAuth...)
		refused(t, "admin_update_email", status, out)
		if status, out := e.sendJSON("POST", "/api/users/set_email/", map[string]any{"new_email": old, "current_password": mallory.password}, malloryAuth...); status >= 300 && status != http.StatusBadRequest {
			t.Errorf("djoser set_email: %d %s", status, out)
		}
		if _, email := e.loginThrough("canonical", mallory.username, mallory.password); !strings.EqualFold(email, mallory.email) {
			t.Errorf("mallory's email became %q, dave's username", email)
		}
		for _, api := range []string{"canonical", "rest-registration"} {
			if name, _ := e.loginThrough(api, dave.username, dave.password); name != dave.username {
				t.Errorf("dave's login by username through %s found %q", api, name)
			}
		}
	})
}

// registrationAPIs register through each API that registers, and name the answer that
// says a username is taken.
var registrationAPIs = []struct {
	name     string
	register func(e *env, username, email, password string) (int, []byte)
	// taken reports whether an answer says that the username is taken.
	taken func(status int, body []byte) bool
}{
	{"canonical",
		func(e *env, username, email, password string) (int, []byte) {
			return e.sendJSON("POST", "/v1/auth/register", map[string]any{"username": username, "email": email, "password": password})
		},
		func(status int, body []byte) bool {
			return status == http.StatusConflict && strings.Contains(string(body), `"code":"username_taken"`)
		}},
	{"djoser",
		func(e *env, username, email, password string) (int, []byte) {
			return e.sendJSON("POST", "/api/users/", djRegistration(username, email, password))
		},
		func(status int, body []byte) bool {
			return status == http.StatusBadRequest && string(body) == `{"username":["A user with that username already exists."]}`
		}},
	{"rest-registration",
		func(e *env, username, email, password string) (int, []byte) {
			return e.sendJSON("POST", "/api/accounts/register/", map[string]any{"username": username, "email": email, "password": password, "password_confirm": password})
		},
		func(status int, body []byte) bool {
			return status == http.StatusBadRequest && string(body) == `{"username":["A user with that username already exists."]}`+"\n"
		}},
}

// TestSecurityHiddenRegistrationHoldsUsername: a registration with a taken email (hidden,
// the default) holds its username as a real registration does, so that registering that
// username again is refused exactly as after a real one, through every API, until the
// activation window ends. A taken username is reported first on every database, even
// with the email taken too.
func TestSecurityHiddenRegistrationHoldsUsername(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		owner := e.seedUser("owner")
		var held []string
		for _, api := range registrationAPIs {
			t.Run(api.name, func(t *testing.T) {
				real, hidden := newUser("real"), newUser("hidden")
				if status, out := api.register(e, real.username, real.email, real.password); status != http.StatusCreated {
					t.Fatalf("real registration: %d %s", status, out)
				}
				if status, out := api.register(e, hidden.username, strings.ToUpper(owner.email), hidden.password); status != http.StatusCreated {
					t.Fatalf("registration with a taken email: %d %s, want the hidden 201", status, out)
				}
				for _, u := range []user{real, hidden} {
					status, out := api.register(e, strings.ToUpper(u.username), "again-"+u.email, u.password)
					if !api.taken(status, out) {
						t.Errorf("%s again with a fresh email: %d %s, want the username taken", u.username, status, out)
					}
				}
				// Same username and the same taken email: a taken username, on every
				// database, whichever unique index the database would check first.
				if status, out := api.register(e, owner.username, owner.email, owner.password); !api.taken(status, out) {
					t.Errorf("owner's username and email: %d %s, want the username taken", status, out)
				}
				held = append(held, hidden.username)
			})
		}
		// Held for every door, not only registration.
		mallory := e.activeUser("mallory")
		_, staff := e.staffUser("admin", true)
		for _, name := range held {
			status, out := e.sendJSON("PATCH", "/v1/me", map[string]any{"username": name}, e.authHeader(mallory)...)
			if status != http.StatusConflict {
				t.Errorf("PATCH /v1/me to the held %s: %d %s", name, status, out)
			}
			status, out = e.sendJSON("POST", "/v1/admin/users", map[string]any{"username": name, "email": "admin-" + name + "@example.com"}, staffAuthHeader(t, e, staff)...)
			if status != http.StatusConflict {
				t.Errorf("admin create of the held %s: %d %s", name, status, out)
			}
		}
		// Until the activation window ends (48h): then the name is free again.
		inProcessOnly(t, "moves the clock past the 48-hour activation window")
		e.clock.Advance(49 * time.Hour)
		for _, name := range held {
			if status, out := registrationAPIs[0].register(e, name, "late-"+name+"@example.com", "correct-horse-battery"); status != http.StatusCreated {
				t.Errorf("%s after the activation window: %d %s", name, status, out)
			}
		}
	})
}

// TestSecurityHiddenRegistrationRetriedAsReal: the canonical API answers a registration
// sent again (the same username, email and password as an account awaiting activation)
// with 201, as its first attempt, so that a client retrying after a lost answer gets its
// account. A registration with a taken email (hidden, the default) sent again must get
// the answers a real one gets, or retrying would tell that the address has an account:
// byte for byte but for the names, for the same registration, another password and
// another email, and no second email either way. And a registration whose username is
// its own email, when an account holds that name, is hidden through every API, never
// "username taken", which would say the same.
func TestSecurityHiddenRegistrationRetriedAsReal(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		owner := e.seedUser("owner")
		real, hidden := newUser("retryreal"), newUser("retryhidden")
		hidden.email = owner.email
		send := func(u user, email, password string) (int, string) {
			status, out := e.sendJSON("POST", "/v1/auth/register", map[string]any{"username": u.username, "email": email, "password": password})
			out = requestIDField.ReplaceAll(out, nil) // each answer's own
			return status, strings.NewReplacer(email, "EMAIL", u.username, "USERNAME").Replace(string(out))
		}
		mails := e.mailCount(real.email) + e.mailCount(owner.email)
		for _, tc := range []struct {
			what            string
			email, password func(u user) string
			status          int
		}{
			{"first attempt", func(u user) string { return u.email }, func(u user) string { return u.password }, http.StatusCreated},
			{"sent again", func(u user) string { return u.email }, func(u user) string { return u.password }, http.StatusCreated},
			{"another password", func(u user) string { return u.email }, func(user) string { return "not-the-first-passphrase" }, http.StatusConflict},
			{"another email", func(u user) string { return "again-" + u.username + "@example.com" }, func(u user) string { return u.password }, http.StatusConflict},
		} {
			rs, rb := send(real, tc.email(real), tc.password(real))
			hs, hb := send(hidden, tc.email(hidden), tc.password(hidden))
			if rs != tc.status || hs != rs || hb != rb {
				t.Errorf("%s: real %d %s, hidden %d %s; want both %d, alike", tc.what, rs, rb, hs, hb, tc.status)
			}
		}
		if n := e.mailCount(real.email) + e.mailCount(owner.email) - mails; n != 2 {
			t.Errorf("%d emails, want 2: the activation link and the owner's warning, once each", n)
		}

		// A username that is an email held by an account, as its email or as its
		// username (an account whose username is its own address).
		byEmail := e.seedUser("byemail")
		self := newUser("self")
		self.username = self.email
		e.register(self)
		for _, api := range registrationAPIs {
			for _, held := range []string{byEmail.email, strings.ToUpper(self.email)} {
				before := e.mailCount(held)
				status, out := api.register(e, held, held, "correct-horse-battery-9")
				if status != http.StatusCreated {
					t.Errorf("%s: username and email %s, held by an account: %d %s, want the hidden 201", api.name, held, status, out)
				}
				if n := e.mailCount(held) - before; n != 1 {
					t.Errorf("%s: %d emails to the owner of %s, want the warning", api.name, n, held)
				}
			}
		}
	})
}

// requestIDField is the request_id member of a problem answer.
var requestIDField = regexp.MustCompile(`"request_id":"[^"]*",?`)

// TestSecurityHiddenRegistrationTakesAsLong: a registration with a taken email does the
// work of a real one (the password hashed, the username held, an email queued), so its
// time tells nothing either. The medians of interleaved samples must agree within a
// factor of two and a half: a coarse bound, since the test machine may be busy with
// other work, but one that fails when either path skips the password hash, which takes
// an order of magnitude longer than the rest.
func TestSecurityHiddenRegistrationTakesAsLong(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		owner := e.seedUser("owner")
		const samples = 25
		var real, hidden []time.Duration
		timed := func(username, email string) time.Duration {
			start := time.Now()
			status, out := registrationAPIs[0].register(e, username, email, "correct-horse-battery")
			d := time.Since(start)
			if status != http.StatusCreated {
				t.Fatalf("register: %d %s", status, out)
			}
			return d
		}
		for i := range samples + 1 {
			r, h := newUser("timedreal"), newUser("timedhidden")
			dr, dh := timed(r.username, r.email), timed(h.username, owner.email)
			if i > 0 { // the first pair warms up connections and caches
				real, hidden = append(real, dr), append(hidden, dh)
			}
		}
		mr, mh := median(real), median(hidden)
		t.Logf("median real %v, hidden %v", mr, mh)
		if mh*5 < mr*2 || mr*5 < mh*2 {
			t.Errorf("a hidden registration takes %v, a real one %v: the time tells them apart", mh, mr)
		}
	})
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// loginFrom logs in through api (canonical, djoser or rest-registration) as a client at
// ip, presenting the device cookie device ("" for none). It returns the status, the
// device cookie set by the answer ("" for none), the headers and the body.
func (e *env) loginFrom(api, ip, device, login, password string) (int, string, http.Header, []byte) {
	e.t.Helper()
	path, field := "/v1/auth/login", "login"
	switch api {
	case "djoser":
		path, field = "/api/jwt/create/", "email"
	case "rest-registration":
		path = "/api/accounts/login/"
	}
	raw, _ := json.Marshal(map[string]string{field: login, "password": password})
	header := []string{"X-Forwarded-For", ip}
	if device != "" {
		header = append(header, "Cookie", httpapi.DeviceCookie+"="+device)
	}
	status, h, out := e.do("POST", path, "application/json", raw, header...)
	set := ""
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == httpapi.DeviceCookie {
			set = c.Value
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
				e.t.Errorf("device cookie %+v: want HttpOnly, Secure, SameSite=Strict, Path=/", c)
			}
		}
	}
	return status, set, h, out
}

// TestSecurityLockoutSparesOwner: failed logins are bounded per account, whichever of its
// names is typed in whatever case and through whichever API, but a stranger who spends
// that budget does not lock the owner out: the owner still gets in from a device that
// signed in before (its cookie) or from an address that did, each with a budget of its
// own. A locked-out stranger gets the same answer whether or not the account exists.
func TestSecurityLockoutSparesOwner(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		c.Limits = account.Limits{LoginFailures: account.Rule{Limit: 3, Window: 15 * time.Minute}}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}, func(t *testing.T, e *env) {
		const home, attacker, travel, elsewhere = "192.0.2.10", "203.0.113.66", "198.51.100.7", "198.51.100.99"
		owner := e.seedUser("owner")
		status, device, _, out := e.loginFrom("canonical", home, "", owner.username, owner.password)
		if status != http.StatusOK || device == "" {
			t.Fatalf("owner's first login: %d, device cookie %q: %s", status, device, out)
		}

		// The attacker spends the account's budget through three APIs and two names.
		for _, try := range []struct{ api, login string }{
			{"canonical", owner.username},
			{"djoser", strings.ToUpper(owner.email)},
			{"rest-registration", strings.ToUpper(owner.username)},
		} {
			if status, _, _, out := e.loginFrom(try.api, attacker, "", try.login, "wrong-password"); status == http.StatusOK || status == http.StatusTooManyRequests {
				t.Fatalf("guess through %s as %s: %d %s", try.api, try.login, status, out)
			}
		}
		// Even the right password is refused now, under either name: as a wrong password
		// while the name's own budget lasts (a 429 there would tell a stranger that the
		// name is the account's, see TestAttackNoEnumerationLoginBudgetAcrossNames), with
		// a 429 once it is spent.
		for _, login := range []string{owner.username, owner.email} {
			limited := false
			for range 3 {
				status, _, h, out := e.loginFrom("canonical", attacker, "", login, owner.password)
				if status == http.StatusTooManyRequests && h.Get("Retry-After") != "" {
					limited = true
					break
				}
				if status != http.StatusUnauthorized || !strings.Contains(string(out), `"invalid_credentials"`) {
					t.Fatalf("a stranger as %s after the account's budget is spent: %d %s, want 401 invalid_credentials or 429", login, status, out)
				}
			}
			if !limited {
				t.Errorf("a stranger as %s: no 429 once the name's own budget is spent", login)
			}
		}

		// The owner is not locked out: from a known address, or with the device cookie
		// anywhere, through every API.
		if status, _, _, out := e.loginFrom("canonical", home, "", owner.email, owner.password); status != http.StatusOK {
			t.Errorf("owner from an address it signed in from: %d %s", status, out)
		}
		for _, api := range []string{"canonical", "djoser", "rest-registration"} {
			if status, _, _, out := e.loginFrom(api, travel, device, owner.email, owner.password); status != http.StatusOK {
				t.Errorf("owner with its device cookie through %s: %d %s", api, status, out)
			}
		}
		// Without the cookie, a place the owner never signed in from is a stranger's.
		if status, _, _, out := e.loginFrom("canonical", elsewhere, "", owner.email, owner.password); status != http.StatusTooManyRequests {
			t.Errorf("a stranger at an address new to the account: %d %s, want 429", status, out)
		}
		// A forged or foreign cookie is no cookie.
		other := e.seedUser("other")
		_, otherDevice, _, _ := e.loginFrom("canonical", elsewhere, "", other.username, other.password)
		for name, cookie := range map[string]string{"another account's": otherDevice, "forged": device[:len(device)-4] + "AAAA"} {
			if status, _, _, out := e.loginFrom("canonical", elsewhere, cookie, owner.email, owner.password); status != http.StatusTooManyRequests {
				t.Errorf("%s device cookie: %d %s, want 429", name, status, out)
			}
		}
		// A device's own budget is bounded too.
		for range 3 {
			_, _, _, _ = e.loginFrom("canonical", travel, device, owner.username, "wrong-password")
		}
		if status, _, _, out := e.loginFrom("canonical", travel, device, owner.username, owner.password); status != http.StatusTooManyRequests {
			t.Errorf("the device past its own budget: %d %s, want 429", status, out)
		}

		// A locked-out stranger learns nothing of whether the account exists.
		nobody := "nobody-" + owner.email
		for range 3 {
			_, _, _, _ = e.loginFrom("canonical", attacker, "", nobody, "wrong-password")
		}
		sk, _, hk, known := e.loginFrom("canonical", attacker, "", owner.email, "wrong-password")
		su, _, hu, unknown := e.loginFrom("canonical", attacker, "", nobody, "wrong-password")
		if sk != su || strip(known) != strip(unknown) || hk.Get("Retry-After") != hu.Get("Retry-After") {
			t.Errorf("locked out, known %d %s (Retry-After %s) / unknown %d %s (Retry-After %s)",
				sk, known, hk.Get("Retry-After"), su, unknown, hu.Get("Retry-After"))
		}

		// The budget frees up with time; nothing is locked for good.
		inProcessOnly(t, "moves the clock past the login budget's window")
		e.clock.Advance(16 * time.Minute)
		if status, _, _, out := e.loginFrom("djoser", attacker, "", owner.email, owner.password); status != http.StatusOK {
			t.Errorf("after the window: %d %s", status, out)
		}
	})
}

// TestSecurityLockoutSparesOwnerWithSecondFactor: for an account with a second factor, a
// right password is no failed guess either, though it gets mfa_required rather than
// tokens: the owner's own logins never spend the budget (or the owner would lock itself
// out after a few). And the login completed with the second factor gives the device its
// cookie, so that a stranger who spends the budget does not lock the owner out.
func TestSecurityLockoutSparesOwnerWithSecondFactor(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		withMFA(c)
		c.Limits = account.Limits{LoginFailures: account.Rule{Limit: 3, Window: 15 * time.Minute}}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}, func(t *testing.T, e *env) {
		const attacker, travel, elsewhere = "203.0.113.66", "198.51.100.7", "198.51.100.99"
		owner := e.activeUser("mfaowner")
		secret, _ := e.enrolTOTP(e.login(owner).AccessToken)

		// More logins than the budget holds, each with the right password, each from an
		// address new to the account (so that none is spared as a known one): none is 429.
		var device string
		for i := range 5 {
			home := "192.0.2." + strconv.Itoa(10+i)
			status, _, _, out := e.loginFrom("canonical", home, "", owner.username, owner.password)
			if status != http.StatusUnauthorized || !strings.Contains(string(out), `"mfa_required"`) {
				t.Fatalf("owner's password login %d: %d %s, want 401 mfa_required", i+1, status, out)
			}
			var b struct{ Mfa struct{ Challenge string } }
			if err := json.Unmarshal(out, &b); err != nil || b.Mfa.Challenge == "" {
				t.Fatalf("no challenge in %s", out)
			}
			raw, _ := json.Marshal(map[string]string{"challenge": b.Mfa.Challenge, "code": e.totpCode(secret, 0)})
			status, h, out := e.do("POST", "/v1/auth/mfa/verify", "application/json", raw, "X-Forwarded-For", home)
			if status != http.StatusOK {
				t.Fatalf("second factor %d: %d %s", i+1, status, out)
			}
			for _, c := range (&http.Response{Header: h}).Cookies() {
				if c.Name == httpapi.DeviceCookie {
					device = c.Value
				}
			}
			e.nextStep() // a TOTP code works once
		}
		if device == "" {
			t.Fatal("a login completed with the second factor set no device cookie")
		}

		// A stranger spends the budget; the owner's device still gets to its second factor.
		for range 3 {
			_, _, _, _ = e.loginFrom("canonical", attacker, "", owner.email, "wrong-password")
		}
		if status, _, _, out := e.loginFrom("canonical", attacker, "", owner.email, owner.password); status != http.StatusTooManyRequests {
			t.Errorf("the stranger after the budget is spent: %d %s, want 429", status, out)
		}
		for _, api := range []string{"canonical", "djoser", "rest-registration"} {
			if status, _, _, out := e.loginFrom(api, travel, device, owner.email, owner.password); status == http.StatusTooManyRequests {
				t.Errorf("owner with the device cookie of a second-factor login, through %s: %d %s", api, status, out)
			}
		}
		if status, _, _, out := e.loginFrom("canonical", elsewhere, "", owner.email, owner.password); status != http.StatusTooManyRequests {
			t.Errorf("an address new to the account without the cookie: %d %s, want 429", status, out)
		}
	})
}

// wantFieldError fails unless the answer is a 400 that names field: a problem's errors
// on the canonical and admin APIs, a DRF field on the profiles.
func wantFieldError(t *testing.T, what string, status int, body []byte, field string) {
	t.Helper()
	if status != http.StatusBadRequest {
		t.Errorf("%s: status %d, want 400 naming %s; body %s", what, status, field, body)
		return
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s: body is not JSON: %s", what, body)
		return
	}
	if errs, ok := v["errors"].([]any); ok {
		for _, e := range errs {
			if m, _ := e.(map[string]any); m["field"] == field {
				return
			}
		}
	} else if msgs, ok := v[field].([]any); ok && len(msgs) > 0 {
		return
	}
	t.Errorf("%s: 400 does not name %s: %s", what, field, body)
}

// TestSecurityNamesRefuseControlCharacters: names, usernames and the one-line profile
// fields refuse control characters (CR and LF, which would go raw into the text of the
// emails that greet the user by name, NUL, and the others) and bidirectional overrides,
// with a field error, through every API; the bio and thoughts keep line breaks and tabs
// but no NUL. A refused registration sends no email.
func TestSecurityNamesRefuseControlCharacters(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.activeUser("named")
		auth := e.authHeader(u)
		_, staff := e.staffUser("admin", true)
		staffAuth := staffAuthHeader(t, e, staff)
		uid := strconv.FormatInt(e.userID(staff, u.username), 10)
		injected := "Eve\r\nBcc: victim@example.com\r\n\r\nClick http://evil.example"
		fresh := newUser("refused")
		// In the middle of the value: the profiles trim surrounding white space (NEL and
		// U+2028 included) as DRF does.
		for _, bad := range []string{injected, "Eve\x00x", "E\x07ve", "Ev\u0085e", "\u202eevE", "Eve\u2028x"} {
			for _, a := range []struct {
				name, method, path, field string
				body                      map[string]any
				header                    []string
			}{
				{"canonical_register", "POST", "/v1/auth/register", "first_name", map[string]any{"username": fresh.username, "email": fresh.email, "password": fresh.password, "first_name": bad}, nil},
				{"canonical_update_profile", "PATCH", "/v1/me", "last_name", map[string]any{"last_name": bad}, auth},
				{"canonical_update_profile", "PATCH", "/v1/me", "country", map[string]any{"country": bad}, auth},
				{"canonical_update_profile", "PATCH", "/v1/me", "profession", map[string]any{"profession": bad}, auth},
				{"djoser_register", "POST", "/api/users/", "first_name", map[string]any{"username": fresh.username, "email": fresh.email, "password": fresh.password, "re_password": fresh.password, "first_name": bad, "last_name": "Doe"}, nil},
				{"djoser_patch_me", "PATCH", "/api/users/me/", "last_name", map[string]any{"last_name": bad}, auth},
				{"rest_registration_register", "POST", "/api/accounts/register/", "last_name", map[string]any{"username": fresh.username, "email": fresh.email, "password": fresh.password, "password_confirm": fresh.password, "last_name": bad}, nil},
				{"rest_registration_profile", "PATCH", "/api/accounts/profile/", "first_name", map[string]any{"first_name": bad}, auth},
				{"admin_create", "POST", "/v1/admin/users", "first_name", map[string]any{"username": fresh.username, "email": fresh.email, "first_name": bad}, staffAuth},
				{"admin_update", "PATCH", "/v1/admin/users/" + uid, "last_name", map[string]any{"last_name": bad}, staffAuth},
			} {
				status, out := e.sendJSON(a.method, a.path, a.body, a.header...)
				wantFieldError(t, a.name+" "+strconv.Quote(bad), status, out, a.field)
			}
		}
		for _, bad := range []string{"ev\u200be", "ev\x00e", "ev\ne"} {
			status, out := e.sendJSON("POST", "/api/users/", djRegistration(bad, fresh.email, fresh.password))
			wantFieldError(t, "djoser register username "+strconv.Quote(bad), status, out, "username")
		}
		if n := e.mailCount(fresh.email); n != 0 {
			t.Errorf("refused registrations sent %d emails", n)
		}
		// Free text keeps its lines, never a NUL.
		if status, out := e.sendJSON("PATCH", "/v1/me", map[string]any{"bio": "line one\nline two\r\n\tindented", "thoughts": "a\tb"}, auth...); status != http.StatusOK {
			t.Errorf("bio with line breaks and tabs: %d %s", status, out)
		}
		for _, field := range []string{"bio", "thoughts"} {
			status, out := e.sendJSON("PATCH", "/v1/me", map[string]any{field: "a\x00b"}, auth...)
			wantFieldError(t, field+" with NUL", status, out, field)
			status, out = e.sendJSON("PATCH", "/v1/admin/users/"+uid, map[string]any{field: "a\x00b"}, staffAuth...)
			wantFieldError(t, "admin "+field+" with NUL", status, out, field)
		}
	})
}

// TestSecurityConfusableEmails: two accounts never show the same or a visually identical
// email. Invisible characters, non-ASCII local parts (a Cyrillic а for a Latin a) and
// address literals are refused through every API that takes an address; a domain is
// kept in its ASCII (IDNA) form in lower case, so a look-alike domain reads as the
// different domain it is, and a width or case variant of a taken address is that
// address.
func TestSecurityConfusableEmails(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		alice := e.seedUser("alice")
		local, domain, _ := strings.Cut(alice.email, "@")
		mallory := e.activeUser("mallory")
		_, staff := e.staffUser("admin", true)
		staffAuth := staffAuthHeader(t, e, staff)
		mid := strconv.FormatInt(e.userID(staff, mallory.username), 10)
		fresh := newUser("confuser")
		for _, bad := range []string{
			local + "\u200b@" + domain,                   // zero-width space
			"\u0430" + local[1:] + "@" + domain,          // Cyrillic а
			local + "\u202e@" + domain,                   // bidi override
			local + "@[127.0.0.1]", local + "@127.0.0.1", // address literals
			local + "\u00ad@" + domain, local + "@ex\u200bample.com", // soft hyphen, invisible in the domain
		} {
			q := strconv.Quote(bad)
			for _, a := range []struct {
				name, method, path, field string
				body                      map[string]any
				header                    []string
			}{
				{"canonical_register", "POST", "/v1/auth/register", "email", map[string]any{"username": fresh.username, "email": bad, "password": fresh.password}, nil},
				{"canonical_email_change", "POST", "/v1/me/email", "new_email", map[string]any{"new_email": bad, "password": mallory.password}, e.authHeader(mallory)},
				{"djoser_register", "POST", "/api/users/", "email", djRegistration(fresh.username, bad, fresh.password), nil},
				{"djoser_set_email", "POST", "/api/users/set_email/", "new_email", map[string]any{"new_email": bad, "current_password": mallory.password}, e.authHeader(mallory)},
				{"rest_registration_register", "POST", "/api/accounts/register/", "email", map[string]any{"username": fresh.username, "email": bad, "password": fresh.password, "password_confirm": fresh.password}, nil},
				{"rest_registration_register_email", "POST", "/api/accounts/register-email/", "email", map[string]any{"email": bad}, e.authHeader(mallory)},
				{"admin_create", "POST", "/v1/admin/users", "email", map[string]any{"username": fresh.username, "email": bad}, staffAuth},
				{"admin_update", "PATCH", "/v1/admin/users/" + mid, "email", map[string]any{"email": bad}, staffAuth},
			} {
				status, out := e.sendJSON(a.method, a.path, a.body, a.header...)
				wantFieldError(t, a.name+" "+q, status, out, a.field)
			}
		}
		// Variants of alice's address are alice's address: taken.
		for _, same := range []string{strings.ToUpper(alice.email), local + "@" + strings.ToUpper(domain), local + "@\uff45xample.com"} {
			status, out := e.sendJSON("PATCH", "/v1/admin/users/"+mid, map[string]any{"email": same}, staffAuth...)
			if status != http.StatusConflict {
				t.Errorf("admin update to %q: %d %s, want 409 (alice's address)", same, status, out)
			}
		}
		// A look-alike domain is accepted as the different domain it is, and shown so.
		status, out := e.sendJSON("POST", "/v1/admin/users", map[string]any{"username": fresh.username, "email": local + "@ex\u0430mple.com"}, staffAuth...)
		var created struct{ Email string }
		_ = json.Unmarshal(out, &created)
		if status != http.StatusCreated || created.Email != local+"@xn--exmple-4nf.com" {
			t.Errorf("look-alike domain: %d %s, want 201 with the domain in its ASCII form", status, out)
		}
		// Whatever got in, no two accounts show the same address or one that reads
		// like another: every stored address is ASCII, distinct in any case.
		limit := client.Limit(200)
		res, err := e.client.AdminListUsersWithResponse(context.Background(), &client.AdminListUsersParams{Limit: &limit}, staff)
		if err != nil || res.JSON200 == nil {
			t.Fatalf("list users: %v %s", err, bodyOf(res))
		}
		seen := map[string]bool{}
		for _, u := range res.JSON200.Items {
			addr := string(u.Email)
			for _, r := range addr {
				if r > 0x7e || r < 0x21 {
					t.Errorf("stored email %q holds %U", addr, r)
				}
			}
			if seen[strings.ToLower(addr)] {
				t.Errorf("two accounts show %s", addr)
			}
			seen[strings.ToLower(addr)] = true
		}
	})
}
