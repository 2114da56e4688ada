package config

import (
	"io"
	"strings"
	"testing"
)

func TestLinkSecret(t *testing.T) {
	t.Run("default_empty", func(t *testing.T) {
		c, err := Load(nil, env(nil), io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.LinkSecret != "" {
			t.Fatalf("LinkSecret = %q, want empty (derived from the signing key)", c.LinkSecret)
		}
	})
	t.Run("short_link_secret_refused", func(t *testing.T) {
		_, err := Load(nil, env(map[string]string{"ACCOUNTD_LINK_SECRET": "tooshort"}), io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), "ACCOUNTD_LINK_SECRET") || strings.Contains(err.Error(), "tooshort") {
			t.Fatalf("err = %v, want one naming ACCOUNTD_LINK_SECRET without the value", err)
		}
	})
	t.Run("link_secret_masked", func(t *testing.T) {
		secret := strings.Repeat("k3y", 12)
		c, err := Load(nil, env(map[string]string{"ACCOUNTD_LINK_SECRET": secret}), io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.LinkSecret != secret || strings.Contains(c.String(), secret) || !strings.Contains(c.String(), "ACCOUNTD_LINK_SECRET=xxxxx") {
			t.Fatalf("secret not kept or not masked:\n%s", c.String())
		}
	})
}
