package accountd

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

type claimsKey struct{}

// ClaimsFromContext returns the claims Verifier.Middleware put in the context of the
// request it let through.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// Middleware lets through only requests with a valid access token in
// "Authorization: Bearer <token>", with its claims in the request's context (read them
// with ClaimsFromContext). Others get a problem+json answer: 401 with a
// WWW-Authenticate challenge (RFC 6750) for a missing or refused token, 503 when the key
// set could not be fetched. The reason of a refusal is not told to the caller.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="accountd"`)
			writeProblem(w, http.StatusUnauthorized, ProblemCodeUnauthenticated, "Authentication required", "Send an accountd access token as Authorization: Bearer <token>.")
			return
		}
		claims, err := v.Verify(r.Context(), token)
		switch {
		case errors.Is(err, ErrInvalidToken):
			w.Header().Set("WWW-Authenticate", `Bearer realm="accountd", error="invalid_token"`)
			writeProblem(w, http.StatusUnauthorized, ProblemCodeUnauthenticated, "Authentication required", "The access token is invalid or expired.")
			return
		case err != nil:
			writeProblem(w, http.StatusServiceUnavailable, ProblemCodeUnavailable, "Service unavailable", "The keys to check access tokens with could not be fetched.")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
	})
}

// writeProblem answers with an RFC 9457 problem shaped like accountd's own.
func writeProblem(w http.ResponseWriter, status int, code ProblemCode, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Problem{
		Type:   "urn:accountd:problem:" + string(code),
		Title:  title,
		Status: int32(status),
		Code:   code,
		Detail: &detail,
	})
}
