package contracttests

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// TestCleanupRemovesWhatItShouldFromTwoInstances (issue 13, item 9): two instances on
// one database clean up at the same moment, in small batches so that their deletes
// interleave. Between them they delete exactly what no longer matters (sessions ended
// before the retention, spent and expired refresh tokens, used and expired emailed
// tokens, events older than their retention, expired reservations of usernames by
// hidden registrations, expired idempotent answers), and nothing else: live sessions
// and their usable tokens, recent history, live reservations and answers stay. Neither
// fails, and a second round finds nothing left to do.
func TestCleanupRemovesWhatItShouldFromTwoInstances(t *testing.T) {
	inProcessOnly(t, "runs the cleanup passes itself on two in-process instances, reading and moving their store and clock")
	const retention, eventRetention = 7 * 24 * time.Hour, 90 * 24 * time.Hour
	for _, kind := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.DatabaseURL = bunstoretest.DSN(t, kind)
			cfg.CleanupInterval = 0 // the test runs the passes itself
			cfg.CleanupRetention, cfg.EventRetention = retention, eventRetention
			a := newAppEnv(t, cfg, false)
			b := newAppEnv(t, cfg, false)
			ctx := context.Background()
			st := a.app.Store
			now := a.clock.Now()
			long := now.Add(-retention - time.Hour) // past the retention
			recent := now.Add(-time.Hour)
			future := now.Add(30 * 24 * time.Hour)

			u := a.seedUser("cleanup")
			user, err := st.UserByLogin(ctx, u.username)
			if err != nil {
				t.Fatal(err)
			}
			session := func(id string, created, expires, revoked time.Time) {
				t.Helper()
				s := account.Session{ID: id, UserID: user.ID, CreatedAt: created, LastUsedAt: created, ExpiresAt: expires}
				if err := st.CreateSession(ctx, s); err != nil {
					t.Fatal(err)
				}
				if !revoked.IsZero() {
					if err := st.RevokeSession(ctx, id, revoked); err != nil {
						t.Fatal(err)
					}
				}
			}
			refresh := func(hash, sessionID string, created, expires, used time.Time) {
				t.Helper()
				if err := st.CreateRefreshToken(ctx, account.RefreshToken{Hash: hash, SessionID: sessionID, UserID: user.ID, CreatedAt: created, ExpiresAt: expires}); err != nil {
					t.Fatal(err)
				}
				if !used.IsZero() {
					if _, err := st.MarkRefreshTokenUsed(ctx, hash, hash+"-next", used); err != nil {
						t.Fatal(err)
					}
				}
			}
			emailToken := func(hash string, expires, used time.Time) {
				t.Helper()
				if err := st.CreateEmailToken(ctx, account.EmailToken{Hash: hash, UserID: user.ID, Purpose: account.PurposePasswordReset, CreatedAt: long, ExpiresAt: expires}); err != nil {
					t.Fatal(err)
				}
				if !used.IsZero() {
					if _, err := st.ConsumeEmailToken(ctx, hash, account.PurposePasswordReset, used); err != nil {
						t.Fatal(err)
					}
				}
			}

			// What goes: 40 sessions ended long ago (revoked or expired), each with a token.
			for i := range 40 {
				id := uuid.NewString()
				if i%2 == 0 {
					session(id, long.Add(-time.Hour), future, long)
				} else {
					session(id, long.Add(-48*time.Hour), long, time.Time{})
				}
				refresh("gone-with-session-"+id, id, long.Add(-time.Hour), future, time.Time{})
			}
			// What stays: a live session, one revoked recently.
			live, endedRecently := uuid.NewString(), uuid.NewString()
			session(live, long.Add(-time.Hour), future, time.Time{})
			session(endedRecently, long, future, recent)
			// In the live session: 30 spent tokens issued long ago go, and one expired;
			// an unspent one issued long ago, still valid, stays, as does a recent spent one.
			for i := range 30 {
				refresh(fmt.Sprintf("spent-%02d", i), live, long, future, long.Add(time.Minute))
			}
			refresh("expired", live, long, now.Add(-time.Minute), time.Time{})
			refresh("unspent-old", live, long, future, time.Time{})
			refresh("spent-recent", live, recent, future, recent)
			// Emailed tokens: used long ago and expired long ago go; unused and valid,
			// and used recently, stay.
			emailToken("used-long-ago", future, long)
			emailToken("expired-long-ago", long, time.Time{})
			emailToken("valid", future, time.Time{})
			emailToken("used-recently", future, recent)
			// Reservations of usernames by hidden registrations go once they expire
			// (they hold nothing then, and keep a password hash); a live one stays.
			for i, expires := range []time.Time{long, now.Add(-time.Minute), future} {
				if err := st.ReserveUsername(ctx, account.Reservation{Username: fmt.Sprintf("reserved%d", i), Email: "owner@example.com",
					PasswordHash: "hash", CreatedAt: expires.Add(-48 * time.Hour), ExpiresAt: expires}); err != nil {
					t.Fatal(err)
				}
			}
			// Events: 20 older than their retention go (added first, as the oldest are);
			// the seeded user's and two recent ones stay.
			for range 20 {
				if err := st.AddEvent(ctx, account.Event{UserID: user.ID, Type: account.EventLoginFailed, At: now.Add(-eventRetention - time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if err := st.AddEvent(ctx, account.Event{UserID: user.ID, Type: account.EventLoginSucceeded, At: recent}); err != nil {
					t.Fatal(err)
				}
			}
			// An idempotent answer that expired goes; a fresh one stays.
			pair := a.login(u)
			status, _, _ := a.do("POST", "/v1/auth/refresh", "application/json", []byte(`{"refresh_token":"`+pair.RefreshToken+`"}`), "Idempotency-Key", uuid.NewString())
			if status != http.StatusOK {
				t.Fatalf("refresh with a key: %d", status)
			}
			a.clock.Advance(25 * time.Hour)
			status, _, _ = a.do("POST", "/v1/auth/refresh", "application/json", []byte(`{"refresh_token":"`+pair.RefreshToken+`"}`), "Idempotency-Key", uuid.NewString())
			if status != http.StatusOK {
				t.Fatalf("second refresh with a key: %d", status)
			}
			purgeAt := now.Add(25 * time.Hour)

			// Both instances at once, seven rows per statement.
			var wg sync.WaitGroup
			var totals [2]bunstore.Purged
			for i, e := range []*env{a, b} {
				wg.Go(func() {
					p, err := e.app.Store.Purge(ctx, bunstore.PurgeOptions{Now: purgeAt, Retention: retention, EventRetention: eventRetention, Batch: 7})
					if err != nil {
						t.Errorf("instance %d: %v", i, err)
					}
					totals[i] = p
				})
			}
			wg.Wait()
			// Then each instance's whole pass, as its timer runs it, at once too: it
			// finds the idempotent answer that expired.
			for i, e := range []*env{a, b} {
				wg.Go(func() {
					if err := e.app.Cleanup(ctx); err != nil {
						t.Errorf("instance %d cleanup: %v", i, err)
					}
				})
			}
			wg.Wait()
			sum := bunstore.Purged{
				Sessions: totals[0].Sessions + totals[1].Sessions, RefreshTokens: totals[0].RefreshTokens + totals[1].RefreshTokens,
				EmailTokens: totals[0].EmailTokens + totals[1].EmailTokens, Events: totals[0].Events + totals[1].Events,
				Reservations: totals[0].Reservations + totals[1].Reservations,
			}
			// The 40 ended sessions; the 30 old spent tokens and the expired one (the
			// ended sessions' tokens go with them, uncounted), and, at purgeAt, the token
			// the keyed refreshes spent is not old enough to go; two emailed tokens; 20 events;
			// two expired reservations.
			want := bunstore.Purged{Sessions: 40, RefreshTokens: 31, EmailTokens: 2, Events: 20, Reservations: 2}
			if sum != want {
				t.Errorf("the two instances purged %+v together, want exactly %+v", sum, want)
			}

			count := func(query string, args ...any) int {
				t.Helper()
				var n int
				if err := st.DB().NewRaw(query, args...).Scan(ctx, &n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := count("SELECT count(*) FROM sessions WHERE id IN (?, ?)", live, endedRecently); n != 2 {
				t.Errorf("%d of the live and the recently ended session left, want both", n)
			}
			if n := count("SELECT count(*) FROM refresh_tokens WHERE hash IN ('unspent-old', 'spent-recent')"); n != 2 {
				t.Errorf("%d of the usable and the recently spent token left, want both", n)
			}
			if n := count("SELECT count(*) FROM refresh_tokens WHERE hash LIKE 'spent-0%' OR hash LIKE 'gone-%' OR hash = 'expired'"); n != 0 {
				t.Errorf("%d spent, expired or orphaned refresh tokens left", n)
			}
			if n := count("SELECT count(*) FROM email_tokens WHERE hash IN ('valid', 'used-recently')"); n != 2 {
				t.Errorf("%d of the valid and the recently used emailed token left, want both", n)
			}
			if n := count("SELECT count(*) FROM events WHERE user_id = ?", user.ID); n < 2 {
				t.Errorf("%d events left, want the recent ones", n)
			}
			if n := count("SELECT count(*) FROM login_names WHERE user_id IS NULL AND name_key = 'reserved2'"); n != 1 {
				t.Errorf("the live reservation is gone")
			}
			if taken, err := st.LoginNameTaken(ctx, "reserved2", purgeAt); err != nil || !taken {
				t.Errorf("LoginNameTaken(live reservation) after cleanup = %v, %v", taken, err)
			}
			if n := count("SELECT count(*) FROM login_names WHERE user_id = ?", user.ID); n != 2 {
				t.Errorf("%d login names left to the account, want its username and email", n)
			}
			if n := count("SELECT count(*) FROM idempotency_keys"); n != 1 {
				t.Errorf("%d idempotent answers left, want the one still in its TTL", n)
			}
			// The live session still works.
			if status, _, _ := a.do("POST", "/v1/auth/refresh", "application/json", []byte(`{"refresh_token":"`+pair.RefreshToken+`"}`)); status != http.StatusOK {
				t.Errorf("the keyed session's token after cleanup: %d, want 200", status)
			}
			// Nothing is left to do.
			again, err := b.app.Store.Purge(ctx, bunstore.PurgeOptions{Now: purgeAt, Retention: retention, EventRetention: eventRetention})
			if err != nil || again != (bunstore.Purged{}) {
				t.Errorf("a second round purged %+v, %v; want nothing", again, err)
			}
		})
	}
}
