package bunstore_test

import (
	"errors"
	"fmt"
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
		Active: true, DateJoined: at, LinksVoidedAt: at, UpdatedAt: at,
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

// PutUsers gives the users it writes their login names in the same transaction, in
// one namespace with every other account's names, in the same few statements whatever
// the batch's size: imported users log in by username and by email, an overwrite moves
// their names, a name another user holds as username or email refuses the batch, and a
// hidden registration's reservation gives way.
func TestPutUsersLoginNames(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		s := bunstoretest.Open(t, kind)
		reservedAt := time.Now()
		if err := s.ReserveUsername(ctx, account.Reservation{Username: "erin", Email: "erin@example.org",
			CreatedAt: reservedAt, ExpiresAt: reservedAt.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		batch := func(n int) []account.User {
			users := []account.User{importedUser(1, "ada"), importedUser(2, "erin")}
			for i := 3; i <= n; i++ {
				users = append(users, importedUser(int64(i), fmt.Sprintf("user%d", i)))
			}
			return users
		}
		statements := func(fn func() error) []string {
			var out []string
			for _, q := range record(t, s, fn) {
				if q != "BEGIN" && q != "COMMIT" {
					out = append(out, q)
				}
			}
			return out
		}
		small := statements(func() error { return s.PutUsers(ctx, batch(3)) })
		large := statements(func() error { return s.PutUsers(ctx, batch(300)) })
		if len(large) != len(small) || len(small) > 5 {
			t.Errorf("PutUsers ran %d statements for 3 users and %d for 300, want the same few: %q", len(small), len(large), small)
		}
		for login, want := range map[string]int64{"ADA": 1, "ada@EXAMPLE.com": 1, "erin": 2, "user300@example.com": 300} {
			if u, err := s.UserByLogin(ctx, login); err != nil || u.ID != want {
				t.Errorf("UserByLogin(%s) = user %d, %v; want %d", login, u.ID, err, want)
			}
		}

		moved := importedUser(1, "augusta")
		moved.Email = "augusta@example.com"
		if err := s.PutUsers(ctx, []account.User{moved}); err != nil {
			t.Fatal(err)
		}
		for _, login := range []string{"ada", "ada@example.com"} {
			if _, err := s.UserByLogin(ctx, login); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("UserByLogin(%s) after the user's names moved: %v, want ErrNotFound", login, err)
			}
		}
		if u, err := s.UserByLogin(ctx, "Augusta@example.com"); err != nil || u.ID != 1 {
			t.Errorf("UserByLogin(new email) = user %d, %v", u.ID, err)
		}
		if taken, err := s.LoginNameTaken(ctx, "ada", time.Now()); err != nil || taken {
			t.Errorf("LoginNameTaken(a name the import released) = %v, %v", taken, err)
		}

		// Another user's email as a username, and another user's username as an email.
		squatter := importedUser(400, "augusta@example.com")
		squatter.Email = "mallory@example.com"
		if err := s.PutUsers(ctx, []account.User{importedUser(401, "zoe"), squatter}); !errors.Is(err, account.ErrUsernameTaken) {
			t.Errorf("PutUsers with another's email as username: %v, want ErrUsernameTaken", err)
		}
		// Another user's username as an email (Django usernames may look like one).
		if err := s.PutUsers(ctx, []account.User{{ID: 402, Username: "old@example.net", Email: "keeper@example.net",
			DateJoined: time.Now(), LinksVoidedAt: time.Now(), UpdatedAt: time.Now()}}); err != nil {
			t.Fatal(err)
		}
		squatter = importedUser(400, "mallory")
		squatter.Email = "OLD@example.net"
		if err := s.PutUsers(ctx, []account.User{importedUser(401, "zoe"), squatter}); !errors.Is(err, account.ErrEmailTaken) {
			t.Errorf("PutUsers with another's username as email: %v, want ErrEmailTaken", err)
		}
		for _, id := range []int64{400, 401} {
			if _, err := s.UserByID(ctx, id); !errors.Is(err, account.ErrNotFound) {
				t.Errorf("a refused batch wrote user %d: %v", id, err)
			}
		}
		if _, err := s.UserByLogin(ctx, "zoe"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("a refused batch left a login name: %v", err)
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
