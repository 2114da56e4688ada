package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/accountd/accountd/gen"
)

// UnreadyRetryAfter is the Retry-After of the answers Unready gives: about the time
// the app takes to notice that its database answers again.
const UnreadyRetryAfter = 5 * time.Second

// Unready returns the handler that answers while the app cannot serve yet, because its
// database has not answered since the process started (app.Launcher): the process is
// alive (/healthz 200), not ready (/readyz 503, its detail from why), the spec and
// Swagger UI are served as usual (the documents of the enabled profiles, the password
// policy's minLength: what the ready server will serve), and every other request gets
// 503 unavailable with Retry-After, as a request that needs a database that went away
// does. The router's usual middleware runs: request ID, access log, panic recovery,
// security headers.
func Unready(why func() string, logger *slog.Logger, docsProfiles []DocsProfile, passwordMinLength int) (http.Handler, error) {
	if logger == nil {
		logger = slog.Default()
	}
	r := chi.NewRouter()
	r.Use(withRequestContext(clientIPs{}, logger), accessLog(logger), recoverer, securityHeaders)
	if err := mountDocs(r, docsProfiles, passwordMinLength); err != nil {
		return nil, err
	}
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(gen.Health{Status: gen.Ok})
	})
	r.Get("/readyz", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, &Problem{Code: gen.Unavailable, Detail: why(), RetryAfter: UnreadyRetryAfter})
	})
	canonical, err := canonicalPaths()
	if err != nil {
		return nil, err
	}
	unavailable := func(w http.ResponseWriter, r *http.Request) {
		if canonical(r.URL.Path) {
			writeProblem(w, r, &Problem{Code: gen.Unavailable, RetryAfter: UnreadyRetryAfter,
				Detail: "The service is starting and cannot reach its database yet; try again shortly."})
			return
		}
		// The compatibility profiles' paths: the Django REST framework shape every
		// profile answers a 503 in, with DRF's own words.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Retry-After", strconv.Itoa(int(UnreadyRetryAfter/time.Second)))
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"detail": "Service temporarily unavailable, try again later."})
	}
	r.NotFound(unavailable)
	r.MethodNotAllowed(unavailable)
	return r, nil
}

// canonicalPaths returns whether a request path belongs to the canonical API (its /v1
// operations and the ones at the root, such as /readyz), rather than to a compatibility
// profile (an operation tagged compat-*) or to nothing.
func canonicalPaths() (func(path string) bool, error) {
	doc, err := gen.GetSwagger()
	if err != nil {
		return nil, err
	}
	root := map[string]bool{}
	for p, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if !strings.HasPrefix(p, "/v1/") && !isCompat(op) {
				root[p] = true
			}
		}
	}
	return func(path string) bool { return strings.HasPrefix(path, "/v1/") || root[path] }, nil
}
