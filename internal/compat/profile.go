// Package compat is what a compatibility profile is to the rest of accountd. A profile
// serves a legacy API (djoser, django-rest-registration, ...) at its original paths and
// in its wire format, over the same account.Service as the canonical API. Each profile is
// one package under internal/compat with one type implementing Profile, which names its
// spec tag, its settings, its email links and its routes; internal/app registers the
// profiles in one list. Django REST framework plumbing shared by profiles is in drf.
package compat

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// Profile is one compatibility profile. Its methods are called once, when the app is
// configured and assembled; a profile keeps no state of its own between them.
type Profile interface {
	// Name is the value of ACCOUNTD_COMPAT that serves the profile, and the flow its
	// requests give the account service (account.Message.Flow), which picks the links
	// of the emails they send ("djoser").
	Name() string
	// Tag is the tag of the profile's operations in openapi.yaml ("compat-djoser");
	// `make generate` writes their server interface to gen/compat/<tag without compat-
	// and dashes>.
	Tag() string
	// Settings are the rows of the profile's own settings (ACCOUNTD_<PROFILE>_*), which
	// fill its config.Section: names, defaults, usage and parsing. They follow
	// ACCOUNTD_COMPAT in the settings table, in --help and in the README.
	Settings() []config.Setting
	// Links are the link templates of the emails sent through the profile, by kind,
	// made from cfg (mail.ComposerConfig.Links lists the placeholders). A kind without
	// one gets the canonical API's link.
	Links(cfg config.Config) map[account.MessageKind]string
	// Routes builds the profile's handlers from d and returns the function that mounts
	// them on the app's router.
	Routes(d Deps) (func(chi.Router), error)
}

// Deps is what a profile gets from the app to build its handlers: settings in Config,
// working parts in the other fields.
type Deps struct {
	// Config is every setting: the profile's own (its config.Section) and the server's
	// it honours, such as ACCOUNTD_MAX_BODY_BYTES and ACCOUNTD_HIDE_EXISTING_EMAILS.
	Config config.Config
	// Service carries out every use case.
	Service *account.Service
	// Meta says who is calling (client IP and user agent), as the router's middleware
	// worked it out; it goes to the service for sessions, events and rate limits.
	Meta func(context.Context) account.RequestMeta
	// Logger gets internal errors.
	Logger *slog.Logger
	// AccessTokens returns an issuer of access tokens that live ttl instead of
	// ACCOUNTD_ACCESS_TOKEN_TTL (for account.Service.WithAccessTokens), for an API whose
	// login hands out no refresh token. It refuses a ttl above the issuer's maximum.
	AccessTokens func(ttl time.Duration) (account.AccessTokens, error)
}

// ConfigProfiles is what config needs to know of the profiles, for config.Load: the
// names ACCOUNTD_COMPAT takes and each profile's settings.
func ConfigProfiles(profiles []Profile) []config.Profile {
	out := make([]config.Profile, 0, len(profiles))
	for _, p := range profiles {
		out = append(out, config.Profile{Name: p.Name(), Settings: p.Settings()})
	}
	return out
}
