package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// Config assembles the HTTP API.
type Config struct {
	Service *account.Service
	// JWKS is the public key set, as published.
	JWKS  []byte
	Ready Readiness
	// Logger gets the access log (one line per request).
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies (default 64 KiB).
	MaxBodyBytes int64
	// PasswordMinLength is the policy's shortest new password, which the validator and
	// the served spec use in place of the committed spec's minLength (0: the spec's).
	PasswordMinLength int
	// Mount adds more routes (compatibility profiles, metrics) to the same router.
	Mount []func(chi.Router)
	// Middleware wraps every request, inside the request ID and outside everything else
	// (metrics, say).
	Middleware []func(http.Handler) http.Handler
	// CORSOrigins are the browser origins allowed to call the API; none turns CORS off.
	CORSOrigins []string
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// DocsProfiles are the enabled compatibility profiles, whose operations /docs offers
	// as documents of their own beside the canonical API's.
	DocsProfiles []DocsProfile
	// Idempotency keeps the answers to requests sent with an Idempotency-Key; nil
	// ignores the header.
	Idempotency Idempotency
}

// New returns the handler serving the canonical API, its docs and whatever cfg.Mount
// adds.
func New(cfg Config) (http.Handler, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var jwks gen.JWKSet
	if err := json.Unmarshal(cfg.JWKS, &jwks); err != nil {
		return nil, err
	}
	srv := &Server{svc: cfg.Service, jwks: jwks, ready: cfg.Ready}
	v, err := newValidator(cfg.MaxBodyBytes, cfg.PasswordMinLength, srv.authenticate, cfg.Idempotency)
	if err != nil {
		return nil, err
	}

	r := chi.NewRouter()
	r.Use(withRequestContext(clientIPs{trusted: cfg.TrustedProxies}, cfg.Logger))
	r.Use(cfg.Middleware...)
	r.Use(accessLog(cfg.Logger), recoverer, securityHeaders)
	if len(cfg.CORSOrigins) > 0 {
		r.Use(corsMiddleware(cfg.CORSOrigins))
	}
	r.Use(v.middleware)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, &Problem{Code: gen.NotFound, Detail: "No such endpoint."})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, &Problem{Code: gen.MethodNotAllowed})
	})
	if err := mountDocs(r, cfg.DocsProfiles, cfg.PasswordMinLength); err != nil {
		return nil, err
	}
	if err := mountPasskeyPage(r); err != nil {
		return nil, err
	}
	for _, m := range cfg.Mount {
		m(r)
	}

	strict := gen.NewStrictHandlerWithOptions(srv, []gen.StrictMiddlewareFunc{cacheJWKS}, gen.StrictHTTPServerOptions{
		// The validator has checked the body against the spec, so a decoding failure
		// here is a body the spec allows but Go cannot hold (such as a number too big).
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(w, r, &Problem{Code: gen.MalformedRequest, Detail: "The request body could not be decoded."})
		},
		ResponseErrorHandlerFunc: writeError,
	})
	gen.HandlerWithOptions(strict, gen.ChiServerOptions{
		BaseRouter: r,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(w, r, &Problem{Code: gen.ValidationFailed, Detail: "A parameter is invalid."})
		},
	})
	return r, nil
}

// jwksMaxAge is how long caches may keep the JWKS: services that verify tokens offline
// fetch it often, and a new key is published well before it signs (see the key rotation
// in docs/operations.md).
const jwksMaxAge = "public, max-age=300"

// cacheJWKS lets caches keep the public key set, the one API answer that is public.
func cacheJWKS(f gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	if operationID != "GetJWKS" {
		return f
	}
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		publicCache(w.Header(), jwksMaxAge)
		return f(ctx, w, r, req)
	}
}

// authenticate verifies the bearer token of a request to a secured operation and puts
// the caller in the request's context.
func (s *Server) authenticate(r *http.Request) (*http.Request, error) {
	token, ok := bearerToken(r)
	if !ok {
		return r, &Problem{Code: gen.Unauthenticated, Detail: "Send an access token as `Authorization: Bearer <token>`."}
	}
	p, err := s.svc.Authenticate(r.Context(), token)
	if err != nil {
		if problemFor(err).Code == gen.Unauthenticated {
			return r, &Problem{Code: gen.Unauthenticated, Detail: "The access token is invalid or expired, or its session has ended."}
		}
		return r, err
	}
	setUser(r.Context(), p.User.ID)
	return r.WithContext(context.WithValue(r.Context(), principalKey, p)), nil
}
