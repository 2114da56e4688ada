package contracttests

// Moving in from Django (`accountd import django`): users imported from a Django
// database with Django's real schema, on the same kind of database as accountd's, sign in
// with their Django passwords through the canonical API and through the compatibility
// profiles, and each first sign-in replaces the Django hash with argon2id.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/store/djangoimport"
	"github.com/accountd/accountd/internal/store/djangoimport/djangotest"
)

// djangoUser is a user of the Django site, and how the test signs in as it.
type djangoUser struct {
	djangotest.User
	password string
	// via is the door the test signs in through: "v1", "djoser" or "rest-registration".
	via string
}

func TestDjangoImport(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		src := djangotest.New(t, e.app.Store.Dialect())
		src.AddUniversity(7, "University of Dhaka")

		var users []djangoUser
		add := func(u djangoUser) {
			u.Email, u.Active = u.Username+"@example.com", true
			src.AddUser(u.User)
			users = append(users, u)
		}
		// One user per Django hasher, hashed here the way Django hashes, with IDs that are
		// not consecutive: each must be kept.
		// Each signs in through another API, so every API's login is seen upgrading a hash.
		via := []string{"v1", "cadasta", "jwt-accounts"}
		for i, hasher := range djangotest.Hashers {
			pw := "pw-" + hasher + "-lètmein"
			add(djangoUser{User: djangotest.User{ID: int64(100 + 7*i), Username: "dj_" + hasher, Password: djangotest.Hash(t, hasher, pw)},
				password: pw, via: via[i%len(via)]})
		}
		// Django's own test vectors (tests/auth_tests/test_hashers.py).
		add(djangoUser{User: djangotest.User{ID: 500, Username: "dj_vector_pbkdf2",
			Password: "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c="}, password: "lètmein", via: "djoser"})
		add(djangoUser{User: djangotest.User{ID: 501, Username: "dj_vector_argon2",
			Password: "argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw"}, password: "secret", via: "rest-registration"})
		add(djangoUser{User: djangotest.User{ID: 502, Username: "dj_vector_pbkdf2_sha1",
			Password: "pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I="}, password: "lètmein", via: "rest-registration"})
		// Accounts without a usable password.
		unusable := djangotest.Unusable(t)
		add(djangoUser{User: djangotest.User{ID: 600, Username: "dj_unusable", Password: unusable}})
		add(djangoUser{User: djangotest.User{ID: 601, Username: "dj_empty", Password: ""}})
		src.AddProfile(djangotest.Profile{UserID: 100, Country: "Bangladesh", Profession: "Student", UniversityID: 7})

		opt := djangoimport.Options{Source: src.DSN, ProfileTable: djangotest.ProfileTable, Organizations: djangotest.UniversityTable,
			Now: e.clock.Now}
		sum, err := djangoimport.Run(ctx, e.app.Store, opt)
		if err != nil || sum.Imported != len(users) || sum.SkippedCount() != 0 {
			t.Fatalf("import: %v; imported %d of %d, skipped %+v", err, sum.Imported, len(users), sum.Skipped)
		}

		storedHash := func(id int64) string {
			t.Helper()
			u, err := e.app.Store.UserByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return u.PasswordHash
		}
		signIn := func(u djangoUser, pw string) (status int, access string) {
			t.Helper()
			switch u.via {
			case "djoser":
				status, _, got := e.dj("POST", "/api/jwt/create/", map[string]any{"email": u.Email, "password": pw})
				if status == http.StatusOK {
					access, _ = djDecode(t, got)["access"].(string)
				}
				return status, access
			case "rest-registration":
				status, _, body := e.rrDo("POST", "/api/account/login/", map[string]any{"login": u.Username, "password": pw})
				access, _ = body["token"].(string)
				return status, access
			case "cadasta":
				// An opaque auth_token, not a JWT: the caller checks it at the profile.
				status, _, got := e.dj("POST", "/api/v1/account/login/", map[string]any{"username": u.Username, "password": pw})
				if status == http.StatusOK {
					access, _ = djDecode(t, got)["auth_token"].(string)
				}
				return status, access
			case "jwt-accounts":
				status, got := e.ja("POST", "/accounts/api/login/", map[string]any{"email": u.Email, "password": pw})
				access, _ = got["access_token"].(string)
				return status, access
			}
			res, err := e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.Username, Password: pw})
			if err != nil {
				t.Fatal(err)
			}
			if res.JSON200 != nil {
				access = res.JSON200.AccessToken
			}
			return res.StatusCode(), access
		}

		for _, u := range users {
			if u.password == "" {
				continue
			}
			t.Run(fmt.Sprintf("%s_via_%s", u.Username, u.via), func(t *testing.T) {
				imported := storedHash(u.ID)
				if status, _ := signIn(u, u.password+"x"); status != http.StatusUnauthorized && status != http.StatusBadRequest {
					t.Fatalf("wrong password: %d", status)
				}
				if storedHash(u.ID) != imported {
					t.Fatal("a wrong password changed the stored hash")
				}
				status, access := signIn(u, u.password)
				if status != http.StatusOK || access == "" {
					t.Fatalf("sign in with the Django password: %d", status)
				}
				upgraded := storedHash(u.ID)
				if scheme, _ := password.Scheme(upgraded); scheme != "argon2id" {
					t.Fatalf("after sign-in the hash is %s, want argon2id", scheme)
				}
				// The ID is Django's, in every API.
				if u.via == "cadasta" {
					status, _, got := e.dj("GET", "/api/v1/account/", nil, cdToken(access)...)
					if name, _ := djDecode(t, got)["username"].(string); status != http.StatusCreated || name != u.Username {
						t.Fatalf("cadasta account: %d %s", status, got)
					}
				} else if me, err := e.client.GetMeWithResponse(ctx, bearer(access)); err != nil || me.JSON200 == nil || me.JSON200.Id != u.ID {
					t.Fatalf("me: %v %s, want id %d", err, bodyOf(me), u.ID)
				}
				// The password still works, now against argon2id, and stays as it is.
				if status, _ := signIn(u, u.password); status != http.StatusOK {
					t.Fatalf("second sign-in: %d", status)
				}
				if storedHash(u.ID) != upgraded {
					t.Fatal("the argon2id hash was replaced again")
				}
			})
		}

		t.Run("profile_and_organization_kept", func(t *testing.T) {
			_, access := signIn(users[0], users[0].password)
			me, err := e.client.GetMeWithResponse(ctx, bearer(access))
			if err != nil || me.JSON200 == nil {
				t.Fatalf("me: %v %s", err, bodyOf(me))
			}
			if me.JSON200.Country != "Bangladesh" || me.JSON200.Organization == nil || me.JSON200.Organization.Id != 7 ||
				me.JSON200.Organization.Name != "University of Dhaka" {
				t.Fatalf("me: %s", bodyOf(me))
			}
			status, _, got := e.dj("GET", "/api/users/me/", nil, djBearer(access)...)
			if status != http.StatusOK || djID(got) != 100 {
				t.Fatalf("djoser me: %d %s", status, got)
			}
		})

		t.Run("no_usable_password_401", func(t *testing.T) {
			for _, u := range users {
				if u.password != "" {
					continue
				}
				before := storedHash(u.ID)
				for _, guess := range []string{unusable, "!", unusable[1:], "lètmein", " "} {
					for _, via := range []string{"v1", "djoser", "rest-registration"} {
						u.via = via
						if status, _ := signIn(u, guess); status == http.StatusOK {
							t.Fatalf("%s signed in through %s with %q", u.Username, via, guess)
						}
					}
				}
				if storedHash(u.ID) != before {
					t.Fatalf("%s: the stored password changed", u.Username)
				}
			}
		})

		t.Run("a_reset_gives_an_unusable_account_a_password", func(t *testing.T) {
			u := users[slices.IndexFunc(users, func(u djangoUser) bool { return u.ID == 600 })]
			res, err := e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(u.Email)})
			if err != nil || res.StatusCode() != http.StatusAccepted {
				t.Fatalf("forgot: %v %d", err, statusOf(res))
			}
			const chosen = "a-new-passphrase-after-django"
			reset, err := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: e.emailedToken(u.Email), NewPassword: chosen})
			if err != nil || reset.StatusCode() != http.StatusNoContent {
				t.Fatalf("reset: %v %d %s", err, statusOf(reset), bodyOf(reset))
			}
			u.via = "v1"
			if status, _ := signIn(u, chosen); status != http.StatusOK {
				t.Fatalf("sign in with the password set by the reset: %d", status)
			}
		})

		t.Run("re_run_changes_nothing", func(t *testing.T) {
			sum, err := djangoimport.Run(ctx, e.app.Store, opt)
			if err != nil || sum.Imported != 0 || sum.Updated != 0 || sum.Unchanged != len(users) {
				t.Fatalf("re-run: %v; imported %d, updated %d, unchanged %d", err, sum.Imported, sum.Updated, sum.Unchanged)
			}
			// The argon2id hashes accountd made at sign-in stay.
			if scheme, _ := password.Scheme(storedHash(users[0].ID)); scheme != "argon2id" {
				t.Fatalf("re-run put back a %s hash", scheme)
			}
			var n int
			if err := e.app.Store.DB().NewRaw("SELECT count(*) FROM users").Scan(ctx, &n); err != nil || n != len(users) {
				t.Fatalf("%d users after a re-run (%v), want %d", n, err, len(users))
			}
		})

		t.Run("new_accounts_get_ids_after_django_ones", func(t *testing.T) {
			u := e.activeUser("after_django")
			p := e.login(u)
			me, err := e.client.GetMeWithResponse(ctx, bearer(p.AccessToken))
			maxID := slices.MaxFunc(users, func(a, b djangoUser) int { return int(a.ID - b.ID) }).ID
			if err != nil || me.JSON200 == nil || me.JSON200.Id <= maxID {
				t.Fatalf("new user: %v %s, want an id above %d", err, bodyOf(me), maxID)
			}
		})

		if logs := e.logs.String(); strings.Contains(logs, "lètmein") || strings.Contains(logs, unusable) {
			t.Fatal("the logs hold a password or an unusable-password string")
		}
	})
}
