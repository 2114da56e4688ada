package contracttests

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// TestRefreshRetriedAfterFrozenDatabaseKeepsSession (issue 20, item 3): a refresh sent
// while PostgreSQL hangs answers 503, yet the rotation it had sent commits when the
// database resumes. The client retries, as the 503's Retry-After invites, well after the
// grace window. That retry is the same request, not a stolen token: it gets the
// successor the first attempt created and the session lives, with no theft recorded.
func TestRefreshRetriedAfterFrozenDatabaseKeepsSession(t *testing.T) {
	inProcessOnly(t, "freezes its own PostgreSQL")
	const queryTimeout = time.Second
	cluster := pgcluster.Start(t)
	cfg := testConfig(t)
	cfg.DatabaseURL = cluster.URL()
	cfg.DBQueryTimeout = queryTimeout
	// Two connections, each of which gets the refresh statement prepared below: a
	// statement that is still being prepared when the database freezes is never run,
	// and the fault this test is about is one where the refresh was sent whole.
	cfg.DBMaxOpenConns = 2
	e := newAppEnv(t, cfg, false)
	u := e.seedUser("frozen")
	waitReady(t, e, http.StatusOK, 5*time.Second)
	// warmUp has both pooled connections prepare the refresh statement (a fault
	// replaces the connection it hit, so each attempt warms up again).
	warmUp := func() {
		warm := []string{e.login(u).RefreshToken, e.login(u).RefreshToken}
		for range 3 {
			var wg sync.WaitGroup
			for i := range warm {
				wg.Go(func() {
					res, err := e.client.RefreshWithResponse(context.Background(), nil, client.RefreshJSONRequestBody{RefreshToken: warm[i]})
					if err == nil && res.JSON200 != nil {
						warm[i] = res.JSON200.RefreshToken
					}
				})
			}
			wg.Wait()
		}
	}

	// The fault is a race with the database's own reading of a socket its client gave
	// up on: the frozen statement may reach it (and commit) or not. An attempt whose
	// statement did not commit leaves its token unspent and proves nothing, so the fault
	// is injected again, with a fresh session, until the ambiguous outcome happens.
	var pair client.TokenPair
	var spent account.RefreshToken
	for attempt := 1; ; attempt++ {
		warmUp()
		pair = e.login(u)
		cluster.Freeze(t)
		status, body, err := e.send(http.MethodPost, "/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken}, "")
		cluster.Thaw(t)
		if err != nil || status != http.StatusServiceUnavailable {
			t.Fatalf("refresh while the database is frozen: %d %v %s, want a 503 problem", status, err, body)
		}
		waitReady(t, e, http.StatusOK, 5*time.Second)
		// The ambiguous outcome this test is about: the 503's rotation committed after all.
		deadline := time.Now().Add(5 * time.Second)
		for {
			spent, err = e.app.Store.RefreshTokenByHash(context.Background(), account.HashSecret(pair.RefreshToken))
			if err != nil {
				t.Fatal(err)
			}
			if !spent.UsedAt.IsZero() || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !spent.UsedAt.IsZero() {
			break
		}
		if attempt == 5 {
			t.Fatal("in 5 attempts the frozen refresh never committed: the fault did not produce the ambiguous 503 this test needs")
		}
		t.Logf("attempt %d: the frozen refresh did not commit; injecting the fault again", attempt)
	}

	e.clock.Advance(time.Minute) // the retry comes long after the grace window
	retry, err := e.client.RefreshWithResponse(context.Background(), nil, client.RefreshJSONRequestBody{RefreshToken: pair.RefreshToken})
	if err != nil || retry.JSON200 == nil {
		t.Fatalf("retried refresh: %v %d %s", err, statusOf(retry), bodyOf(retry))
	}
	if me, _ := e.client.GetMeWithResponse(context.Background(), bearer(retry.JSON200.AccessToken)); statusOf(me) != http.StatusOK {
		t.Fatalf("the retry ended the session: %d %s", statusOf(me), bodyOf(me))
	}
	// It is the successor the committed attempt stored, and it rotates on.
	if got := account.HashSecret(retry.JSON200.RefreshToken); got != spent.SuccessorHash {
		t.Errorf("the retry got a refresh token other than the committed successor")
	}
	next, err := e.client.RefreshWithResponse(context.Background(), nil, client.RefreshJSONRequestBody{RefreshToken: retry.JSON200.RefreshToken})
	if err != nil || next.JSON200 == nil {
		t.Fatalf("refresh of the successor: %v %d %s", err, statusOf(next), bodyOf(next))
	}
	events, err := e.app.Store.ListEvents(context.Background(), spent.UserID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.Type == account.EventRefreshReuseDetected {
			t.Errorf("the retry was recorded as theft: %+v", ev)
		}
	}
}
