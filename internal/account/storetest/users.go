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
	s.run(t, "profile_role_and_organization_read_back", func(t *testing.T, st account.Store) {
		org := createOrganization(t, st, "University of Alice", "alice-u")
		in := newUser("alice")
		in.OrganizationID = org.ID
		in.Role = account.RoleStaff
		in.Superuser = true
		got, err := st.CreateUser(ctx(t), in)
		noErr(t, "CreateUser", err)
		want := in
		want.ID = got.ID
		same(t, "CreateUser result", got, want)
		read, err := st.UserByID(ctx(t), got.ID)
		noErr(t, "UserByID", err)
		same(t, "UserByID", read, want)
		read, err = st.UserByLogin(ctx(t), "alice")
		noErr(t, "UserByLogin", err)
		same(t, "UserByLogin", read, want)
		// SessionUser reads the user through a join: every field must come through too.
		createSession(t, st, "s1", got.ID, at(time.Hour))
		_, read, err = st.SessionUser(ctx(t), "s1", at(0))
		noErr(t, "SessionUser", err)
		same(t, "SessionUser's user", read, want)
	})
	s.run(t, "empty_role_stored_as_user", func(t *testing.T, st account.Store) {
		in := newUser("alice")
		in.Role = ""
		got, err := st.CreateUser(ctx(t), in)
		noErr(t, "CreateUser", err)
		if got.Role != account.RoleUser {
			t.Errorf("CreateUser result: Role = %q, want %q", got.Role, account.RoleUser)
		}
		read, err := st.UserByID(ctx(t), got.ID)
		noErr(t, "UserByID", err)
		if read.Role != account.RoleUser {
			t.Errorf("UserByID: Role = %q, want %q", read.Role, account.RoleUser)
		}
	})
	s.run(t, "no_organization_reads_back_zero", func(t *testing.T, st account.Store) {
		createOrganization(t, st, "Some University", "some-u")
		u := createUser(t, st, "alice")
		read, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		if read.OrganizationID != 0 {
			t.Errorf("OrganizationID = %d, want 0", read.OrganizationID)
		}
	})
	s.run(t, "unknown_organization_ErrNotFound_and_no_row", func(t *testing.T, st account.Store) {
		org := createOrganization(t, st, "University of Alice", "alice-u")
		in := newUser("alice")
		in.OrganizationID = org.ID + 1000
		_, err := st.CreateUser(ctx(t), in)
		wantErr(t, "CreateUser(unknown organization)", err, account.ErrNotFound)
		_, err = st.UserByLogin(ctx(t), "alice")
		wantErr(t, "UserByLogin after the refused create", err, account.ErrNotFound)
	})
	// Case is folded the same way for every letter on every database: SQLite's lower()
	// alone folds only ASCII.
	s.run(t, "duplicate_username_unicode_case_ErrUsernameTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "émile")
		u := newUser("ÉMILE")
		u.Email = "someone-else@example.com"
		_, err := st.CreateUser(ctx(t), u)
		wantErr(t, "CreateUser(ÉMILE after émile)", err, account.ErrUsernameTaken)
	})
	s.run(t, "duplicate_email_unicode_case_ErrEmailTaken", func(t *testing.T, st account.Store) {
		u := newUser("zoe")
		u.Email = "zoë@exämple.com"
		_, err := st.CreateUser(ctx(t), u)
		noErr(t, "CreateUser(zoë)", err)
		u = newUser("zoe2")
		u.Email = "ZOË@EXÄMPLE.COM"
		_, err = st.CreateUser(ctx(t), u)
		wantErr(t, "CreateUser(ZOË@EXÄMPLE.COM after zoë@exämple.com)", err, account.ErrEmailTaken)
	})
	s.run(t, "unicode_letters_that_differ_are_distinct", func(t *testing.T, st account.Store) {
		createUser(t, st, "émile")
		for _, name := range []string{"emile", "èmile", "ÊMILE"} {
			if _, err := st.CreateUser(ctx(t), newUser(name)); err != nil {
				t.Errorf("CreateUser(%s) next to émile: %v", name, err)
			}
		}
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
	s.run(t, "unicode_username_any_case_found", func(t *testing.T, st account.Store) {
		createUser(t, st, "emile")
		u := createUser(t, st, "émile")
		for _, login := range []string{"ÉMILE", "Émile", "émile"} {
			got, err := st.UserByLogin(ctx(t), login)
			noErr(t, "UserByLogin("+login+")", err)
			same(t, "UserByLogin("+login+")", got, u)
		}
	})
	s.run(t, "unicode_email_any_case_found", func(t *testing.T, st account.Store) {
		createUser(t, st, "emile")
		u := createUser(t, st, "émile")
		got, err := st.UserByLogin(ctx(t), "ÉMILE@EXAMPLE.COM")
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
	s.run(t, "unicode_any_case_found", func(t *testing.T, st account.Store) {
		createUser(t, st, "emile")
		u := createUser(t, st, "émile")
		got, err := st.UserByEmail(ctx(t), "ÉMILE@Example.com")
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
		org := createOrganization(t, st, "Wonderland College", "wonderland")
		other := createUser(t, st, "bob")
		u := createUser(t, st, "alice")
		u.Profile = account.Profile{
			Bio:        "Changed bio",
			Country:    "GB",
			Profession: "Mathematician",
			Thoughts:   "Curiouser and curiouser",
			AvatarURL:  "http://example.org/a.jpg",
		}
		u.OrganizationID = org.ID
		u.Role = account.RoleStaff
		u.Superuser = true
		u.Username = "alice2"
		u.Email = "alice2@example.org"
		u.EmailVerified = false
		u.PasswordHash = "pbkdf2_sha256$870000$salt$hash"
		u.Active = false
		u.FirstName = "Alicia"
		u.LastName = "Liddell"
		u.DateJoined = at(-72 * time.Hour)
		u.LastLogin = at(-time.Second)
		u.LinksVoidedAt = at(-2 * time.Second)
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
	s.run(t, "profile_and_role_cleared", func(t *testing.T, st account.Store) {
		org := createOrganization(t, st, "Wonderland College", "wonderland")
		in := newUser("alice")
		in.OrganizationID, in.Role, in.Superuser = org.ID, account.RoleStaff, true
		u, err := st.CreateUser(ctx(t), in)
		noErr(t, "CreateUser", err)
		u.Profile = account.Profile{}
		u.OrganizationID = 0
		u.Role = ""
		u.Superuser = false
		_, err = st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser", err)
		read, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		want := u
		want.Role = account.RoleUser // an empty role is stored as user
		same(t, "UserByID after clearing", read, want)
	})
	s.run(t, "unknown_organization_ErrNotFound_and_row_kept", func(t *testing.T, st account.Store) {
		org := createOrganization(t, st, "Wonderland College", "wonderland")
		u := createUser(t, st, "alice")
		changed := u
		changed.OrganizationID = org.ID + 1000
		changed.FirstName = "Changed"
		_, err := st.UpdateUser(ctx(t), changed)
		wantErr(t, "UpdateUser(unknown organization)", err, account.ErrNotFound)
		read, err := st.UserByID(ctx(t), u.ID)
		noErr(t, "UserByID", err)
		same(t, "UserByID after the refused update", read, u)
	})
	s.run(t, "username_of_another_user_unicode_case_ErrUsernameTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "émile")
		u := createUser(t, st, "alice")
		u.Username = "ÉMILE"
		_, err := st.UpdateUser(ctx(t), u)
		wantErr(t, "UpdateUser", err, account.ErrUsernameTaken)
	})
	s.run(t, "new_username_found_in_any_case", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		u.Username = "Ångström"
		u.Email = "Ångström@example.com"
		_, err := st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser", err)
		for _, login := range []string{"ångström", "ÅNGSTRÖM", "ÅNGSTRÖM@EXAMPLE.COM"} {
			got, err := st.UserByLogin(ctx(t), login)
			noErr(t, "UserByLogin("+login+")", err)
			same(t, "UserByLogin("+login+")", got, u)
		}
		_, err = st.UserByLogin(ctx(t), "alice")
		wantErr(t, "UserByLogin(old username)", err, account.ErrNotFound)
		_, err = st.UserByEmail(ctx(t), "alice@example.com")
		wantErr(t, "UserByEmail(old email)", err, account.ErrNotFound)
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

func (s suite) deleteUser(t *testing.T) {
	s.run(t, "removes_user_sessions_tokens_and_events", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		for _, u := range []account.User{alice, bob} {
			sid := "s-" + u.Username
			createSession(t, st, sid, u.ID, at(time.Hour))
			rt := account.RefreshToken{Hash: "r-" + u.Username, SessionID: sid, UserID: u.ID, CreatedAt: at(0), ExpiresAt: at(time.Hour)}
			noErr(t, "CreateRefreshToken", st.CreateRefreshToken(ctx(t), rt))
			createEmailToken(t, st, newEmailToken("e-"+u.Username, u.ID, account.PurposePasswordReset, at(time.Hour)))
			addEvent(t, st, u.ID, account.EventRegistered, -time.Hour)
			addEvent(t, st, u.ID, account.EventLoginSucceeded, 0)
		}
		// What is about to go is there.
		if ev, err := st.ListEvents(ctx(t), alice.ID, 0, 10); err != nil || len(ev) != 2 {
			t.Fatalf("ListEvents(alice) before delete = %d events, %v; want 2", len(ev), err)
		}

		noErr(t, "DeleteUser", st.DeleteUser(ctx(t), alice.ID))

		_, err := st.UserByID(ctx(t), alice.ID)
		wantErr(t, "UserByID(deleted)", err, account.ErrNotFound)
		_, err = st.UserByLogin(ctx(t), "alice")
		wantErr(t, "UserByLogin(deleted)", err, account.ErrNotFound)
		_, _, err = st.SessionUser(ctx(t), "s-alice", at(0))
		wantErr(t, "SessionUser(deleted user's)", err, account.ErrNotFound)
		_, err = st.RefreshTokenByHash(ctx(t), "r-alice")
		wantErr(t, "RefreshTokenByHash(deleted user's)", err, account.ErrNotFound)
		_, err = st.ConsumeEmailToken(ctx(t), "e-alice", account.PurposePasswordReset, at(0))
		wantErr(t, "ConsumeEmailToken(deleted user's)", err, account.ErrTokenInvalid)
		ev, err := st.ListEvents(ctx(t), alice.ID, 0, 10)
		noErr(t, "ListEvents(deleted)", err)
		if len(ev) != 0 {
			t.Errorf("ListEvents(deleted user) = %d events, want none", len(ev))
		}
		c, err := st.Counts(ctx(t), alice.ID, at(0), at(-24*time.Hour))
		noErr(t, "Counts(deleted)", err)
		if c != (account.AccountCounts{}) {
			t.Errorf("Counts(deleted user) = %+v, want zeros", c)
		}

		// The other user keeps everything.
		_, err = st.UserByID(ctx(t), bob.ID)
		noErr(t, "UserByID(bob)", err)
		_, _, err = st.SessionUser(ctx(t), "s-bob", at(0))
		noErr(t, "SessionUser(bob's)", err)
		_, err = st.RefreshTokenByHash(ctx(t), "r-bob")
		noErr(t, "RefreshTokenByHash(bob's)", err)
		ev, err = st.ListEvents(ctx(t), bob.ID, 0, 10)
		noErr(t, "ListEvents(bob)", err)
		if len(ev) != 2 {
			t.Errorf("ListEvents(bob) = %d events, want 2", len(ev))
		}
		_, err = st.ConsumeEmailToken(ctx(t), "e-bob", account.PurposePasswordReset, at(0))
		noErr(t, "ConsumeEmailToken(bob's)", err)
	})
	s.run(t, "frees_username_and_email", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		addEvent(t, st, alice.ID, account.EventRegistered, 0)
		noErr(t, "DeleteUser", st.DeleteUser(ctx(t), alice.ID))
		again, err := st.CreateUser(ctx(t), newUser("ALICE"))
		noErr(t, "CreateUser(same name again)", err)
		ev, err := st.ListEvents(ctx(t), again.ID, 0, 10)
		noErr(t, "ListEvents(new user)", err)
		if len(ev) != 0 {
			t.Errorf("the new user inherited %d events of the deleted one", len(ev))
		}
	})
	s.run(t, "unknown_ErrNotFound", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		wantErr(t, "DeleteUser(unknown)", st.DeleteUser(ctx(t), u.ID+1000), account.ErrNotFound)
		noErr(t, "DeleteUser", st.DeleteUser(ctx(t), u.ID))
		wantErr(t, "DeleteUser(again)", st.DeleteUser(ctx(t), u.ID), account.ErrNotFound)
	})
}
