package app

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat"
	"github.com/accountd/accountd/internal/compat/cadasta"
	"github.com/accountd/accountd/internal/compat/djoser"
	"github.com/accountd/accountd/internal/compat/jwtaccounts"
	"github.com/accountd/accountd/internal/compat/restregistration"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/httpapi"
	"github.com/accountd/accountd/internal/token"
)

// profiles are the compatibility profiles accountd can serve, each a package under
// internal/compat. Adding a profile is a line here; the order is ACCOUNTD_COMPAT's
// order for "all", and the order of their settings in the table.
var profiles = []compat.Profile{
	restregistration.Profile{},
	djoser.Profile{},
	cadasta.Profile{},
	jwtaccounts.Profile{},
}

// LoadConfig reads the settings as config.Load does, the profiles' own included: what
// cmd/accountd and the tests call.
func LoadConfig(args []string, getenv func(string) string, output io.Writer) (config.Config, error) {
	return config.Load(args, getenv, output, compat.ConfigProfiles(profiles))
}

// Settings is every row of the settings table, the profiles' included, in order: for
// --help and the README's table.
func Settings() []config.Setting { return config.Table(compat.ConfigProfiles(profiles)) }

// compatRoutes returns the routes of the profiles cfg.Compat names, in that order. Each
// profile is a thin adapter over the same account service, mounted at its own paths.
func compatRoutes(cfg config.Config, svc *account.Service, issuer *token.Issuer, logger *slog.Logger) ([]func(chi.Router), error) {
	deps := compat.Deps{
		Config: cfg, Service: svc, Meta: httpapi.RequestMeta, Logger: logger,
		AccessTokens: func(ttl time.Duration) (account.AccessTokens, error) { return issuer.WithTTL(ttl) },
	}
	var routes []func(chi.Router)
	for _, name := range cfg.Compat {
		p, ok := profileNamed(name)
		if !ok {
			return nil, fmt.Errorf("config: ACCOUNTD_COMPAT: no profile %q", name)
		}
		r, err := p.Routes(deps)
		if err != nil {
			return nil, err
		}
		routes = append(routes, r)
	}
	return routes, nil
}

// profileNamed returns the registered profile called name.
func profileNamed(name string) (compat.Profile, bool) {
	for _, p := range profiles {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}
