package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := Load(nil, env(nil), io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "127.0.0.1:8080" || c.DatabaseURL != "./accountd.db" || c.Mailer != "console" || !c.HideExistingEmails ||
			c.AccessTokenTTL != 15*time.Minute || c.SigningAlg != "EdDSA" || c.Argon2MemoryKiB != 19456 {
			t.Fatalf("unexpected defaults: %+v", c)
		}
	})
	t.Run("flag_overrides_env", func(t *testing.T) {
		c, err := Load([]string{"-addr", ":9090"}, env(map[string]string{"ACCOUNTD_ADDR": ":7070", "ACCOUNTD_SIGNING_KEY_FILE": "a.pem, b.pem"}), io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":9090" {
			t.Fatalf("addr = %q", c.Addr)
		}
		if len(c.SigningKeyFiles) != 2 || c.SigningKeyFiles[1] != "b.pem" {
			t.Fatalf("key files = %q", c.SigningKeyFiles)
		}
	})
	for name, tc := range map[string]struct{ env, want string }{
		"bad_duration_names_setting": {"ACCOUNTD_ACCESS_TOKEN_TTL=soon", "ACCOUNTD_ACCESS_TOKEN_TTL"},
		"weak_argon2_refused":        {"ACCOUNTD_ARGON2_MEMORY_KIB=1024", "ACCOUNTD_ARGON2_MEMORY_KIB"},
		"unknown_alg_refused":        {"ACCOUNTD_SIGNING_ALG=HS256", "ACCOUNTD_SIGNING_ALG"},
		"link_without_token":         {"ACCOUNTD_ACTIVATION_URL=https://x.example/activate", "ACCOUNTD_ACTIVATION_URL"},
		"relative_issuer":            {"ACCOUNTD_ISSUER=accountd", "ACCOUNTD_ISSUER"},
		"database_url_a_bare_word":   {"ACCOUNTD_DATABASE_URL=garbage", "ACCOUNTD_DATABASE_URL"},
		"database_url_no_scheme":     {"ACCOUNTD_DATABASE_URL=app:s3cret@db:5432", "ACCOUNTD_DATABASE_URL"},
		"database_url_other_scheme":  {"ACCOUNTD_DATABASE_URL=mysql://db/x", "ACCOUNTD_DATABASE_URL"},
		"replica_url_not_postgres":   {"ACCOUNTD_DATABASE_REPLICA_URL=sqlite:///replica.db", "ACCOUNTD_DATABASE_REPLICA_URL"},
		// The primary is the default SQLite file: there is nothing to replicate.
		"replica_url_sqlite_primary": {"ACCOUNTD_DATABASE_REPLICA_URL=postgres://app:s3cret@replica/x", "ACCOUNTD_DATABASE_REPLICA_URL"},
	} {
		t.Run(name, func(t *testing.T) {
			k, v, _ := strings.Cut(tc.env, "=")
			_, err := Load(nil, env(map[string]string{k: v}), io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("err = %v, want one line naming %s", err, tc.want)
			}
		})
	}
	t.Run("database_url_forms", func(t *testing.T) {
		for _, v := range []string{"./accountd.db", "accountd.db", "/var/lib/accountd/db", "sqlite::memory:", "sqlite:///x.db",
			"file:x?mode=memory", "postgres://u:p@db/x", "postgresql://db/x", "data.sqlite"} {
			if c, err := Load(nil, env(map[string]string{"ACCOUNTD_DATABASE_URL": v}), io.Discard, nil); err != nil || c.DatabaseURL != v {
				t.Errorf("%s: %v (%q)", v, err, c.DatabaseURL)
			}
		}
	})
	t.Run("string_masks_passwords", func(t *testing.T) {
		c, err := Load(nil, env(map[string]string{
			"ACCOUNTD_DATABASE_URL":         "postgres://app:s3cret@db:5432/accountd",
			"ACCOUNTD_DATABASE_REPLICA_URL": "postgres://app:s3cret@replica:5432/accountd",
			"ACCOUNTD_MAILER":               "smtp://mailer:hunter2@smtp.example.com:587",
		}), io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := c.String()
		if strings.Contains(s, "s3cret") || strings.Contains(s, "hunter2") || !strings.Contains(s, "postgres://app:xxxxx@db:5432/accountd") ||
			!strings.Contains(s, "postgres://app:xxxxx@replica:5432/accountd") {
			t.Fatalf("String() leaks or loses settings:\n%s", s)
		}
	})
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db:5432/accountd":                 "postgres://app:xxxxx@db:5432/accountd",
		"smtp://bob:123/ret@host:587":                            "smtp://bob:xxxxx@host:587",
		"smtp://bob:p@ss@host":                                   "smtp://bob:xxxxx@host",
		"smtp://host:25":                                         "smtp://host:25",
		"./accountd.db":                                          "./accountd.db",
		"postgres://app@db/accountd":                             "postgres://app@db/accountd",
		"postgres://db/x?user=a&password=s3cret&sslmode=require": "postgres://db/x?user=a&password=xxxxx&sslmode=require",
		"postgres://a:b@db/x?sslpassword=k":                      "postgres://a:xxxxx@db/x?sslpassword=xxxxx",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDocuments: the help and the Markdown documents carry every row, with its flag and
// default, escape what would break a table, and Splice replaces only what lies between
// the markers.
func TestDocuments(t *testing.T) {
	table := []Setting{
		{Env: "ACCOUNTD_ONE", Default: "a|b", Usage: "the `first` one, whose usage is long enough to be wrapped onto a second line of the help", Essential: true},
		{Env: "ACCOUNTD_TWO_WORDS", Usage: "the second"},
	}
	var help strings.Builder
	Usage(&help, table)
	for _, want := range []string{
		"  -one, ACCOUNTD_ONE (default a|b)\n        the first one,",
		"\n  -two-words, ACCOUNTD_TWO_WORDS (no default)\n        the second\n",
	} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("Usage lacks %q:\n%s", want, help.String())
		}
	}
	for _, line := range strings.Split(help.String(), "\n") {
		if len(line) > 80 {
			t.Errorf("help line longer than 80 columns: %q", line)
		}
	}
	md := Markdown(table)
	if !strings.Contains(md, "| `ACCOUNTD_ONE` | `-one` | `a\\|b` | the `first` one,") ||
		!strings.Contains(md, "| `ACCOUNTD_TWO_WORDS` | `-two-words` | (none) | the second |") {
		t.Errorf("Markdown:\n%s", md)
	}
	if e := Essentials(table); !strings.Contains(e, "ACCOUNTD_ONE") || strings.Contains(e, "ACCOUNTD_TWO_WORDS") {
		t.Errorf("Essentials lists the wrong rows:\n%s", e)
	}
	doc := "intro\n" + BeginGenerated + "\nold\n" + EndGenerated + "\noutro\n"
	got, err := Splice(doc, "new\n")
	if err != nil || got != "intro\n"+BeginGenerated+"\nnew\n"+EndGenerated+"\noutro\n" {
		t.Errorf("Splice = %q, %v", got, err)
	}
	if _, err := Splice("no markers", "x"); err == nil {
		t.Error("Splice of a document without markers: no error")
	}
}
