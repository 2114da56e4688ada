package contracttests

import (
	"context"
	"net/http"
	"strings"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	client "github.com/accountd/accountd/clients/go/accountd"
)

func TestEmailChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		request := func(access, newEmail, pw string) *client.RequestEmailChangeResponse {
			res, err := e.client.RequestEmailChangeWithResponse(ctx, nil, client.RequestEmailChangeJSONRequestBody{NewEmail: client.Email(newEmail), Password: pw}, bearer(access))
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		confirm := func(access, token string) *client.ConfirmEmailChangeResponse {
			res, err := e.client.ConfirmEmailChangeWithResponse(ctx, nil, client.ConfirmEmailChangeJSONRequestBody{Token: token}, bearer(access))
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		t.Run("200_confirmed_change_and_old_address_told", func(t *testing.T) {
			u := e.activeUser("mover")
			p := e.login(u)
			newEmail := "moved-" + u.email
			if res := request(p.AccessToken, newEmail, u.password); res.StatusCode() != http.StatusAccepted {
				t.Fatalf("request: %d %s", res.StatusCode(), res.Body)
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(p.AccessToken))
			if string(me.JSON200.Email) != u.email {
				t.Fatal("email changed before confirmation")
			}
			token := e.emailedToken(newEmail)
			res := confirm(p.AccessToken, token)
			if res.JSON200 == nil || string(res.JSON200.Email) != newEmail || !res.JSON200.EmailVerified {
				t.Fatalf("confirm: %d %s", res.StatusCode(), res.Body)
			}
			if m, ok := e.lastMail(u.email); !ok || !strings.Contains(m.Subject, "email address was changed") {
				t.Fatalf("old address not told: %+v", m)
			}
			wantProblem(t, confirm(p.AccessToken, token), http.StatusBadRequest, "token_invalid")
			u.email = newEmail
			if _, err := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: newEmail, Password: u.password}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("400_another_users_token_left_unspent", func(t *testing.T) {
			a, b := e.activeUser("ownera"), e.activeUser("ownerb")
			pa, pb := e.login(a), e.login(b)
			request(pa.AccessToken, "new-"+a.email, a.password)
			token := e.emailedToken("new-" + a.email)
			wantProblem(t, confirm(pb.AccessToken, token), http.StatusBadRequest, "token_invalid")
			if res := confirm(pa.AccessToken, token); res.StatusCode() != http.StatusOK {
				t.Fatalf("owner's confirm after the refusal: %d %s", res.StatusCode(), res.Body)
			}
		})
		t.Run("202_taken_address_hidden_no_link", func(t *testing.T) {
			a, b := e.activeUser("hidera"), e.activeUser("hiderb")
			pa := e.login(a)
			before := len(e.sent())
			if res := request(pa.AccessToken, b.email, a.password); res.StatusCode() != http.StatusAccepted {
				t.Fatalf("status %d", res.StatusCode())
			}
			if n := len(e.sent()) - before; n != 0 {
				t.Fatalf("%d emails sent for a taken address", n)
			}
		})
		t.Run("400_wrong_password", func(t *testing.T) {
			u := e.activeUser("moverwrong")
			p := e.login(u)
			wantProblem(t, request(p.AccessToken, "x-"+u.email, "wrong-password"), http.StatusBadRequest, "validation_failed", "password")
		})
	})
}

func TestSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("sessions")
		a, b := e.login(u), e.login(u)

		t.Run("200_lists_live_sessions_with_current", func(t *testing.T) {
			res, err := e.client.ListMySessionsWithResponse(ctx, nil, bearer(a.AccessToken))
			if err != nil || res.JSON200 == nil || len(res.JSON200.Items) != 2 {
				t.Fatalf("sessions: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			current := 0
			for _, s := range res.JSON200.Items {
				if s.Current {
					current++
				}
				if s.Ip != "127.0.0.1" || !strings.Contains(s.UserAgent, "Go-http-client") {
					t.Fatalf("session lacks ip/user agent: %+v", s)
				}
			}
			if current != 1 {
				t.Fatalf("%d current sessions", current)
			}
		})
		t.Run("204_revoke_other_session_refuses_its_token", func(t *testing.T) {
			list, _ := e.client.ListMySessionsWithResponse(ctx, nil, bearer(a.AccessToken))
			var other openapi_types.UUID
			for _, s := range list.JSON200.Items {
				if !s.Current {
					other = s.Id
				}
			}
			res, err := e.client.RevokeMySessionWithResponse(ctx, other, bearer(a.AccessToken))
			if err != nil || res.StatusCode() != http.StatusNoContent {
				t.Fatalf("revoke: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(b.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			again, _ := e.client.RevokeMySessionWithResponse(ctx, other, bearer(a.AccessToken))
			wantProblem(t, again, http.StatusNotFound, "not_found")
		})
		t.Run("404_someone_elses_session", func(t *testing.T) {
			v := e.activeUser("victim")
			vp := e.login(v)
			list, _ := e.client.ListMySessionsWithResponse(ctx, nil, bearer(vp.AccessToken))
			res, _ := e.client.RevokeMySessionWithResponse(ctx, list.JSON200.Items[0].Id, bearer(a.AccessToken))
			wantProblem(t, res, http.StatusNotFound, "not_found")
			if me, _ := e.client.GetMeWithResponse(ctx, bearer(vp.AccessToken)); statusOf(me) != http.StatusOK {
				t.Fatal("another user's session was ended")
			}
		})
		t.Run("400_bad_session_id", func(t *testing.T) {
			status, _, body := e.do("DELETE", "/v1/me/sessions/not-a-uuid", "", nil, "Authorization", "Bearer "+a.AccessToken)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			parseProblem(t, body, "validation_failed", "id")
		})
	})
}

func TestEventsAndDashboard(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("history")
		for range 3 {
			_, _ = e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: "wrong-password"})
		}
		p := e.login(u)

		t.Run("200_pages_cover_every_event_once", func(t *testing.T) {
			seen := map[int64]bool{}
			var types []string
			limit := client.Limit(2)
			var cursor *client.Cursor
			for page := 0; page < 10; page++ {
				res, err := e.client.ListMyEventsWithResponse(ctx, &client.ListMyEventsParams{Limit: &limit, Cursor: cursor}, bearer(p.AccessToken))
				if err != nil || res.JSON200 == nil {
					t.Fatalf("events: %v %d %s", err, statusOf(res), bodyOf(res))
				}
				for _, ev := range res.JSON200.Items {
					if seen[ev.Id] {
						t.Fatalf("event %d twice", ev.Id)
					}
					seen[ev.Id] = true
					types = append(types, string(ev.Type))
				}
				if res.JSON200.NextCursor == nil {
					break
				}
				c := client.Cursor(*res.JSON200.NextCursor)
				cursor = &c
			}
			// registered, activated, 3 failed logins, 1 login: newest first.
			want := "login_succeeded,login_failed,login_failed,login_failed,activated,registered"
			if got := strings.Join(types, ","); got != want {
				t.Fatalf("history %s, want %s", got, want)
			}
		})
		t.Run("400_bad_cursor_and_limit", func(t *testing.T) {
			for _, q := range []string{"?cursor=abc", "?limit=0", "?limit=201"} {
				status, _, body := e.do("GET", "/v1/me/events"+q, "", nil, "Authorization", "Bearer "+p.AccessToken)
				if status != http.StatusBadRequest {
					t.Fatalf("%s: %d %s", q, status, body)
				}
			}
		})
		t.Run("200_dashboard", func(t *testing.T) {
			res, err := e.client.GetMyDashboardWithResponse(ctx, bearer(p.AccessToken))
			if err != nil || res.JSON200 == nil {
				t.Fatalf("dashboard: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			d := res.JSON200
			if d.Account.Username != u.username || d.Counts.ActiveSessions != 1 || d.Counts.FailedLogins30d != 3 ||
				d.Counts.Events != 6 || len(d.RecentEvents) != 5 || d.RecentEvents[0].Type != "login_succeeded" {
				t.Fatalf("dashboard %+v", d)
			}
		})
	})
}

func TestDeleteMe(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		t.Run("400_wrong_password_keeps_account", func(t *testing.T) {
			u := e.activeUser("keeper")
			p := e.login(u)
			res, _ := e.client.DeleteMeWithResponse(ctx, client.DeleteMeJSONRequestBody{Password: "wrong"}, bearer(p.AccessToken))
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "password")
			e.login(u)
		})
		t.Run("204_account_sessions_and_tokens_gone", func(t *testing.T) {
			u := e.activeUser("leaver")
			p, other := e.login(u), e.login(u)
			res, err := e.client.DeleteMeWithResponse(ctx, client.DeleteMeJSONRequestBody{Password: u.password}, bearer(p.AccessToken))
			if err != nil || res.StatusCode() != http.StatusNoContent {
				t.Fatalf("delete: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			for _, tok := range []string{p.AccessToken, other.AccessToken} {
				me, _ := e.client.GetMeWithResponse(ctx, bearer(tok))
				wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			}
			ref, _ := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: other.RefreshToken})
			wantProblem(t, ref, http.StatusUnauthorized, "refresh_token_invalid")
			login, _ := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: u.password})
			wantProblem(t, login, http.StatusUnauthorized, "invalid_credentials")
			// The username is free again.
			e.register(user{username: u.username, email: "again-" + u.email, password: u.password})
		})
	})
}

func TestProfileAndOrganizations(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.app.Store.DB().ExecContext(ctx,
			"INSERT INTO organizations (name, slug, created_at) VALUES ('University of Dhaka', 'university-of-dhaka', CURRENT_TIMESTAMP), ('BUET', 'buet', CURRENT_TIMESTAMP)"); err != nil {
			t.Fatal(err)
		}
		orgs, err := e.client.ListOrganizationsWithResponse(ctx)
		if err != nil || orgs.JSON200 == nil || len(orgs.JSON200.Items) != 2 || orgs.JSON200.Items[0].Name != "BUET" {
			t.Fatalf("organizations: %v %d %s", err, statusOf(orgs), bodyOf(orgs))
		}
		dhaka := orgs.JSON200.Items[1].Id

		t.Run("201_register_with_organization", func(t *testing.T) {
			u := newUser("student")
			res, err := e.client.RegisterWithResponse(ctx, nil, client.RegisterJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: u.password, OrganizationId: &dhaka,
			})
			if err != nil || res.StatusCode() != http.StatusCreated {
				t.Fatalf("register: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			act, _ := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: e.emailedToken(u.email)})
			if act.JSON200 == nil || act.JSON200.Organization == nil || act.JSON200.Organization.Id != dhaka {
				t.Fatalf("organization not kept: %s", bodyOf(act))
			}
		})
		t.Run("400_register_with_unknown_organization", func(t *testing.T) {
			u := newUser("nowhere")
			missing := int64(999999)
			res, _ := e.client.RegisterWithResponse(ctx, nil, client.RegisterJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: u.password, OrganizationId: &missing,
			})
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "organization_id")
		})
		t.Run("200_patch_profile_fields", func(t *testing.T) {
			u := e.activeUser("profiled")
			p := e.login(u)
			bio, country, profession, thoughts, avatar := "Writes code.", "Bangladesh", "Engineer", "Hello", "https://example.com/a.png"
			res, err := e.client.UpdateMeWithResponse(ctx, client.UpdateMeJSONRequestBody{
				Bio: &bio, Country: &country, Profession: &profession, Thoughts: &thoughts, AvatarUrl: &avatar, OrganizationId: &dhaka,
			}, bearer(p.AccessToken))
			if err != nil || res.JSON200 == nil {
				t.Fatalf("patch: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			a := res.JSON200
			if a.Bio != bio || a.Country != country || a.Profession != profession || a.Thoughts != thoughts ||
				a.AvatarUrl != avatar || a.Organization == nil || a.Organization.Name != "University of Dhaka" {
				t.Fatalf("profile %+v", a)
			}
			none := int64(0)
			res, _ = e.client.UpdateMeWithResponse(ctx, client.UpdateMeJSONRequestBody{OrganizationId: &none}, bearer(p.AccessToken))
			if res.JSON200 == nil || res.JSON200.Organization != nil {
				t.Fatalf("leaving the organization: %s", bodyOf(res))
			}
		})
		t.Run("400_avatar_must_be_http", func(t *testing.T) {
			u := e.activeUser("avatar")
			p := e.login(u)
			for _, bad := range []string{"javascript:alert(1)", "ftp://example.com/a.png", "data:image/png;base64,AAAA"} {
				res, _ := e.client.UpdateMeWithResponse(ctx, client.UpdateMeJSONRequestBody{AvatarUrl: &bad}, bearer(p.AccessToken))
				wantProblem(t, res, http.StatusBadRequest, "validation_failed", "avatar_url")
			}
		})
	})
}
