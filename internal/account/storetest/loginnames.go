package storetest

import (
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// loginNames: usernames, emails and reserved usernames share one namespace, whatever
// write puts a name there, and a taken username is reported before a taken email.
func (s suite) loginNames(t *testing.T) {
	token := func(hash string) account.EmailToken {
		return newEmailToken(hash, 0, account.PurposeActivation, at(time.Hour))
	}
	event := account.Event{Type: account.EventRegistered, At: at(0)}
	// creates make a user through CreateUser or CreateAccount, the two doors in.
	creates := map[string]func(t *testing.T, st account.Store, u account.User) (account.User, error){
		"CreateUser": func(t *testing.T, st account.Store, u account.User) (account.User, error) {
			return st.CreateUser(ctx(t), u)
		},
		"CreateAccount": func(t *testing.T, st account.Store, u account.User) (account.User, error) {
			return st.CreateAccount(ctx(t), u, token("h-"+u.Username), event)
		},
	}
	for door, create := range creates {
		s.run(t, door+"_username_that_is_another_email_ErrUsernameTaken", func(t *testing.T, st account.Store) {
			createUser(t, st, "carol")
			u := newUser("Carol@EXAMPLE.com")
			u.Email = "squatter@example.com"
			_, err := create(t, st, u)
			wantErr(t, door, err, account.ErrUsernameTaken)
			got, err := st.UserByLogin(ctx(t), "carol@example.com")
			noErr(t, "UserByLogin", err)
			if got.Username != "carol" {
				t.Errorf("UserByLogin(carol's email) = %s", got.Username)
			}
		})
		s.run(t, door+"_email_that_is_another_username_ErrEmailTaken", func(t *testing.T, st account.Store) {
			dave := newUser("dave@example.com") // a username that is its own email
			dave.Email = "dave@example.com"
			_, err := st.CreateUser(ctx(t), dave)
			noErr(t, "CreateUser(username = own email)", err)
			dave.Email = "dave.new@example.com"
			dave.UpdatedAt = at(0)
			_, err = st.UpdateUser(ctx(t), mustLogin(t, st, "dave@example.com", dave))
			noErr(t, "UpdateUser(email moves, username stays)", err)
			u := newUser("mallory")
			u.Email = "DAVE@example.com"
			_, err = create(t, st, u)
			wantErr(t, door, err, account.ErrEmailTaken)
		})
		s.run(t, door+"_both_taken_ErrUsernameTaken", func(t *testing.T, st account.Store) {
			createUser(t, st, "alice")
			createUser(t, st, "bob")
			u := newUser("ALICE")
			u.Email = "bob@example.com"
			_, err := create(t, st, u)
			wantErr(t, door, err, account.ErrUsernameTaken)
		})
		s.run(t, door+"_reserved_username_ErrUsernameTaken_until_it_expires", func(t *testing.T, st account.Store) {
			noErr(t, "ReserveUsername", st.ReserveUsername(ctx(t), reservation("Erin", at(0), at(time.Hour))))
			u := newUser("erin")
			u.UpdatedAt = at(30 * time.Minute)
			_, err := create(t, st, u)
			wantErr(t, door+" while reserved", err, account.ErrUsernameTaken)
			u.UpdatedAt = at(time.Hour)
			_, err = create(t, st, u)
			noErr(t, door+" once the reservation expired", err)
		})
	}
	s.run(t, "UpdateUser_username_that_is_another_email_ErrUsernameTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "carol")
		u := createUser(t, st, "mallory")
		u.Username = "CAROL@example.com"
		_, err := st.UpdateUser(ctx(t), u)
		wantErr(t, "UpdateUser", err, account.ErrUsernameTaken)
	})
	s.run(t, "UpdateUser_email_that_is_another_username_ErrEmailTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "carol")
		u := createUser(t, st, "mallory")
		u.Email = "Carol"
		_, err := st.UpdateUser(ctx(t), u)
		wantErr(t, "UpdateUser", err, account.ErrEmailTaken)
	})
	s.run(t, "UpdateUser_reserved_username_ErrUsernameTaken", func(t *testing.T, st account.Store) {
		noErr(t, "ReserveUsername", st.ReserveUsername(ctx(t), reservation("erin", at(-time.Hour), at(time.Hour))))
		u := createUser(t, st, "mallory")
		u.Username, u.UpdatedAt = "ERIN", at(0)
		_, err := st.UpdateUser(ctx(t), u)
		wantErr(t, "UpdateUser", err, account.ErrUsernameTaken)
	})
	s.run(t, "UpdateUser_frees_the_old_names", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		u.Username, u.Email = "alicia", "alicia@example.com"
		_, err := st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser", err)
		_, err = st.UserByLogin(ctx(t), "alice")
		wantErr(t, "UserByLogin(old username)", err, account.ErrNotFound)
		_, err = st.UserByLogin(ctx(t), "alice@example.com")
		wantErr(t, "UserByLogin(old email)", err, account.ErrNotFound)
		_, err = st.CreateUser(ctx(t), newUser("alice"))
		noErr(t, "CreateUser(the old names)", err)
		for _, login := range []string{"alicia", "ALICIA@example.com"} {
			got, err := st.UserByLogin(ctx(t), login)
			noErr(t, "UserByLogin("+login+")", err)
			if got.ID != u.ID {
				t.Errorf("UserByLogin(%s) = user %d, want %d", login, got.ID, u.ID)
			}
		}
	})
	s.run(t, "DeleteUser_frees_the_names", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		noErr(t, "DeleteUser", st.DeleteUser(ctx(t), u.ID))
		_, err := st.CreateUser(ctx(t), newUser("alice"))
		noErr(t, "CreateUser(a deleted account's names)", err)
	})
	s.run(t, "ReserveUsername_held_name_ErrUsernameTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "carol")
		wantErr(t, "ReserveUsername(an account's username)", st.ReserveUsername(ctx(t), reservation("CAROL", at(0), at(time.Hour))), account.ErrUsernameTaken)
		wantErr(t, "ReserveUsername(an account's email)", st.ReserveUsername(ctx(t), reservation("carol@example.com", at(0), at(time.Hour))), account.ErrUsernameTaken)
		noErr(t, "ReserveUsername", st.ReserveUsername(ctx(t), reservation("erin", at(0), at(time.Hour))))
		wantErr(t, "ReserveUsername(reserved)", st.ReserveUsername(ctx(t), reservation("Erin", at(0), at(time.Hour))), account.ErrUsernameTaken)
		noErr(t, "ReserveUsername(expired reservation)", st.ReserveUsername(ctx(t), reservation("Erin", at(time.Hour), at(2*time.Hour))))
	})
	s.run(t, "ReservationOf_a_live_reservation_as_written", func(t *testing.T, st account.Store) {
		want := account.Reservation{Username: "Erin", Email: "erin@example.com", PasswordHash: "argon2id$hash",
			FirstName: "Erin", LastName: "Doe", CreatedAt: at(0), ExpiresAt: at(time.Hour)}
		noErr(t, "ReserveUsername", st.ReserveUsername(ctx(t), want))
		got, err := st.ReservationOf(ctx(t), "ERIN", at(time.Minute))
		noErr(t, "ReservationOf", err)
		want.CreatedAt, want.ExpiresAt = want.CreatedAt.UTC(), want.ExpiresAt.UTC() // stores answer in UTC
		if got != want {
			t.Errorf("ReservationOf = %+v, want %+v", got, want)
		}
		createUser(t, st, "carol")
		for _, tc := range []struct {
			name string
			now  time.Time
		}{{"erin", at(time.Hour)}, {"carol", at(0)}, {"nobody", at(0)}, {"e\x00rin", at(0)}} {
			_, err := st.ReservationOf(ctx(t), tc.name, tc.now)
			wantErr(t, "ReservationOf("+tc.name+")", err, account.ErrNotFound)
		}
	})
	s.run(t, "LoginNameTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "carol")
		noErr(t, "ReserveUsername", st.ReserveUsername(ctx(t), reservation("erin", at(0), at(time.Hour))))
		for name, want := range map[string]bool{
			"CAROL": true, "Carol@Example.com": true, "erin": true, "nobody": false, "a\x00b": false,
		} {
			got, err := st.LoginNameTaken(ctx(t), name, at(time.Minute))
			noErr(t, "LoginNameTaken("+name+")", err)
			if got != want {
				t.Errorf("LoginNameTaken(%q) = %v, want %v", name, got, want)
			}
		}
		if got, err := st.LoginNameTaken(ctx(t), "erin", at(time.Hour)); err != nil || got {
			t.Errorf("LoginNameTaken(expired reservation) = %v, %v; want false", got, err)
		}
	})
	s.run(t, "lookups_of_text_no_account_has_ErrNotFound", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		for _, login := range []string{"al\x00ice", "alice@example.com\x00", "\xff\xfe", "alice\u200b", ""} {
			_, err := st.UserByLogin(ctx(t), login)
			wantErr(t, "UserByLogin("+login+")", err, account.ErrNotFound)
			_, err = st.UserByEmail(ctx(t), login)
			wantErr(t, "UserByEmail("+login+")", err, account.ErrNotFound)
		}
	})
	s.run(t, "lookups_by_email_compare_the_normalized_address", func(t *testing.T, st account.Store) {
		u := newUser("ada")
		u.Email = "ada@xn--exmple-cua.com"
		created, err := st.CreateUser(ctx(t), u)
		noErr(t, "CreateUser", err)
		for _, login := range []string{"ADA@EXÄMPLE.com", "ada@XN--EXMPLE-CUA.COM"} {
			got, err := st.UserByLogin(ctx(t), login)
			noErr(t, "UserByLogin("+login+")", err)
			if got.ID != created.ID {
				t.Errorf("UserByLogin(%s) = user %d", login, got.ID)
			}
			got, err = st.UserByEmail(ctx(t), login)
			noErr(t, "UserByEmail("+login+")", err)
			if got.ID != created.ID {
				t.Errorf("UserByEmail(%s) = user %d", login, got.ID)
			}
		}
	})
	s.run(t, "SignedInFrom_the_history_of_successful_logins", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		other := createUser(t, st, "bob")
		noErr(t, "AddEvent", st.AddEvent(ctx(t), account.Event{UserID: u.ID, Type: account.EventLoginSucceeded, At: at(0), IP: "192.0.2.1"}))
		noErr(t, "AddEvent", st.AddEvent(ctx(t), account.Event{UserID: u.ID, Type: account.EventLoginFailed, At: at(0), IP: "192.0.2.2"}))
		for _, tc := range []struct {
			user  int64
			ip    string
			since time.Time
			want  bool
		}{
			{u.ID, "192.0.2.1", at(-time.Hour), true},
			{u.ID, "192.0.2.1", at(time.Second), false}, // too long ago
			{u.ID, "192.0.2.2", at(-time.Hour), false},  // a failed login
			{other.ID, "192.0.2.1", at(-time.Hour), false},
			{0, "192.0.2.1", at(-time.Hour), false},
		} {
			got, err := st.SignedInFrom(ctx(t), tc.user, tc.ip, tc.since)
			noErr(t, "SignedInFrom", err)
			if got != tc.want {
				t.Errorf("SignedInFrom(%d, %s, %v) = %v, want %v", tc.user, tc.ip, tc.since, got, tc.want)
			}
		}
	})
}

// mustLogin returns the stored user found by login, with the fields of changed (whose
// ID is taken from the store).
func mustLogin(t *testing.T, st account.Store, login string, changed account.User) account.User {
	t.Helper()
	u, err := st.UserByLogin(ctx(t), login)
	noErr(t, "UserByLogin("+login+")", err)
	changed.ID = u.ID
	return changed
}

// reservation is a reservation of username from created until expires.
func reservation(username string, created, expires time.Time) account.Reservation {
	return account.Reservation{Username: username, Email: username + "@example.org", PasswordHash: "hash",
		CreatedAt: created, ExpiresAt: expires}
}
