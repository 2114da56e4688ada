package restregistration

import (
	"io"
	"strings"
	"testing"
	"time"

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
		s := SettingsOf(&c)
		if s.TokenTTL != 24*time.Hour || s.ResetUnknownEmail404 || !strings.Contains(s.VerifyEmailURL, "{signature}") {
			t.Fatalf("unexpected defaults: %+v", s)
		}
		links := Profile{}.Links(c)
		if len(links) != 4 || links["activation"] != s.VerifyRegistrationURL ||
			links["email_change_old_address"] != s.VerifyEmailURL {
			t.Fatalf("links = %v", links)
		}
	})
	for name, tc := range map[string]struct{ env, want string }{
		"link_without_signature_refused":   {"ACCOUNTD_RESTREG_RESET_PASSWORD_URL=https://x.example/reset?user_id={user_id}&timestamp={timestamp}", "ACCOUNTD_RESTREG_RESET_PASSWORD_URL: must contain {user_id}, {timestamp}, {signature}"},
		"email_link_without_email_refused": {"ACCOUNTD_RESTREG_VERIFY_EMAIL_URL=https://x.example/v?user_id={user_id}&timestamp={timestamp}&signature={signature}", "ACCOUNTD_RESTREG_VERIFY_EMAIL_URL: must contain"},
		"token_ttl_over_a_day_refused":     {"ACCOUNTD_RESTREG_TOKEN_TTL=25h", `ACCOUNTD_RESTREG_TOKEN_TTL: must be at most 24h0m0s, got "25h"`},
		"not_a_boolean_refused":            {"ACCOUNTD_RESTREG_RESET_UNKNOWN_EMAIL_404=sometimes", `ACCOUNTD_RESTREG_RESET_UNKNOWN_EMAIL_404: not true or false: "sometimes"`},
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
