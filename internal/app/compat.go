package app

import (
	"fmt"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// compatRoutes returns the routes of the compatibility profiles cfg.Compat names. Each
// profile is a thin adapter over the same account service, mounted at its own paths.
func compatRoutes(cfg config.Config, svc *account.Service) ([]func(chi.Router), error) {
	var routes []func(chi.Router)
	for _, name := range cfg.Compat {
		switch name {
		// Each profile adds its case here.
		default:
			return nil, fmt.Errorf("config: ACCOUNTD_COMPAT: no profile %q", name)
		}
	}
	return routes, nil
}
