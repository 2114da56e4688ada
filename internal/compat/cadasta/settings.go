package cadasta

import (
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// Settings are the profile's own settings.
type Settings struct {
	// ActivationURL is the page of activation links and of links that confirm a new
	// email: the platform sent both to /account/activate/{uid}/{token}/, and both post
	// uid and token to /api/v1/account/activate/.
	ActivationURL string
	// ResetURL is the page of password reset links, which posts uid and token to
	// /api/v1/account/password/reset/confirm/.
	ResetURL string
	// TokenTTL is how long an auth_token lives from its login: the API never refreshes.
	TokenTTL time.Duration
}

// maxTokenTTL bounds ACCOUNTD_CADASTA_TOKEN_TTL. The platform's tokens never expired; a
// year keeps a stolen one from working for ever.
const maxTokenTTL = 365 * 24 * time.Hour

// section is where a config.Config keeps the profile's Settings.
var section = config.NewSection[Settings](Flow)

// SettingsOf returns the profile's settings in cfg, to read or to change.
func SettingsOf(cfg *config.Config) *Settings { return section.In(cfg) }

// Settings are the rows of ACCOUNTD_CADASTA_*.
func (Profile) Settings() []config.Setting {
	link := func(f func(*Settings) *string) func(*config.Config, string) error {
		return config.Field(section, f, config.Containing("{uid}", "{token}"))
	}
	return []config.Setting{
		{Env: "ACCOUNTD_CADASTA_ACTIVATION_URL", Default: "http://localhost:8000/account/activate/{uid}/{token}/",
			Usage: "cadasta: the page of activation and new-email links, which posts uid and token to /api/v1/account/activate/ ({uid} and {token} required)",
			Set:   link(func(s *Settings) *string { return &s.ActivationURL })},
		{Env: "ACCOUNTD_CADASTA_RESET_URL", Default: "http://localhost:8000/account/password/reset/confirm/{uid}/{token}/",
			Usage: "cadasta: the page of password reset links, which posts uid and token to /api/v1/account/password/reset/confirm/ ({uid} and {token} required)",
			Set:   link(func(s *Settings) *string { return &s.ResetURL })},
		{Env: "ACCOUNTD_CADASTA_TOKEN_TTL", Default: "720h", Usage: "cadasta: lifetime of an auth_token from its login, never extended (at most 8760h)",
			Set: config.Field(section, func(s *Settings) *time.Duration { return &s.TokenTTL }, config.DurationUpTo(maxTokenTTL))},
	}
}

// Links are the platform's pages, given the uid and token its endpoints take back.
func (Profile) Links(cfg config.Config) map[account.MessageKind]string {
	s := SettingsOf(&cfg)
	return map[account.MessageKind]string{
		account.MessageActivation:  s.ActivationURL,
		account.MessageEmailChange: s.ActivationURL,
		// The current address approves a change at the same page.
		account.MessageEmailChangeOldAddress: s.ActivationURL,
		account.MessagePasswordReset:         s.ResetURL,
	}
}
