package contracttests

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
	mailpkg "github.com/accountd/accountd/internal/mail"
)

// The rule these tests attack: an access token alone never moves an account's email,
// through any API. A thief holding one would otherwise move the account to their own
// address and take it with a password reset. Each API asks for the password, or, where
// its clients send none, has the current address approve the change before the new
// address gets its link. And a change, or a deactivation, voids every emailed link.

// linksTo returns the link of every email sent to addr, oldest first.
func (e *env) linksTo(addr string) []string {
	e.t.Helper()
	var links []string
	for _, m := range e.sent() {
		if sentTo(addr)(m) {
			if l := mailpkg.FindLink(m.Text); l != "" {
				links = append(links, l)
			}
		}
	}
	return links
}

// as makes t the env's test until the returned function restores the one before, for
// a subtest.
func (e *env) as(t *testing.T) func() {
	parent := e.t
	e.t = t
	return func() { e.t = parent }
}

// wantApprovalAsked fails unless the newest email to current asks it to approve a move
// to newEmail, and returns that email's link.
func (e *env) wantApprovalAsked(current, newEmail string) string {
	e.t.Helper()
	m, ok := e.lastMail(current)
	if !ok || !strings.Contains(m.Text, newEmail) || mailpkg.FindLink(m.Text) == "" {
		e.t.Fatalf("the current address was not asked to approve the move to %s: %+v", newEmail, m)
	}
	return mailpkg.FindLink(m.Text)
}

// TestStolenAccessTokenCannotMoveEmail_restregistration: register-email and the profile
// take no password, so the thief's address gets nothing until the owner approves at the
// current address; whatever the thief then does with the stolen token, the email stays.
func TestStolenAccessTokenCannotMoveEmail_restregistration(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		victim := e.rrActiveUser("rr_victim")
		stolen := e.rrLogin(victim.username, victim.password)
		thiefAddress := newUser("rr_thief_drop").email

		status, _, body := e.rrDo("POST", "/api/accounts/register-email/", map[string]any{"email": thiefAddress}, rrBearer(stolen)...)
		rrWant(t, status, body, http.StatusOK, `{}`)
		status, _, body = e.rrDo("PATCH", "/api/accounts/profile/", map[string]any{"email": thiefAddress}, rrBearer(stolen)...)
		if status != http.StatusOK || body["email"] != victim.email {
			t.Fatalf("profile PATCH: %d %v", status, body)
		}
		// Every link that reached the thief's address, followed with the stolen token
		// and without, at both of the API's verify paths.
		for _, link := range e.linksTo(thiefAddress) {
			u, _ := url.Parse(link)
			for _, path := range []string{"/api/account/verify-email/", "/api/accounts/verify-email/"} {
				e.rrDo("POST", path, rrLinkBody(u.Query()), rrBearer(stolen)...)
				e.rrDo("POST", path, rrLinkBody(u.Query()))
			}
		}
		_, _, profile := e.rrDo("GET", "/api/accounts/profile/", nil, rrBearer(stolen)...)
		if profile["email"] != victim.email {
			t.Fatalf("a stolen access token moved the email to %v", profile["email"])
		}
		if links := e.linksTo(thiefAddress); len(links) != 0 {
			t.Fatalf("the thief's address got %d links without the owner's approval", len(links))
		}
		// The owner hears of the attempt, at the address the thief wanted to leave.
		approval, _ := url.Parse(e.wantApprovalAsked(victim.email, thiefAddress))
		if !strings.HasPrefix(approval.String(), rrVerifyEmailPage+"?") || approval.Query().Get("email") != thiefAddress {
			t.Fatalf("approval link %s", approval)
		}
		// A reset asked for at the thief's address finds no account there.
		e.rrDo("POST", "/api/accounts/send-reset-password-link/", map[string]any{"email": thiefAddress})
		if n := e.mailCount(thiefAddress); n != 0 {
			t.Fatalf("%d emails reached the thief's address", n)
		}
	})
}

// TestStolenAccessTokenCannotMoveEmail_cadasta: the platform's account PATCH takes the
// email with current_password optional. Without it, the change waits for the current
// address's approval, at the same activate endpoint as every other link.
func TestStolenAccessTokenCannotMoveEmail_cadasta(t *testing.T) {
	forEachStoreWith(t, cadastaConfig, func(t *testing.T, e *env) {
		t.Run("thief", func(t *testing.T) {
			defer e.as(t)()
			victim := e.cdActiveUser("cdstolen")
			stolen := e.cdLogin(victim.username, victim.password)
			thiefAddress := newUser("cd_thief_drop").email
			status, h, got := e.dj("PATCH", "/api/v1/account/", map[string]any{"email": thiefAddress}, cdToken(stolen)...)
			cdWant(t, status, h, got, 201, `{"username":"`+victim.username+`","full_name":"Joe Smith","email":"`+victim.email+`","email_verified":true,"last_login":"<any>"}`)
			for _, link := range e.linksTo(thiefAddress) {
				parts := strings.Split(strings.Trim(link, "/"), "/")
				body := map[string]any{"uid": parts[len(parts)-2], "token": parts[len(parts)-1]}
				e.dj("POST", "/api/v1/account/activate/", body, cdToken(stolen)...)
			}
			if _, _, got := e.dj("GET", "/api/v1/account/", nil, cdToken(stolen)...); djDecode(t, got)["email"] != victim.email {
				t.Fatalf("a stolen access token moved the email: %s", got)
			}
			if n := e.mailCount(thiefAddress); n != 0 {
				t.Fatalf("%d emails reached the thief's address", n)
			}
			e.wantApprovalAsked(victim.email, thiefAddress)
		})
		t.Run("owner_approves_then_confirms", func(t *testing.T) {
			defer e.as(t)()
			owner := e.cdActiveUser("cdowner")
			token := e.cdLogin(owner.username, owner.password)
			newEmail := newUser("cd_owner_new").email
			e.dj("PATCH", "/api/v1/account/", map[string]any{"email": newEmail}, cdToken(token)...)
			e.wantApprovalAsked(owner.email, newEmail)
			_, uid, approval := e.djLink(owner.email)
			status, h, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": approval}, cdToken(token)...)
			cdWant(t, status, h, got, 200, "")
			if _, _, got := e.dj("GET", "/api/v1/account/", nil, cdToken(token)...); djDecode(t, got)["email"] != owner.email {
				t.Fatalf("the approval alone moved the email: %s", got)
			}
			// The approval works once.
			status, h, got = e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": approval}, cdToken(token)...)
			cdWant(t, status, h, got, 400, `{"non_field_errors":["Invalid token for given user."]}`)
			_, uid, confirm := e.djLink(newEmail)
			status, h, got = e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": confirm}, cdToken(token)...)
			cdWant(t, status, h, got, 200, "")
			if _, _, got := e.dj("GET", "/api/v1/account/", nil, cdToken(token)...); djDecode(t, got)["email"] != newEmail {
				t.Fatalf("both links followed, the email did not move: %s", got)
			}
		})
		t.Run("with_the_password_the_new_address_confirms_alone", func(t *testing.T) {
			defer e.as(t)()
			owner := e.cdActiveUser("cdpw")
			token := e.cdLogin(owner.username, owner.password)
			newEmail := newUser("cd_pw_new").email
			e.dj("PATCH", "/api/v1/account/", map[string]any{"email": newEmail, "current_password": owner.password}, cdToken(token)...)
			_, uid, confirm := e.djLink(newEmail)
			status, h, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": confirm}, cdToken(token)...)
			cdWant(t, status, h, got, 200, "")
			if _, _, got := e.dj("GET", "/api/v1/account/", nil, cdToken(token)...); djDecode(t, got)["email"] != newEmail {
				t.Fatalf("the email did not move: %s", got)
			}
		})
	})
}

// TestStolenAccessTokenCannotMoveEmail_canonical: /v1/me/email asks for the password.
func TestStolenAccessTokenCannotMoveEmail_canonical(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		victim := e.activeUser("cn_victim")
		stolen := e.login(victim).AccessToken
		thiefAddress := newUser("cn_thief_drop").email
		for _, pw := range []string{"", "guessed-password-1"} {
			res, err := e.client.RequestEmailChangeWithResponse(ctx, nil, client.RequestEmailChangeJSONRequestBody{NewEmail: thiefAddress, Password: pw}, bearer(stolen))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode() != http.StatusBadRequest {
				t.Fatalf("password %q: %d %s", pw, res.StatusCode(), res.Body)
			}
		}
		if n := e.mailCount(thiefAddress); n != 0 {
			t.Fatalf("%d emails reached the thief's address", n)
		}
	})
}

// TestStolenAccessTokenCannotMoveEmail_djoser: set_email asks for current_password, and
// the user serializer's email is read-only.
func TestStolenAccessTokenCannotMoveEmail_djoser(t *testing.T) {
	forEachStoreWith(t, djoserConfig, func(t *testing.T, e *env) {
		victim := e.activeUser("dj_victim")
		stolen, _ := e.djLogin(victim.email, victim.password)
		thiefAddress := newUser("dj_thief_drop").email
		for _, body := range []map[string]any{
			{"new_email": thiefAddress},
			{"new_email": thiefAddress, "current_password": "guessed-password-1"},
		} {
			if status, _, got := e.dj("POST", "/api/users/set_email/", body, djBearer(stolen)...); status != http.StatusBadRequest {
				t.Fatalf("set_email %v: %d %s", body, status, got)
			}
		}
		e.dj("PATCH", "/api/users/me/", map[string]any{"email": thiefAddress}, djBearer(stolen)...)
		if _, _, got := e.dj("GET", "/api/users/me/", nil, djBearer(stolen)...); djDecode(t, got)["email"] != victim.email {
			t.Fatalf("a stolen access token moved the email: %s", got)
		}
		if n := e.mailCount(thiefAddress); n != 0 {
			t.Fatalf("%d emails reached the thief's address", n)
		}
	})
}

// TestStolenAccessTokenCannotMoveEmail_jwtaccounts: the profile update has no email.
func TestStolenAccessTokenCannotMoveEmail_jwtaccounts(t *testing.T) {
	forEachStoreWith(t, jwtaConfig, func(t *testing.T, e *env) {
		victim, stolen, _ := e.jaActiveUser("ja_victim")
		thiefAddress := newUser("ja_thief_drop").email
		e.ja("POST", "/accounts/api/update/profile/", map[string]any{"email": thiefAddress, "bio": "x"}, jaAuth(stolen)...)
		// The victim still signs in with their address: it is still the account's.
		e.jaLogin(victim.email, victim.password)
		if n := e.mailCount(thiefAddress); n != 0 {
			t.Fatalf("%d emails reached the thief's address", n)
		}
	})
}

// TestStolenAccessTokenCannotMoveEmail_admin: an administrator's own stolen token cannot
// move the administrator's email through the admin API, which asks for no password. (A
// staff member who is not a superuser cannot change a staff account there at all.)
func TestStolenAccessTokenCannotMoveEmail_admin(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		staff, stolen := e.staffUser("adm_victim", true)
		thiefAddress := newUser("adm_thief_drop").email
		id := e.userID(stolen, staff.username)
		res, err := e.client.AdminUpdateUserWithResponse(ctx, id, client.AdminUpdateUserJSONRequestBody{Email: &thiefAddress}, stolen)
		if err != nil {
			t.Fatal(err)
		}
		wantProblem(t, res, http.StatusBadRequest, "validation_failed", "email")
		me, err := e.client.GetMeWithResponse(ctx, stolen)
		if err != nil || me.JSON200 == nil || me.JSON200.Email != staff.email {
			t.Fatalf("the staff account's email moved: %v %s", err, me.Body)
		}
	})
}

// TestEmailChangeVoidsEmailedTokens: a reset link sent to the old address stops working
// once the email has moved, whichever API moved it.
func TestEmailChangeVoidsEmailedTokens(t *testing.T) {
	forEachStoreWith(t, cadastaConfig, func(t *testing.T, e *env) {
		ctx := context.Background()
		t.Run("canonical", func(t *testing.T) {
			defer e.as(t)()
			u := e.activeUser("void_cn")
			access := e.login(u).AccessToken
			if _, err := e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: u.email}); err != nil {
				t.Fatal(err)
			}
			reset := e.emailedToken(u.email)
			newEmail := "moved-" + u.email
			if res, err := e.client.RequestEmailChangeWithResponse(ctx, nil, client.RequestEmailChangeJSONRequestBody{NewEmail: newEmail, Password: u.password}, bearer(access)); err != nil || res.StatusCode() != http.StatusAccepted {
				t.Fatalf("request: %v %s", err, res.Body)
			}
			if res, err := e.client.ConfirmEmailChangeWithResponse(ctx, nil, client.ConfirmEmailChangeJSONRequestBody{Token: e.emailedToken(newEmail)}, bearer(access)); err != nil || res.JSON200 == nil {
				t.Fatalf("confirm: %v %s", err, res.Body)
			}
			res, err := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: reset, NewPassword: "taken-over-password-1"})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusBadRequest, "token_invalid")
		})
		t.Run("cadasta", func(t *testing.T) {
			defer e.as(t)()
			u := e.cdActiveUser("voidcd")
			token := e.cdLogin(u.username, u.password)
			e.dj("POST", "/api/v1/account/password/reset/", map[string]any{"email": u.email})
			_, resetUID, reset := e.djLink(u.email)
			newEmail := newUser("void_cd_new").email
			e.dj("PATCH", "/api/v1/account/", map[string]any{"email": newEmail, "current_password": u.password}, cdToken(token)...)
			_, uid, confirm := e.djLink(newEmail)
			status, h, got := e.dj("POST", "/api/v1/account/activate/", map[string]any{"uid": uid, "token": confirm}, cdToken(token)...)
			cdWant(t, status, h, got, 200, "")
			status, h, got = e.dj("POST", "/api/v1/account/password/reset/confirm/", map[string]any{"uid": resetUID, "token": reset, "new_password": "taken-over-password-1", "re_new_password": "taken-over-password-1"})
			cdWant(t, status, h, got, 400, `{"non_field_errors":["Invalid token for given user."]}`)
		})
		t.Run("restregistration", func(t *testing.T) {
			defer e.as(t)()
			u := e.rrActiveUser("void_rr")
			token := e.rrLogin(u.username, u.password)
			e.rrDo("POST", "/api/accounts/send-reset-password-link/", map[string]any{"email": u.email})
			reset := e.rrLink(u.email, rrResetPage)
			newEmail := newUser("void_rr_new").email
			e.rrDo("POST", "/api/accounts/register-email/", map[string]any{"email": newEmail}, rrBearer(token)...)
			e.rrApproveEmailChange(u.email)
			status, _, body := e.rrDo("POST", "/api/accounts/verify-email/", rrLinkBody(e.rrLink(newEmail, rrVerifyEmailPage)))
			rrWant(t, status, body, http.StatusOK, `{}`)
			status, _, body = e.rrDo("POST", "/api/accounts/reset-password/", rrLinkBody(reset, "password", "taken-over-password-1"))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("restregistration_approval_alone", func(t *testing.T) {
			// The approval starts the move away from the old mailbox: links sent there
			// before it stop working too, the approval's own included.
			defer e.as(t)()
			u := e.rrActiveUser("void_rr_ap")
			token := e.rrLogin(u.username, u.password)
			e.rrDo("POST", "/api/accounts/send-reset-password-link/", map[string]any{"email": u.email})
			reset := e.rrLink(u.email, rrResetPage)
			e.rrDo("POST", "/api/accounts/register-email/", map[string]any{"email": newUser("void_rr_ap_new").email}, rrBearer(token)...)
			approval := e.rrLink(u.email, rrVerifyEmailPage)
			e.rrApproveEmailChange(u.email)
			status, _, body := e.rrDo("POST", "/api/accounts/verify-email/", rrLinkBody(approval))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
			status, _, body = e.rrDo("POST", "/api/accounts/reset-password/", rrLinkBody(reset, "password", "taken-over-password-1"))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
	})
}

// TestDeactivationVoidsSignedResetLink: a signed reset link made before an administrator
// deactivated the account does not work again once the account is reactivated, nor does
// a stored reset token.
func TestDeactivationVoidsSignedResetLink(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		_, staffAuth := e.staffUser("deact_staff", false)
		cycle := func(username string) {
			e.t.Helper()
			id := e.userID(staffAuth, username)
			for _, active := range []bool{false, true} {
				res, err := e.client.AdminUpdateUserWithResponse(ctx, id, client.AdminUpdateUserJSONRequestBody{Active: &active}, staffAuth)
				if err != nil || res.JSON200 == nil {
					e.t.Fatalf("active %v: %v %s", active, err, res.Body)
				}
			}
		}
		t.Run("signed_link", func(t *testing.T) {
			defer e.as(t)()
			u := e.rrActiveUser("deact_rr")
			e.rrDo("POST", "/api/accounts/send-reset-password-link/", map[string]any{"email": u.email})
			reset := e.rrLink(u.email, rrResetPage)
			cycle(u.username)
			status, _, body := e.rrDo("POST", "/api/accounts/reset-password/", rrLinkBody(reset, "password", "taken-over-password-1"))
			rrWant(t, status, body, http.StatusBadRequest, `{"detail": "Invalid signature"}`)
		})
		t.Run("stored_token", func(t *testing.T) {
			defer e.as(t)()
			u := e.activeUser("deact_cn")
			if _, err := e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: u.email}); err != nil {
				t.Fatal(err)
			}
			reset := e.emailedToken(u.email)
			cycle(u.username)
			res, err := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: reset, NewPassword: "taken-over-password-1"})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusBadRequest, "token_invalid")
		})
	})
}
