package contracttests

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
)

// TestRefreshConcurrentRefreshesShareOneSuccessor (issue 13, item 4): twenty refreshes of
// one refresh token sent at once all get the same successor, so the session stays one
// chain. The attack it stops: a thief who replays a copied token within the grace window
// used to get a successor of their own, a second chain that kept rotating and was never
// flagged.
func TestRefreshConcurrentRefreshesShareOneSuccessor(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		pair := e.login(e.activeUser("fork"))
		const n = 20
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			got   = map[string]int{}
			codes = map[int]int{}
		)
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				res, err := e.client.RefreshWithResponse(context.Background(), nil, client.RefreshJSONRequestBody{RefreshToken: pair.RefreshToken})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					codes[0]++
					return
				}
				codes[res.StatusCode()]++
				if res.JSON200 != nil {
					got[res.JSON200.RefreshToken]++
				}
			})
		}
		close(start)
		wg.Wait()
		if codes[http.StatusOK] != n {
			t.Fatalf("statuses %v, want %d × 200", codes, n)
		}
		if len(got) != 1 {
			t.Fatalf("%d parallel refreshes of one token gave %d different refresh tokens, want one successor", n, len(got))
		}
		var successor string
		for tok := range got {
			successor = tok
		}
		// The one successor rotates as usual, and the session lives.
		next, err := e.client.RefreshWithResponse(context.Background(), nil, client.RefreshJSONRequestBody{RefreshToken: successor})
		if err != nil || next.JSON200 == nil {
			t.Fatalf("refresh of the successor: %v %d %s", err, statusOf(next), bodyOf(next))
		}
		if me, _ := e.client.GetMeWithResponse(context.Background(), bearer(next.JSON200.AccessToken)); statusOf(me) != http.StatusOK {
			t.Fatalf("session ended: %d %s", statusOf(me), bodyOf(me))
		}
	})
}

// TestRefreshReplayAfterChainMovedEndsSession (issue 13, item 4): a refresh token whose
// successor has itself been spent is two steps behind the chain. Presented again it is
// refused, at once and inside the grace window too (it used to get a fresh pair there);
// past the grace it is theft, and the whole session ends, the legitimate holder's
// newest tokens included.
func TestRefreshReplayAfterChainMovedEndsSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		refresh := func(tok string) *client.RefreshResponse {
			t.Helper()
			res, err := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		u := e.activeUser("moved")
		stolen := e.login(u)
		first := refresh(stolen.RefreshToken).JSON200
		if first == nil {
			t.Fatal("first refresh failed")
		}
		second := refresh(first.RefreshToken).JSON200
		if second == nil {
			t.Fatal("second refresh failed")
		}
		// Within the grace window: refused, not handed a chain of its own.
		wantProblem(t, refresh(stolen.RefreshToken), http.StatusUnauthorized, "refresh_token_invalid")
		if me, _ := e.client.GetMeWithResponse(ctx, bearer(second.AccessToken)); statusOf(me) != http.StatusOK {
			t.Fatalf("a replay inside the grace window ended the session: %s", bodyOf(me))
		}
		// Past it: the session ends.
		e.clock.Advance(11 * time.Second)
		wantProblem(t, refresh(stolen.RefreshToken), http.StatusUnauthorized, "refresh_token_invalid")
		wantProblem(t, refresh(second.RefreshToken), http.StatusUnauthorized, "refresh_token_invalid")
		me, _ := e.client.GetMeWithResponse(ctx, bearer(second.AccessToken))
		wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
		// And it is in the account's history.
		events, err := e.client.ListMyEventsWithResponse(ctx, nil, bearer(e.login(u).AccessToken))
		if err != nil || events.JSON200 == nil {
			t.Fatalf("events: %v %s", err, bodyOf(events))
		}
		thefts := 0
		for _, ev := range events.JSON200.Items {
			if ev.Type == client.EventTypeRefreshTokenReuseDetected {
				thefts++
			}
		}
		if thefts != 1 {
			t.Errorf("%d refresh_token_reuse_detected events, want 1", thefts)
		}
	})
}

// TestRefreshRetryKeepsSuccessorUntilItIsUsed (issue 20, item 3): a refresh whose answer
// was lost (the client saw a 503 or a cut connection, but the rotation committed) can be
// sent again at any later time, past the grace window too, and gets the very successor
// the first attempt created, as long as nobody has used that successor yet: the retry is
// not theft, and the session lives.
func TestRefreshRetryKeepsSuccessorUntilItIsUsed(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		pair := e.login(e.activeUser("retry"))
		lost, err := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: pair.RefreshToken})
		if err != nil || lost.JSON200 == nil {
			t.Fatalf("first refresh: %v %s", err, bodyOf(lost))
		}
		e.clock.Advance(time.Minute)
		retry, err := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: pair.RefreshToken})
		if err != nil || retry.JSON200 == nil {
			t.Fatalf("retry a minute later: %v %d %s", err, statusOf(retry), bodyOf(retry))
		}
		if retry.JSON200.RefreshToken != lost.JSON200.RefreshToken {
			t.Fatal("the retry got another refresh token than the first attempt")
		}
		if me, _ := e.client.GetMeWithResponse(ctx, bearer(retry.JSON200.AccessToken)); statusOf(me) != http.StatusOK {
			t.Fatalf("session ended by the retry: %s", bodyOf(me))
		}
	})
}
