package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRun(t *testing.T) {
	t.Run("version", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"version"}, envOf(nil), &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), "accountd ") {
			t.Fatalf("version output %q", out.String())
		}
	})
	t.Run("bad_setting_named_in_one_line", func(t *testing.T) {
		err := run(context.Background(), []string{"serve"}, envOf(map[string]string{"ACCOUNTD_ACCESS_TOKEN_TTL": "forever"}), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "ACCOUNTD_ACCESS_TOKEN_TTL") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("typo_in_a_variable_named_in_a_warning", func(t *testing.T) {
		defer func(saved func() []string) { environ = saved }(environ)
		environ = func() []string { return []string{"ACCOUNTD_ADRR=:9090", "HOME=/root"} }
		env := envOf(map[string]string{"ACCOUNTD_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "accountd.db")})
		var logs bytes.Buffer
		if err := run(context.Background(), []string{"migrate"}, env, &bytes.Buffer{}, &logs); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "ACCOUNTD_ADRR is not a setting and is ignored (did you mean ACCOUNTD_ADDR?)") {
			t.Fatalf("no warning:\n%s", logs.String())
		}
	})
	t.Run("garbage_database_url_refused_and_creates_nothing", func(t *testing.T) {
		t.Chdir(t.TempDir())
		err := run(context.Background(), []string{"migrate"}, envOf(map[string]string{"ACCOUNTD_DATABASE_URL": "garbage"}), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "ACCOUNTD_DATABASE_URL") {
			t.Fatalf("err = %v", err)
		}
		if entries, _ := os.ReadDir("."); len(entries) > 0 {
			t.Fatalf("files created: %v", entries)
		}
	})
	t.Run("unknown_command", func(t *testing.T) {
		if err := run(context.Background(), []string{"frobnicate"}, envOf(nil), &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Fatal("want an error")
		}
	})
	t.Run("migrate_then_serve_until_cancelled", func(t *testing.T) {
		env := envOf(map[string]string{
			"ACCOUNTD_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "accountd.db"),
			"ACCOUNTD_ADDR":         "127.0.0.1:0",
		})
		var logs bytes.Buffer
		if err := run(context.Background(), []string{"migrate"}, env, &bytes.Buffer{}, &logs); err != nil {
			t.Fatalf("migrate: %v\n%s", err, logs.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := run(ctx, nil, env, &bytes.Buffer{}, &logs); err != nil {
			t.Fatalf("serve: %v\n%s", err, logs.String())
		}
		if !strings.Contains(logs.String(), "accountd listening") || !strings.Contains(logs.String(), "shutting down") {
			t.Fatalf("logs lack start and shutdown:\n%s", logs.String())
		}
	})
}

// TestHelp: every way of asking for help prints it to stdout and ends as help (main
// exits 0), naming the command's own flags and, where the command opens the database,
// the settings, profiles' included.
func TestHelp(t *testing.T) {
	settings := []string{"-database-url, ACCOUNTD_DATABASE_URL (default ", "ACCOUNTD_DJOSER_FRONTEND_URL"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"help"}, []string{"Commands:", "serve", "migrate", "createadmin", "users list", "users deactivate", "import django", "version"}},
		{[]string{"-h"}, []string{"Commands:", "import django"}},
		{[]string{"--help"}, []string{"Commands:"}},
		{[]string{"serve", "-h"}, append([]string{"usage: accountd [serve] [settings]"}, settings...)},
		{[]string{"-database-url", "x.db", "--help"}, append([]string{"usage: accountd [serve]"}, settings...)},
		{[]string{"migrate", "-h"}, append([]string{"usage: accountd migrate"}, settings...)},
		{[]string{"createadmin", "-h"}, append([]string{"-username string", "-password-file string"}, settings...)},
		{[]string{"users", "-h"}, []string{"Subcommands:", "list", "deactivate"}},
		{[]string{"users", "list", "-h"}, append([]string{"usage: accountd users list", "-q string"}, settings...)},
		{[]string{"users", "deactivate", "-h"}, append([]string{"usage: accountd users deactivate USERNAME"}, settings...)},
		{[]string{"import", "-h"}, []string{"Subcommands:", "django"}},
		{[]string{"import", "django", "-h"}, append([]string{"-source string", "-dry-run"}, settings...)},
		{[]string{"version", "-h"}, []string{"usage: accountd version"}},
		{[]string{"help", "users", "list"}, []string{"usage: accountd users list", "-q string"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, envOf(nil), &out, &errOut)
			if tc.args[0] != "help" && !isHelp(err) || tc.args[0] == "help" && err != nil {
				t.Fatalf("err = %v, want help shown", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("help lacks %q:\n%s", want, out.String())
				}
			}
			if errOut.Len() > 0 {
				t.Errorf("help wrote to stderr: %s", errOut.String())
			}
		})
	}
	t.Run("help_of_no_command", func(t *testing.T) {
		if err := run(context.Background(), []string{"help", "frobnicate"}, envOf(nil), io.Discard, io.Discard); err == nil || isHelp(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("version_flag", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"--version"}, envOf(nil), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "accountd ") {
			t.Fatalf("--version: %v %q", err, out.String())
		}
	})
}
