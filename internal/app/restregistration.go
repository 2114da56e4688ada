package app

import (
	"fmt"
	"log/slog"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/restregistration"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/httpapi"
	"github.com/accountd/accountd/internal/token"
)

// restRegistrationLinks are the links of the emails sent through the rest-registration
// profile: its frontend's pages, given the signed link's parameters.
func restRegistrationLinks(cfg config.Config) map[account.MessageKind]string {
	return map[account.MessageKind]string{
		account.MessageActivation:    cfg.RestReg.VerifyRegistrationURL,
		account.MessagePasswordReset: cfg.RestReg.ResetPasswordURL,
		account.MessageEmailChange:   cfg.RestReg.VerifyEmailURL,
	}
}

// linkSecretInfo names the use of the derived link secret (HKDF info); changing it
// voids every signed link in flight.
const linkSecretInfo = "accountd signed email links v1"

// linkSecret is the key of signed emailed links: ACCOUNTD_LINK_SECRET when set, else a
// key derived from the private key that signs access tokens. That key is generated once
// and kept in the database (signing_keys), or read from a key file, so every restart and
// every instance derives the same link key with nothing more to configure or store. A
// new signing key voids the links in flight, which live a few hours at most.
func linkSecret(cfg config.Config, issuer *token.Issuer) ([]byte, error) {
	if cfg.LinkSecret != "" {
		return []byte(cfg.LinkSecret), nil
	}
	key, err := issuer.DeriveSecret(linkSecretInfo)
	if err != nil {
		return nil, fmt.Errorf("link secret: %w", err)
	}
	return key, nil
}

// restRegistrationRoutes mounts the rest-registration profile. Its login hands out one
// access token and no refresh token, so the token lives ACCOUNTD_RESTREG_TOKEN_TTL (no
// longer than ACCOUNTD_SESSION_TTL) and its session ends with it.
func restRegistrationRoutes(cfg config.Config, svc *account.Service, issuer *token.Issuer, logger *slog.Logger) (func(chi.Router), error) {
	ttl := min(cfg.RestReg.TokenTTL, cfg.SessionTTL)
	long, err := issuer.WithTTL(ttl)
	if err != nil {
		return nil, fmt.Errorf("config: ACCOUNTD_RESTREG_TOKEN_TTL: %w", err)
	}
	return restregistration.Routes(restregistration.Config{
		Service: svc.WithAccessTokens(long, ttl), Meta: httpapi.RequestMeta, Logger: logger,
		MaxBodyBytes: cfg.MaxBodyBytes, ResetUnknownEmail404: cfg.RestReg.ResetUnknownEmail404,
	})
}
