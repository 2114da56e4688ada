package accountd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// ErrSessionEnded is what a TokenSource returns, for good, once its session is over: the
// server refused its refresh token (401: the session was logged out, ended by an admin,
// expired, or its refresh token was used elsewhere), or Logout ended it. Log in again.
var ErrSessionEnded = errors.New("accountd: session ended; log in again")

// refreshTimeout bounds one refresh, retries included. A refresh runs on its own context
// (not the caller's): once its refresh token is sent, the answer must be kept even if the
// caller who started it has gone, or the next refresh would present a spent token.
const refreshTimeout = 2 * time.Minute

// A TokenSource holds a session's tokens and hands out an access token that is valid,
// refreshing it shortly before it expires. It is safe for concurrent use: however many
// goroutines ask at once, one refresh runs and all of them get its result, and each
// refresh token is exchanged once (refresh tokens are single-use, and presenting a spent
// one can end the session). Every retry of one exchange carries the same
// Idempotency-Key, so a retry after a lost answer gets that answer back.
type TokenSource struct {
	client ClientWithResponsesInterface
	now    func() time.Time
	early  time.Duration

	mu        sync.Mutex
	access    string
	refresh   string
	key       string    // the Idempotency-Key of exchanging refresh
	refreshAt time.Time // when Token starts a refresh
	expiry    time.Time // when access expires
	round     *refreshRound
	ended     error // non-nil once the session is over
}

// refreshRound is one exchange of a refresh token, which every caller waiting for it
// shares.
type refreshRound struct {
	done chan struct{} // closed when the round is over
	err  error         // its failure, if it failed
}

// TokenSourceOption changes a TokenSource made by NewTokenSource.
type TokenSourceOption func(*TokenSource)

// RefreshBefore makes the TokenSource refresh when an access token has d left to live
// (by default a tenth of its lifetime, from two seconds to one minute). It is capped at
// half the lifetime, so that a token is always used for a while.
func RefreshBefore(d time.Duration) TokenSourceOption {
	return func(ts *TokenSource) { ts.early = d }
}

// WithClock makes the TokenSource read the time from now (time.Now by default).
func WithClock(now func() time.Time) TokenSourceOption {
	return func(ts *TokenSource) { ts.now = now }
}

// NewTokenSource returns a TokenSource for the session whose tokens were just received
// (from LoginWithResponse or RefreshWithResponse), refreshing through c.
func NewTokenSource(c ClientWithResponsesInterface, tokens TokenPair, opts ...TokenSourceOption) *TokenSource {
	ts := &TokenSource{client: c, now: time.Now}
	for _, o := range opts {
		o(ts)
	}
	ts.set(tokens, ts.now())
	return ts
}

// set takes a new pair of tokens, received in answer to a request sent at sent.
func (ts *TokenSource) set(tokens TokenPair, sent time.Time) {
	lifetime := time.Duration(tokens.ExpiresIn) * time.Second
	early := ts.early
	if early <= 0 {
		// At least two seconds: the token's exp is in whole seconds, so it can end up to
		// a second before sent+expires_in, and the server allows no leeway.
		early = min(max(lifetime/10, 2*time.Second), time.Minute)
	}
	early = min(early, lifetime/2)
	ts.access, ts.refresh = tokens.AccessToken, tokens.RefreshToken
	ts.key = NewIdempotencyKey()
	// Counted from when the request left: the server started the lifetime no earlier.
	ts.expiry = sent.Add(lifetime)
	ts.refreshAt = ts.expiry.Add(-early)
}

// Token returns a valid access token, refreshing it first when it is about to expire.
// When a refresh fails for a passing reason (the server unreachable, 503) while the
// current token has not expired yet, Token still returns that token; once it has, it
// returns the failure. When the session is over, it returns an error wrapping
// ErrSessionEnded (and the *Error of the refusal), now and on every later call.
func (ts *TokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	if ts.ended != nil {
		defer ts.mu.Unlock()
		return "", ts.ended
	}
	if ts.now().Before(ts.refreshAt) {
		defer ts.mu.Unlock()
		return ts.access, nil
	}
	r := ts.round
	if r == nil {
		r = ts.startRefresh()
	}
	ts.mu.Unlock()

	select {
	case <-r.done:
	case <-ctx.Done():
		return "", ctx.Err()
	}

	ts.mu.Lock()
	defer ts.mu.Unlock()
	switch {
	case ts.ended != nil:
		return "", ts.ended
	case r.err == nil, ts.now().Before(ts.expiry):
		return ts.access, nil
	default:
		return "", r.err
	}
}

// startRefresh starts exchanging the current refresh token; ts.mu is held.
func (ts *TokenSource) startRefresh() *refreshRound {
	r := &refreshRound{done: make(chan struct{})}
	ts.round = r
	go ts.exchange(r, ts.refresh, ts.key)
	return r
}

// ownRequest marks the context of a TokenSource's own requests, so that its
// RequestEditor, if the client it refreshes through was given it, does not wait for the
// very refresh that request is.
type ownRequest struct{}

// exchange runs one refresh round.
func (ts *TokenSource) exchange(r *refreshRound, refresh, key string) {
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), ownRequest{}, ts), refreshTimeout)
	defer cancel()
	sent := ts.now()
	res, err := ts.client.RefreshWithResponse(ctx, &RefreshParams{IdempotencyKey: &key}, RefreshRequest{RefreshToken: refresh})
	if err == nil {
		err = Check(res, nil)
	}
	if err == nil && res.JSON200 == nil {
		err = fmt.Errorf("accountd: refresh answered %d without tokens", res.StatusCode())
	}

	ts.mu.Lock()
	defer ts.mu.Unlock()
	var apiErr *Error
	switch {
	case err == nil:
		ts.set(*res.JSON200, sent)
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized:
		ts.ended = fmt.Errorf("%w: %w", ErrSessionEnded, err)
	default:
		// Passing: the refresh token is kept, with its Idempotency-Key, for the next try.
		r.err = fmt.Errorf("accountd: refreshing the access token: %w", err)
	}
	ts.round = nil
	close(r.done)
}

// RequestEditor returns a RequestEditorFn that authenticates each request with a valid
// access token from ts. Give it to every call, or to the client once:
//
//	c, err := accountd.New(url, accountd.WithRequestEditorFn(ts.RequestEditor()))
func (ts *TokenSource) RequestEditor() RequestEditorFn {
	return func(ctx context.Context, req *http.Request) error {
		if ctx.Value(ownRequest{}) == ts {
			return nil // the refresh itself: it needs no access token
		}
		token, err := ts.Token(ctx)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// Logout ends the session on the server (every session of the account when all is
// true); from then on Token returns ErrSessionEnded.
func (ts *TokenSource) Logout(ctx context.Context, all bool) error {
	token, err := ts.Token(ctx)
	if err != nil {
		return err
	}
	res, err := ts.client.LogoutWithResponse(ctx, LogoutRequest{All: &all}, WithBearer(token))
	if err := Check(res, err); err != nil {
		return err
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.ended = fmt.Errorf("%w: logged out", ErrSessionEnded)
	return nil
}
