package contracttests

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestAnonymousCalls: what anyone may call without an account, and the refusals a caller
// without valid credentials gets. It creates nothing and sends no email, so it is part of
// the production subset (make contract SAFE=1), as plain HTTP.
func TestAnonymousCalls(t *testing.T) {
	productionSafe(t)
	forEachStore(t, func(t *testing.T, e *env) {
		t.Run("200_organizations_listed", func(t *testing.T) {
			status, _, body := e.do("GET", "/v1/organizations", "", nil)
			var list struct{ Items []any }
			if status != http.StatusOK || json.Unmarshal(body, &list) != nil || list.Items == nil {
				t.Fatalf("%d %s", status, body)
			}
		})
		t.Run("401_me_without_a_token", func(t *testing.T) {
			status, header, body := e.do("GET", "/v1/me", "", nil)
			if status != http.StatusUnauthorized || header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%d %v %s", status, header, body)
			}
			parseProblem(t, body, "unauthenticated")
		})
		t.Run("401_me_with_a_forged_token", func(t *testing.T) {
			status, _, body := e.do("GET", "/v1/me", "", nil, "Authorization", "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln")
			if status != http.StatusUnauthorized {
				t.Fatalf("%d %s", status, body)
			}
			parseProblem(t, body, "unauthenticated")
		})
		t.Run("401_login_unknown_account", func(t *testing.T) {
			status, _, body := e.do("POST", "/v1/auth/login", "application/json",
				[]byte(`{"login":"nobody-at-all-here","password":"not-a-password-anyone-has"}`))
			// A production deployment counts failed logins per name: a run repeated
			// within its window meets the limit, which is as right.
			if status == http.StatusTooManyRequests && remote != nil {
				parseProblem(t, body, "rate_limited")
				return
			}
			if status != http.StatusUnauthorized {
				t.Fatalf("%d %s", status, body)
			}
			parseProblem(t, body, "invalid_credentials")
		})
		t.Run("401_refresh_with_an_unknown_token", func(t *testing.T) {
			status, _, body := e.do("POST", "/v1/auth/refresh", "application/json", []byte(`{"refresh_token":"not-a-refresh-token"}`))
			if status != http.StatusUnauthorized {
				t.Fatalf("%d %s", status, body)
			}
		})
		t.Run("200_verify_says_inactive", func(t *testing.T) {
			status, _, body := e.do("POST", "/v1/auth/verify", "application/json", []byte(`{"token":"not-a-token"}`))
			var v struct{ Active *bool }
			if status != http.StatusOK || json.Unmarshal(body, &v) != nil || v.Active == nil || *v.Active {
				t.Fatalf("%d %s", status, body)
			}
		})
		t.Run("401_logout_without_a_token", func(t *testing.T) {
			status, _, body := e.do("POST", "/v1/auth/logout", "application/json", []byte(`{}`))
			if status != http.StatusUnauthorized {
				t.Fatalf("%d %s", status, body)
			}
		})
	})
}
