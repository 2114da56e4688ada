package contracttests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/config"
)

func TestPasswordReset(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		forgot := func(t *testing.T, email string) *client.ForgotPasswordResponse {
			res, err := e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(email)})
			if err != nil || res.StatusCode() != http.StatusAccepted {
				t.Fatalf("forgot: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			return res
		}
		reset := func(token, pw string) *client.ResetPasswordResponse {
			res, err := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: token, NewPassword: pw})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		t.Run("204_new_password_works_old_sessions_end", func(t *testing.T) {
			u := e.activeUser("reset")
			old := e.login(u)
			forgot(t, u.email)
			token := e.emailedToken(u.email)
			if res := reset(token, "a-brand-new-passphrase"); res.StatusCode() != http.StatusNoContent {
				t.Fatalf("reset: %d %s", res.StatusCode(), res.Body)
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(old.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			ref, _ := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: old.RefreshToken})
			wantProblem(t, ref, http.StatusUnauthorized, "refresh_token_invalid")
			bad, _ := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: u.password})
			wantProblem(t, bad, http.StatusUnauthorized, "invalid_credentials")
			u.password = "a-brand-new-passphrase"
			e.login(u)
			// Single use.
			wantProblem(t, reset(token, "yet-another-passphrase"), http.StatusBadRequest, "token_invalid")
		})

		t.Run("400_weak_password_keeps_the_token", func(t *testing.T) {
			u := e.activeUser("resetweak")
			forgot(t, u.email)
			token := e.emailedToken(u.email)
			wantProblem(t, reset(token, "password123"), http.StatusBadRequest, "validation_failed", "new_password")
			if res := reset(token, "a-strong-enough-passphrase"); res.StatusCode() != http.StatusNoContent {
				t.Fatalf("token spent by the refused attempt: %d %s", res.StatusCode(), res.Body)
			}
		})

		t.Run("400_expired_after_an_hour", func(t *testing.T) {
			u := e.activeUser("resetexpiry")
			forgot(t, u.email)
			token := e.emailedToken(u.email)
			e.clock.Advance(61 * time.Minute)
			wantProblem(t, reset(token, "a-brand-new-passphrase"), http.StatusBadRequest, "token_invalid")
		})

		t.Run("202_inactive_and_unknown_get_no_mail", func(t *testing.T) {
			in := newUser("resetinactive")
			e.register(in)
			before := len(e.sent())
			a := forgot(t, in.email)
			b := forgot(t, "nobody-"+in.email)
			if string(a.Body) != string(b.Body) {
				t.Fatalf("answers differ: %s / %s", a.Body, b.Body)
			}
			if n := len(e.sent()) - before; n != 0 {
				t.Fatalf("%d emails sent", n)
			}
		})
	})
}

func TestChangePassword(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		change := func(access, current, next string) *client.ChangePasswordResponse {
			res, err := e.client.ChangePasswordWithResponse(ctx, nil, client.ChangePasswordJSONRequestBody{CurrentPassword: current, NewPassword: next}, bearer(access))
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		t.Run("204_other_sessions_end_this_one_stays", func(t *testing.T) {
			u := e.activeUser("change")
			mine, other := e.login(u), e.login(u)
			if res := change(mine.AccessToken, u.password, "a-brand-new-passphrase"); res.StatusCode() != http.StatusNoContent {
				t.Fatalf("change: %d %s", res.StatusCode(), res.Body)
			}
			if me, _ := e.client.GetMeWithResponse(ctx, bearer(mine.AccessToken)); statusOf(me) != http.StatusOK {
				t.Fatalf("own session ended: %s", bodyOf(me))
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(other.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			if m, ok := e.lastMail(u.email); !ok || !strings.Contains(m.Subject, "password was changed") {
				t.Fatalf("no notice to the owner: %+v", m)
			}
		})
		t.Run("400_wrong_current_password", func(t *testing.T) {
			u := e.activeUser("changewrong")
			p := e.login(u)
			wantProblem(t, change(p.AccessToken, u.password+"x", "a-brand-new-passphrase"), http.StatusBadRequest, "validation_failed", "current_password")
		})
		t.Run("400_common_new_password", func(t *testing.T) {
			u := e.activeUser("changecommon")
			p := e.login(u)
			res := change(p.AccessToken, u.password, "1234567890")
			pr := wantProblem(t, res, http.StatusBadRequest, "validation_failed", "new_password")
			if (*pr.Errors)[0].Code != "too_common" {
				t.Fatalf("code %q", (*pr.Errors)[0].Code)
			}
		})
		t.Run("401_without_token", func(t *testing.T) {
			res, _ := e.client.ChangePasswordWithResponse(ctx, nil, client.ChangePasswordJSONRequestBody{CurrentPassword: "x", NewPassword: "a-brand-new-passphrase"})
			wantProblem(t, res, http.StatusUnauthorized, "unauthenticated")
		})
	})
}

// TestPasswordLengthOneRule: the spec's minLength for new passwords and the password
// policy say the same thing, whatever ACCOUNTD_PASSWORD_MIN_LENGTH is: a 5-character and
// a 9-character password both hear "at least 10" by default (the spec said 8 and the
// policy 10, so they heard different minimums), and a server asking for 12 refuses 11
// in the same words and publishes minLength 12 in its own /openapi.json.
func TestPasswordLengthOneRule(t *testing.T) {
	for _, tc := range []struct {
		min   int
		short []int
	}{{10, []int{5, 9}}, {12, []int{5, 9, 11}}} {
		t.Run(fmt.Sprintf("min_%d", tc.min), func(t *testing.T) {
			forEachStoreWith(t, func(c *config.Config) { c.PasswordMinLength = tc.min }, func(t *testing.T, e *env) {
				want := fmt.Sprintf("must be at least %d characters", tc.min)
				for _, n := range tc.short {
					u := newUser("short")
					body := fmt.Sprintf(`{"username":%q,"email":%q,"password":%q}`, u.username, u.email, strings.Repeat("x7", n)[:n])
					status, _, res := e.do("POST", "/v1/auth/register", "application/json", []byte(body))
					if status != http.StatusBadRequest || !strings.Contains(string(res), `{"code":"too_short","field":"password","message":"`+want+`"}`) {
						t.Errorf("%d characters: %d %s, want 400 too_short %q", n, status, res, want)
					}
				}
				ok := newUser("long")
				status, _, res := e.do("POST", "/v1/auth/register", "application/json",
					[]byte(fmt.Sprintf(`{"username":%q,"email":%q,"password":%q}`, ok.username, ok.email, "unusual-"+strings.Repeat("q", tc.min))))
				if status != http.StatusCreated {
					t.Errorf("a long enough password: %d %s", status, res)
				}
				_, _, spec := e.do("GET", "/openapi.json", "", nil)
				var doc struct {
					Components struct {
						Schemas map[string]struct {
							MinLength int `json:"minLength"`
						} `json:"schemas"`
					} `json:"components"`
				}
				if err := json.Unmarshal(spec, &doc); err != nil {
					t.Fatal(err)
				}
				if got := doc.Components.Schemas["NewPassword"].MinLength; got != tc.min {
					t.Errorf("/openapi.json: NewPassword minLength %d, want %d", got, tc.min)
				}
			})
		})
	}
}
