package bunstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// TestSessionUserPrepared checks the prepared form of SessionUser (hot.go, lite.go): on
// PostgreSQL and SQLite it is the one statement sent, outside Bun, and it reads every column of
// the session and the user exactly as Bun's queries do.
func TestSessionUserPrepared(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Microsecond)
		org, err := s.CreateOrganization(ctx, account.Organization{Name: "Org", Slug: "org"})
		if err != nil {
			t.Fatal(err)
		}
		// Every field set, so that a column the statement missed shows as a zero value.
		u, err := s.CreateUser(ctx, account.User{
			Username: "Alice", Email: "alice@example.com", EmailVerified: true, PasswordHash: "$argon2id$x",
			Active: true, FirstName: "Alice", LastName: "Liddell", OrganizationID: org.ID,
			Profile: account.Profile{Bio: "b", Country: "NZ", Profession: "p", Thoughts: "t", AvatarURL: "https://a.example/x.png"},
			Role:    account.RoleStaff, Superuser: true, Deactivated: true,
			DateJoined: now.Add(-3 * time.Hour), LastLogin: now.Add(-time.Hour), LinksVoidedAt: now.Add(-2 * time.Hour), UpdatedAt: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		want := account.Session{ID: "s1", UserID: u.ID, CreatedAt: now.Add(-time.Minute), LastUsedAt: now,
			ExpiresAt: now.Add(time.Hour), IP: "192.0.2.1", UserAgent: "test"}
		if err := s.CreateSession(ctx, want); err != nil {
			t.Fatal(err)
		}
		wantUser, err := s.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}

		var sess account.Session
		var user account.User
		counter := &queryCounter{}
		s.DB().AddQueryHook(counter)
		prepared := bunstore.RecordPrepared(func() { sess, user, err = s.SessionUser(ctx, "s1", now) })
		s.DB().ResetQueryHooks()
		if err != nil {
			t.Fatalf("SessionUser: %v", err)
		}
		if kind == bunstoretest.Postgres && (len(prepared) != 1 || counter.n != 0) {
			t.Errorf("PostgreSQL sent %d prepared and %d Bun statements, want 1 and 0", len(prepared), counter.n)
		}
		if kind == bunstoretest.SQLite && (len(prepared) != 1 || counter.n != 0) {
			t.Errorf("SQLite sent %d prepared and %d Bun statements, want 1 and 0 (lite.go)", len(prepared), counter.n)
		}
		if !reflect.DeepEqual(sess, want) {
			t.Errorf("session = %+v, want %+v", sess, want)
		}
		if user != wantUser {
			t.Errorf("user = %+v,\nwant (UserByID) %+v", user, wantUser)
		}

		t.Run("in_a_transaction", func(t *testing.T) {
			err := s.InTx(ctx, func(tx account.Store) error {
				_, got, err := tx.SessionUser(ctx, "s1", now)
				if err == nil && got != wantUser {
					t.Errorf("user in a transaction = %+v, want %+v", got, wantUser)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("expired_session_not_found", func(t *testing.T) {
			if _, _, err := s.SessionUser(ctx, "s1", want.ExpiresAt); err != account.ErrNotFound {
				t.Fatalf("SessionUser at expiry: %v, want ErrNotFound", err)
			}
		})
		t.Run("unknown_session_not_found", func(t *testing.T) {
			if _, _, err := s.SessionUser(ctx, "nope", now); err != account.ErrNotFound {
				t.Fatalf("SessionUser of an unknown session: %v, want ErrNotFound", err)
			}
		})
	})
}

// TestLoginLookupsPrepared checks a login's two reads before its write (UserByLogin and
// MFAStatus): on PostgreSQL each is one prepared statement and no Bun one, so that
// PostgreSQL plans them once per connection rather than on every login, and they read
// what the Bun queries read on SQLite.
func TestLoginLookupsPrepared(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Microsecond)
		u, err := s.CreateUser(ctx, account.User{
			Username: "Alice", Email: "alice@example.com", EmailVerified: true, PasswordHash: "$argon2id$x",
			Active: true, FirstName: "Alice", LastName: "Liddell", DateJoined: now, UpdatedAt: now,
			Profile: account.Profile{Bio: "b", Country: "NZ"},
		})
		if err != nil {
			t.Fatal(err)
		}
		wantUser, err := s.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ReplaceRecoveryCodes(ctx, u.ID, []string{"h1", "h2", "h3"}, now); err != nil {
			t.Fatal(err)
		}

		for _, name := range []string{"alice", "ALICE@example.com"} {
			var got account.User
			counter := &queryCounter{}
			s.DB().AddQueryHook(counter)
			prepared := bunstore.RecordPrepared(func() { got, err = s.UserByLogin(ctx, name) })
			s.DB().ResetQueryHooks()
			if err != nil {
				t.Fatalf("UserByLogin(%q): %v", name, err)
			}
			if kind == bunstoretest.Postgres && (len(prepared) != 1 || counter.n != 0) {
				t.Errorf("UserByLogin: PostgreSQL sent %d prepared and %d Bun statements, want 1 and 0", len(prepared), counter.n)
			}
			if got != wantUser {
				t.Errorf("UserByLogin(%q) = %+v,\nwant (UserByID) %+v", name, got, wantUser)
			}
		}
		if _, err := s.UserByLogin(ctx, "nobody"); err != account.ErrNotFound {
			t.Errorf("UserByLogin of an unknown name: %v, want ErrNotFound", err)
		}

		var st account.MFAStatus
		counter := &queryCounter{}
		s.DB().AddQueryHook(counter)
		prepared := bunstore.RecordPrepared(func() { st, err = s.MFAStatus(ctx, u.ID) })
		s.DB().ResetQueryHooks()
		if err != nil {
			t.Fatalf("MFAStatus: %v", err)
		}
		if kind == bunstoretest.Postgres && (len(prepared) != 1 || counter.n != 0) {
			t.Errorf("MFAStatus: PostgreSQL sent %d prepared and %d Bun statements, want 1 and 0", len(prepared), counter.n)
		}
		if want := (account.MFAStatus{RecoveryCodesLeft: 3}); st != want {
			t.Errorf("MFAStatus = %+v, want %+v", st, want)
		}
	})
}

// TestReservationLookupPrepared checks ReservationOf, which every registration runs
// after UserByLogin: on PostgreSQL one prepared statement and no Bun one, reading what
// the Bun query reads on SQLite (a live reservation, not an expired one, not an
// account's name).
func TestReservationLookupPrepared(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Microsecond)
		held := account.Reservation{
			Username: "Erin", Email: "erin@example.com", PasswordHash: "$argon2id$x", FirstName: "Erin", LastName: "Ek",
			CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		}
		if err := s.ReserveUsername(ctx, held); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, account.User{
			Username: "carol", Email: "carol@example.com", PasswordHash: "$argon2id$x", DateJoined: now, UpdatedAt: now,
		}); err != nil {
			t.Fatal(err)
		}

		var got account.Reservation
		var err error
		counter := &queryCounter{}
		s.DB().AddQueryHook(counter)
		prepared := bunstore.RecordPrepared(func() { got, err = s.ReservationOf(ctx, "ERIN", now) })
		s.DB().ResetQueryHooks()
		if err != nil {
			t.Fatalf("ReservationOf: %v", err)
		}
		if kind == bunstoretest.Postgres && (len(prepared) != 1 || counter.n != 0) {
			t.Errorf("ReservationOf: PostgreSQL sent %d prepared and %d Bun statements, want 1 and 0", len(prepared), counter.n)
		}
		if got != held {
			t.Errorf("ReservationOf = %+v,\nwant %+v", got, held)
		}
		for _, c := range []struct {
			name string
			at   time.Time
		}{{"erin", now.Add(time.Hour)}, {"carol", now}, {"nobody", now}} {
			if _, err := s.ReservationOf(ctx, c.name, c.at); err != account.ErrNotFound {
				t.Errorf("ReservationOf(%q at %v): %v, want ErrNotFound", c.name, c.at.Sub(now), err)
			}
		}
	})
}
