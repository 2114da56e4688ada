package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/version"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRun(t *testing.T) {
	t.Run("version", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"version"}, envOf(nil), &out, &out); err != nil {
			t.Fatal(err)
		}
		// Unstamped (go test): the spec's version, and no build date it cannot know.
		if want := "accountd " + version.SpecVersion() + " (commit "; !strings.HasPrefix(out.String(), want) ||
			!strings.HasSuffix(out.String(), ", built unknown)\n") {
			t.Fatalf("version output %q, want %q...", out.String(), want)
		}
	})
	t.Run("bad_setting_named_in_one_line", func(t *testing.T) {
		err := run(context.Background(), []string{"serve"}, envOf(map[string]string{"ACCOUNTD_ACCESS_TOKEN_TTL": "forever"}), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "ACCOUNTD_ACCESS_TOKEN_TTL") {
			t.Fatalf("err = %v", err)
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
