package djoser

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// Settings are the profile's own settings: the links of the emails sent through it,
// built as djoser builds them, a frontend URL and a path under it.
type Settings struct {
	// FrontendURL is the web app the links open (djoser's PROTOCOL and DOMAIN).
	FrontendURL string
	// ActivationPath and ResetPath are djoser's ACTIVATION_URL and
	// PASSWORD_RESET_CONFIRM_URL: paths under FrontendURL with {uid} and {token}.
	ActivationPath string
	ResetPath      string
}

// section is where a config.Config keeps the profile's Settings.
var section = config.NewSection[Settings](Flow)

// SettingsOf returns the profile's settings in cfg, to read or to change.
func SettingsOf(cfg *config.Config) *Settings { return section.In(cfg) }

// Settings are the rows of ACCOUNTD_DJOSER_*.
func (Profile) Settings() []config.Setting {
	field := func(f func(*Settings) *string, parse func(string) (string, error)) func(*config.Config, string) error {
		return config.Field(section, f, parse)
	}
	return []config.Setting{
		{Env: "ACCOUNTD_DJOSER_FRONTEND_URL", Default: "http://localhost:3000/", Usage: "djoser: the web app its emailed links open (djoser's PROTOCOL and DOMAIN)",
			Set: field(func(s *Settings) *string { return &s.FrontendURL }, frontendURL)},
		{Env: "ACCOUNTD_DJOSER_ACTIVATION_PATH", Default: "activate/{uid}/{token}", Usage: "djoser: activation link path under the frontend URL (djoser's ACTIVATION_URL; {uid} and {token} required)",
			Set: field(func(s *Settings) *string { return &s.ActivationPath }, linkPath)},
		{Env: "ACCOUNTD_DJOSER_RESET_PATH", Default: "password/reset/confirm/{uid}/{token}", Usage: "djoser: password reset link path under the frontend URL (djoser's PASSWORD_RESET_CONFIRM_URL; {uid} and {token} required)",
			Set: field(func(s *Settings) *string { return &s.ResetPath }, linkPath)},
	}
}

// Links are djoser's frontend pages, with the uid and token its activation and reset
// endpoints take. Email changes happen at once in djoser: there is no link for them.
func (Profile) Links(cfg config.Config) map[account.MessageKind]string {
	s := SettingsOf(&cfg)
	return map[account.MessageKind]string{
		account.MessageActivation:    joinLink(s.FrontendURL, s.ActivationPath),
		account.MessagePasswordReset: joinLink(s.FrontendURL, s.ResetPath),
	}
}

// joinLink puts path under base with exactly one slash between them.
func joinLink(base, path string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// frontendURL reads an absolute http or https URL without query or fragment, since a
// path is appended to it.
func frontendURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("not an http or https URL such as https://app.example.com/: %q", v)
	}
	return v, nil
}

// linkPath reads a path template under the frontend URL: it must carry {uid} and
// {token}, or the link could never work, and must not be a URL of its own.
func linkPath(v string) (string, error) {
	if strings.Contains(v, "://") {
		return "", fmt.Errorf("must be a path under ACCOUNTD_DJOSER_FRONTEND_URL, not a URL: %q", v)
	}
	return config.Containing("{uid}", "{token}")(v)
}
