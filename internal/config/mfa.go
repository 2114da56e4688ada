package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/secretbox"
)

// MFA holds the settings of second factors: TOTP (ACCOUNTD_MFA_*) and passkeys
// (ACCOUNTD_WEBAUTHN_*).
type MFA struct {
	// EncryptionKey encrypts TOTP secrets at rest (32 bytes); nil leaves TOTP off.
	EncryptionKey []byte
	// Issuer names the service in authenticator apps.
	Issuer       string
	StepUpWindow time.Duration
	// ClockSkew is in 30-second steps either side.
	ClockSkew    int
	ChallengeTTL time.Duration
	CodeFailures account.Rule

	RPID    string
	RPName  string
	Origins []string
}

// mfaSettings are the rows of second factors, after the security rows.
var mfaSettings = []Setting{
	{Env: "ACCOUNTD_MFA_ENCRYPTION_KEY", Hidden: true, Usage: "key that encrypts TOTP secrets at rest: 32 bytes as 64 hex digits or base64 (openssl rand -hex 32); empty: TOTP is off",
		Set: func(c *Config, v string) error {
			c.MFA.EncryptionKey = nil
			if v == "" {
				return nil
			}
			key, err := secretbox.ParseKey(v)
			if err != nil {
				return err
			}
			c.MFA.EncryptionKey = key
			return nil
		}},
	{Env: "ACCOUNTD_MFA_ISSUER", Default: "accountd", Usage: "the name authenticator apps show beside the account's", Set: str(func(c *Config) *string { return &c.MFA.Issuer })},
	{Env: "ACCOUNTD_MFA_STEP_UP_WINDOW", Default: "10m", Usage: "how long a strong authentication allows changing the email or password, deleting the account or managing factors",
		Set: duration(func(c *Config) *time.Duration { return &c.MFA.StepUpWindow })},
	{Env: "ACCOUNTD_MFA_CLOCK_SKEW", Default: "1", Usage: "30-second TOTP steps accepted before and after the current one (0: the current step only)",
		Set: func(c *Config, v string) error {
			if err := integer(func(c *Config) *int { return &c.MFA.ClockSkew }, 0)(c, v); err != nil {
				return err
			}
			if c.MFA.ClockSkew > 10 {
				return fmt.Errorf("must be at most 10 steps, got %d", c.MFA.ClockSkew)
			}
			return nil
		}},
	{Env: "ACCOUNTD_MFA_CHALLENGE_TTL", Default: "5m", Usage: "how long a login's second step or a passkey ceremony may take",
		Set: duration(func(c *Config) *time.Duration { return &c.MFA.ChallengeTTL })},
	{Env: "ACCOUNTD_RATE_LIMIT_MFA_FAILURES", Default: "5/15m", Usage: "attempts at second factors (codes, recovery codes, passkeys) per account that have not ended in a success",
		Set: rule(func(c *Config) *account.Rule { return &c.MFA.CodeFailures })},
	{Env: "ACCOUNTD_WEBAUTHN_RP_ID", Default: "localhost", Usage: "the WebAuthn relying party ID passkeys are bound to: the site's registrable domain (example.com)",
		Set: str(func(c *Config) *string { return &c.MFA.RPID })},
	{Env: "ACCOUNTD_WEBAUTHN_RP_NAME", Default: "accountd", Usage: "the relying party's name that browsers show", Set: str(func(c *Config) *string { return &c.MFA.RPName })},
	{Env: "ACCOUNTD_WEBAUTHN_ORIGINS", Default: "http://localhost:8080", Usage: "origins of the pages that run passkey ceremonies, comma-separated (https://accounts.example.com); each under the RP ID",
		Set: func(c *Config, v string) error {
			c.MFA.Origins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o == "" {
					continue
				}
				if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
					return fmt.Errorf("not an origin such as https://accounts.example.com: %q", o)
				}
				c.MFA.Origins = append(c.MFA.Origins, strings.TrimSuffix(o, "/"))
			}
			return nil
		}},
}

// validateMFA checks that each WebAuthn origin is the RP ID or a subdomain of it, as
// browsers require.
func (c Config) validateMFA() error {
	if c.MFA.RPID == "" || strings.ContainsAny(c.MFA.RPID, ":/") {
		return fmt.Errorf("config: ACCOUNTD_WEBAUTHN_RP_ID: must be a domain such as example.com, got %q", c.MFA.RPID)
	}
	if len(c.MFA.Origins) == 0 {
		return fmt.Errorf("config: ACCOUNTD_WEBAUTHN_ORIGINS: must name at least one origin")
	}
	for _, o := range c.MFA.Origins {
		u, _ := url.Parse(o)
		host := u.Hostname()
		if host != c.MFA.RPID && !strings.HasSuffix(host, "."+c.MFA.RPID) {
			return fmt.Errorf("config: ACCOUNTD_WEBAUTHN_ORIGINS: %s is not under ACCOUNTD_WEBAUTHN_RP_ID %s", o, c.MFA.RPID)
		}
	}
	return nil
}
