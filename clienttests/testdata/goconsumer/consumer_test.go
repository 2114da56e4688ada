// Package consumer is a program of a team that uses accountd, in a module of its own
// (example.com/consumer) that depends on the Go SDK like any other module:
// clienttests copies it out of the repository, gives it a go.mod, and runs its tests
// against a live accountd described by the ACCOUNTD_* variables below.
package consumer_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/clients/go/accountd"
)

// env returns the variable name, failing the test when it is unset: these tests only
// make sense against the accountd the harness started.
func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run this through clienttests (make test)", name)
	}
	return v
}

func login(t *testing.T, c *accountd.ClientWithResponses) accountd.TokenPair {
	t.Helper()
	res, err := c.LoginWithResponse(context.Background(), accountd.LoginRequest{
		Login: env(t, "ACCOUNTD_LOGIN"), Password: env(t, "ACCOUNTD_PASSWORD"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return *res.JSON200
}

func TestWrongPasswordIsAnError(t *testing.T) {
	c, err := accountd.New(env(t, "ACCOUNTD_URL"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: env(t, "ACCOUNTD_LOGIN"), Password: "not-the-password"})
	var apiErr *accountd.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("a wrong password: got %v, %v; want an *accountd.Error", res, err)
	}
	if apiErr.Status != http.StatusUnauthorized || apiErr.Code != accountd.ProblemCodeInvalidCredentials || apiErr.RequestID == "" {
		t.Errorf("got status %d, code %q, request_id %q; want 401 invalid_credentials and a request id", apiErr.Status, apiErr.Code, apiErr.RequestID)
	}
	t.Logf("the error reads: %v", err)
}

// countingTransport counts the refreshes sent.
type countingTransport struct{ refreshes atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.URL.Path == "/v1/auth/refresh" {
		c.refreshes.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Fifty goroutines call the API through one TokenSource for more than two lifetimes of
// the access token. accountd runs with no refresh grace: had the TokenSource presented a
// spent refresh token once, the session would have ended and the calls after it failed.
func TestTokenSourceWithFiftyCallersAcrossExpiries(t *testing.T) {
	ttl, err := time.ParseDuration(env(t, "ACCOUNTD_ACCESS_TTL"))
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingTransport{}
	c, err := accountd.New(env(t, "ACCOUNTD_URL"), accountd.WithHTTPClient(&http.Client{Transport: counter, Timeout: 30 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	ts := accountd.NewTokenSource(c, login(t, c))

	const callers = 50
	window := 2*ttl + ttl/6
	stop := time.Now().Add(window)
	var calls atomic.Int64
	var mu sync.Mutex
	var failures []error
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for time.Now().Before(stop) {
				_, err := c.GetMeWithResponse(context.Background(), ts.RequestEditor())
				if err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
					return
				}
				calls.Add(1)
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	for _, err := range failures {
		t.Error(err)
	}
	refreshes := counter.refreshes.Load()
	t.Logf("%d calls from %d goroutines over %v, access tokens living %v: %d refreshes", calls.Load(), callers, window, ttl, refreshes)
	// A token is refreshed at half its life at the soonest: one refresh per half
	// lifetime at most, however many callers want one.
	if most := int64(window/(ttl/2)) + 1; refreshes < 2 || refreshes > most {
		t.Errorf("%d refreshes over %v, want 2 to %d: one per expiry, whatever the callers", refreshes, window, most)
	}
	if _, err := c.GetMeWithResponse(context.Background(), ts.RequestEditor()); err != nil {
		t.Errorf("the session after the run: %v", err)
	}
}

func TestVerifierChecksAccessTokens(t *testing.T) {
	url := env(t, "ACCOUNTD_URL")
	c, err := accountd.New(url)
	if err != nil {
		t.Fatal(err)
	}
	tokens := login(t, c)
	me, err := c.GetMeWithResponse(context.Background(), accountd.WithBearer(tokens.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	config := accountd.VerifierConfig{
		JWKSURL:  url + "/.well-known/jwks.json",
		Issuer:   env(t, "ACCOUNTD_ISSUER"),
		Audience: env(t, "ACCOUNTD_AUDIENCE"),
	}
	v, err := accountd.NewVerifier(config)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Verify(context.Background(), tokens.AccessToken)
	if err != nil {
		t.Fatalf("an access token just issued: %v", err)
	}
	if claims.UserID != me.JSON200.Id || claims.SessionID == "" {
		t.Errorf("claims %+v, want the user %d and a session", claims, me.JSON200.Id)
	}

	// A token changed after signing, and a verifier for another audience, refuse it.
	parts := strings.Split(tokens.AccessToken, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	if _, err := v.Verify(context.Background(), tampered); !errors.Is(err, accountd.ErrInvalidToken) {
		t.Errorf("a tampered token: %v, want ErrInvalidToken", err)
	}
	config.Audience = "billing"
	other, _ := accountd.NewVerifier(config)
	if _, err := other.Verify(context.Background(), tokens.AccessToken); !errors.Is(err, accountd.ErrInvalidToken) {
		t.Errorf("another audience: %v, want ErrInvalidToken", err)
	}
}
