package app

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"net/http"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/httpapi"
	"github.com/accountd/accountd/internal/metrics"
	"github.com/accountd/accountd/internal/passkey"
	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/ratelimit"
	"github.com/accountd/accountd/internal/secretbox"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/idempotency"
	"github.com/accountd/accountd/internal/token"
	"github.com/accountd/accountd/internal/totp"
)

// The builders of New, in the order it calls them. Each turns settings into one part,
// and words its error so that it names the setting at fault where there is one.

// openStore returns the database, opt.Store when the caller supplies one (own is then
// false: the caller closes it), migrated when cfg.AutoMigrate is set.
func openStore(ctx context.Context, cfg config.Config, opt Options) (store *bunstore.Store, own bool, err error) {
	store = opt.Store
	if store == nil {
		store, err = bunstore.Open(ctx, cfg.DatabaseURL, bunstore.Options{
			MaxOpenConns: cfg.DBMaxOpenConns, QueryTimeout: cfg.DBQueryTimeout,
			ReplicaURL: cfg.DatabaseReplicaURL, Logger: opt.Logger,
		})
		if err != nil {
			return nil, false, fmt.Errorf("open database (ACCOUNTD_DATABASE_URL=%s): %w", config.Mask(cfg.DatabaseURL), err)
		}
		own = true
	}
	if cfg.AutoMigrate {
		if err := store.Migrate(ctx); err != nil {
			if own {
				_ = store.Close()
			}
			return nil, false, fmt.Errorf("migrate database: %w", err)
		}
	}
	return store, own, nil
}

// newIssuer returns the signer of access tokens: with the keys of
// ACCOUNTD_SIGNING_KEY_FILE, which carry their own algorithm, or else with a key of
// ACCOUNTD_SIGNING_ALG generated once and kept in the database. The stored keys may be
// read from the replica (ACCOUNTD_DATABASE_REPLICA_URL), until this start stores one.
func newIssuer(ctx context.Context, cfg config.Config, store *bunstore.Store) (*token.Issuer, error) {
	ctx = bunstore.WithReplicaReads(ctx)
	alg := cfg.SigningAlg
	if len(cfg.SigningKeyFiles) > 0 {
		alg = ""
	}
	issuer, err := token.New(ctx, token.Config{
		Issuer: cfg.Issuer, Audience: cfg.Audience, TTL: cfg.AccessTokenTTL,
		Algorithm: alg, KeyFiles: cfg.SigningKeyFiles,
	}, store)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return issuer, nil
}

// newHasher returns the argon2id password hasher of the ACCOUNTD_ARGON2_* settings,
// computing at most ACCOUNTD_HASH_CONCURRENCY hashes at once.
func newHasher(cfg config.Config) (*password.Hasher, error) {
	params := password.Params{
		Memory: uint32(cfg.Argon2MemoryKiB), Time: uint32(cfg.Argon2Time), Threads: uint8(cfg.Argon2Threads),
		SaltLen: password.DefaultParams.SaltLen, KeyLen: password.DefaultParams.KeyLen,
	}
	if err := params.Validate(); err != nil {
		return nil, fmt.Errorf("config: ACCOUNTD_ARGON2_*: %w", err)
	}
	return password.New(params, cfg.HashConcurrency), nil
}

// newService returns the account service over the parts built before it, with the
// lifetimes, limits and policies of cfg.
func newService(cfg config.Config, opt Options, store *bunstore.Store, hasher *password.Hasher, issuer *token.Issuer,
	mailer account.Mailer, counters ratelimit.Limiter, m *metrics.Metrics) (*account.Service, error) {
	linkKey, err := linkSecret(cfg, issuer)
	if err != nil {
		return nil, err
	}
	refreshKey, err := serverSecret(cfg, issuer, refreshSuccessorInfo)
	if err != nil {
		return nil, err
	}
	mfa, err := secondFactors(cfg)
	if err != nil {
		return nil, err
	}
	return account.New(store, hasher, issuer, mailer, account.Options{
		Now: opt.Now, Logger: opt.Logger,
		ActivationTTL: cfg.ActivationTTL, ResetTTL: cfg.ResetTTL, EmailChangeTTL: cfg.EmailChangeTTL, InvitationTTL: cfg.InvitationTTL,
		SessionTTL: cfg.SessionTTL, RefreshGrace: cfg.RefreshGrace, MaxSessions: cfg.SessionsPerAccount,
		HideExistingEmails: cfg.HideExistingEmails, PasswordMinLength: cfg.PasswordMinLength,
		Limiter: limiter{counters, cfg.DBQueryTimeout}, Limits: cfg.Limits, Observer: m, LinkSecret: linkKey,
		LinkOrigins: cfg.AllowedRedirectOrigins, MFA: mfa,
		RefreshKey: refreshKey,
	}), nil
}

// secondFactors returns the tools of second factors: TOTP (when
// ACCOUNTD_MFA_ENCRYPTION_KEY is set), passkeys for the relying party of the
// ACCOUNTD_WEBAUTHN_* settings, and their windows and limits.
func secondFactors(cfg config.Config) (account.MFAOptions, error) {
	m := cfg.MFA
	opt := account.MFAOptions{
		TOTP: totp.Keys{Issuer: m.Issuer}, StepUpWindow: m.StepUpWindow, ClockSkew: m.ClockSkew,
		ChallengeTTL: m.ChallengeTTL, CodeFailures: m.CodeFailures,
	}
	if opt.ClockSkew == 0 {
		opt.ClockSkew = -1 // the service reads 0 as "default"
	}
	if m.EncryptionKey != nil {
		box, err := secretbox.New(m.EncryptionKey)
		if err != nil {
			return opt, fmt.Errorf("config: ACCOUNTD_MFA_ENCRYPTION_KEY: %w", err)
		}
		opt.SecretBox = box
	}
	pk, err := passkey.New(passkey.Config{RPID: m.RPID, RPName: m.RPName, Origins: m.Origins, Timeout: m.ChallengeTTL})
	if err != nil {
		return opt, fmt.Errorf("config: ACCOUNTD_WEBAUTHN_*: %w", err)
	}
	opt.Passkeys = pk
	return opt, nil
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

// The uses of serverSecret (HKDF info). Changing one voids what its key protects: the
// retry of a refresh whose answer was lost, or the answers kept for Idempotency-Key
// retries, which are then run again.
const (
	refreshSuccessorInfo = "accountd refresh token successors v1"
	idempotencyInfo      = "accountd idempotency records v1"
)

// serverSecret is a key for one use (info) that every instance derives alike from what
// they share: ACCOUNTD_LINK_SECRET when set, else the signing key, as the link secret
// is, through HKDF, so that no use reveals another's key. It keys the derivation of each
// refresh token's successor (account.Options.RefreshKey) and the records of
// Idempotency-Key requests. A new key refuses only the retry of a refresh whose answer
// was lost meanwhile, and makes kept answers unreadable, so their requests run again.
func serverSecret(cfg config.Config, issuer *token.Issuer, info string) ([]byte, error) {
	if cfg.LinkSecret != "" {
		return hkdf.Key(sha256.New, []byte(cfg.LinkSecret), nil, info, 32)
	}
	key, err := issuer.DeriveSecret(info)
	if err != nil {
		return nil, fmt.Errorf("server secret %q: %w", info, err)
	}
	return key, nil
}

// newHandler returns the HTTP handler: the canonical API, the JWKS and the probes
// (httpapi), with the compatibility profiles cfg.Compat names mounted on the same
// router, behind the same middleware. Metrics are not among them: they are served on a
// listener of their own (App.Metrics, ACCOUNTD_METRICS_ADDR), since counters such as
// the emails sent move for a known address and not for an unknown one.
func newHandler(cfg config.Config, opt Options, a *App, issuer *token.Issuer, m *metrics.Metrics) (http.Handler, error) {
	mounts, err := compatRoutes(cfg, a.Service, issuer, opt.Logger)
	if err != nil {
		return nil, err
	}
	idemKey, err := serverSecret(cfg, issuer, idempotencyInfo)
	if err != nil {
		return nil, err
	}
	a.idempotency = idempotency.New(a.Store.DB(), idemKey, idempotency.Options{
		TTL: cfg.IdempotencyTTL, QueryTimeout: cfg.DBQueryTimeout, Now: opt.Now,
	})
	middleware := []func(http.Handler) http.Handler{m.Middleware}
	if a.Store.HasReplica() {
		middleware = append(middleware, replicaReads)
	}
	return httpapi.New(httpapi.Config{
		Service: a.Service, JWKS: issuer.JWKS(), Ready: a, Logger: opt.Logger, MaxBodyBytes: cfg.MaxBodyBytes,
		Mount: mounts, Middleware: middleware,
		CORSOrigins: cfg.CORSOrigins, TrustedProxies: cfg.TrustedProxies, Idempotency: a.idempotency,
		PasswordMinLength: cfg.PasswordMinLength, DocsProfiles: docsProfiles(cfg),
	})
}

// replicaReads lets each request's reads that tolerate lag be served by the database's
// replica, until the request writes (bunstore's replica.go).
func replicaReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(bunstore.WithReplicaReads(r.Context())))
	})
}
