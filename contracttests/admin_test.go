package contracttests

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
)

// staffUser seeds an active account with the staff role (and optionally superuser),
// straight in the store as the command line would, and logs it in.
func (e *env) staffUser(prefix string, superuser bool) (user, client.RequestEditorFn) {
	e.t.Helper()
	u := e.seedUser(prefix)
	ctx := context.Background()
	stored, err := e.app.Store.UserByLogin(ctx, u.username)
	if err != nil {
		e.t.Fatal(err)
	}
	stored.Role, stored.Superuser = account.RoleStaff, superuser
	if _, err := e.app.Store.UpdateUser(ctx, stored); err != nil {
		e.t.Fatal(err)
	}
	return u, bearer(e.login(u).AccessToken)
}

// userID finds the ID of a user by username through the admin API.
func (e *env) userID(auth client.RequestEditorFn, username string) int64 {
	e.t.Helper()
	res, err := e.client.AdminListUsersWithResponse(context.Background(), &client.AdminListUsersParams{Q: &username}, auth)
	if err != nil || res.JSON200 == nil {
		e.t.Fatalf("list users: %v %d %s", err, statusOf(res), bodyOf(res))
	}
	for _, u := range res.JSON200.Items {
		if u.Username == username {
			return u.Id
		}
	}
	e.t.Fatalf("user %s not listed", username)
	return 0
}

// adminOp is one call of an admin operation through the SDK.
type adminOp struct {
	name string
	// call makes the request for the account userID or the organization orgID.
	call func(e *env, userID, orgID int64, auth ...client.RequestEditorFn) (response, error)
}

// adminOps calls every admin operation once, with a valid request, for the checks every
// one of them must pass.
var adminOps = []adminOp{
	{"list_users", func(e *env, _, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminListUsersWithResponse(context.Background(), nil, auth...)
	}},
	{"create_user", func(e *env, _, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminCreateUserWithResponse(context.Background(), nil, client.AdminCreateUserJSONRequestBody{Username: "newbie", Email: "newbie@example.com"}, auth...)
	}},
	{"get_user", func(e *env, id, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminGetUserWithResponse(context.Background(), id, auth...)
	}},
	{"patch_user", func(e *env, id, _ int64, auth ...client.RequestEditorFn) (response, error) {
		first := "X"
		return e.client.AdminUpdateUserWithResponse(context.Background(), id, client.AdminUpdateUserJSONRequestBody{FirstName: &first}, auth...)
	}},
	{"put_user", func(e *env, id, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminReplaceUserWithResponse(context.Background(), id, client.AdminReplaceUserJSONRequestBody{
			Username: "renamed", Email: "renamed@example.com", Role: client.AdminRoleUser, Active: true,
		}, auth...)
	}},
	{"delete_user", func(e *env, id, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminDeleteUserWithResponse(context.Background(), id, auth...)
	}},
	{"logout_user", func(e *env, id, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminLogoutUserWithResponse(context.Background(), id, auth...)
	}},
	{"user_events", func(e *env, id, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminListUserEventsWithResponse(context.Background(), id, nil, auth...)
	}},
	{"user_password_reset", func(e *env, id, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminSendPasswordResetWithResponse(context.Background(), id, auth...)
	}},
	{"list_organizations", func(e *env, _, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminListOrganizationsWithResponse(context.Background(), auth...)
	}},
	{"create_organization", func(e *env, _, _ int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminCreateOrganizationWithResponse(context.Background(), client.AdminCreateOrganizationJSONRequestBody{Name: "New College"}, auth...)
	}},
	{"get_organization", func(e *env, _, id int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminGetOrganizationWithResponse(context.Background(), id, auth...)
	}},
	{"patch_organization", func(e *env, _, id int64, auth ...client.RequestEditorFn) (response, error) {
		name := "Renamed College"
		return e.client.AdminUpdateOrganizationWithResponse(context.Background(), id, client.AdminUpdateOrganizationJSONRequestBody{Name: &name}, auth...)
	}},
	{"delete_organization", func(e *env, _, id int64, auth ...client.RequestEditorFn) (response, error) {
		return e.client.AdminDeleteOrganizationWithResponse(context.Background(), id, nil, auth...)
	}},
}

// takesID reports whether the operation names an account or an organization.
func (op adminOp) takesID() bool {
	return !strings.HasPrefix(op.name, "list_") && !strings.HasPrefix(op.name, "create_")
}

func TestAdminAccess(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, staffAuth := e.staffUser("staff", false)
		plain := e.seedUser("plain")
		plainAuth := bearer(e.login(plain).AccessToken)
		target := e.userID(staffAuth, plain.username)
		org, err := e.client.AdminCreateOrganizationWithResponse(context.Background(), client.AdminCreateOrganizationJSONRequestBody{Name: "Access College"}, staffAuth)
		if err != nil || org.JSON201 == nil {
			t.Fatalf("organization: %v %d %s", err, statusOf(org), bodyOf(org))
		}

		for _, op := range adminOps {
			t.Run("401_without_token_"+op.name, func(t *testing.T) {
				res, err := op.call(e, target, org.JSON201.Id)
				if err != nil {
					t.Fatal(err)
				}
				wantProblem(t, res, http.StatusUnauthorized, "unauthenticated")
			})
			t.Run("403_not_staff_"+op.name, func(t *testing.T) {
				res, err := op.call(e, target, org.JSON201.Id, plainAuth)
				if err != nil {
					t.Fatal(err)
				}
				wantProblem(t, res, http.StatusForbidden, "forbidden")
			})
			if op.takesID() {
				t.Run("404_unknown_id_"+op.name, func(t *testing.T) {
					res, err := op.call(e, 987654321, 987654321, staffAuth)
					if err != nil {
						t.Fatal(err)
					}
					wantProblem(t, res, http.StatusNotFound, "not_found")
				})
			}
		}
		t.Run("400_id_not_a_number", func(t *testing.T) {
			status, _, body := e.do("GET", "/v1/admin/users/abc", "", nil, staffAuthHeader(t, e, staffAuth)...)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			parseProblem(t, body, "validation_failed", "id")
		})
		t.Run("401_deactivated_staff_token_refused", func(t *testing.T) {
			_, rootAuth := e.staffUser("root", true)
			other, otherAuth := e.staffUser("otherstaff", false)
			inactive := false
			res, err := e.client.AdminUpdateUserWithResponse(context.Background(), e.userID(rootAuth, other.username),
				client.AdminUpdateUserJSONRequestBody{Active: &inactive}, rootAuth)
			if err != nil || res.JSON200 == nil {
				t.Fatalf("deactivate: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			list, _ := e.client.AdminListUsersWithResponse(context.Background(), nil, otherAuth)
			wantProblem(t, list, http.StatusUnauthorized, "unauthenticated")
		})
	})
}

// staffAuthHeader turns a client editor into raw header pairs for e.do.
func staffAuthHeader(t *testing.T, e *env, auth client.RequestEditorFn) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", e.url, nil)
	if err := auth(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return []string{"Authorization", req.Header.Get("Authorization")}
}

func TestAdminUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		staffer, staffAuth := e.staffUser("staff", false)
		root, rootAuth := e.staffUser("root", true)
		yes, no := true, false

		t.Run("201_create_active_with_password_then_login", func(t *testing.T) {
			u := newUser("made")
			first := "Made"
			res, err := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: &u.password, FirstName: &first,
				Active: &yes, EmailVerified: &yes,
			}, staffAuth)
			if err != nil || res.JSON201 == nil {
				t.Fatalf("create: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			got := res.JSON201
			if !got.Active || !got.EmailVerified || got.Role != client.AdminUserRoleUser || got.Superuser || got.FirstName != first {
				t.Fatalf("created %+v", got)
			}
			e.login(u)
			events, _ := e.client.AdminListUserEventsWithResponse(ctx, got.Id, nil, staffAuth)
			if events.JSON200 == nil || len(events.JSON200.Items) == 0 {
				t.Fatalf("events: %s", bodyOf(events))
			}
			created := events.JSON200.Items[len(events.JSON200.Items)-1]
			if created.Type != client.EventTypeAdminCreated || created.Actor == nil || created.Actor.Username != staffer.username {
				t.Fatalf("creation event %+v does not name the admin", created)
			}
		})
		t.Run("201_create_with_invitation_then_user_sets_password", func(t *testing.T) {
			u := newUser("invited")
			res, err := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), SendInvitation: &yes,
			}, staffAuth)
			if err != nil || res.JSON201 == nil || res.JSON201.Active {
				t.Fatalf("create: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			m, _ := e.lastMail(u.email)
			if !strings.Contains(m.Subject, "invited") {
				t.Fatalf("invitation subject %q", m.Subject)
			}
			// No password yet: nobody can log in.
			login, _ := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: u.password})
			wantProblem(t, login, http.StatusUnauthorized, "invalid_credentials")
			reset, err := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: e.emailedToken(u.email), NewPassword: u.password})
			if err != nil || reset.StatusCode() != http.StatusNoContent {
				t.Fatalf("accept invitation: %v %d %s", err, statusOf(reset), bodyOf(reset))
			}
			pair := e.login(u) // accepting the invitation activated the account
			me, _ := e.client.GetMeWithResponse(ctx, bearer(pair.AccessToken))
			if me.JSON200 == nil || !me.JSON200.Active || !me.JSON200.EmailVerified {
				t.Fatalf("me after accepting: %s", bodyOf(me))
			}
			mine, _ := e.client.ListMyEventsWithResponse(ctx, nil, bearer(pair.AccessToken))
			var types []client.EventType
			for _, ev := range mine.JSON200.Items {
				types = append(types, ev.Type)
				if ev.Type == client.EventTypeAdminInvitationSent && (ev.Actor == nil || ev.Actor.Username != staffer.username) {
					t.Errorf("invitation event in /v1/me/events does not name the admin: %+v", ev)
				}
			}
			for _, want := range []client.EventType{client.EventTypeInvitationAccepted, client.EventTypeAdminInvitationSent, client.EventTypeAdminCreated} {
				if !slices.Contains(types, want) {
					t.Errorf("own history %v lacks %s", types, want)
				}
			}
		})
		t.Run("403_staff_cannot_create_staff", func(t *testing.T) {
			u := newUser("wannabe")
			role := client.AdminRoleStaff
			res, _ := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Role: &role,
			}, staffAuth)
			wantProblem(t, res, http.StatusForbidden, "forbidden")
		})
		t.Run("201_superuser_creates_staff", func(t *testing.T) {
			u := newUser("newstaff")
			role := client.AdminRoleStaff
			res, err := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: &u.password, Role: &role, Active: &yes,
			}, rootAuth)
			if err != nil || res.JSON201 == nil || res.JSON201.Role != client.AdminUserRoleStaff {
				t.Fatalf("create: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			list, _ := e.client.AdminListUsersWithResponse(ctx, nil, bearer(e.login(u).AccessToken))
			if list.JSON200 == nil {
				t.Fatalf("new staff cannot list users: %s", bodyOf(list))
			}
		})
		t.Run("409_create_username_taken", func(t *testing.T) {
			res, _ := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: strings.ToUpper(staffer.username), Email: "someone-new@example.com",
			}, staffAuth)
			wantProblem(t, res, http.StatusConflict, "username_taken")
		})
		t.Run("409_create_email_taken", func(t *testing.T) {
			res, _ := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: newUser("fresh").username, Email: client.Email(strings.ToUpper(staffer.email)),
			}, staffAuth)
			wantProblem(t, res, http.StatusConflict, "email_taken")
		})
		t.Run("400_create_common_password", func(t *testing.T) {
			u := newUser("weak")
			weak := "password123"
			res, _ := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), Password: &weak,
			}, staffAuth)
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "password")
		})
		t.Run("400_create_unknown_organization", func(t *testing.T) {
			u := newUser("noorg")
			org := int64(987654)
			res, _ := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), OrganizationId: &org,
			}, staffAuth)
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "organization_id")
		})
		t.Run("200_get", func(t *testing.T) {
			id := e.userID(staffAuth, staffer.username)
			res, err := e.client.AdminGetUserWithResponse(ctx, id, staffAuth)
			if err != nil || res.JSON200 == nil || res.JSON200.Username != staffer.username || res.JSON200.Role != client.AdminUserRoleStaff {
				t.Fatalf("get: %v %d %s", err, statusOf(res), bodyOf(res))
			}
		})
		t.Run("200_patch_fields_recorded_with_actor", func(t *testing.T) {
			u := e.seedUser("patched")
			id := e.userID(staffAuth, u.username)
			last, country := "Patched", "Norway"
			res, err := e.client.AdminUpdateUserWithResponse(ctx, id, client.AdminUpdateUserJSONRequestBody{LastName: &last, Country: &country}, staffAuth)
			if err != nil || res.JSON200 == nil || res.JSON200.LastName != last || res.JSON200.Country != country {
				t.Fatalf("patch: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			mine, _ := e.client.ListMyEventsWithResponse(ctx, nil, bearer(e.login(u).AccessToken))
			var found bool
			for _, ev := range mine.JSON200.Items {
				if ev.Type == client.EventTypeAdminUpdated {
					found = ev.Actor != nil && ev.Actor.Username == staffer.username && ev.Detail == "changed: last_name, country"
				}
			}
			if !found {
				t.Fatalf("no admin_updated event naming %s: %s", staffer.username, bodyOf(mine))
			}
		})
		t.Run("200_patch_deactivate_ends_sessions_at_once", func(t *testing.T) {
			u := e.seedUser("deactivated")
			pair := e.login(u)
			id := e.userID(staffAuth, u.username)
			res, err := e.client.AdminUpdateUserWithResponse(ctx, id, client.AdminUpdateUserJSONRequestBody{Active: &no}, staffAuth)
			if err != nil || res.JSON200 == nil || res.JSON200.Active {
				t.Fatalf("deactivate: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(pair.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			ref, _ := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: pair.RefreshToken})
			wantProblem(t, ref, http.StatusUnauthorized, "refresh_token_invalid")
			login, _ := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: u.password})
			wantProblem(t, login, http.StatusForbidden, "account_inactive")
			// Held inactive by an administrator: no activation link for the user to undo it.
			resend, _ := e.client.ResendActivationWithResponse(ctx, client.ResendActivationJSONRequestBody{Email: client.Email(u.email)})
			if resend.StatusCode() != http.StatusAccepted {
				t.Fatalf("resend: %d %s", statusOf(resend), bodyOf(resend))
			}
			if m, ok := e.lastMail(u.email); ok {
				t.Fatalf("an email went to the deactivated account: %q", m.Subject)
			}
			// Reactivated, the old session stays ended.
			back, _ := e.client.AdminUpdateUserWithResponse(ctx, id, client.AdminUpdateUserJSONRequestBody{Active: &yes}, staffAuth)
			if back.JSON200 == nil || !back.JSON200.Active {
				t.Fatalf("reactivate: %s", bodyOf(back))
			}
			me, _ = e.client.GetMeWithResponse(ctx, bearer(pair.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			e.login(u)
		})
		t.Run("200_patch_email_unverified_and_old_address_told", func(t *testing.T) {
			u := e.seedUser("moving")
			id := e.userID(staffAuth, u.username)
			newEmail := client.Email("moved-" + u.email)
			res, err := e.client.AdminUpdateUserWithResponse(ctx, id, client.AdminUpdateUserJSONRequestBody{Email: &newEmail}, staffAuth)
			if err != nil || res.JSON200 == nil || res.JSON200.Email != newEmail || res.JSON200.EmailVerified {
				t.Fatalf("patch email: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			if _, ok := e.lastMail(u.email); !ok {
				t.Fatalf("the old address was not told")
			}
		})
		t.Run("400_patch_empty", func(t *testing.T) {
			id := e.userID(staffAuth, staffer.username)
			status, _, body := e.do("PATCH", fmt.Sprintf("/v1/admin/users/%d", id), "application/json", []byte(`{}`), staffAuthHeader(t, e, staffAuth)...)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			parseProblem(t, body, "validation_failed")
		})
		t.Run("409_patch_email_taken", func(t *testing.T) {
			u := e.seedUser("clash")
			taken := client.Email(staffer.email)
			res, _ := e.client.AdminUpdateUserWithResponse(ctx, e.userID(staffAuth, u.username), client.AdminUpdateUserJSONRequestBody{Email: &taken}, staffAuth)
			wantProblem(t, res, http.StatusConflict, "email_taken")
		})
		t.Run("403_staff_cannot_grant_staff", func(t *testing.T) {
			u := e.seedUser("promoted")
			role := client.AdminRoleStaff
			res, _ := e.client.AdminUpdateUserWithResponse(ctx, e.userID(staffAuth, u.username), client.AdminUpdateUserJSONRequestBody{Role: &role}, staffAuth)
			wantProblem(t, res, http.StatusForbidden, "forbidden")
		})
		t.Run("403_staff_cannot_change_staff_account", func(t *testing.T) {
			other, _ := e.staffUser("peer", false)
			first := "Hijacked"
			res, _ := e.client.AdminUpdateUserWithResponse(ctx, e.userID(staffAuth, other.username), client.AdminUpdateUserJSONRequestBody{FirstName: &first}, staffAuth)
			wantProblem(t, res, http.StatusForbidden, "forbidden")
			reset, _ := e.client.AdminSendPasswordResetWithResponse(ctx, e.userID(staffAuth, other.username), staffAuth)
			wantProblem(t, reset, http.StatusForbidden, "forbidden")
		})
		t.Run("200_superuser_grants_and_removes_staff", func(t *testing.T) {
			u := e.seedUser("elevated")
			id := e.userID(rootAuth, u.username)
			for _, role := range []client.AdminRole{client.AdminRoleStaff, client.AdminRoleUser} {
				res, err := e.client.AdminUpdateUserWithResponse(ctx, id, client.AdminUpdateUserJSONRequestBody{Role: &role}, rootAuth)
				if err != nil || res.JSON200 == nil || string(res.JSON200.Role) != string(role) {
					t.Fatalf("role %s: %v %d %s", role, err, statusOf(res), bodyOf(res))
				}
			}
		})
		t.Run("403_staff_cannot_deactivate_self", func(t *testing.T) {
			res, _ := e.client.AdminUpdateUserWithResponse(ctx, e.userID(staffAuth, staffer.username), client.AdminUpdateUserJSONRequestBody{Active: &no}, staffAuth)
			wantProblem(t, res, http.StatusForbidden, "forbidden") // a staff account is a superuser's to change
		})
		t.Run("200_put_replaces_every_field", func(t *testing.T) {
			u := e.seedUser("replaced")
			id := e.userID(staffAuth, u.username)
			bio := "to be cleared"
			if res, _ := e.client.AdminUpdateUserWithResponse(ctx, id, client.AdminUpdateUserJSONRequestBody{Bio: &bio}, staffAuth); res.JSON200 == nil {
				t.Fatalf("patch: %s", bodyOf(res))
			}
			first := "Only"
			res, err := e.client.AdminReplaceUserWithResponse(ctx, id, client.AdminReplaceUserJSONRequestBody{
				Username: u.username + "_r", Email: client.Email("r-" + u.email), FirstName: &first,
				Role: client.AdminRoleUser, Active: true,
			}, staffAuth)
			if err != nil || res.JSON200 == nil {
				t.Fatalf("put: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			got := res.JSON200
			if got.Username != u.username+"_r" || got.FirstName != first || got.Bio != "" || got.LastName != "" || got.EmailVerified {
				t.Fatalf("replaced %+v", got)
			}
		})
		t.Run("400_put_missing_required", func(t *testing.T) {
			id := e.userID(staffAuth, staffer.username)
			status, _, body := e.do("PUT", fmt.Sprintf("/v1/admin/users/%d", id), "application/json", []byte(`{"username":"x"}`), staffAuthHeader(t, e, staffAuth)...)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			parseProblem(t, body, "validation_failed")
		})
		t.Run("200_logout_ends_every_session", func(t *testing.T) {
			u := e.seedUser("loggedout")
			a, b := e.login(u), e.login(u)
			res, err := e.client.AdminLogoutUserWithResponse(ctx, e.userID(staffAuth, u.username), staffAuth)
			if err != nil || res.JSON200 == nil || res.JSON200.SessionsEnded != 2 {
				t.Fatalf("logout: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			for _, p := range []client.TokenPair{a, b} {
				me, _ := e.client.GetMeWithResponse(ctx, bearer(p.AccessToken))
				wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			}
		})
		t.Run("202_password_reset_emailed", func(t *testing.T) {
			u := e.seedUser("forgetful")
			res, err := e.client.AdminSendPasswordResetWithResponse(ctx, e.userID(staffAuth, u.username), staffAuth)
			if err != nil || res.StatusCode() != http.StatusAccepted {
				t.Fatalf("reset: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			u.password += "-new"
			reset, _ := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: e.emailedToken(u.email), NewPassword: u.password})
			if reset.StatusCode() != http.StatusNoContent {
				t.Fatalf("reset with the emailed token: %d %s", statusOf(reset), bodyOf(reset))
			}
			e.login(u)
		})
		t.Run("200_events_paged", func(t *testing.T) {
			u := e.seedUser("historic")
			id := e.userID(staffAuth, u.username)
			for range 3 {
				e.login(u)
			}
			limit := client.Limit(2)
			first, _ := e.client.AdminListUserEventsWithResponse(ctx, id, &client.AdminListUserEventsParams{Limit: &limit}, staffAuth)
			if first.JSON200 == nil || len(first.JSON200.Items) != 2 || first.JSON200.NextCursor == nil {
				t.Fatalf("first page: %s", bodyOf(first))
			}
			next, _ := e.client.AdminListUserEventsWithResponse(ctx, id, &client.AdminListUserEventsParams{Limit: &limit, Cursor: first.JSON200.NextCursor}, staffAuth)
			if next.JSON200 == nil || len(next.JSON200.Items) != 1 || next.JSON200.NextCursor != nil || next.JSON200.Items[0].Id >= first.JSON200.Items[1].Id {
				t.Fatalf("second page: %s", bodyOf(next))
			}
		})
		t.Run("204_delete_refuses_tokens_and_records_in_admin_history", func(t *testing.T) {
			u := e.seedUser("doomed")
			pair := e.login(u)
			id := e.userID(staffAuth, u.username)
			res, err := e.client.AdminDeleteUserWithResponse(ctx, id, staffAuth)
			if err != nil || res.StatusCode() != http.StatusNoContent {
				t.Fatalf("delete: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(pair.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			get, _ := e.client.AdminGetUserWithResponse(ctx, id, staffAuth)
			wantProblem(t, get, http.StatusNotFound, "not_found")
			mine, _ := e.client.ListMyEventsWithResponse(ctx, nil, staffAuth)
			if mine.JSON200 == nil || mine.JSON200.Items[0].Type != client.EventTypeAdminDeletedUser || !strings.Contains(mine.JSON200.Items[0].Detail, u.username) {
				t.Fatalf("admin's history: %s", bodyOf(mine))
			}
		})
		t.Run("403_delete_self", func(t *testing.T) {
			res, _ := e.client.AdminDeleteUserWithResponse(ctx, e.userID(rootAuth, root.username), rootAuth)
			wantProblem(t, res, http.StatusForbidden, "forbidden")
		})
		t.Run("400_superuser_cannot_deactivate_self", func(t *testing.T) {
			res, _ := e.client.AdminUpdateUserWithResponse(ctx, e.userID(rootAuth, root.username), client.AdminUpdateUserJSONRequestBody{Active: &no}, rootAuth)
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "active")
		})
	})
}

func TestAdminUserListing(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		_, auth := e.staffUser("lister", false)
		yes, no := true, false
		org, err := e.client.AdminCreateOrganizationWithResponse(ctx, client.AdminCreateOrganizationJSONRequestBody{Name: "Listing College"}, auth)
		if err != nil || org.JSON201 == nil {
			t.Fatalf("organization: %v %d %s", err, statusOf(org), bodyOf(org))
		}
		orgID := org.JSON201.Id
		create := func(username, email, first, last string, active, verified bool, inOrg bool) {
			body := client.AdminCreateUserJSONRequestBody{
				Username: username, Email: client.Email(email), FirstName: &first, LastName: &last,
				Active: &active, EmailVerified: &verified,
			}
			if inOrg {
				body.OrganizationId = &orgID
			}
			res, err := e.client.AdminCreateUserWithResponse(ctx, nil, body, auth)
			if err != nil || res.JSON201 == nil {
				t.Fatalf("create %s: %v %d %s", username, err, statusOf(res), bodyOf(res))
			}
		}
		create("Zoe_L", "zoe@uni.example", "Zoë", "Ångström", true, true, true)
		create("adam_L", "adam@uni.example", "Adam", "Smith", false, true, true)
		create("bea_L", "bea@else.example", "Béatrice", "Dalle", true, false, false)

		names := func(res *client.AdminListUsersResponse) []string {
			t.Helper()
			if res == nil || res.JSON200 == nil {
				t.Fatalf("list: %d %s", statusOf(res), bodyOf(res))
			}
			var out []string
			for _, u := range res.JSON200.Items {
				if strings.HasSuffix(u.Username, "_L") {
					out = append(out, u.Username)
				}
			}
			return out
		}
		list := func(p client.AdminListUsersParams) []string {
			t.Helper()
			res, _ := e.client.AdminListUsersWithResponse(ctx, &p, auth)
			return names(res)
		}
		str := func(s string) *string { return &s }
		sortBy := func(s client.AdminListUsersParamsSort) *client.AdminListUsersParamsSort { return &s }
		role := func(r client.AdminListUsersParamsRole) *client.AdminListUsersParamsRole { return &r }
		for name, tc := range map[string]struct {
			p    client.AdminListUsersParams
			want []string
		}{
			"200_sort_username":            {client.AdminListUsersParams{Sort: sortBy(client.AdminListUsersParamsSortUsername)}, []string{"adam_L", "bea_L", "Zoe_L"}},
			"200_sort_minus_username":      {client.AdminListUsersParams{Sort: sortBy(client.AdminListUsersParamsSortMinusUsername)}, []string{"Zoe_L", "bea_L", "adam_L"}},
			"200_sort_date_joined":         {client.AdminListUsersParams{Sort: sortBy(client.AdminListUsersParamsSortDateJoined)}, []string{"Zoe_L", "adam_L", "bea_L"}},
			"200_default_newest_first":     {client.AdminListUsersParams{}, []string{"bea_L", "adam_L", "Zoe_L"}},
			"200_q_username_any_case":      {client.AdminListUsersParams{Q: str("ZOE_l")}, []string{"Zoe_L"}},
			"200_q_email":                  {client.AdminListUsersParams{Q: str("UNI.EXAMPLE"), Sort: sortBy(client.AdminListUsersParamsSortUsername)}, []string{"adam_L", "Zoe_L"}},
			"200_q_accented_name_any_case": {client.AdminListUsersParams{Q: str("ÅNGSTRÖM")}, []string{"Zoe_L"}},
			"200_q_full_name":              {client.AdminListUsersParams{Q: str("béatrice dalle")}, []string{"bea_L"}},
			"200_q_wildcard_literal":       {client.AdminListUsersParams{Q: str("%")}, nil},
			"200_active":                   {client.AdminListUsersParams{Active: &no}, []string{"adam_L"}},
			"200_email_verified":           {client.AdminListUsersParams{EmailVerified: &no}, []string{"bea_L"}},
			"200_organization":             {client.AdminListUsersParams{OrganizationId: &orgID, Sort: sortBy(client.AdminListUsersParamsSortUsername)}, []string{"adam_L", "Zoe_L"}},
			"200_role_staff":               {client.AdminListUsersParams{Role: role(client.AdminListUsersParamsRoleStaff)}, nil},
			"200_filters_together":         {client.AdminListUsersParams{Active: &yes, EmailVerified: &yes, OrganizationId: &orgID, Q: str("zoë"), Role: role(client.AdminListUsersParamsRoleUser)}, []string{"Zoe_L"}},
		} {
			t.Run(name, func(t *testing.T) {
				if got := list(tc.p); fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Fatalf("listed %q, want %q", got, tc.want)
				}
			})
		}
		t.Run("400_limit_above_200", func(t *testing.T) {
			limit := client.Limit(201)
			res, _ := e.client.AdminListUsersWithResponse(ctx, &client.AdminListUsersParams{Limit: &limit}, auth)
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "limit")
		})
		t.Run("400_unknown_sort", func(t *testing.T) {
			status, _, body := e.do("GET", "/v1/admin/users?sort=email", "", nil, staffAuthHeader(t, e, auth)...)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			parseProblem(t, body, "validation_failed", "sort")
		})
		t.Run("400_cursor_not_given_out", func(t *testing.T) {
			res, _ := e.client.AdminListUsersWithResponse(ctx, &client.AdminListUsersParams{Cursor: str("u1.bm9wZQ")}, auth)
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "cursor")
		})
		t.Run("400_cursor_of_another_sort", func(t *testing.T) {
			limit := client.Limit(1)
			first, _ := e.client.AdminListUsersWithResponse(ctx, &client.AdminListUsersParams{Limit: &limit}, auth)
			if first.JSON200 == nil || first.JSON200.NextCursor == nil {
				t.Fatalf("first page: %s", bodyOf(first))
			}
			res, _ := e.client.AdminListUsersWithResponse(ctx, &client.AdminListUsersParams{
				Limit: &limit, Cursor: first.JSON200.NextCursor, Sort: sortBy(client.AdminListUsersParamsSortUsername),
			}, auth)
			wantProblem(t, res, http.StatusBadRequest, "validation_failed", "cursor")
		})
	})
}

// TestAdminPagination walks the listing page by page while users register, and checks
// that every user there at the start shows up exactly once, in each order.
func TestAdminPagination(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		_, auth := e.staffUser("pager", false)
		for range 11 {
			e.seedUser("paged")
		}
		for _, sort := range []client.AdminListUsersParamsSort{
			client.AdminListUsersParamsSortDateJoined, client.AdminListUsersParamsSortMinusDateJoined,
			client.AdminListUsersParamsSortUsername, client.AdminListUsersParamsSortMinusUsername,
		} {
			t.Run("200_every_user_once_"+string(sort), func(t *testing.T) {
				walk := func(limit client.Limit, between func(page int)) []int64 {
					var ids []int64
					params := client.AdminListUsersParams{Sort: &sort, Limit: &limit}
					for page := 0; ; page++ {
						if page > 100 {
							t.Fatal("the cursor does not advance")
						}
						res, err := e.client.AdminListUsersWithResponse(ctx, &params, auth)
						if err != nil || res.JSON200 == nil {
							t.Fatalf("page %d: %v %d %s", page, err, statusOf(res), bodyOf(res))
						}
						if len(res.JSON200.Items) > int(limit) {
							t.Fatalf("page %d has %d users, limit %d", page, len(res.JSON200.Items), limit)
						}
						for _, u := range res.JSON200.Items {
							ids = append(ids, u.Id)
						}
						if res.JSON200.NextCursor == nil {
							return ids
						}
						params.Cursor = res.JSON200.NextCursor
						between(page)
					}
				}
				before := walk(200, func(int) {})
				// Users join between pages: the clock stands still, so they share the
				// date_joined of many others, and only the id tells them apart.
				var added []string
				during := walk(4, func(page int) {
					if page < 3 {
						for _, prefix := range []string{"aa", "mm", "zz"} {
							added = append(added, e.seedUser(prefix).username)
						}
					}
				})
				seen := map[int64]int{}
				for _, id := range during {
					seen[id]++
				}
				for _, id := range before {
					if seen[id] != 1 {
						t.Errorf("user %d listed %d times while users joined, want once", id, seen[id])
					}
				}
				for id, n := range seen {
					if n > 1 {
						t.Errorf("user %d listed %d times", id, n)
					}
				}
				if len(added) == 0 {
					t.Fatal("no user joined during the walk: the test proves nothing")
				}
			})
		}
	})
}

func TestAdminOrganizations(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		_, auth := e.staffUser("orgadmin", false)
		create := func(t *testing.T, name string, slug *string) *client.AdminCreateOrganizationResponse {
			t.Helper()
			res, err := e.client.AdminCreateOrganizationWithResponse(ctx, client.AdminCreateOrganizationJSONRequestBody{Name: name, Slug: slug}, auth)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		t.Run("201_slug_made_from_name", func(t *testing.T) {
			res := create(t, "Université de Genève", nil)
			if res.JSON201 == nil || res.JSON201.Slug != "universite-de-geneve" {
				t.Fatalf("create: %d %s", statusOf(res), bodyOf(res))
			}
			again := create(t, "Universite de Geneve!", nil)
			if again.JSON201 == nil || again.JSON201.Slug != "universite-de-geneve-2" {
				t.Fatalf("second with the same slug: %d %s", statusOf(again), bodyOf(again))
			}
		})
		t.Run("201_slug_given", func(t *testing.T) {
			slug := "buet"
			res := create(t, "Bangladesh University of Engineering and Technology", &slug)
			if res.JSON201 == nil || res.JSON201.Slug != slug {
				t.Fatalf("create: %d %s", statusOf(res), bodyOf(res))
			}
			pub, _ := e.client.ListOrganizationsWithResponse(ctx)
			if pub.JSON200 == nil || !slices.ContainsFunc(pub.JSON200.Items, func(o client.Organization) bool { return o.Slug == slug }) {
				t.Fatalf("not in the public list: %s", bodyOf(pub))
			}
		})
		t.Run("409_name_taken_any_case", func(t *testing.T) {
			create(t, "Taken College", nil)
			wantProblem(t, create(t, "TAKEN college", nil), http.StatusConflict, "organization_name_taken")
		})
		t.Run("409_slug_taken", func(t *testing.T) {
			slug := "taken-slug"
			create(t, "First Slug College", &slug)
			wantProblem(t, create(t, "Second Slug College", &slug), http.StatusConflict, "organization_slug_taken")
		})
		t.Run("400_bad_slug", func(t *testing.T) {
			slug := "Not A Slug"
			wantProblem(t, create(t, "Slugless", &slug), http.StatusBadRequest, "validation_failed", "slug")
		})
		t.Run("200_list_get_and_rename_keeping_slug", func(t *testing.T) {
			o := create(t, "Old Name College", nil).JSON201
			list, _ := e.client.AdminListOrganizationsWithResponse(ctx, auth)
			if list.JSON200 == nil || !slices.ContainsFunc(list.JSON200.Items, func(x client.AdminOrganization) bool { return x.Id == o.Id }) {
				t.Fatalf("list: %s", bodyOf(list))
			}
			name := "New Name College"
			res, err := e.client.AdminUpdateOrganizationWithResponse(ctx, o.Id, client.AdminUpdateOrganizationJSONRequestBody{Name: &name}, auth)
			if err != nil || res.JSON200 == nil || res.JSON200.Name != name || res.JSON200.Slug != o.Slug {
				t.Fatalf("rename: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			get, _ := e.client.AdminGetOrganizationWithResponse(ctx, o.Id, auth)
			if get.JSON200 == nil || get.JSON200.Name != name {
				t.Fatalf("get: %s", bodyOf(get))
			}
		})
		t.Run("409_rename_to_taken_name", func(t *testing.T) {
			create(t, "Occupied College", nil)
			o := create(t, "Free College", nil).JSON201
			name := "occupied COLLEGE"
			res, _ := e.client.AdminUpdateOrganizationWithResponse(ctx, o.Id, client.AdminUpdateOrganizationJSONRequestBody{Name: &name}, auth)
			wantProblem(t, res, http.StatusConflict, "organization_name_taken")
		})
		t.Run("409_delete_with_members_then_204_with_force", func(t *testing.T) {
			o := create(t, "Crowded College", nil).JSON201
			u := newUser("member")
			member, err := e.client.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
				Username: u.username, Email: client.Email(u.email), OrganizationId: &o.Id,
			}, auth)
			if err != nil || member.JSON201 == nil || member.JSON201.Organization == nil || member.JSON201.Organization.Id != o.Id {
				t.Fatalf("member: %v %d %s", err, statusOf(member), bodyOf(member))
			}
			members, _ := e.client.AdminListUsersWithResponse(ctx, &client.AdminListUsersParams{OrganizationId: &o.Id}, auth)
			if members.JSON200 == nil || len(members.JSON200.Items) != 1 || members.JSON200.Items[0].Id != member.JSON201.Id {
				t.Fatalf("members: %s", bodyOf(members))
			}
			res, _ := e.client.AdminDeleteOrganizationWithResponse(ctx, o.Id, nil, auth)
			wantProblem(t, res, http.StatusConflict, "organization_not_empty")
			force := true
			res, err = e.client.AdminDeleteOrganizationWithResponse(ctx, o.Id, &client.AdminDeleteOrganizationParams{Force: &force}, auth)
			if err != nil || res.StatusCode() != http.StatusNoContent {
				t.Fatalf("forced delete: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			get, _ := e.client.AdminGetUserWithResponse(ctx, member.JSON201.Id, auth)
			if get.JSON200 == nil || get.JSON200.Organization != nil {
				t.Fatalf("member after the delete: %s", bodyOf(get))
			}
			gone, _ := e.client.AdminGetOrganizationWithResponse(ctx, o.Id, auth)
			wantProblem(t, gone, http.StatusNotFound, "not_found")
		})
		t.Run("204_delete_empty", func(t *testing.T) {
			o := create(t, "Empty College", nil).JSON201
			res, err := e.client.AdminDeleteOrganizationWithResponse(ctx, o.Id, nil, auth)
			if err != nil || res.StatusCode() != http.StatusNoContent {
				t.Fatalf("delete: %v %d %s", err, statusOf(res), bodyOf(res))
			}
		})
	})
}
