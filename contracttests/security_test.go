package contracttests

// One test per security behaviour the service promises; each fails if that behaviour goes.

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// TestSecurityRevocationIsImmediate: logout, password change, password reset, session
// revocation and account deletion each refuse the affected access token on the very
// next request.
func TestSecurityRevocationIsImmediate(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		refused := func(t *testing.T, access string) {
			t.Helper()
			me, _ := e.client.GetMeWithResponse(ctx, bearer(access))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
		}
		t.Run("logout", func(t *testing.T) {
			u := e.activeUser("rlogout")
			p := e.login(u)
			_, _ = e.client.LogoutWithResponse(ctx, client.LogoutJSONRequestBody{}, bearer(p.AccessToken))
			refused(t, p.AccessToken)
		})
		t.Run("password_change", func(t *testing.T) {
			u := e.activeUser("rchange")
			keep, victim := e.login(u), e.login(u)
			_, _ = e.client.ChangePasswordWithResponse(ctx, nil, client.ChangePasswordJSONRequestBody{CurrentPassword: u.password, NewPassword: "a-brand-new-passphrase"}, bearer(keep.AccessToken))
			refused(t, victim.AccessToken)
		})
		t.Run("password_reset", func(t *testing.T) {
			u := e.activeUser("rreset")
			p := e.login(u)
			_, _ = e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(u.email)})
			_, _ = e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: e.emailedToken(u.email), NewPassword: "a-brand-new-passphrase"})
			refused(t, p.AccessToken)
		})
		t.Run("session_revocation", func(t *testing.T) {
			u := e.activeUser("rrevoke")
			keep, victim := e.login(u), e.login(u)
			list, _ := e.client.ListMySessionsWithResponse(ctx, nil, bearer(keep.AccessToken))
			for _, s := range list.JSON200.Items {
				if !s.Current {
					_, _ = e.client.RevokeMySessionWithResponse(ctx, s.Id, bearer(keep.AccessToken))
				}
			}
			refused(t, victim.AccessToken)
		})
		t.Run("account_deletion", func(t *testing.T) {
			u := e.activeUser("rdelete")
			p := e.login(u)
			_, _ = e.client.DeleteMeWithResponse(ctx, client.DeleteMeJSONRequestBody{Password: u.password}, bearer(p.AccessToken))
			refused(t, p.AccessToken)
		})
	})
}

// TestSecurityRefreshRotation: refresh tokens rotate; a spent one replayed after the
// grace window ends the session; within it (two tabs at once) both get a pair.
func TestSecurityRefreshRotation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		refresh := func(tok string) *client.RefreshResponse {
			res, err := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		t.Run("replay_is_a_concurrent_refresh", func(t *testing.T) {
			u := e.activeUser("grace")
			p := e.login(u)
			first, second := refresh(p.RefreshToken), refresh(p.RefreshToken)
			if first.JSON200 == nil || second.JSON200 == nil {
				t.Fatalf("concurrent refreshes: %s / %s", first.Body, second.Body)
			}
			if me, _ := e.client.GetMeWithResponse(ctx, bearer(first.JSON200.AccessToken)); statusOf(me) != http.StatusOK {
				t.Fatal("session ended by a concurrent refresh")
			}
		})
		t.Run("replay_after_grace_ends_the_session", func(t *testing.T) {
			u := e.activeUser("thief")
			p := e.login(u)
			next := refresh(p.RefreshToken).JSON200
			next = refresh(next.RefreshToken).JSON200 // the chain moves past the stolen token
			e.clock.Advance(11 * time.Second)
			wantProblem(t, refresh(p.RefreshToken), http.StatusUnauthorized, "refresh_token_invalid")
			wantProblem(t, refresh(next.RefreshToken), http.StatusUnauthorized, "refresh_token_invalid")
			me, _ := e.client.GetMeWithResponse(ctx, bearer(next.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
		})
	})
}

// TestSecurityEmailedTokens: single use, expiring per kind, void after a password change,
// and never consumed by GET.
func TestSecurityEmailedTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		t.Run("reset_token_dies_when_password_changes", func(t *testing.T) {
			u := e.activeUser("tokendies")
			_, _ = e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(u.email)})
			token := e.emailedToken(u.email)
			p := e.login(u)
			_, _ = e.client.ChangePasswordWithResponse(ctx, nil, client.ChangePasswordJSONRequestBody{CurrentPassword: u.password, NewPassword: "a-brand-new-passphrase"}, bearer(p.AccessToken))
			res, _ := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: token, NewPassword: "another-new-passphrase"})
			wantProblem(t, res, http.StatusBadRequest, "token_invalid")
		})
		t.Run("email_change_token_expires_after_24h", func(t *testing.T) {
			u := e.activeUser("slowmover")
			p := e.login(u)
			_, _ = e.client.RequestEmailChangeWithResponse(ctx, nil, client.RequestEmailChangeJSONRequestBody{NewEmail: client.Email("n-" + u.email), Password: u.password}, bearer(p.AccessToken))
			token := e.emailedToken("n-" + u.email)
			e.clock.Advance(25 * time.Hour)
			p = e.login(u) // the old access token expired meanwhile
			res, _ := e.client.ConfirmEmailChangeWithResponse(ctx, nil, client.ConfirmEmailChangeJSONRequestBody{Token: token}, bearer(p.AccessToken))
			wantProblem(t, res, http.StatusBadRequest, "token_invalid")
		})
		t.Run("get_never_consumes", func(t *testing.T) {
			u := e.activeUser("prefetch")
			_, _ = e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(u.email)})
			token := e.emailedToken(u.email)
			for _, path := range []string{"/v1/auth/password/reset?token=", "/v1/auth/activate?token="} {
				if status, _, _ := e.do("GET", path+token, "", nil); status != http.StatusMethodNotAllowed {
					t.Fatalf("GET %s = %d", path, status)
				}
			}
			res, _ := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: token, NewPassword: "a-brand-new-passphrase"})
			if statusOf(res) != http.StatusNoContent {
				t.Fatalf("token consumed by a GET: %s", bodyOf(res))
			}
		})
	})
}

// TestSecurityNoEnumeration: answers for known and unknown emails and logins are the
// same, rate-limit answers included.
func TestSecurityNoEnumeration(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		c.Limits.EmailAddress = account.Rule{Limit: 2, Window: time.Hour}
		c.Limits.LoginFailures = account.Rule{Limit: 2, Window: time.Hour}
	}, func(t *testing.T, e *env) {
		// Accounts made straight in the store: registering through the API would count
		// against the address's limit and make the comparison unfair.
		known := e.seedUser("known")
		unknown := "unknown-" + known.email
		t.Run("forgot_and_resend_same_answers_through_the_limit", func(t *testing.T) {
			for _, path := range []string{"/v1/auth/password/forgot", "/v1/auth/activate/resend"} {
				for i := range 3 {
					sa, ha, a := e.do("POST", path, "application/json", []byte(`{"email":"`+known.email+`"}`))
					sb, hb, b := e.do("POST", path, "application/json", []byte(`{"email":"`+unknown+`"}`))
					if sa != sb || strip(a) != strip(b) || ha.Get("Retry-After") != hb.Get("Retry-After") {
						t.Fatalf("%s attempt %d: %d %s / %d %s", path, i, sa, a, sb, b)
					}
				}
			}
		})
		t.Run("login_unknown_and_wrong_password_same_through_the_slowdown", func(t *testing.T) {
			for i := range 3 {
				sa, _, a := e.do("POST", "/v1/auth/login", "application/json", []byte(`{"login":"`+known.username+`","password":"wrong-password"}`))
				sb, _, b := e.do("POST", "/v1/auth/login", "application/json", []byte(`{"login":"nobody-`+known.username+`","password":"wrong-password"}`))
				if sa != sb || strip(a) != strip(b) {
					t.Fatalf("attempt %d: %d %s / %d %s", i, sa, a, sb, b)
				}
			}
		})
		t.Run("register_taken_email_like_success", func(t *testing.T) {
			taken := e.seedUser("taken")
			sa, _, a := e.do("POST", "/v1/auth/register", "application/json", []byte(`{"username":"fresh_a","email":"`+taken.email+`","password":"correct-horse-battery"}`))
			sb, _, b := e.do("POST", "/v1/auth/register", "application/json", []byte(`{"username":"fresh_b","email":"fresh-b@example.com","password":"correct-horse-battery"}`))
			// Same status and same shape: only the echoed values differ.
			if sa != http.StatusCreated || sb != http.StatusCreated || strings.Count(string(a), ",") != strings.Count(string(b), ",") {
				t.Fatalf("%d %s / %d %s", sa, a, sb, b)
			}
		})
	})
}

// TestSecurityRateLimits: login, registration, refresh and email-sending operations
// answer 429 with Retry-After past their limits; repeated failed logins slow a login
// name down, and it recovers when the window passes.
func TestSecurityRateLimits(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		c.Limits = account.Limits{
			LoginIP:       account.Rule{Limit: 20, Window: time.Minute},
			LoginFailures: account.Rule{Limit: 3, Window: 15 * time.Minute},
			RegisterIP:    account.Rule{Limit: 3, Window: time.Hour},
			RefreshIP:     account.Rule{Limit: 3, Window: time.Minute},
			EmailIP:       account.Rule{Limit: 100, Window: time.Hour},
			EmailAddress:  account.Rule{Limit: 2, Window: time.Hour},
		}
	}, func(t *testing.T, e *env) {
		ctx := context.Background()
		want429 := func(t *testing.T, status int, h http.Header, body []byte) {
			t.Helper()
			if status != http.StatusTooManyRequests {
				t.Fatalf("status %d, want 429: %s", status, body)
			}
			if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s <= 0 {
				t.Fatalf("Retry-After = %q", h.Get("Retry-After"))
			}
			parseProblem(t, body, "rate_limited")
		}
		u := e.activeUser("limited") // one registration of the three
		t.Run("failed_logins_slow_down_then_recover", func(t *testing.T) {
			for range 3 {
				_, _, _ = e.do("POST", "/v1/auth/login", "application/json", []byte(`{"login":"`+u.username+`","password":"wrong-password"}`))
			}
			// Even the right password waits now...
			s, h, b := e.do("POST", "/v1/auth/login", "application/json", []byte(`{"login":"`+u.username+`","password":"`+u.password+`"}`))
			want429(t, s, h, b)
			// ...until the window has passed.
			e.clock.Advance(16 * time.Minute)
			e.login(u)
		})
		t.Run("registration_per_ip", func(t *testing.T) {
			e.register(newUser("limreg"))
			e.register(newUser("limreg"))
			s, h, b := e.do("POST", "/v1/auth/register", "application/json", []byte(`{"username":"limreg_x","email":"limreg_x@example.com","password":"correct-horse-battery"}`))
			want429(t, s, h, b)
		})
		t.Run("email_per_address", func(t *testing.T) {
			for range 2 {
				_, _ = e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(u.email)})
			}
			s, h, b := e.do("POST", "/v1/auth/password/forgot", "application/json", []byte(`{"email":"`+u.email+`"}`))
			want429(t, s, h, b)
		})
		t.Run("refresh_per_ip", func(t *testing.T) {
			var last struct {
				status int
				h      http.Header
				b      []byte
			}
			for range 4 {
				last.status, last.h, last.b = e.do("POST", "/v1/auth/refresh", "application/json", []byte(`{"refresh_token":"bogus"}`))
			}
			want429(t, last.status, last.h, last.b)
		})
	})
}

// TestSecurityPasswordPolicy: length bounds, common passwords, and passwords equal to the
// username or email are refused, each naming the field.
func TestSecurityPasswordPolicy(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		for name, tc := range map[string]struct{ password, code string }{
			"too_short":       {"nine-char", "too_short"},
			"too_long":        {strings.Repeat("x", 129), "too_long"},
			"common":          {"qwertyuiop", "too_common"},
			"equals_username": {"policy_user", "too_similar"},
		} {
			t.Run(name, func(t *testing.T) {
				body, _ := json.Marshal(map[string]string{"username": "policy_user", "email": "policy@example.com", "password": tc.password})
				s, _, b := e.do("POST", "/v1/auth/register", "application/json", body)
				if s != http.StatusBadRequest {
					t.Fatalf("status %d: %s", s, b)
				}
				p := parseProblem(t, b, "validation_failed", "password")
				// Too long is caught by the schema (maxLength), the rest by the policy.
				if got := (*p.Errors)[0].Code; got != tc.code {
					t.Fatalf("code %q, want %q", got, tc.code)
				}
			})
		}
	})
}

// TestSecurityJWTChecks: forged, tampered, mis-addressed, expired and foreign tokens are
// each refused with 401.
func TestSecurityJWTChecks(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("jwt")
		p := e.login(u)
		parts := strings.Split(p.AccessToken, ".")
		var header map[string]any
		headerJSON, _ := base64.RawURLEncoding.DecodeString(parts[0])
		_ = json.Unmarshal(headerJSON, &header)
		var claims map[string]any
		claimsJSON, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(claimsJSON, &claims)
		enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
		with := func(k string, v any) map[string]any {
			c := map[string]any{}
			for kk, vv := range claims {
				c[kk] = vv
			}
			c[k] = v
			return c
		}
		// The server's own key, from the database, signs tokens that differ in one claim.
		keys, err := e.app.Store.SigningKeys(ctx)
		if err != nil || len(keys) == 0 {
			t.Fatal("no signing key", err)
		}
		serverKey, err := jwk.ParseKey(keys[0].Private, jwk.WithPEM(true))
		if err != nil {
			t.Fatal(err)
		}
		sign := func(key any, c map[string]any, kid string) string {
			hdr := jws.NewHeaders()
			_ = hdr.Set(jws.KeyIDKey, kid)
			_ = hdr.Set(jws.TypeKey, header["typ"])
			payload, _ := json.Marshal(c)
			out, err := jws.Sign(payload, jws.WithKey(jwa.EdDSA(), key, jws.WithProtectedHeaders(hdr)))
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
		kid := header["kid"].(string)
		_, foreign, _ := ed25519.GenerateKey(rand.Reader)
		jwksRes, _ := e.client.GetJWKSWithResponse(ctx)
		hs256 := func() string {
			h := enc(map[string]any{"alg": "HS256", "kid": kid, "typ": header["typ"]})
			signing := h + "." + parts[1]
			mac := hmac.New(sha256.New, jwksRes.Body)
			mac.Write([]byte(signing))
			return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		}

		for name, token := range map[string]string{
			"alg_none":            enc(map[string]any{"alg": "none", "kid": kid, "typ": header["typ"]}) + "." + parts[1] + ".",
			"hs256_public_key":    hs256(),
			"tampered_payload":    parts[0] + "." + enc(with("sub", "999")) + "." + parts[2],
			"wrong_audience":      sign(serverKey, with("aud", "someone-else"), kid),
			"expired":             sign(serverKey, with("exp", time.Now().Add(-time.Hour).Unix()), kid),
			"unknown_key":         sign(foreign, claims, "not-a-known-kid"),
			"foreign_key_our_kid": sign(foreign, claims, kid),
		} {
			t.Run(name+"_401", func(t *testing.T) {
				me, _ := e.client.GetMeWithResponse(ctx, bearer(token))
				wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			})
		}
		t.Run("control_resigned_original_200", func(t *testing.T) {
			// The forging helper itself is sound: the original claims re-signed pass.
			me, _ := e.client.GetMeWithResponse(ctx, bearer(sign(serverKey, claims, kid)))
			if statusOf(me) != http.StatusOK {
				t.Fatalf("status %d: %s", statusOf(me), bodyOf(me))
			}
		})
		t.Run("expired_by_clock_401", func(t *testing.T) {
			e.clock.Advance(16 * time.Minute)
			me, _ := e.client.GetMeWithResponse(ctx, bearer(p.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
		})
	})
}

// TestSecurityEventsRecorded: every security-relevant event lands in the history, with
// time, IP and user agent, and none holds a password or token.
func TestSecurityEventsRecorded(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("audited")
		secrets := []string{u.password}
		_, _ = e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: "wrong-password"})
		p := e.login(u)
		secrets = append(secrets, p.AccessToken, p.RefreshToken)
		next, _ := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: p.RefreshToken})
		secrets = append(secrets, next.JSON200.RefreshToken)
		next, _ = e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: next.JSON200.RefreshToken})
		e.clock.Advance(11 * time.Second)
		_, _ = e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: p.RefreshToken}) // reuse: the chain moved past it
		secrets = append(secrets, next.JSON200.RefreshToken)
		p = e.login(u)
		other := e.login(u)
		_, _ = e.client.LogoutWithResponse(ctx, client.LogoutJSONRequestBody{}, bearer(other.AccessToken))
		third := e.login(u)
		list, _ := e.client.ListMySessionsWithResponse(ctx, nil, bearer(p.AccessToken))
		for _, s := range list.JSON200.Items {
			if !s.Current {
				_, _ = e.client.RevokeMySessionWithResponse(ctx, s.Id, bearer(p.AccessToken))
			}
		}
		_ = third
		_, _ = e.client.RequestEmailChangeWithResponse(ctx, nil, client.RequestEmailChangeJSONRequestBody{NewEmail: client.Email("new-" + u.email), Password: u.password}, bearer(p.AccessToken))
		changeToken := e.emailedToken("new-" + u.email)
		_, _ = e.client.ConfirmEmailChangeWithResponse(ctx, nil, client.ConfirmEmailChangeJSONRequestBody{Token: changeToken}, bearer(p.AccessToken))
		_, _ = e.client.ChangePasswordWithResponse(ctx, nil, client.ChangePasswordJSONRequestBody{CurrentPassword: u.password, NewPassword: "a-brand-new-passphrase"}, bearer(p.AccessToken))
		_, _ = e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email("new-" + u.email)})
		resetToken := e.emailedToken("new-" + u.email)
		_, _ = e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: resetToken, NewPassword: "the-final-passphrase"})
		secrets = append(secrets, changeToken, resetToken, "a-brand-new-passphrase", "the-final-passphrase")
		p = e.login(user{username: u.username, password: "the-final-passphrase"})

		limit := client.Limit(200)
		res, err := e.client.ListMyEventsWithResponse(ctx, &client.ListMyEventsParams{Limit: &limit}, bearer(p.AccessToken))
		if err != nil || res.JSON200 == nil {
			t.Fatalf("events: %v %s", err, bodyOf(res))
		}
		missing := map[string]bool{}
		for _, typ := range []string{"registered", "activated", "login_succeeded", "login_failed", "logout",
			"refresh_token_reuse_detected", "password_changed", "password_reset_requested", "password_reset",
			"email_change_requested", "email_change_confirmed", "session_revoked"} {
			missing[typ] = true
		}
		for _, ev := range res.JSON200.Items {
			delete(missing, string(ev.Type))
			if ev.At.IsZero() || (ev.Type == "login_succeeded" && (ev.Ip == "" || ev.UserAgent == "")) {
				t.Fatalf("event lacks time, IP or user agent: %+v", ev)
			}
			raw, _ := json.Marshal(ev)
			for _, s := range secrets {
				if strings.Contains(string(raw), s) {
					t.Fatalf("event %s holds a secret", ev.Type)
				}
			}
		}
		if len(missing) > 0 {
			t.Fatalf("events never recorded: %v", missing)
		}
	})
}

// TestSecurityLogsHoldNoSecrets: a whole session's worth of requests leaves no password
// or token in the logs, while the access log does record each request.
func TestSecurityLogsHoldNoSecrets(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("quiet")
		p := e.login(u)
		next, _ := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: p.RefreshToken})
		_, _ = e.client.GetMeWithResponse(ctx, bearer(next.JSON200.AccessToken))
		_, _ = e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: "Wr0ng-Secret-Password"})
		_, _ = e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(u.email)})
		reset := e.emailedToken(u.email)
		_, _ = e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: reset, NewPassword: "a-brand-new-passphrase"})
		_, _, _ = e.do("GET", "/v1/me?access_token="+next.JSON200.AccessToken, "", nil)
		logs := e.logs.String()
		if !strings.Contains(logs, `"route":"/v1/auth/login"`) || !strings.Contains(logs, `"request_id":`) ||
			!strings.Contains(logs, `"route":"/v1/me","status":200`) || !strings.Contains(logs, `"user_id":`) {
			t.Fatalf("access log lacks route, status, request id or user id:\n%s", logs)
		}
		for _, secret := range []string{u.password, "Wr0ng-Secret-Password", "a-brand-new-passphrase", reset,
			p.AccessToken, p.RefreshToken, next.JSON200.AccessToken, next.JSON200.RefreshToken} {
			if strings.Contains(logs, secret) {
				t.Fatalf("logs hold a secret (%.8s...)", secret)
			}
		}
	})
}
