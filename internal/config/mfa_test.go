package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestMFASettings(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.MFA.EncryptionKey != nil || c.MFA.StepUpWindow != 10*time.Minute || c.MFA.ClockSkew != 1 ||
		c.MFA.RPID != "localhost" || len(c.MFA.Origins) != 1 || c.MFA.CodeFailures.Limit != 5 {
		t.Fatalf("defaults: %+v", c.MFA)
	}
	key := strings.Repeat("0f", 32)
	c, err = Load(nil, env(map[string]string{
		"ACCOUNTD_MFA_ENCRYPTION_KEY": key, "ACCOUNTD_WEBAUTHN_RP_ID": "example.com",
		"ACCOUNTD_WEBAUTHN_ORIGINS": "https://accounts.example.com, https://example.com/",
	}), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.MFA.EncryptionKey) != 32 || strings.Join(c.MFA.Origins, " ") != "https://accounts.example.com https://example.com" {
		t.Errorf("parsed %+v", c.MFA)
	}
	if strings.Contains(c.String(), key) {
		t.Error("String prints the encryption key")
	}
	for name, tc := range map[string]struct{ env, want string }{
		"short_key":            {"ACCOUNTD_MFA_ENCRYPTION_KEY=0f0f", "ACCOUNTD_MFA_ENCRYPTION_KEY"},
		"origin_outside_rp_id": {"ACCOUNTD_WEBAUTHN_ORIGINS=https://evil.example", "ACCOUNTD_WEBAUTHN_ORIGINS"},
		"origin_with_path":     {"ACCOUNTD_WEBAUTHN_ORIGINS=https://localhost/login", "ACCOUNTD_WEBAUTHN_ORIGINS"},
		"rp_id_with_scheme":    {"ACCOUNTD_WEBAUTHN_RP_ID=https://example.com", "ACCOUNTD_WEBAUTHN_RP_ID"},
		"skew_too_large":       {"ACCOUNTD_MFA_CLOCK_SKEW=60", "ACCOUNTD_MFA_CLOCK_SKEW"},
	} {
		t.Run(name, func(t *testing.T) {
			k, v, _ := strings.Cut(tc.env, "=")
			_, err := Load(nil, env(map[string]string{k: v}), io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "0f0f") {
				t.Errorf("the error repeats the key: %v", err)
			}
		})
	}
}
