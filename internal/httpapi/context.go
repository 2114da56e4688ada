package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	requestIDKey
	requestInfoKey
	metaKey
	loggerKey
)

// logger is the app's logger, which the router puts in every request's context, so
// that what fails deep in a request is logged where the operator configured logs to
// go (not to slog's process-wide default).
func logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// requestInfo is filled in by inner layers for the access log written by outer ones.
type requestInfo struct {
	userID int64
}

// principal returns the authenticated caller; the validator has put it there for every
// operation the spec secures.
func principal(ctx context.Context) account.Principal {
	p, _ := ctx.Value(principalKey).(account.Principal)
	return p
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// meta describes the caller for sessions and events.
func meta(ctx context.Context) account.RequestMeta {
	m, _ := ctx.Value(metaKey).(account.RequestMeta)
	return m
}

// newRequestID returns 16 random bytes, URL-safe.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// acceptableRequestID keeps a caller's X-Request-ID only when it is short and plain, so
// it is safe to echo and to log.
func acceptableRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:", c)) {
			return false
		}
	}
	return true
}

// bearerToken extracts the token of an `Authorization: Bearer <token>` header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != "" && !strings.ContainsRune(token, ' ')
}

// setUser tells the access log who the caller turned out to be.
func setUser(ctx context.Context, id int64) {
	if info, ok := ctx.Value(requestInfoKey).(*requestInfo); ok {
		info.userID = id
	}
}
