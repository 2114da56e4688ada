package contracttests

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// TestSessionsPerAccountAreCapped (issue 13, item 9): logins cannot pile up sessions
// without bound. With the cap at 5, forty logins of one account, twenty at a time, leave
// exactly the five newest sessions live: the oldest were ended as each new one started,
// in the same transaction, so concurrent logins never push past the cap. The ended ones'
// tokens are refused at once, and each ending is in the history.
func TestSessionsPerAccountAreCapped(t *testing.T) {
	const limit, logins = 5, 40
	forEachStoreWith(t, func(c *config.Config) { c.SessionsPerAccount = limit }, func(t *testing.T, e *env) {
		u := e.activeUser("capped")
		first := e.login(u) // the oldest session of all
		var (
			wg  sync.WaitGroup
			sem = make(chan struct{}, 20)
		)
		for range logins - 1 {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				e.clock.Advance(time.Millisecond) // sessions start in order, after the first
				status, _, body := e.do("POST", "/v1/auth/login", "application/json",
					[]byte(`{"login":"`+u.username+`","password":"`+u.password+`"}`))
				if status != http.StatusOK {
					t.Errorf("login: %d %s", status, body)
				}
			})
		}
		wg.Wait()
		e.clock.Advance(time.Millisecond)
		newest := e.login(u)
		items := listAllSessions(t, e, newest.AccessToken, 50)
		if len(items) != limit {
			t.Fatalf("%d live sessions after %d logins, want the cap, %d", len(items), logins+1, limit)
		}
		if status, _, _ := e.do("GET", "/v1/me", "", nil, "Authorization", "Bearer "+first.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("the oldest session's access token: %d, want 401 (ended by the cap)", status)
		}
		if !items[0].Current {
			t.Error("the newest session is not first, or not live")
		}
		stored, err := e.app.Store.UserByLogin(context.Background(), u.username)
		if err != nil {
			t.Fatal(err)
		}
		events, err := e.app.Store.ListEvents(context.Background(), stored.ID, 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		var ended int
		for _, ev := range events {
			if ev.Type == account.EventSessionRevoked {
				ended++
			}
		}
		if ended != logins+1-limit {
			t.Errorf("%d session_revoked events, want %d", ended, logins+1-limit)
		}
	})
}

// TestSessionsListPaginates (issue 13, item 9): GET /v1/me/sessions is paged like the
// other lists (limit, cursor → items, next_cursor), newest first, and a walk through the
// pages lists every live session exactly once, even while sessions start meanwhile.
func TestSessionsListPaginates(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.activeUser("paged")
		for range 6 {
			e.login(u)
		}
		token := e.login(u).AccessToken
		items := listAllSessions(t, e, token, 3)
		if len(items) != 7 {
			t.Fatalf("pages of 3 listed %d sessions, want 7", len(items))
		}
		seen := map[string]bool{}
		for i, s := range items {
			if seen[s.ID] {
				t.Fatalf("session %s listed twice", s.ID)
			}
			seen[s.ID] = true
			if i > 0 && s.CreatedAt > items[i-1].CreatedAt {
				t.Errorf("not newest first at %d: %s after %s", i, s.CreatedAt, items[i-1].CreatedAt)
			}
		}
		status, _, body := e.do("GET", "/v1/me/sessions?cursor=not-a-cursor", "", nil, "Authorization", "Bearer "+token)
		if status != http.StatusBadRequest {
			t.Errorf("a cursor this API never gave out: %d %s, want 400", status, body)
		}
	})
}

type sessionItem struct {
	ID        string `json:"id"`
	CreatedAt string `json:"created_at"`
	Current   bool   `json:"current"`
}

// listAllSessions walks GET /v1/me/sessions page by page (at most limit items each)
// and returns every item in order.
func listAllSessions(t *testing.T, e *env, token string, limit int) []sessionItem {
	t.Helper()
	var all []sessionItem
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("more than 100 pages: the cursor does not advance")
		}
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		status, _, body := e.do("GET", "/v1/me/sessions?"+q.Encode(), "", nil, "Authorization", "Bearer "+token)
		if status != http.StatusOK {
			t.Fatalf("GET /v1/me/sessions: %d %s", status, body)
		}
		var page struct {
			Items      []sessionItem `json:"items"`
			NextCursor *string       `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > limit {
			t.Fatalf("a page of %d items, asked for at most %d", len(page.Items), limit)
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		cursor = *page.NextCursor
	}
}
