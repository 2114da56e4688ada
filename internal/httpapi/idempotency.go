package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/idempotency"
)

// idempotencyHeader is the request header a client sends to make a POST safe to retry.
const idempotencyHeader = "Idempotency-Key"

// Idempotency is where answers to Idempotency-Key requests are kept (internal/idempotency).
type Idempotency interface {
	For(scope, clientKey string) idempotency.Request
	Begin(ctx context.Context, r idempotency.Request, fingerprint string) (idempotency.State, []byte, time.Time, error)
	Finish(ctx context.Context, r idempotency.Request, answer []byte) error
	Release(ctx context.Context, r idempotency.Request) error
}

// storedAnswer is what is kept of a first answer: what a retry must see again.
type storedAnswer struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// replayedHeaders are the headers of a first answer that a replay repeats; the others
// (request ID, dates, security headers) are the retry's own.
var replayedHeaders = []string{"Content-Type", "Location"}

// serveIdempotent runs a request to an operation that declares Idempotency-Key, sent with
// one (clientKey), at most once per key:
//
//   - The key is scoped to the caller: the authenticated user, or for an anonymous
//     request the operation. A request is fingerprinted by its method, path and body
//     (JSON compared by value, so key order and spacing do not matter).
//   - The first request with a key runs; a 2xx answer is kept (sealed) for the TTL and
//     any other answer gives the key up, so that a corrected request may use it again.
//   - A retry with the same key and the same request gets the kept answer (status,
//     Content-Type, Location, body) with `Idempotent-Replayed: true`, and nothing runs.
//   - The same key with another request is 422 idempotency_key_reused; a retry while
//     the first is still running is 409 idempotency_key_in_use with Retry-After.
//
// If the records cannot be reached the request answers 503, rather than run without
// the protection the client asked for.
func (v *validator) serveIdempotent(w http.ResponseWriter, r *http.Request, next http.Handler, operationID, clientKey string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeProblem(w, r, &Problem{Code: gen.MalformedRequest, Detail: "The request body could not be read."})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	scope := "anonymous " + operationID
	if p, ok := r.Context().Value(principalKey).(account.Principal); ok {
		scope = "user " + strconv.FormatInt(p.User.ID, 10)
	}
	req := v.idem.For(scope, clientKey)
	fingerprint := req.Fingerprint([]byte(r.Method), []byte(r.URL.Path), canonicalJSON(body))
	state, answer, retryAt, err := v.idem.Begin(r.Context(), req, fingerprint)
	if err != nil {
		writeError(w, r, err)
		return
	}
	switch state {
	case idempotency.Mismatch:
		writeProblem(w, r, &Problem{Code: gen.IdempotencyKeyReused,
			Detail: "This Idempotency-Key was used for another request; send a new key with each new request."})
		return
	case idempotency.InFlight:
		writeProblem(w, r, &Problem{Code: gen.IdempotencyKeyInUse, RetryAfter: max(time.Until(retryAt), time.Second),
			Detail: "The first request with this Idempotency-Key is still being processed; retry later."})
		return
	case idempotency.Replay:
		var a storedAnswer
		if err := json.Unmarshal(answer, &a); err != nil {
			writeError(w, r, err)
			return
		}
		h := w.Header()
		for _, name := range replayedHeaders {
			if v := a.Header.Values(name); len(v) > 0 {
				h[name] = v
			}
		}
		h.Set("Idempotent-Replayed", "true")
		w.WriteHeader(a.Status)
		_, _ = w.Write(a.Body)
		return
	}

	rec := &answerRecorder{ResponseWriter: w}
	next.ServeHTTP(rec, r)
	// The request's context may be gone (the client left): the record must be settled
	// anyway, or the key stays held until its lease runs out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if rec.status < 200 || rec.status > 299 {
		if err := v.idem.Release(ctx, req); err != nil {
			logger(ctx).WarnContext(ctx, "idempotency key not released; a retry waits for its lease", "request_id", requestID(ctx), "err", err)
		}
		return
	}
	a := storedAnswer{Status: rec.status, Header: http.Header{}, Body: rec.body.Bytes()}
	for _, name := range replayedHeaders {
		if v := rec.Header().Values(name); len(v) > 0 {
			a.Header[name] = v
		}
	}
	stored, err := json.Marshal(a)
	if err == nil {
		err = v.idem.Finish(ctx, req, stored)
	}
	if err != nil {
		// The client has its answer; a retry after the lease runs the request again.
		logger(ctx).WarnContext(ctx, "idempotent answer not stored", "request_id", requestID(ctx), "err", err)
	}
}

// canonicalJSON is body with its JSON values in one form (objects' keys sorted, no
// spacing), so that two encodings of one request fingerprint alike. A body that is not
// JSON is taken as it is.
func canonicalJSON(body []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return body
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// answerRecorder passes an answer through and keeps a copy of a 2xx one.
type answerRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (a *answerRecorder) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.WriteHeader(http.StatusOK)
	}
	if a.status >= 200 && a.status <= 299 {
		a.body.Write(b)
	}
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (a *answerRecorder) Unwrap() http.ResponseWriter { return a.ResponseWriter }
