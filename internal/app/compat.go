package app

import (
	"fmt"
	"log/slog"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/djoser"
	"github.com/accountd/accountd/internal/compat/restregistration"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/token"
)

// compatRoutes returns the routes of the compatibility profiles cfg.Compat names. Each
// profile is a thin adapter over the same account service, mounted at its own paths.
func compatRoutes(cfg config.Config, svc *account.Service, issuer *token.Issuer, logger *slog.Logger) ([]func(chi.Router), error) {
	var routes []func(chi.Router)
	for _, name := range cfg.Compat {
		switch name {
		// Each profile adds its case here.
		case restregistration.Flow:
			r, err := restRegistrationRoutes(cfg, svc, issuer, logger)
			if err != nil {
				return nil, err
			}
			routes = append(routes, r)
		case djoser.Flow:
			r, err := djoserRoutes(cfg, svc, logger)
			if err != nil {
				return nil, err
			}
			routes = append(routes, r)
		default:
			return nil, fmt.Errorf("config: ACCOUNTD_COMPAT: no profile %q", name)
		}
	}
	return routes, nil
}
