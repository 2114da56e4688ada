package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/app"
)

// fakeConsole answers password prompts from a list, or is no terminal at all.
type fakeConsole struct {
	terminal bool
	answers  []string
	prompts  int
}

func (c *fakeConsole) IsTerminal() bool { return c.terminal }

func (c *fakeConsole) ReadPassword(string) (string, error) {
	if c.prompts >= len(c.answers) {
		return "", errors.New("no more input")
	}
	c.prompts++
	return c.answers[c.prompts-1], nil
}

// cliEnv is the environment of a command run on a fresh SQLite database file.
func cliEnv(t *testing.T) func(string) string {
	t.Helper()
	return envOf(map[string]string{
		"ACCOUNTD_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "accountd.db"),
	})
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// serveAPI starts the API on the database env names, as `accountd serve` would.
func serveAPI(t *testing.T, env func(string) string) *client.ClientWithResponses {
	t.Helper()
	cfg, err := app.LoadConfig(nil, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(t.Context(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	c, err := client.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateAdmin(t *testing.T) {
	ctx := context.Background()
	t.Run("superuser_from_password_file_logs_in_and_administers", func(t *testing.T) {
		env := cliEnv(t)
		var out, logs bytes.Buffer
		err := run(ctx, []string{"createadmin", "-username", "root", "--email=root@example.com",
			"-password-file", writeFile(t, "correct-horse-battery-staple\n")}, env, &out, &logs)
		if err != nil {
			t.Fatalf("createadmin: %v\n%s", err, logs.String())
		}
		if !strings.Contains(out.String(), "created superuser root") {
			t.Fatalf("output %q", out.String())
		}

		api := serveAPI(t, env)
		login, err := api.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: "root", Password: "correct-horse-battery-staple"})
		if err != nil || login.JSON200 == nil {
			t.Fatalf("login: %v %s", err, login.Body)
		}
		auth := func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+login.JSON200.AccessToken)
			return nil
		}
		list, err := api.AdminListUsersWithResponse(ctx, nil, auth)
		if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 {
			t.Fatalf("list users: %v %s", err, list.Body)
		}
		root := list.JSON200.Items[0]
		if !root.Superuser || root.Role != client.AdminUserRoleStaff || !root.Active || !root.EmailVerified {
			t.Fatalf("the admin as listed: %+v", root)
		}
		// A superuser may create staff.
		role, pw := client.AdminRoleStaff, "another-horse-battery"
		created, err := api.AdminCreateUserWithResponse(ctx, nil, client.AdminCreateUserJSONRequestBody{
			Username: "helper", Email: "helper@example.com", Role: &role, Password: &pw,
		}, auth)
		if err != nil || created.JSON201 == nil {
			t.Fatalf("create staff: %v %s", err, created.Body)
		}
	})
	t.Run("password_typed_twice_on_the_terminal", func(t *testing.T) {
		con := &fakeConsole{terminal: true, answers: []string{"typed-horse-battery", "typed-horse-battery"}}
		err := adminCommand(ctx, "createadmin", []string{"-username", "typist", "-email", "typist@example.com"},
			cliEnv(t), io.Discard, io.Discard, con)
		if err != nil || con.prompts != 2 {
			t.Fatalf("err = %v after %d prompts", err, con.prompts)
		}
	})
	t.Run("passwords_typed_differ_refused", func(t *testing.T) {
		con := &fakeConsole{terminal: true, answers: []string{"typed-horse-battery", "typed-horse-batterY"}}
		err := adminCommand(ctx, "createadmin", []string{"-username", "typist", "-email", "typist@example.com"},
			cliEnv(t), io.Discard, io.Discard, con)
		if err == nil || !strings.Contains(err.Error(), "differ") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no_terminal_and_no_file_fails_clearly", func(t *testing.T) {
		err := adminCommand(ctx, "createadmin", []string{"-username", "root", "-email", "root@example.com"},
			cliEnv(t), io.Discard, io.Discard, &fakeConsole{terminal: false})
		if err == nil || !strings.Contains(err.Error(), "-password-file") || !strings.Contains(err.Error(), "terminal") {
			t.Fatalf("err = %v, want one naming -password-file and the terminal", err)
		}
	})
	t.Run("password_as_flag_value_refused", func(t *testing.T) {
		err := run(ctx, []string{"createadmin", "-username", "root", "-email", "root@example.com", "-password", "hunter2-hunter2"},
			cliEnv(t), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "password") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("weak_password_refused", func(t *testing.T) {
		err := run(ctx, []string{"createadmin", "-username", "root", "-email", "root@example.com",
			"-password-file", writeFile(t, "password\n")}, cliEnv(t), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "password") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing_email_refused", func(t *testing.T) {
		err := run(ctx, []string{"createadmin", "-username", "root"}, cliEnv(t), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-email") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("existing_account_refused", func(t *testing.T) {
		env := cliEnv(t)
		args := []string{"createadmin", "-username", "root", "-email", "root@example.com",
			"-password-file", writeFile(t, "correct-horse-battery-staple")}
		if err := run(ctx, args, env, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := run(ctx, args, env, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "already") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestUsersCommands(t *testing.T) {
	ctx := context.Background()
	env := cliEnv(t)
	pw := writeFile(t, "correct-horse-battery-staple\n")
	for _, name := range []string{"alice", "bob"} {
		if err := run(ctx, []string{"createadmin", "-username", name, "-email", name + "@example.com", "-password-file", pw}, env, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("list_prints_every_user", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(ctx, []string{"users", "list"}, env, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "alice@example.com") || !strings.Contains(out.String(), "bob@example.com") {
			t.Fatalf("list:\n%s", out.String())
		}
	})
	t.Run("list_searches", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(ctx, []string{"users", "list", "-q", "BOB"}, env, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "alice") || !strings.Contains(out.String(), "bob") {
			t.Fatalf("list -q BOB:\n%s", out.String())
		}
	})
	t.Run("deactivate_refuses_login_through_api", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(ctx, []string{"users", "deactivate", "bob"}, env, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		api := serveAPI(t, env)
		login, err := api.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: "bob", Password: "correct-horse-battery-staple"})
		if err != nil || login.StatusCode() != http.StatusForbidden {
			t.Fatalf("login after deactivation: %v %d %s", err, login.StatusCode(), login.Body)
		}
	})
	t.Run("deactivate_unknown_user_fails", func(t *testing.T) {
		err := run(ctx, []string{"users", "deactivate", "nobody"}, env, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "no such user") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown_subcommand_fails", func(t *testing.T) {
		if err := run(ctx, []string{"users", "promote"}, env, io.Discard, io.Discard); err == nil {
			t.Fatal("want an error")
		}
	})
}
