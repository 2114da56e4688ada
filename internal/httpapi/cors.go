package httpapi

import (
	"net/http"

	"github.com/rs/cors"
)

// corsMiddleware lets browser apps on the given origins call the API. Bearer tokens,
// not cookies, carry authentication, so credentials mode stays off.
func corsMiddleware(origins []string) func(http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		// Idempotency-Key: the SDKs send it on every request that changes something, so
		// that a retry is recognised (a browser app's preflight must allow it).
		AllowedHeaders: []string{"Authorization", "Content-Type", "X-Request-ID", "Idempotency-Key"},
		ExposedHeaders: []string{"X-Request-ID", "Retry-After"},
		MaxAge:         600,
	}).Handler
}
