package contracttests

import (
	"context"
	"net/http"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
)

func TestLogin(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("login")
		try := func(login, password string) *client.LoginResponse {
			res, err := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: login, Password: password})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		t.Run("200_by_username", func(t *testing.T) {
			res := try(u.username, u.password)
			if res.JSON200 == nil || res.JSON200.TokenType != "Bearer" || res.JSON200.ExpiresIn != 900 {
				t.Fatalf("login: %d %s", res.StatusCode(), res.Body)
			}
		})
		t.Run("200_by_email_any_case", func(t *testing.T) {
			if res := try(strings.ToUpper(u.email), u.password); res.JSON200 == nil {
				t.Fatalf("login: %d %s", res.StatusCode(), res.Body)
			}
		})
		t.Run("401_wrong_password", func(t *testing.T) {
			wantProblem(t, try(u.username, u.password+"x"), http.StatusUnauthorized, "invalid_credentials")
		})
		t.Run("401_unknown_user_same_answer", func(t *testing.T) {
			wrong := try(u.username, u.password+"x")
			unknown := try("nobody_"+u.username, u.password)
			wantProblem(t, unknown, http.StatusUnauthorized, "invalid_credentials")
			if strip(wrong.Body) != strip(unknown.Body) {
				t.Fatalf("answers differ:\n%s\n%s", wrong.Body, unknown.Body)
			}
		})
		t.Run("401_inactive_with_wrong_password", func(t *testing.T) {
			in := newUser("inactive")
			e.register(in)
			wantProblem(t, try(in.username, in.password+"x"), http.StatusUnauthorized, "invalid_credentials")
			wantProblem(t, try(in.username, in.password), http.StatusForbidden, "account_inactive")
		})
		t.Run("400_missing_password", func(t *testing.T) {
			status, _, body := e.do("POST", "/v1/auth/login", "application/json", []byte(`{"login":"x"}`))
			if status != http.StatusBadRequest {
				t.Fatalf("status %d", status)
			}
			parseProblem(t, body, "validation_failed", "password")
		})
	})
}

// strip drops the parts of a problem that differ per request.
func strip(b []byte) string {
	s := string(b)
	if i := strings.Index(s, `"request_id"`); i >= 0 {
		j := strings.Index(s[i:], ",")
		if j < 0 {
			j = strings.Index(s[i:], "}")
		}
		s = s[:i] + s[i+j:]
	}
	return s
}
