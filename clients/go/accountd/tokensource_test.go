package accountd_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/clients/go/accountd"
)

// session logs in to a fakeAccountd on clock and returns a TokenSource for the session,
// the client it refreshes through, and the fake.
func session(t *testing.T, clock *fakeClock, opts ...accountd.ClientOption) (*accountd.TokenSource, *accountd.ClientWithResponses, *fakeAccountd) {
	t.Helper()
	f, url := startFake(t, clock)
	f.ttl = time.Minute
	c, err := accountd.New(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: fakeLogin, Password: fakePassword})
	if err != nil {
		t.Fatal(err)
	}
	return accountd.NewTokenSource(c, *res.JSON200, accountd.WithClock(clock.Now)), c, f
}

func TestTokenSourceConcurrentCallersAcrossExpiries(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	ts, c, f := session(t, clock)
	f.delay = 50 * time.Millisecond // long enough for every caller to pile up behind one refresh

	const callers, expiries = 50, 3
	first, err := ts.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]bool{first: true}
	for round := 1; round <= expiries; round++ {
		clock.Advance(55 * time.Second) // past the refresh point (a tenth of the minute before expiry)
		var wg sync.WaitGroup
		start := make(chan struct{})
		got := make([]string, callers)
		errs := make([]error, callers)
		for i := range callers {
			wg.Go(func() {
				<-start
				got[i], errs[i] = ts.Token(context.Background())
				if errs[i] == nil {
					_, errs[i] = c.GetMeWithResponse(context.Background(), accountd.WithBearer(got[i]))
				}
			})
		}
		close(start)
		wg.Wait()
		for i := range callers {
			if errs[i] != nil {
				t.Fatalf("round %d, caller %d: %v", round, i, errs[i])
			}
			if got[i] != got[0] {
				t.Fatalf("round %d: callers got different tokens: one refresh each, or a stale token", round)
			}
		}
		if tokens[got[0]] {
			t.Fatalf("round %d: the token was not refreshed", round)
		}
		tokens[got[0]] = true
	}
	if n := f.refreshes.Load(); n != expiries {
		t.Errorf("%d refreshes for %d expiries and %d callers each, want one per expiry", n, expiries, callers)
	}
	if n := f.reuses.Load(); n != 0 {
		t.Errorf("%d spent refresh tokens presented again", n)
	}
}

func TestTokenSourceEndsOnRefusedRefresh(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	ts, _, f := session(t, clock)
	f.mu.Lock()
	f.ended = true // logged out elsewhere, say
	f.mu.Unlock()
	clock.Advance(55 * time.Second)

	for range 2 {
		_, err := ts.Token(context.Background())
		if !errors.Is(err, accountd.ErrSessionEnded) || !accountd.HasCode(err, accountd.ProblemCodeRefreshTokenInvalid) {
			t.Fatalf("got %v, want ErrSessionEnded wrapping refresh_token_invalid", err)
		}
	}
	if n := f.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes: an ended session must not be refreshed again", n)
	}
}

func TestTokenSourceRidesOutPassingFailures(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	ts, _, f := session(t, clock)
	old, _ := ts.Token(context.Background())

	f.mu.Lock()
	f.failNext = 3 // every attempt of one refresh
	f.mu.Unlock()
	clock.Advance(55 * time.Second) // refresh due, token still valid for 5 s
	if got, err := ts.Token(context.Background()); err != nil || got != old {
		t.Fatalf("refresh failing while the token is valid: got %q, %v; want the current token", got, err)
	}

	f.mu.Lock()
	f.failNext = 3
	f.mu.Unlock()
	clock.Advance(10 * time.Second) // expired
	_, err := ts.Token(context.Background())
	if err == nil || errors.Is(err, accountd.ErrSessionEnded) || !accountd.HasCode(err, accountd.ProblemCodeUnavailable) {
		t.Fatalf("refresh failing after expiry: got %v, want the passing 503 (not the end of the session)", err)
	}

	got, err := ts.Token(context.Background())
	if err != nil || got == old {
		t.Fatalf("once the server is back: got %q, %v; want a new token", got, err)
	}
	if f.reuses.Load() != 0 {
		t.Error("a spent refresh token was presented again")
	}
}

// A refresh done by the server whose answer was lost is retried with the same
// Idempotency-Key, within one call and across calls, and gets the first answer back
// instead of presenting a spent refresh token (which would end the session).
func TestTokenSourceLostAnswers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		attempts int
	}{
		{"retried within the call", 0},
		{"tried again by the next call", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
			ts, _, f := session(t, clock, accountd.WithHTTPClient(&accountd.Doer{MaxAttempts: tc.attempts}))
			old, _ := ts.Token(context.Background())
			f.mu.Lock()
			f.loseNext = 1
			f.mu.Unlock()
			clock.Advance(55 * time.Second)
			got, err := ts.Token(context.Background())
			if tc.attempts == 1 {
				if err != nil || got != old {
					t.Fatalf("first call: %q, %v; want the current token while the refresh failed", got, err)
				}
				got, err = ts.Token(context.Background())
			}
			if err != nil || got == old {
				t.Fatalf("got %q, %v; want a new token", got, err)
			}
			if f.reuses.Load() != 0 || f.replays.Load() != 1 {
				t.Errorf("%d reuses, %d replays; want 0 and 1", f.reuses.Load(), f.replays.Load())
			}
		})
	}
}

func TestTokenSourceKeepsARefreshItsCallerLeft(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	ts, _, f := session(t, clock)
	f.delay = 200 * time.Millisecond
	clock.Advance(55 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := ts.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the caller's deadline", err)
	}
	if _, err := ts.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := f.refreshes.Load(); n != 1 || f.reuses.Load() != 0 {
		t.Errorf("%d refreshes, %d reuses: the refresh its caller left was not kept", n, f.reuses.Load())
	}
}

// A client that authenticates every request with the TokenSource can also be the one
// the TokenSource refreshes through: the refresh does not wait for itself.
func TestTokenSourceRequestEditorOnItsOwnClient(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	f, url := startFake(t, clock)
	f.ttl = time.Minute
	var ts *accountd.TokenSource
	c, err := accountd.New(url, accountd.WithRequestEditorFn(func(ctx context.Context, req *http.Request) error {
		if ts == nil {
			return nil // the login, before there is a session
		}
		return ts.RequestEditor()(ctx, req)
	}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: fakeLogin, Password: fakePassword})
	if err != nil {
		t.Fatal(err)
	}
	ts = accountd.NewTokenSource(c, *res.JSON200, accountd.WithClock(clock.Now))
	clock.Advance(55 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.GetMeWithResponse(ctx); err != nil {
		t.Fatalf("GET /v1/me with a refresh due: %v", err)
	}
	if n := f.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestTokenSourceLogout(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	ts, c, _ := session(t, clock)
	if err := ts.Logout(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Token(context.Background()); !errors.Is(err, accountd.ErrSessionEnded) {
		t.Errorf("Token after Logout: %v, want ErrSessionEnded", err)
	}
	if _, err := c.GetMeWithResponse(context.Background(), ts.RequestEditor()); !errors.Is(err, accountd.ErrSessionEnded) {
		t.Errorf("a call through RequestEditor after Logout: %v, want ErrSessionEnded before anything is sent", err)
	}
}
