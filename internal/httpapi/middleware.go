package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/accountd/accountd/internal/account"
)

// withRequestContext gives each request an ID (the caller's X-Request-ID when it is
// acceptable), echoes it, and records who is calling for sessions and events.
func withRequestContext(ips clientIPs) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-ID")
			if !acceptableRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-ID", id)
			ctx := context.WithValue(r.Context(), requestIDKey, id)
			ctx = context.WithValue(ctx, metaKey, account.RequestMeta{IP: ips.of(r), UserAgent: truncate(r.UserAgent(), 512)})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// accessLog writes one structured line per request. It logs the route pattern, not the
// raw path or query, so no token in a URL reaches the log.
func accessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			info := &requestInfo{}
			r = r.WithContext(context.WithValue(r.Context(), requestInfoKey, info))
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			route := chi.RouteContext(r.Context()).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", ww.Status()),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", requestID(r.Context())),
			}
			if info.userID != 0 {
				attrs = append(attrs, slog.Int64("user_id", info.userID))
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		})
	}
}

// recoverer turns a panic into a logged internal error instead of a dropped connection.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.ErrorContext(r.Context(), "panic", "value", v, "request_id", requestID(r.Context()),
					"stack", string(debug.Stack()))
				writeProblem(w, r, &Problem{Code: "internal"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders are sent with every response, whichever API answers it.
//
// Every answer is Cache-Control: no-store (with Pragma: no-cache for HTTP/1.0 caches, as
// RFC 6749 asks of token answers) unless its handler says otherwise: logins, refreshes
// and account data must never sit in a shared cache or the browser's history, and a
// default on the router covers the compatibility profiles, present and future, without
// each remembering it. Only public documents (the JWKS, the spec, Swagger UI) set a
// cache policy of their own.
//
// Every 503 carries Retry-After (unavailableRetryAfter), as every 429 does, on every
// API: the error writers of the profiles need not know.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		next.ServeHTTP(&retryAfterWriter{ResponseWriter: w}, r)
	})
}

// unavailableRetryAfter is the Retry-After of a 503: long enough that clients do not
// hammer a database that is coming back, short enough that a blip costs them little.
const unavailableRetryAfter = "2"

// retryAfterWriter adds Retry-After to a 503 whose handler set none.
type retryAfterWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *retryAfterWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", unavailableRetryAfter)
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *retryAfterWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer (flushing,
// deadlines).
func (w *retryAfterWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// publicCache marks an answer that holds no secret and may be cached: it replaces the
// no-store default of securityHeaders.
func publicCache(h http.Header, policy string) {
	h.Set("Cache-Control", policy)
	h.Del("Pragma")
}
