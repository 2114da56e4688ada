package djoser

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
	t.Run("default_links", func(t *testing.T) {
		c, err := load(nil)
		if err != nil {
			t.Fatal(err)
		}
		links := Profile{}.Links(c)
		if links[account.MessageActivation] != "http://localhost:3000/activate/{uid}/{token}" ||
			links[account.MessagePasswordReset] != "http://localhost:3000/password/reset/confirm/{uid}/{token}" || len(links) != 2 {
			t.Fatalf("links = %v", links)
		}
	})
	t.Run("one_slash_between_frontend_and_path", func(t *testing.T) {
		c, err := load(map[string]string{"ACCOUNTD_DJOSER_FRONTEND_URL": "https://app.example.com/portal", "ACCOUNTD_DJOSER_RESET_PATH": "/#/reset/{uid}/{token}"})
		if err != nil {
			t.Fatal(err)
		}
		if got := (Profile{}).Links(c)[account.MessagePasswordReset]; got != "https://app.example.com/portal/#/reset/{uid}/{token}" {
			t.Fatalf("reset link = %q", got)
		}
	})
	for name, tc := range map[string]struct{ env, want string }{
		"frontend_with_query_refused": {"ACCOUNTD_DJOSER_FRONTEND_URL=https://app.example.com/?x=1", "ACCOUNTD_DJOSER_FRONTEND_URL: not an http or https URL"},
		"frontend_not_http_refused":   {"ACCOUNTD_DJOSER_FRONTEND_URL=javascript:alert(1)", "ACCOUNTD_DJOSER_FRONTEND_URL: not an http or https URL"},
		"path_without_uid_refused":    {"ACCOUNTD_DJOSER_ACTIVATION_PATH=activate/{token}", "ACCOUNTD_DJOSER_ACTIVATION_PATH: must contain {uid}, {token}"},
		"path_that_is_a_url_refused":  {"ACCOUNTD_DJOSER_RESET_PATH=https://evil.example/{uid}/{token}", "ACCOUNTD_DJOSER_RESET_PATH: must be a path under ACCOUNTD_DJOSER_FRONTEND_URL"},
	} {
		t.Run(name, func(t *testing.T) {
			k, v, _ := strings.Cut(tc.env, "=")
			_, err := load(map[string]string{k: v})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one with %s", err, tc.want)
			}
		})
	}
}
