package cadasta

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat"
	"github.com/accountd/accountd/internal/config"
)

// load reads the settings with this profile registered, as app.LoadConfig does.
func load(vars map[string]string) (config.Config, error) {
	return config.Load(nil, func(k string) string { return vars[k] }, io.Discard, compat.ConfigProfiles([]compat.Profile{Profile{}}))
}

func TestSettings(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := load(nil)
		if err != nil {
			t.Fatal(err)
		}
		links := Profile{}.Links(c)
		activate := "http://localhost:8000/account/activate/{uid}/{token}/"
		if links[account.MessageActivation] != activate || links[account.MessageEmailChange] != activate ||
			links[account.MessageEmailChangeOldAddress] != activate ||
			links[account.MessagePasswordReset] != "http://localhost:8000/account/password/reset/confirm/{uid}/{token}/" || len(links) != 4 {
			t.Fatalf("links = %v", links)
		}
		if ttl := SettingsOf(&c).TokenTTL; ttl != 30*24*time.Hour {
			t.Fatalf("token ttl = %v", ttl)
		}
	})
	t.Run("set", func(t *testing.T) {
		c, err := load(map[string]string{"ACCOUNTD_CADASTA_TOKEN_TTL": "8760h", "ACCOUNTD_CADASTA_RESET_URL": "https://cadasta.example.org/reset/{uid}/{token}"})
		if err != nil {
			t.Fatal(err)
		}
		if s := SettingsOf(&c); s.TokenTTL != 365*24*time.Hour || s.ResetURL != "https://cadasta.example.org/reset/{uid}/{token}" {
			t.Fatalf("settings = %+v", s)
		}
	})
	for name, tc := range map[string]struct{ env, want string }{
		"link_without_uid_refused": {"ACCOUNTD_CADASTA_ACTIVATION_URL=https://cadasta.example.org/activate/{token}", "ACCOUNTD_CADASTA_ACTIVATION_URL: must contain {uid}, {token}"},
		"ttl_over_a_year_refused":  {"ACCOUNTD_CADASTA_TOKEN_TTL=8761h", "ACCOUNTD_CADASTA_TOKEN_TTL: must be at most"},
		"ttl_not_positive_refused": {"ACCOUNTD_CADASTA_TOKEN_TTL=0s", "ACCOUNTD_CADASTA_TOKEN_TTL: not a positive duration"},
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
