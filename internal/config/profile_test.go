package config

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// demoSettings and demoProfiles stand for the compatibility profiles, which live in
// packages that import this one.
type demoSettings struct {
	Link string
	TTL  time.Duration
}

var demoSection = NewSection[demoSettings]("demo")

func demoProfiles() []Profile {
	return []Profile{
		{Name: "demo", Settings: []Setting{
			{Env: "ACCOUNTD_DEMO_LINK", Default: "https://x.example/{token}", Usage: "demo: link",
				Set: Field(demoSection, func(s *demoSettings) *string { return &s.Link }, Containing("{token}"))},
			{Env: "ACCOUNTD_DEMO_TTL", Default: "1h", Usage: "demo: lifetime",
				Set: Field(demoSection, func(s *demoSettings) *time.Duration { return &s.TTL }, DurationUpTo(2*time.Hour))},
		}},
		{Name: "other"},
	}
}

func TestProfiles(t *testing.T) {
	load := func(t *testing.T, args []string, vars map[string]string) (Config, error) {
		t.Helper()
		return Load(args, env(vars), io.Discard, demoProfiles())
	}
	t.Run("all_by_default", func(t *testing.T) {
		c, err := load(t, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Compat, []string{"demo", "other"}) {
			t.Fatalf("Compat = %q", c.Compat)
		}
		if s := demoSection.In(&c); s.Link != "https://x.example/{token}" || s.TTL != time.Hour {
			t.Fatalf("profile defaults not loaded: %+v", s)
		}
	})
	t.Run("a_list_and_none", func(t *testing.T) {
		c, err := load(t, nil, map[string]string{"ACCOUNTD_COMPAT": " other "})
		if err != nil || !slices.Equal(c.Compat, []string{"other"}) {
			t.Fatalf("Compat = %q, %v", c.Compat, err)
		}
		c, err = load(t, nil, map[string]string{"ACCOUNTD_COMPAT": "none"})
		if err != nil || c.Compat != nil {
			t.Fatalf("Compat = %q, %v", c.Compat, err)
		}
	})
	t.Run("unknown_profile_names_the_known", func(t *testing.T) {
		_, err := load(t, nil, map[string]string{"ACCOUNTD_COMPAT": "demo,djoser"})
		want := `config: ACCOUNTD_COMPAT: unknown profile "djoser" (known: demo, other)`
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v, want %s", err, want)
		}
	})
	t.Run("profile_settings_from_env_and_flags", func(t *testing.T) {
		c, err := load(t, []string{"-demo-ttl", "90m"}, map[string]string{"ACCOUNTD_DEMO_LINK": "https://y.example/?t={token}", "ACCOUNTD_DEMO_TTL": "5m"})
		if err != nil {
			t.Fatal(err)
		}
		if s := demoSection.In(&c); s.Link != "https://y.example/?t={token}" || s.TTL != 90*time.Minute {
			t.Fatalf("settings = %+v", s)
		}
	})
	for name, vars := range map[string]map[string]string{
		"missing_placeholder": {"ACCOUNTD_DEMO_LINK": "https://y.example/"},
		"too_long":            {"ACCOUNTD_DEMO_TTL": "3h"},
	} {
		t.Run("refused_"+name, func(t *testing.T) {
			_, err := load(t, nil, vars)
			for k := range vars {
				if err == nil || !strings.HasPrefix(err.Error(), "config: "+k+": ") {
					t.Fatalf("err = %v, want one naming %s", err, k)
				}
			}
		})
	}
	t.Run("rows_follow_compat_in_table_string_and_usage", func(t *testing.T) {
		var envs []string
		for _, s := range Table(demoProfiles()) {
			envs = append(envs, s.Env)
		}
		i := slices.Index(envs, "ACCOUNTD_COMPAT")
		if i < 0 || !slices.Equal(envs[i:i+3], []string{"ACCOUNTD_COMPAT", "ACCOUNTD_DEMO_LINK", "ACCOUNTD_DEMO_TTL"}) ||
			envs[i+3] != "ACCOUNTD_LINK_SECRET" {
			t.Fatalf("table order: %q", envs)
		}
		c, err := load(t, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.String(), "\nACCOUNTD_DEMO_TTL=1h\n") {
			t.Errorf("String() lacks the profile's settings:\n%s", c.String())
		}
		var usage bytes.Buffer
		Usage(&usage, Table(demoProfiles()))
		if !strings.Contains(usage.String(), "-demo-link, ACCOUNTD_DEMO_LINK (default https://x.example/{token})") ||
			!strings.Contains(usage.String(), "(demo, other)") {
			t.Errorf("Usage lacks the profiles:\n%s", usage.String())
		}
	})
}
