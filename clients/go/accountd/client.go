package accountd

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Defaults of the clients New makes.
const (
	// DefaultTimeout bounds one attempt of a request, from sending it to the end of the
	// answer's body. http.Client has no timeout of its own: a server that stops answering
	// would hold a caller forever.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxAttempts is how many times a request is sent at most (the first time and
	// two retries).
	DefaultMaxAttempts = 3
	// DefaultMaxRetryWait is the longest Retry-After a retry waits out; a server asking
	// for more gets its answer returned as the error instead.
	DefaultMaxRetryWait = 10 * time.Second
)

// IdempotencyKeyHeader is the header with which accountd recognises a retried request:
// a second request with the same key and body gets the first one's answer instead of
// being done again (a registration retried after a lost answer does not meet its own
// account as "taken").
const IdempotencyKeyHeader = "Idempotency-Key"

// New returns a client of the accountd whose base URL is server (such as
// "https://accounts.example.com"), for use by many goroutines at once. Unlike the bare
// NewClientWithResponses, it
//
//   - returns every answer with a status of 400 or more as an error, an *Error carrying
//     the problem: use errors.As to read its code, field errors and request_id;
//   - times each attempt out after DefaultTimeout;
//   - retries a request that failed on the way or got 502, 503 or 504 (after Retry-After,
//     or a short growing pause), up to DefaultMaxAttempts in all, sending every attempt
//     of one call with the same Idempotency-Key.
//
// opts are the generated ones: WithRequestEditorFn (for example with WithBearer or a
// TokenSource's RequestEditor), WithBaseURL, and WithHTTPClient to use your own
// *http.Client, which New wraps in a Doer. To change the retries, pass
// WithHTTPClient(&Doer{Next: yourClient, MaxAttempts: n}) instead.
func New(server string, opts ...ClientOption) (*ClientWithResponses, error) {
	all := make([]ClientOption, 0, len(opts)+2)
	all = append(all, WithHTTPClient(&http.Client{Timeout: DefaultTimeout}))
	all = append(all, opts...)
	all = append(all, func(c *Client) error {
		if _, ok := c.Client.(*Doer); !ok {
			c.Client = &Doer{Next: c.Client}
		}
		return nil
	})
	return NewClientWithResponses(server, all...)
}

// Doer is the HttpRequestDoer of the clients New makes: it sends each request through
// Next, retries the ones that may succeed a second time, and turns error answers into
// *Error values. Its zero value is ready to use.
type Doer struct {
	// Next sends one attempt; nil means an *http.Client with DefaultTimeout.
	Next HttpRequestDoer
	// MaxAttempts is how many times one request is sent at most; 0 means
	// DefaultMaxAttempts, 1 never retries.
	MaxAttempts int
	// MaxRetryWait is the longest Retry-After honoured; 0 means DefaultMaxRetryWait.
	MaxRetryWait time.Duration
}

var defaultNext = &http.Client{Timeout: DefaultTimeout}

// Do sends req. Every request other than GET, HEAD and OPTIONS carries an
// Idempotency-Key (a random one unless the caller set it), the same on every attempt,
// so that a retry after a lost answer is recognised by the server rather than done twice.
// A request is retried when sending it failed (and its context is still live) or the
// answer was 502, 503 or 504; never after 4xx, which would only fail again.
func (d *Doer) Do(req *http.Request) (*http.Response, error) {
	next := d.Next
	if next == nil {
		next = defaultNext
	}
	attempts := d.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	maxWait := d.MaxRetryWait
	if maxWait <= 0 {
		maxWait = DefaultMaxRetryWait
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if req.Header.Get(IdempotencyKeyHeader) == "" {
			req.Header.Set(IdempotencyKeyHeader, NewIdempotencyKey())
		}
	}
	ctx := req.Context()
	attempt := req
	for n := 1; ; n++ {
		res, err := next.Do(attempt)
		wait, again := retryAfter(ctx, res, err, n, maxWait)
		if again && n < attempts {
			if retry, ok := rewind(req); ok {
				if res != nil {
					drain(res.Body)
				}
				if err := sleep(ctx, wait); err != nil {
					return nil, err
				}
				attempt = retry
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		if res.StatusCode >= 400 {
			return nil, responseError(req, res)
		}
		return res, nil
	}
}

// retryAfter says whether the outcome of attempt n is worth another attempt, and after
// how long.
func retryAfter(ctx context.Context, res *http.Response, err error, n int, maxWait time.Duration) (time.Duration, bool) {
	if err != nil {
		// The caller gave up (canceled, or its deadline passed): retrying would not help.
		return backoff(n), ctx.Err() == nil
	}
	switch res.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if wait, ok := parseRetryAfter(res.Header); ok {
			return wait, wait <= maxWait
		}
		return backoff(n), true
	}
	return 0, false
}

// backoff is the pause before attempt n+1: 200 ms doubled for each attempt, give or take
// half, so that clients turned away together do not all come back together.
func backoff(n int) time.Duration {
	base := 200 * time.Millisecond << (n - 1)
	return base/2 + mrand.N(base)
}

// parseRetryAfter reads Retry-After in seconds or as an HTTP date.
func parseRetryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// rewind returns a copy of req for another attempt, with a fresh body; false when the
// body cannot be read again (every request the generated client makes can).
func rewind(req *http.Request) (*http.Request, bool) {
	retry := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return retry, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	retry.Body = body
	return retry, true
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drain reads what is left of a body we do not want, so that its connection can be
// reused, and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// NewIdempotencyKey returns a fresh random Idempotency-Key (128 bits, as text). Set one
// yourself (with a RequestEditorFn) only to make two separate calls count as one.
func NewIdempotencyKey() string {
	return rand.Text()
}

// withIdempotencyKey is a RequestEditorFn that sets the Idempotency-Key.
func withIdempotencyKey(key string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set(IdempotencyKeyHeader, key)
		return nil
	}
}

// WithBearer is a RequestEditorFn that authenticates a request with an access token:
//
//	me, err := c.GetMeWithResponse(ctx, accountd.WithBearer(tokens.AccessToken))
//
// To keep the token fresh by itself, use a TokenSource's RequestEditor instead.
func WithBearer(accessToken string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		if accessToken == "" {
			return errors.New("accountd: WithBearer: empty access token")
		}
		req.Header.Set("Authorization", "Bearer "+accessToken)
		return nil
	}
}
