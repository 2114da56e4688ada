package jwtaccounts

import (
	"io"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat"
	"github.com/accountd/accountd/internal/config"
)

// load reads the settings with this profile registered, as app.LoadConfig does.
func load(vars map[string]string) (config.Config, error) {
	return config.Load(nil, func(k string) string { return vars[k] }, io.Discard, compat.ConfigProfiles([]compat.Profile{Profile{}}))
}

func TestSettings(t *testing.T) {
	t.Run("default_links_end_in_uidb64_and_token", func(t *testing.T) {
		c, err := load(nil)
		if err != nil {
			t.Fatal(err)
		}
		links := Profile{}.Links(c)
		if links[account.MessageActivation] != "http://localhost:3000/activate/{uid}/{token}/" ||
			links[account.MessagePasswordReset] != "http://localhost:3000/reset-password/{uid}/{token}/" || len(links) != 2 {
			t.Fatalf("links = %v", links)
		}
		if got := SettingsOf(&c).PublicURL; got != "http://localhost:8080" {
			t.Fatalf("public URL = %q", got)
		}
	})
	t.Run("one_slash_before_the_uidb64", func(t *testing.T) {
		c, err := load(map[string]string{"ACCOUNTD_JWTACCOUNTS_ACTIVATION_URL": "https://app.example.com/verify/"})
		if err != nil {
			t.Fatal(err)
		}
		if got := (Profile{}).Links(c)[account.MessageActivation]; got != "https://app.example.com/verify/{uid}/{token}/" {
			t.Fatalf("activation link = %q", got)
		}
	})
	for name, env := range map[string]string{
		"query_refused":       "ACCOUNTD_JWTACCOUNTS_ACTIVATION_URL=https://app.example.com/?next=x",
		"fragment_refused":    "ACCOUNTD_JWTACCOUNTS_RESET_URL=https://app.example.com/#/reset",
		"not_http_refused":    "ACCOUNTD_JWTACCOUNTS_RESET_URL=javascript:alert(1)",
		"relative_refused":    "ACCOUNTD_JWTACCOUNTS_PUBLIC_URL=/accounts",
		"placeholder_refused": "ACCOUNTD_JWTACCOUNTS_ACTIVATION_URL=https://app.example.com/{token}",
	} {
		t.Run(name, func(t *testing.T) {
			k, v, _ := strings.Cut(env, "=")
			_, err := load(map[string]string{k: v})
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Fatalf("err = %v, want one naming %s", err, k)
			}
		})
	}
}

func TestDecodeUID(t *testing.T) {
	for uid, want := range map[string]int64{"NQ": 5, "NQ==": 5, "MTIz": 123} {
		if got, ok := decodeUID(uid); !ok || got != want {
			t.Errorf("decodeUID(%q) = %d, %v; want %d", uid, got, ok, want)
		}
	}
	// "", junk, 0, -1, "abc", "05", " 5", a NUL, an id past int64.
	for _, uid := range []string{"", "!!", "MA", "LTE", "YWJj", "MDU", "IDU", "NQA", "OTIyMzM3MjAzNjg1NDc3NTgwOA"} {
		if got, ok := decodeUID(uid); ok {
			t.Errorf("decodeUID(%q) = %d, want refused", uid, got)
		}
	}
}
