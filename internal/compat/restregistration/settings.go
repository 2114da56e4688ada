package restregistration

import (
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// Settings are the profile's own settings.
type Settings struct {
	// The frontend pages its emailed links open, with the signed link's parameters.
	VerifyRegistrationURL string
	ResetPasswordURL      string
	VerifyEmailURL        string
	// TokenTTL is how long its login token lives: the API has no refresh token.
	TokenTTL time.Duration
	// ResetUnknownEmail404 restores the document's 404 for a reset link asked for an
	// unknown address. Off by default: that answer tells anyone which emails have
	// accounts.
	ResetUnknownEmail404 bool
}

// section is where a config.Config keeps the profile's Settings.
var section = config.NewSection[Settings](Flow)

// SettingsOf returns the profile's settings in cfg, to read or to change.
func SettingsOf(cfg *config.Config) *Settings { return section.In(cfg) }

// Settings are the rows of ACCOUNTD_RESTREG_*.
func (Profile) Settings() []config.Setting {
	link := func(f func(*Settings) *string, required ...string) func(*config.Config, string) error {
		return config.Field(section, f, config.Containing(required...))
	}
	return []config.Setting{
		{Env: "ACCOUNTD_RESTREG_VERIFY_REGISTRATION_URL", Default: "http://localhost:3000/verify-user/?user_id={user_id}&timestamp={timestamp}&signature={signature}",
			Usage: "rest-registration: registration verification link ({user_id}, {timestamp} and {signature} required)",
			Set:   link(func(s *Settings) *string { return &s.VerifyRegistrationURL }, "{user_id}", "{timestamp}", "{signature}")},
		{Env: "ACCOUNTD_RESTREG_RESET_PASSWORD_URL", Default: "http://localhost:3000/reset-password/?user_id={user_id}&timestamp={timestamp}&signature={signature}",
			Usage: "rest-registration: reset password link ({user_id}, {timestamp} and {signature} required)",
			Set:   link(func(s *Settings) *string { return &s.ResetPasswordURL }, "{user_id}", "{timestamp}", "{signature}")},
		{Env: "ACCOUNTD_RESTREG_VERIFY_EMAIL_URL", Default: "http://localhost:3000/verify-email/?user_id={user_id}&email={email}&timestamp={timestamp}&signature={signature}",
			Usage: "rest-registration: new email verification link ({user_id}, {email}, {timestamp} and {signature} required)",
			Set:   link(func(s *Settings) *string { return &s.VerifyEmailURL }, "{user_id}", "{email}", "{timestamp}", "{signature}")},
		{Env: "ACCOUNTD_RESTREG_TOKEN_TTL", Default: "24h", Usage: "rest-registration: lifetime of the login token, which has no refresh (at most 24h)",
			Set: config.Field(section, func(s *Settings) *time.Duration { return &s.TokenTTL }, config.DurationUpTo(24*time.Hour))},
		{Env: "ACCOUNTD_RESTREG_RESET_UNKNOWN_EMAIL_404", Default: "false", Usage: "rest-registration: answer 404 to a reset link asked for an unknown email, as the document does (tells who has an account)",
			Set: config.Field(section, func(s *Settings) *bool { return &s.ResetUnknownEmail404 }, config.Bool)},
	}
}

// Links are the frontend's pages, given the signed link's parameters (account.SignedLink).
func (Profile) Links(cfg config.Config) map[account.MessageKind]string {
	s := SettingsOf(&cfg)
	return map[account.MessageKind]string{
		account.MessageActivation:    s.VerifyRegistrationURL,
		account.MessagePasswordReset: s.ResetPasswordURL,
		account.MessageEmailChange:   s.VerifyEmailURL,
		// The current address approves a change at the same verify page.
		account.MessageEmailChangeOldAddress: s.VerifyEmailURL,
	}
}
