package contracttests

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
)

func TestRegister(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()

		t.Run("201_inactive_and_activation_email_sent", func(t *testing.T) {
			u := newUser("reg")
			first, last := "Ada", "Lovelace"
			res, err := e.client.RegisterWithResponse(ctx, nil, client.RegisterJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: u.password,
				PasswordConfirm: &u.password, FirstName: &first, LastName: &last,
			})
			if err != nil || res.JSON201 == nil {
				t.Fatalf("register: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			a := res.JSON201.Account
			if a.Username != u.username || string(a.Email) != u.email || a.Active || a.FirstName != first {
				t.Fatalf("unexpected account %+v", a)
			}
			m, ok := e.lastMail(u.email)
			if !ok || !strings.Contains(m.Text, "token=") {
				t.Fatalf("no activation email with a link: %+v", m)
			}
			login, _ := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: u.password})
			wantProblem(t, login, http.StatusForbidden, "account_inactive")
		})

		t.Run("409_username_taken_any_case", func(t *testing.T) {
			u := newUser("taken")
			e.register(u)
			other := newUser("other")
			res, err := e.client.RegisterWithResponse(ctx, nil, client.RegisterJSONRequestBody{
				Username: strings.ToUpper(u.username), Email: client.Email(other.email), Password: other.password,
			})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusConflict, "username_taken")
		})

		t.Run("201_taken_email_hidden_and_owner_told", func(t *testing.T) {
			owner := newUser("owner")
			e.register(owner)
			before := len(e.sent())
			intruder := newUser("intruder")
			res, err := e.client.RegisterWithResponse(ctx, nil, client.RegisterJSONRequestBody{
				Username: intruder.username, Email: client.Email(strings.ToUpper(owner.email[:1]) + owner.email[1:]), Password: intruder.password,
			})
			if err != nil || res.JSON201 == nil {
				t.Fatalf("want the same 201 as a fresh registration: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			msgs := e.sent()[before:]
			if len(msgs) != 1 || !strings.EqualFold(msgs[0].To, owner.email) || strings.Contains(msgs[0].Text, "token=") {
				t.Fatalf("want one notice to the owner without a token, got %+v", msgs)
			}
			login, _ := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: intruder.username, Password: intruder.password})
			wantProblem(t, login, http.StatusUnauthorized, "invalid_credentials")
		})

		t.Run("400_weak_password", func(t *testing.T) {
			u := newUser("weak")
			res, err := e.client.RegisterWithResponse(ctx, nil, client.RegisterJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: "short1234",
			})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "password")
		})

		t.Run("400_password_equal_to_username", func(t *testing.T) {
			u := newUser("samepassword")
			res, err := e.client.RegisterWithResponse(ctx, nil, client.RegisterJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: u.username,
			})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "password")
		})

		t.Run("400_password_confirm_mismatch", func(t *testing.T) {
			u := newUser("mismatch")
			other := u.password + "x"
			res, err := e.client.RegisterWithResponse(ctx, nil, client.RegisterJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: u.password, PasswordConfirm: &other,
			})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "password_confirm")
		})

		t.Run("400_bad_username_and_email_both_named", func(t *testing.T) {
			status, _, body := e.do("POST", "/v1/auth/register", "application/json",
				[]byte(`{"username":"no spaces!","email":"a..b@example.com","password":"correct-horse-battery"}`))
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			p := parseProblem(t, body, "validation_failed")
			fields := map[string]bool{}
			for _, fe := range *p.Errors {
				fields[fe.Field] = true
			}
			if !fields["username"] || !fields["email"] {
				t.Fatalf("want username and email named: %s", body)
			}
		})
	})
}

func TestActivate(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()

		t.Run("200_then_400_when_reused", func(t *testing.T) {
			u := newUser("act")
			e.register(u)
			token := e.emailedToken(u.email)
			res, err := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: token})
			if err != nil || res.JSON200 == nil || !res.JSON200.Active || !res.JSON200.EmailVerified {
				t.Fatalf("activate: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			again, err := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: token})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, again, http.StatusBadRequest, "token_invalid")
			e.login(u)
		})

		t.Run("400_unknown_token", func(t *testing.T) {
			res, err := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: "not-a-token"})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusBadRequest, "token_invalid")
		})

		t.Run("400_expired_token", func(t *testing.T) {
			u := newUser("expired")
			e.register(u)
			token := e.emailedToken(u.email)
			e.clock.Advance(49 * time.Hour)
			res, err := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: token})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusBadRequest, "token_invalid")
		})

		t.Run("405_get_does_not_consume", func(t *testing.T) {
			u := newUser("getlink")
			e.register(u)
			token := e.emailedToken(u.email)
			status, _, _ := e.do("GET", "/v1/auth/activate?token="+token, "", nil)
			if status != http.StatusMethodNotAllowed {
				t.Fatalf("GET activate = %d, want 405", status)
			}
			res, err := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: token})
			if err != nil || res.StatusCode() != http.StatusOK {
				t.Fatalf("token was consumed by GET: %v %d", err, statusOf(res))
			}
		})
	})
}

func TestResendActivation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		resend := func(t *testing.T, email string) []byte {
			res, err := e.client.ResendActivationWithResponse(ctx, client.ResendActivationJSONRequestBody{Email: client.Email(email)})
			if err != nil || res.StatusCode() != http.StatusAccepted {
				t.Fatalf("resend: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			return res.Body
		}

		t.Run("202_new_link_replaces_old", func(t *testing.T) {
			u := newUser("resend")
			e.register(u)
			old := e.emailedToken(u.email)
			resend(t, u.email)
			fresh := e.emailedToken(u.email)
			if fresh == old {
				t.Fatal("resend sent the same token")
			}
			res, _ := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: old})
			wantProblem(t, res, http.StatusBadRequest, "token_invalid")
			ok, _ := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: fresh})
			if statusOf(ok) != http.StatusOK {
				t.Fatalf("fresh token refused: %s", bodyOf(ok))
			}
		})

		t.Run("202_same_answer_for_unknown_and_active", func(t *testing.T) {
			active := e.activeUser("resendactive")
			before := len(e.sent())
			a := resend(t, "nobody-"+active.email)
			b := resend(t, active.email)
			if string(a) != string(b) {
				t.Fatalf("answers differ: %s vs %s", a, b)
			}
			if n := len(e.sent()) - before; n != 0 {
				t.Fatalf("%d emails sent, want none", n)
			}
		})
	})
}
