package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) createUser(t *testing.T) {
	s.run(t, "assigns_id_and_reads_back_every_field", func(t *testing.T, st account.Store) {
		in := newUser("alice")
		in.ID = 4242 // ignored: the store assigns IDs
		got, err := st.CreateUser(ctx(t), in)
		noErr(t, "CreateUser", err)
		if got.ID <= 0 || got.ID == 4242 {
			t.Fatalf("CreateUser: ID = %d, want a new positive ID", got.ID)
		}
		want := in
		want.ID = got.ID
		same(t, "CreateUser result", got, want)
		read, err := st.UserByID(ctx(t), got.ID)
		noErr(t, "UserByID", err)
		same(t, "UserByID", read, want)
	})
	s.run(t, "distinct_ids", func(t *testing.T, st account.Store) {
		a, b := createUser(t, st, "alice"), createUser(t, st, "bob")
		if a.ID == b.ID {
			t.Errorf("two users got the same ID %d", a.ID)
		}
	})
	s.run(t, "duplicate_username_any_case_ErrUsernameTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		u := newUser("ALICE")
		u.Email = "someone-else@example.com"
		_, err := st.CreateUser(ctx(t), u)
		wantErr(t, "CreateUser", err, account.ErrUsernameTaken)
	})
	s.run(t, "duplicate_email_any_case_ErrEmailTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		u := newUser("alice2")
		u.Email = "Alice@EXAMPLE.com"
		_, err := st.CreateUser(ctx(t), u)
		wantErr(t, "CreateUser", err, account.ErrEmailTaken)
	})
	s.run(t, "failed_create_leaves_no_row", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		u := newUser("bob")
		u.Email = "ALICE@example.com"
		_, err := st.CreateUser(ctx(t), u)
		wantErr(t, "CreateUser", err, account.ErrEmailTaken)
		_, err = st.UserByLogin(ctx(t), "bob")
		wantErr(t, "UserByLogin(bob)", err, account.ErrNotFound)
	})
	s.run(t, "zero_last_login_reads_back_zero", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		read, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		if !read.LastLogin.IsZero() {
			t.Errorf("LastLogin = %v, want the zero time", read.LastLogin)
		}
	})
}

func (s suite) userByID(t *testing.T) {
	s.run(t, "unknown_id_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		_, err := st.UserByID(ctx(t), u.ID+1000)
		wantErr(t, "UserByID", err, account.ErrNotFound)
	})
}

func (s suite) userByLogin(t *testing.T) {
	s.run(t, "username_any_case_found", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		got, err := st.UserByLogin(ctx(t), "aLiCe")
		noErr(t, "UserByLogin", err)
		same(t, "UserByLogin", got, u)
	})
	s.run(t, "email_any_case_found", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		got, err := st.UserByLogin(ctx(t), "ALICE@Example.COM")
		noErr(t, "UserByLogin", err)
		same(t, "UserByLogin", got, u)
	})
	s.run(t, "unknown_ErrNotFound", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		_, err := st.UserByLogin(ctx(t), "carol")
		wantErr(t, "UserByLogin", err, account.ErrNotFound)
	})
	s.run(t, "prefix_or_pattern_ErrNotFound", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		for _, login := range []string{"ali", "alice@", "%", "ali_e", ""} {
			_, err := st.UserByLogin(ctx(t), login)
			wantErr(t, "UserByLogin("+login+")", err, account.ErrNotFound)
		}
	})
}

func (s suite) userByEmail(t *testing.T) {
	s.run(t, "any_case_found", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		got, err := st.UserByEmail(ctx(t), strings.ToUpper(u.Email))
		noErr(t, "UserByEmail", err)
		same(t, "UserByEmail", got, u)
	})
	s.run(t, "username_ErrNotFound", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		_, err := st.UserByEmail(ctx(t), "alice")
		wantErr(t, "UserByEmail", err, account.ErrNotFound)
	})
	s.run(t, "unknown_ErrNotFound", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		_, err := st.UserByEmail(ctx(t), "carol@example.com")
		wantErr(t, "UserByEmail", err, account.ErrNotFound)
	})
}

func (s suite) updateUser(t *testing.T) {
	s.run(t, "writes_every_field", func(t *testing.T, st account.Store) {
		other := createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		u.Username = "alice2"
		u.Email = "alice2@example.org"
		u.EmailVerified = false
		u.PasswordHash = "pbkdf2_sha256$870000$salt$hash"
		u.Active = false
		u.FirstName = "Alicia"
		u.LastName = "Liddell"
		u.DateJoined = at(-72 * time.Hour)
		u.LastLogin = at(-time.Second)
		u.PasswordChangedAt = at(-2 * time.Second)
		u.UpdatedAt = at(0)
		got, err := st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser", err)
		same(t, "UpdateUser result", got, u)
		read, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		same(t, "UserByID after update", read, u)
		untouched, err := st.UserByID(ctx(t), other.ID)
		noErr(t, "UserByID(other)", err)
		same(t, "other user", untouched, other)
	})
	s.run(t, "zero_last_login_clears_it", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		u.LastLogin = at(0)
		_, err := st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser(set)", err)
		u.LastLogin = time.Time{}
		_, err = st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser(clear)", err)
		read, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		if !read.LastLogin.IsZero() {
			t.Errorf("LastLogin = %v, want the zero time", read.LastLogin)
		}
	})
	s.run(t, "unknown_id_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		u.ID += 1000
		_, err := st.UpdateUser(ctx(t), u)
		wantErr(t, "UpdateUser", err, account.ErrNotFound)
	})
	s.run(t, "email_of_another_user_any_case_ErrEmailTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		u.Email = "BOB@example.com"
		_, err := st.UpdateUser(ctx(t), u)
		wantErr(t, "UpdateUser", err, account.ErrEmailTaken)
	})
	s.run(t, "username_of_another_user_any_case_ErrUsernameTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		u.Username = "Bob"
		_, err := st.UpdateUser(ctx(t), u)
		wantErr(t, "UpdateUser", err, account.ErrUsernameTaken)
	})
	s.run(t, "own_email_in_other_case_allowed", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		u.Email = "ALICE@example.com"
		u.Username = "Alice"
		got, err := st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser", err)
		same(t, "UpdateUser result", got, u)
	})
}
