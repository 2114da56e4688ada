package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestRestRegistrationSettings(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := Load(nil, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.RestReg.TokenTTL != 24*time.Hour || c.RestReg.ResetUnknownEmail404 || c.LinkSecret != "" ||
			!strings.Contains(c.RestReg.VerifyEmailURL, "{signature}") {
			t.Fatalf("unexpected defaults: %+v", c.RestReg)
		}
	})
	for name, tc := range map[string]struct{ env, want string }{
		"link_without_signature_refused":   {"ACCOUNTD_RESTREG_RESET_PASSWORD_URL=https://x.example/reset?user_id={user_id}&timestamp={timestamp}", "ACCOUNTD_RESTREG_RESET_PASSWORD_URL"},
		"email_link_without_email_refused": {"ACCOUNTD_RESTREG_VERIFY_EMAIL_URL=https://x.example/v?user_id={user_id}&timestamp={timestamp}&signature={signature}", "ACCOUNTD_RESTREG_VERIFY_EMAIL_URL"},
		"token_ttl_over_a_day_refused":     {"ACCOUNTD_RESTREG_TOKEN_TTL=25h", "ACCOUNTD_RESTREG_TOKEN_TTL"},
		"short_link_secret_refused":        {"ACCOUNTD_LINK_SECRET=tooshort", "ACCOUNTD_LINK_SECRET"},
	} {
		t.Run(name, func(t *testing.T) {
			k, v, _ := strings.Cut(tc.env, "=")
			_, err := Load(nil, env(map[string]string{k: v}), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "tooshort") {
				t.Fatalf("err = %v, want one naming %s without the value", err, tc.want)
			}
		})
	}
	t.Run("link_secret_masked", func(t *testing.T) {
		secret := strings.Repeat("k3y", 12)
		c, err := Load(nil, env(map[string]string{"ACCOUNTD_LINK_SECRET": secret}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.LinkSecret != secret || strings.Contains(c.String(), secret) || !strings.Contains(c.String(), "ACCOUNTD_LINK_SECRET=xxxxx") {
			t.Fatalf("secret not kept or not masked:\n%s", c.String())
		}
	})
}
