package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Djoser configures the djoser compatibility profile: the links of the emails sent
// through it, built as djoser builds them, a frontend URL and a path under it.
type Djoser struct {
	// FrontendURL is the web app the links open (djoser's PROTOCOL and DOMAIN).
	FrontendURL string
	// ActivationPath and ResetPath are djoser's ACTIVATION_URL and
	// PASSWORD_RESET_CONFIRM_URL: paths under FrontendURL with {uid} and {token}.
	ActivationPath string
	ResetPath      string
}

// ActivationLink is the link template of the profile's activation emails.
func (d Djoser) ActivationLink() string { return joinLink(d.FrontendURL, d.ActivationPath) }

// ResetLink is the link template of the profile's password reset emails.
func (d Djoser) ResetLink() string { return joinLink(d.FrontendURL, d.ResetPath) }

// joinLink puts path under base with exactly one slash between them.
func joinLink(base, path string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// frontendURL reads an absolute http or https URL without query or fragment, since a
// path is appended to it.
func frontendURL(f func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("not an http or https URL such as https://app.example.com/: %q", v)
		}
		*f(c) = v
		return nil
	}
}

// linkPath reads a path template under the frontend URL: it must carry {uid} and
// {token}, or the link could never work, and must not be a URL of its own.
func linkPath(f func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if strings.Contains(v, "://") {
			return fmt.Errorf("must be a path under ACCOUNTD_DJOSER_FRONTEND_URL, not a URL: %q", v)
		}
		return signedLinkURL(f, "{uid}", "{token}")(c, v)
	}
}
