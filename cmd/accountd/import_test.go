package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/djangoimport/djangotest"
)

func TestImportDjango(t *testing.T) {
	ctx := context.Background()
	src := djangotest.New(t, bunstoretest.SQLite)
	src.AddUniversity(1, "University of Dhaka")
	src.AddUser(djangotest.User{ID: 41, Username: "ehsan", Email: "ehsan@example.com", Password: djangotest.Hash(t, "pbkdf2_sha256", "myTestPass123."), Active: true})
	src.AddProfile(djangotest.Profile{UserID: 41, Country: "Bangladesh", UniversityID: 1})
	args := []string{"import", "django", "--source", src.DSN, "--profile-table", djangotest.ProfileTable, "--organizations=" + djangotest.UniversityTable}

	t.Run("refused_before_migrate", func(t *testing.T) {
		var out bytes.Buffer
		err := run(ctx, args, cliEnv(t), &out, &out)
		if err == nil || !strings.Contains(err.Error(), "run `accountd migrate` first") {
			t.Fatalf("err = %v, want the schema refusal", err)
		}
	})

	t.Run("dry_run_then_import_then_login", func(t *testing.T) {
		env := cliEnv(t)
		if err := run(ctx, []string{"migrate"}, env, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		// A bare -dry-run, followed by another flag, is the boolean.
		dry := append([]string{"import", "django", "-dry-run"}, args[2:]...)
		if err := run(ctx, dry, env, &out, &out); err != nil {
			t.Fatalf("dry run: %v\n%s", err, out.String())
		}
		for _, want := range []string{"dry run: nothing was written", "imported:    1", "organizations: 1 imported", "country ← accounts_profile.country"} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("dry run output lacks %q:\n%s", want, out.String())
			}
		}
		api := serveAPI(t, env)
		login, err := api.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: "ehsan", Password: "myTestPass123."})
		if err != nil || login.StatusCode() != 401 {
			t.Fatalf("login after a dry run: %v %d, want 401", err, login.StatusCode())
		}

		out.Reset()
		if err := run(ctx, args, env, &out, &out); err != nil {
			t.Fatalf("import: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "imported:    1") || strings.Contains(out.String(), "dry run") {
			t.Fatalf("import output:\n%s", out.String())
		}
		login, err = api.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: "ehsan", Password: "myTestPass123."})
		if err != nil || login.JSON200 == nil {
			t.Fatalf("login with the Django password: %v %s", err, login.Body)
		}
		me, err := api.GetMeWithResponse(ctx, func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+login.JSON200.AccessToken)
			return nil
		})
		if err != nil || me.JSON200 == nil || me.JSON200.Id != 41 || me.JSON200.Country != "Bangladesh" {
			t.Fatalf("me: %v %s, want user 41 from Bangladesh", err, me.Body)
		}
	})

	t.Run("source_required", func(t *testing.T) {
		err := run(ctx, []string{"import", "django"}, cliEnv(t), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "--source is required") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad_map", func(t *testing.T) {
		err := run(ctx, append(args, "--map", "email"), cliEnv(t), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "want FIELD=COLUMN") {
			t.Fatalf("err = %v", err)
		}
	})
}
