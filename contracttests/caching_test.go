package contracttests

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestNoStoreOnTokenAndAccountAnswers (issue 13, item 13): every answer that carries a
// token or account data, on every API, tells browsers and proxies not to keep it
// (Cache-Control: no-store, and Pragma: no-cache for HTTP/1.0 caches, as RFC 6749 asks
// of token answers). The attack: a shared cache or the browser's back button serving
// one user's tokens or account to another.
func TestNoStoreOnTokenAndAccountAnswers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		check := func(t *testing.T, what string, status int, h http.Header, wantStatus int) {
			t.Helper()
			if status != wantStatus {
				t.Fatalf("%s: status %d, want %d", what, status, wantStatus)
			}
			if cc := h.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s: Cache-Control = %q, want no-store", what, cc)
			}
			if p := h.Get("Pragma"); p != "no-cache" {
				t.Errorf("%s: Pragma = %q, want no-cache", what, p)
			}
		}
		t.Run("canonical", func(t *testing.T) {
			u := e.activeUser("nostore")
			status, h, body := e.do("POST", "/v1/auth/login", "application/json",
				[]byte(`{"login":"`+u.username+`","password":"`+u.password+`"}`))
			check(t, "POST /v1/auth/login", status, h, http.StatusOK)
			pair := decodePair(t, body)
			status, h, body = e.do("POST", "/v1/auth/refresh", "application/json", []byte(`{"refresh_token":"`+pair.refresh+`"}`))
			check(t, "POST /v1/auth/refresh", status, h, http.StatusOK)
			pair = decodePair(t, body)
			auth := []string{"Authorization", "Bearer " + pair.access}
			for _, path := range []string{"/v1/me", "/v1/me/sessions", "/v1/me/events", "/v1/me/dashboard"} {
				status, h, _ := e.do("GET", path, "", nil, auth...)
				check(t, "GET "+path, status, h, http.StatusOK)
			}
			status, h, _ = e.do("PATCH", "/v1/me", "application/json", []byte(`{"first_name":"Ada"}`), auth...)
			check(t, "PATCH /v1/me", status, h, http.StatusOK)
			status, h, _ = e.do("POST", "/v1/auth/verify", "application/json", []byte(`{"token":"`+pair.access+`"}`))
			check(t, "POST /v1/auth/verify", status, h, http.StatusOK)
		})
		t.Run("djoser", func(t *testing.T) {
			u := e.activeUser("nostoredj")
			status, h, body := e.dj("POST", "/api/jwt/create/", map[string]any{"email": u.email, "password": u.password})
			check(t, "POST /api/jwt/create/", status, h, http.StatusOK)
			v := djDecode(t, body)
			status, h, _ = e.dj("POST", "/api/jwt/refresh/", map[string]any{"refresh": v["refresh"]})
			check(t, "POST /api/jwt/refresh/", status, h, http.StatusOK)
			status, h, _ = e.dj("GET", "/api/users/me/", nil, djBearer(v["access"].(string))...)
			check(t, "GET /api/users/me/", status, h, http.StatusOK)
		})
		t.Run("rest-registration", func(t *testing.T) {
			u := e.rrActiveUser("nostorerr")
			status, h, body := e.rrDo("POST", "/api/accounts/login/", map[string]any{"login": u.username, "password": u.password})
			check(t, "POST /api/accounts/login/", status, h, http.StatusOK)
			token, _ := body["token"].(string)
			status, h, _ = e.rrDo("GET", "/api/accounts/profile/", nil, rrBearer(token)...)
			check(t, "GET /api/accounts/profile/", status, h, http.StatusOK)
		})
	})
}

// TestUnavailableCarriesRetryAfter (issue 20, item 4): a 503 tells the client when to
// come back, as a 429 does, on every API: the canonical problem and each profile's own
// error body alike.
func TestUnavailableCarriesRetryAfter(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.activeUser("retryafter")
		pair := e.login(u)
		// The database goes away for good: every request that needs it answers 503.
		if err := e.app.Store.Close(); err != nil {
			t.Fatal(err)
		}
		requests := []struct {
			what, method, path, body string
			header                   []string
		}{
			{"canonical login", "POST", "/v1/auth/login", `{"login":"` + u.username + `","password":"` + u.password + `"}`, nil},
			{"canonical refresh", "POST", "/v1/auth/refresh", `{"refresh_token":"` + pair.RefreshToken + `"}`, nil},
			{"canonical me", "GET", "/v1/me", "", []string{"Authorization", "Bearer " + pair.AccessToken}},
			{"canonical register", "POST", "/v1/auth/register", `{"username":"nobody_ra","email":"nobody_ra@example.com","password":"correct-horse-battery"}`, nil},
			{"djoser refresh", "POST", "/api/jwt/refresh/", `{"refresh":"` + pair.RefreshToken + `"}`, nil},
			{"djoser me", "GET", "/api/users/me/", "", []string{"Authorization", "Bearer " + pair.AccessToken}},
			{"rest-registration profile", "GET", "/api/accounts/profile/", "", []string{"Authorization", "Bearer " + pair.AccessToken}},
			{"readyz", "GET", "/readyz", "", nil},
		}
		for _, r := range requests {
			t.Run(strings.ReplaceAll(r.what, " ", "_"), func(t *testing.T) {
				ct := ""
				if r.body != "" {
					ct = "application/json"
				}
				status, h, body := e.do(r.method, r.path, ct, []byte(r.body), r.header...)
				if status != http.StatusServiceUnavailable {
					t.Fatalf("status %d, want 503: %s", status, body)
				}
				if ra := h.Get("Retry-After"); ra == "" || strings.Trim(ra, "0123456789") != "" || ra == "0" {
					t.Errorf("Retry-After = %q, want a positive number of seconds", ra)
				}
			})
		}
	})
}

// TestDocsContentSecurityPolicy (issue 13, item 13): /docs, a page served from accountd's
// own origin next to the API, carries a Content-Security-Policy that lets only its own
// scripts run, so that an injected script cannot read tokens pasted into "Authorize".
// Swagger UI still loads: every inline script and style of the page is allowed by its
// hash, every asset it names is served from the same origin, and nothing may come from
// elsewhere.
func TestDocsContentSecurityPolicy(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	status, h, page := e.do("GET", "/docs/", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /docs/: %d", status)
	}
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		t.Fatal("GET /docs/: no Content-Security-Policy")
	}
	directives := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			directives[f[0]] = f[1:]
		}
	}
	for _, name := range []string{"default-src", "script-src", "style-src", "frame-ancestors", "base-uri", "object-src"} {
		if _, ok := directives[name]; !ok {
			t.Errorf("CSP %q has no %s", csp, name)
		}
	}
	for name, sources := range directives {
		for _, s := range sources {
			if s == "*" || s == "'unsafe-eval'" || strings.Contains(s, "://") || s == "http:" || s == "https:" ||
				(name == "script-src" && s == "'unsafe-inline'") {
				t.Errorf("CSP %s allows %s", name, s)
			}
		}
	}
	allowed := func(directive, content string) bool {
		sum := sha256.Sum256([]byte(content))
		want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		for _, s := range directives[directive] {
			if s == want {
				return true
			}
		}
		return false
	}
	inline := regexp.MustCompile(`(?s)<(script|style)>(.*?)</(?:script|style)>`)
	found := 0
	for _, m := range inline.FindAllStringSubmatch(string(page), -1) {
		found++
		if !allowed(m[1]+"-src", m[2]) {
			t.Errorf("inline <%s> of /docs/ is not allowed by the CSP: %.60q", m[1], m[2])
		}
	}
	if found == 0 {
		t.Fatal("no inline script or style found on /docs/: the test no longer looks at Swagger UI's page")
	}
	assets := regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	for _, m := range assets.FindAllStringSubmatch(string(page), -1) {
		if strings.Contains(m[1], "//") {
			t.Errorf("/docs/ loads %s from elsewhere", m[1])
			continue
		}
		if status, _, _ := e.do("GET", m[1], "", nil); status != http.StatusOK {
			t.Errorf("asset %s of /docs/: %d", m[1], status)
		}
	}
	// The spec the page fetches is served too.
	if status, _, _ := e.do("GET", "/openapi.json", "", nil); status != http.StatusOK {
		t.Errorf("GET /openapi.json: %d", status)
	}
}

type tokenPairJSON struct{ access, refresh string }

// decodePair reads a canonical token answer.
func decodePair(t *testing.T, body []byte) tokenPairJSON {
	t.Helper()
	v := djDecode(t, body)
	access, _ := v["access_token"].(string)
	refresh, _ := v["refresh_token"].(string)
	if access == "" || refresh == "" {
		t.Fatalf("not a token pair: %s", body)
	}
	return tokenPairJSON{access, refresh}
}
