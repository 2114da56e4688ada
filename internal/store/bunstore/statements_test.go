package bunstore_test

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/token"
)

// The statements a login and a refresh may cost, per store: the budget of the two
// requests that, after argon2id, decide accountd's capacity (cmd/accountd-bench). On
// PostgreSQL a login is the lookup of the login name, the count of its second factors and one statement that updates
// the user, starts the session, its refresh token and its event and ends the sessions
// beyond the cap with theirs; a refresh is one statement. SQLite has no writing CTEs:
// there each is a transaction of the steps.
var statementBudget = map[string]struct{ login, refresh int }{
	bunstoretest.Postgres: {login: 3, refresh: 1},
	bunstoretest.SQLite:   {login: 10, refresh: 6},
}

// TestLoginAndRefreshStatementCounts (issue 17) counts the statements the service's
// Login and Refresh send to the store, at the cap of live sessions so that the login
// also ends one, and fails if either grows past its budget: each statement is a round
// trip, and on PostgreSQL the hot ones are one each by design (startsession.go,
// rotate.go).
func TestLoginAndRefreshStatementCounts(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		s := bunstoretest.Open(t, kind)
		issuer, err := token.New(ctx, token.Config{Issuer: "https://accounts.test", Audience: "accountd", TTL: 15 * time.Minute}, s)
		if err != nil {
			t.Fatal(err)
		}
		hasher := password.New(password.DefaultParams, 0)
		hash, err := hasher.Hash(ctx, "correct-horse-battery")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		const maxSessions = 3
		svc := account.New(s, hasher, issuer, nil, account.Options{
			Now: func() time.Time { now = now.Add(time.Millisecond); return now }, MaxSessions: maxSessions,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RefreshKey: []byte("0123456789abcdef0123456789abcdef"),
		})
		u, err := s.CreateUser(ctx, account.User{Username: "alice", Email: "alice@example.com", PasswordHash: hash, Active: true,
			DateJoined: now, LinksVoidedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		meta := account.RequestMeta{IP: "192.0.2.1", UserAgent: "statement counter"}
		var tokens account.Tokens
		for range maxSessions {
			if tokens, err = svc.Login(ctx, "alice", "correct-horse-battery", meta); err != nil {
				t.Fatal(err)
			}
		}
		budget := statementBudget[kind]

		login := record(t, s, func() (err error) {
			tokens, err = svc.Login(ctx, "alice", "correct-horse-battery", meta)
			return err
		})
		if len(login) > budget.login {
			t.Errorf("a login at the cap sent %d statements, budget %d:\n%s", len(login), budget.login, strings.Join(login, "\n"))
		}
		live, err := s.ListSessions(ctx, u.ID, now, account.SessionCursor{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(live) != maxSessions {
			t.Errorf("%d live sessions after a login at the cap, want %d", len(live), maxSessions)
		}
		events, err := s.ListEvents(ctx, u.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ended []string
		for _, e := range events {
			if e.Type == account.EventSessionRevoked {
				ended = append(ended, e.Detail)
			}
		}
		if len(ended) != 1 || !strings.HasSuffix(ended[0], ": over the limit of 3 sessions") {
			t.Errorf("session_revoked events after a login at the cap: %q, want one ending a session over the limit of 3", ended)
		}

		refresh := record(t, s, func() (err error) {
			tokens, err = svc.Refresh(ctx, tokens.RefreshToken, meta)
			return err
		})
		if len(refresh) > budget.refresh {
			t.Errorf("a refresh sent %d statements, budget %d:\n%s", len(refresh), budget.refresh, strings.Join(refresh, "\n"))
		}
		t.Logf("%s: login %d statements, refresh %d", kind, len(login), len(refresh))
	})
}

// TestStartSessionCapHoldsUnderConcurrentLogins (issue 17): the cap of live sessions
// holds when logins of one account start at once, now that on PostgreSQL a login ends
// the sessions beyond the cap in the same statement that starts its own
// (startSessionCapped). Without the guard on the user's row, logins whose snapshots
// missed each other's sessions each leave the cap live, more together.
func TestStartSessionCapHoldsUnderConcurrentLogins(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		s := bunstoretest.Open(t, kind)
		now := time.Now().UTC().Truncate(time.Second)
		u, err := s.CreateUser(ctx, account.User{Username: "bob", Email: "bob@example.com", Active: true,
			DateJoined: now, LinksVoidedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		const maxLive, rounds, parallel = 3, 5, 16
		for round := range rounds {
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range parallel {
				at := now.Add(time.Duration(round*parallel+i) * time.Millisecond)
				wg.Go(func() {
					id := fmt.Sprintf("r%d-s%d", round, i)
					<-start
					_, err := s.StartSession(ctx,
						account.Session{ID: id, UserID: u.ID, CreatedAt: at, LastUsedAt: at, ExpiresAt: at.Add(time.Hour)},
						account.RefreshToken{Hash: "h-" + id, SessionID: id, UserID: u.ID, CreatedAt: at, ExpiresAt: at.Add(time.Hour)},
						"", account.Event{UserID: u.ID, Type: account.EventLoginSucceeded, At: at}, maxLive)
					if err != nil {
						t.Error(err)
					}
				})
			}
			close(start)
			wg.Wait()
		}
		live, err := s.ListSessions(ctx, u.ID, now, account.SessionCursor{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(live) != maxLive {
			t.Errorf("%d live sessions after %d concurrent logins, want the cap, %d", len(live), rounds*parallel, maxLive)
		}
		events, err := s.ListEvents(ctx, u.ID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		ended := 0
		for _, e := range events {
			if e.Type == account.EventSessionRevoked {
				ended++
			}
		}
		if want := rounds*parallel - maxLive; ended != want {
			t.Errorf("%d session_revoked events, want %d, one per session ended", ended, want)
		}
	})
}
