package app

import (
	"log/slog"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/djoser"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/httpapi"
)

// djoserLinks are the links of the emails sent through the djoser profile: djoser's
// frontend pages, with the uid and token its activation and reset endpoints take.
func djoserLinks(cfg config.Config) map[account.MessageKind]string {
	return map[account.MessageKind]string{
		account.MessageActivation:    cfg.Djoser.ActivationLink(),
		account.MessagePasswordReset: cfg.Djoser.ResetLink(),
	}
}

// djoserRoutes mounts the djoser profile.
func djoserRoutes(cfg config.Config, svc *account.Service, logger *slog.Logger) (func(chi.Router), error) {
	return djoser.New(djoser.Config{
		Service: svc, Meta: httpapi.RequestMeta, Logger: logger, MaxBodyBytes: cfg.MaxBodyBytes,
		HideExistingEmails: cfg.HideExistingEmails, PasswordMinLength: cfg.PasswordMinLength,
	}).Routes()
}
