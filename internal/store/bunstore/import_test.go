package bunstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

func importedUser(id int64, name string) account.User {
	at := time.Date(2021, 3, 4, 5, 6, 7, 891011000, time.UTC)
	return account.User{
		ID: id, Username: name, Email: name + "@example.com", PasswordHash: "pbkdf2_sha256$1$s$k",
		Active: true, DateJoined: at, PasswordChangedAt: at, UpdatedAt: at,
	}
}

// PutUsers keeps the IDs it is given, overwrites the rows whose ID exists, and reports
// a username or email another user holds as the domain error, writing nothing.
func TestPutUsers(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		s := bunstoretest.Open(t, kind)
		if err := s.PutUsers(ctx, []account.User{importedUser(7, "ada"), importedUser(42, "bob")}); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByID(ctx, 42)
		if err != nil || got.Username != "bob" || got.Role != account.RoleUser {
			t.Fatalf("UserByID(42) = %+v, %v", got, err)
		}

		changed := importedUser(7, "Ada")
		changed.FirstName, changed.Profile.Country = "Ada", "United Kingdom"
		if err := s.PutUsers(ctx, []account.User{changed}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.UserByID(ctx, 7)
		if got.Username != "Ada" || got.FirstName != "Ada" || got.Profile.Country != "United Kingdom" {
			t.Fatalf("after overwrite: %+v", got)
		}
		// Lookups by key see the new username.
		if u, err := s.UserByLogin(ctx, "ADA"); err != nil || u.ID != 7 {
			t.Fatalf("UserByLogin(ADA) = %d, %v", u.ID, err)
		}
		if n := countRows(t, s, "SELECT count(*) FROM users"); n != 2 {
			t.Fatalf("%d users, want 2", n)
		}

		taken := importedUser(50, "BOB")
		taken.Email = "robert@example.com"
		err = s.PutUsers(ctx, []account.User{importedUser(49, "carol"), taken})
		if !errors.Is(err, account.ErrUsernameTaken) {
			t.Fatalf("PutUsers with a taken username: %v, want ErrUsernameTaken", err)
		}
		if _, err := s.UserByID(ctx, 49); !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("the batch that failed wrote user 49: %v", err)
		}
		taken = importedUser(50, "dave")
		taken.Email = "ADA@example.com"
		if err := s.PutUsers(ctx, []account.User{taken}); !errors.Is(err, account.ErrEmailTaken) {
			t.Fatalf("PutUsers with a taken email: %v, want ErrEmailTaken", err)
		}
	})
}

// UsersMatching finds users by ID, and by username or email without regard to case, in
// one query.
func TestUsersMatching(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		s := bunstoretest.Open(t, kind)
		if err := s.PutUsers(ctx, []account.User{importedUser(1, "ada"), importedUser(2, "bob"), importedUser(3, "carol"), importedUser(4, "dave")}); err != nil {
			t.Fatal(err)
		}
		var got []account.User
		queries := record(t, s, func() (err error) {
			got, err = s.UsersMatching(ctx, []int64{1, 99}, []string{"BOB"}, []string{"Carol@Example.com"})
			return err
		})
		ids := map[int64]bool{}
		for _, u := range got {
			ids[u.ID] = true
		}
		if len(got) != 3 || !ids[1] || !ids[2] || !ids[3] {
			t.Fatalf("UsersMatching = %v, want users 1, 2 and 3", ids)
		}
		if len(queries) != 1 {
			t.Fatalf("%d queries, want 1: %q", len(queries), queries)
		}
		if got, err := s.UsersMatching(ctx, nil, nil, nil); err != nil || len(got) != 0 {
			t.Fatalf("UsersMatching(nothing) = %v, %v", got, err)
		}
	})
}

// After rows with IDs of their own, the IDs the database assigns continue after the
// largest: a user registered later never takes an imported user's ID.
func TestContinueIDs(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		s := bunstoretest.Open(t, kind)
		if _, err := s.CreateUser(ctx, importedUser(0, "first")); err != nil {
			t.Fatal(err)
		}
		if err := s.PutUsers(ctx, []account.User{importedUser(1000, "imported")}); err != nil {
			t.Fatal(err)
		}
		org, err := s.PutOrganization(ctx, account.Organization{ID: 500, Name: "University of Dhaka", Slug: "du"})
		if err != nil || org.ID != 500 {
			t.Fatalf("PutOrganization = %+v, %v", org, err)
		}
		for range 2 { // twice: moving the sequence again must not move it back
			if err := s.ContinueIDs(ctx); err != nil {
				t.Fatal(err)
			}
		}
		u, err := s.CreateUser(ctx, importedUser(0, "later"))
		if err != nil || u.ID != 1001 {
			t.Fatalf("CreateUser after import: id %d, %v; want 1001", u.ID, err)
		}
		o, err := s.CreateOrganization(ctx, account.Organization{Name: "BUET", Slug: "buet"})
		if err != nil || o.ID != 501 {
			t.Fatalf("CreateOrganization after import: id %d, %v; want 501", o.ID, err)
		}
	})
}

// A rolled-back run sees its own writes, and leaves nothing behind.
func TestRolledBack(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		s := bunstoretest.Open(t, kind)
		err := s.RolledBack(ctx, func(tx *bunstore.Store) error {
			if err := tx.Tx(ctx, func(tx *bunstore.Store) error {
				return tx.PutUsers(ctx, []account.User{importedUser(5, "ada")})
			}); err != nil {
				return err
			}
			got, err := tx.UsersMatching(ctx, []int64{5}, nil, nil)
			if err != nil || len(got) != 1 {
				t.Errorf("inside: UsersMatching = %v, %v", got, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "SELECT count(*) FROM users"); n != 0 {
			t.Fatalf("%d users left after a rolled-back run", n)
		}
	})
}
