package config

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestAllowedRedirectOrigins(t *testing.T) {
	t.Run("none_by_default", func(t *testing.T) {
		c, err := Load(nil, env(nil), io.Discard, nil)
		if err != nil || c.AllowedRedirectOrigins != nil {
			t.Fatalf("default = %q, %v; want none", c.AllowedRedirectOrigins, err)
		}
	})
	t.Run("kept_as_browsers_write_them", func(t *testing.T) {
		c, err := Load(nil, env(map[string]string{
			"ACCOUNTD_ALLOWED_REDIRECT_ORIGINS": " HTTPS://App.Example.com:443/ , http://localhost:3000,,https://[::1]:8443",
		}), io.Discard, nil)
		want := []string{"https://app.example.com", "http://localhost:3000", "https://[::1]:8443"}
		if err != nil || !slices.Equal(c.AllowedRedirectOrigins, want) {
			t.Fatalf("origins = %q, %v; want %q", c.AllowedRedirectOrigins, err, want)
		}
	})
	for _, bad := range []string{"*", "app.example.com", "https://app.example.com/verify", "https://app.example.com/?x", "ftp://files.example.com", "https://user@app.example.com", "javascript:alert(1)"} {
		t.Run("refused_"+bad, func(t *testing.T) {
			_, err := Load(nil, env(map[string]string{"ACCOUNTD_ALLOWED_REDIRECT_ORIGINS": "https://ok.example.com," + bad}), io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), "ACCOUNTD_ALLOWED_REDIRECT_ORIGINS") {
				t.Fatalf("err = %v, want one naming the setting", err)
			}
		})
	}
}
