package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/accountd/accountd/internal/account"
)

// withRequestContext gives each request an ID (the caller's X-Request-ID when it is
// acceptable), echoes it, and records who is calling for sessions, events and the
// budgets of failed logins: the client IP, the user agent and the device cookie, with a
// way for a successful login to set that cookie (whichever API the login came through).
func withRequestContext(ips clientIPs, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-ID")
			if !acceptableRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-ID", id)
			ctx := context.WithValue(r.Context(), requestIDKey, id)
			ctx = context.WithValue(ctx, loggerKey, log)
			m := account.RequestMeta{IP: ips.of(r), UserAgent: cleanText(r.UserAgent(), 512), RememberDevice: rememberDevice(w)}
			if c, err := r.Cookie(DeviceCookie); err == nil {
				m.Device = c.Value
			}
			ctx = context.WithValue(ctx, metaKey, m)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// DeviceCookie is the cookie that carries a device token (see account.Service.Login):
// a browser that signed in to an account before is not locked out with strangers.
const DeviceCookie = "accountd_device"

// rememberDevice sets the device cookie on w. The cookie is HttpOnly (no script reads
// it), Secure, SameSite=Strict and sent to every path, since each API logs in at its own.
func rememberDevice(w http.ResponseWriter) func(token string) {
	return func(token string) {
		http.SetCookie(w, &http.Cookie{
			Name: DeviceCookie, Value: token, Path: "/",
			MaxAge:   int(account.DefaultTrustedClientTTL / time.Second),
			HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
		})
	}
}

// cleanText makes caller-sent text that is kept as it came (the user agent) safe to
// store and show: valid UTF-8, no control character, at most n bytes, cut between
// characters.
func cleanText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
				logger(r.Context()).ErrorContext(r.Context(), "panic", "value", v, "request_id", requestID(r.Context()),
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
