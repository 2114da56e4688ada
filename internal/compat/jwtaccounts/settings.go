package jwtaccounts

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// Settings are the profile's own settings.
type Settings struct {
	// ActivationURL and ResetURL are the pages the emailed links open when the client
	// sends no verification_base_url: the link is the page, then /<uidb64>/<token>/.
	ActivationURL string
	ResetURL      string
	// PublicURL is where clients reach accountd: uploaded pictures are served, and
	// history pages linked, under it.
	PublicURL string
}

// section is where a config.Config keeps the profile's Settings.
var section = config.NewSection[Settings](Flow)

// SettingsOf returns the profile's settings in cfg, to read or to change.
func SettingsOf(cfg *config.Config) *Settings { return section.In(cfg) }

// Settings are the rows of ACCOUNTD_JWTACCOUNTS_*.
func (Profile) Settings() []config.Setting {
	page := func(f func(*Settings) *string) func(*config.Config, string) error {
		return config.Field(section, f, baseURL)
	}
	return []config.Setting{
		{Env: "ACCOUNTD_JWTACCOUNTS_ACTIVATION_URL", Default: "http://localhost:3000/activate",
			Usage: "jwt-accounts: the page activation links open without a verification_base_url (the link is <this>/<uidb64>/<token>/)",
			Set:   page(func(s *Settings) *string { return &s.ActivationURL })},
		{Env: "ACCOUNTD_JWTACCOUNTS_RESET_URL", Default: "http://localhost:3000/reset-password",
			Usage: "jwt-accounts: the page reset password links open without a verification_base_url (the link is <this>/<uidb64>/<token>/)",
			Set:   page(func(s *Settings) *string { return &s.ResetURL })},
		{Env: "ACCOUNTD_JWTACCOUNTS_PUBLIC_URL", Default: "http://localhost:8080",
			Usage: "jwt-accounts: the address clients reach accountd at, under which uploaded profile pictures are served and history pages linked",
			Set:   page(func(s *Settings) *string { return &s.PublicURL })},
	}
}

// Links are the configured pages with the uidb64 and token the activation and reset
// endpoints take as the last two segments of their paths. A verification_base_url
// replaces the page (account.Message.LinkBase), keeping those segments.
func (Profile) Links(cfg config.Config) map[account.MessageKind]string {
	s := SettingsOf(&cfg)
	return map[account.MessageKind]string{
		account.MessageActivation:    strings.TrimRight(s.ActivationURL, "/") + "/{uid}/{token}/",
		account.MessagePasswordReset: strings.TrimRight(s.ResetURL, "/") + "/{uid}/{token}/",
	}
}

// baseURL reads an absolute http or https URL with nothing after its path, since a
// path is appended to it.
func baseURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(v, "{} \t\r\n") {
		return "", fmt.Errorf("not an http or https URL with nothing after its path, such as https://app.example.com/activate: %q", v)
	}
	return v, nil
}
