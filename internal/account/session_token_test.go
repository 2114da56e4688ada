package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/accountd/accountd/internal/account"
)

func TestSessionTokens(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const pw = "correct-horse-battery"
	svc := f.svc.WithSessionTokens(90 * 24 * time.Hour)
	login := func(t *testing.T, name string) account.Tokens {
		t.Helper()
		tok, err := svc.Login(ctx, name, pw, account.RequestMeta{})
		if err != nil {
			t.Fatal(err)
		}
		if tok.SessionToken == "" {
			t.Fatal("a login of WithSessionTokens handed out no session token")
		}
		return tok
	}
	caller := func(t *testing.T, token string) account.Principal {
		t.Helper()
		p, err := svc.AuthenticateSessionToken(ctx, token)
		if err != nil {
			t.Fatalf("AuthenticateSessionToken: %v", err)
		}
		return p
	}
	refused := func(t *testing.T, token string) {
		t.Helper()
		if p, err := svc.AuthenticateSessionToken(ctx, token); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("AuthenticateSessionToken = %+v, %v; want ErrUnauthenticated", p.User.Username, err)
		}
	}

	t.Run("names_its_session_which_keeps_only_a_hash", func(t *testing.T) {
		u := f.activeUser(t, "holder", pw)
		tok := login(t, "holder")
		p := caller(t, tok.SessionToken)
		if p.User.ID != u.ID || p.SessionID != tok.SessionID {
			t.Fatalf("caller %d session %s, want %d %s", p.User.ID, p.SessionID, u.ID, tok.SessionID)
		}
		id, err := uuid.Parse(tok.SessionID)
		if err != nil || id.Version() != 8 || strings.Contains(tok.SessionID, tok.SessionToken) {
			t.Fatalf("session ID %q: want a version 8 UUID made from the token's hash", tok.SessionID)
		}
		if want := f.now.Add(90 * 24 * time.Hour); !p.Claims.ExpiresAt.Equal(want) {
			t.Fatalf("session expires %v, want %v (the ttl given)", p.Claims.ExpiresAt, want)
		}
		page, err := f.svc.ListSessions(ctx, p, "", 10)
		if err != nil || len(page.Sessions) != 1 || page.Sessions[0].ID != tok.SessionID {
			t.Fatalf("sessions %+v, %v", page, err)
		}
	})
	t.Run("not_an_access_or_refresh_token_and_the_reverse", func(t *testing.T) {
		f.activeUser(t, "kinds", pw)
		tok := login(t, "kinds")
		refused(t, tok.AccessToken)
		refused(t, tok.RefreshToken)
		if _, err := f.svc.Authenticate(ctx, tok.SessionToken); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("a session token taken as an access token: %v", err)
		}
		if _, err := f.svc.Refresh(ctx, tok.SessionToken, account.RequestMeta{}); !errors.Is(err, account.ErrRefreshInvalid) {
			t.Fatalf("a session token taken as a refresh token: %v", err)
		}
		caller(t, tok.SessionToken)
	})
	t.Run("malformed_refused", func(t *testing.T) {
		for _, token := range []string{"", "x", strings.Repeat("A", 42), strings.Repeat("A", 42) + "\x00", strings.Repeat("+", 43), strings.Repeat("A", 44)} {
			refused(t, token)
		}
	})
	t.Run("canonical_logins_hand_out_none", func(t *testing.T) {
		f.activeUser(t, "canonical", pw)
		tok, err := f.svc.Login(ctx, "canonical", pw, account.RequestMeta{})
		if err != nil || tok.SessionToken != "" {
			t.Fatalf("canonical login: session token %q, %v", tok.SessionToken, err)
		}
	})
	t.Run("expires_with_its_session_unextended", func(t *testing.T) {
		f.activeUser(t, "expiring", pw)
		tok := login(t, "expiring")
		defer func(now time.Time) { f.now = now }(f.now)
		f.now = f.now.Add(90*24*time.Hour - time.Second)
		caller(t, tok.SessionToken)
		f.now = f.now.Add(time.Second)
		refused(t, tok.SessionToken)
	})
	t.Run("ended_by_logout_alone", func(t *testing.T) {
		f.activeUser(t, "leaver2", pw)
		mine, other := login(t, "leaver2"), login(t, "leaver2")
		if err := svc.Logout(ctx, caller(t, mine.SessionToken), false, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		refused(t, mine.SessionToken)
		caller(t, other.SessionToken)
	})
	t.Run("password_change_keeps_the_callers_and_ends_the_others", func(t *testing.T) {
		f.activeUser(t, "changer", pw)
		mine, other := login(t, "changer"), login(t, "changer")
		if err := svc.ChangePassword(ctx, caller(t, mine.SessionToken), pw, pw+"-new", account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		caller(t, mine.SessionToken)
		refused(t, other.SessionToken)
	})
	t.Run("deactivation_refuses_it", func(t *testing.T) {
		u := f.activeUser(t, "paused2", pw)
		tok := login(t, "paused2")
		u.Active = false
		if _, err := f.store.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AuthenticateSessionToken(ctx, tok.SessionToken); !errors.Is(err, account.ErrAccountInactive) {
			t.Fatalf("inactive account: %v, want ErrAccountInactive", err)
		}
	})
	t.Run("deletion_ends_it", func(t *testing.T) {
		f.activeUser(t, "gone2", pw)
		tok := login(t, "gone2")
		if err := svc.DeleteAccount(ctx, caller(t, tok.SessionToken), pw, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		refused(t, tok.SessionToken)
	})
}
