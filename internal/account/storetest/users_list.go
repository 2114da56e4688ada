package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// listUsers returns the usernames ListUsers gives for q.
func listUsers(t *testing.T, st account.Store, q account.UserQuery) []string {
	t.Helper()
	if q.Sort == "" {
		q.Sort = account.SortUsername
	}
	if q.Limit == 0 {
		q.Limit = 1000
	}
	users, err := st.ListUsers(ctx(t), q)
	noErr(t, "ListUsers", err)
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	return names
}

func wantNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func (s suite) listUsers(t *testing.T) {
	s.run(t, "reads_back_every_field", func(t *testing.T, st account.Store) {
		org := createOrganization(t, st, "Wonderland College", "wonderland")
		in := newUser("alice")
		in.OrganizationID = org.ID
		in.LastLogin = at(-time.Minute)
		in.Active, in.Deactivated = false, true
		alice, err := st.CreateUser(ctx(t), in)
		noErr(t, "CreateUser", err)
		got, err := st.ListUsers(ctx(t), account.UserQuery{Sort: account.SortDateJoined, Limit: 10})
		noErr(t, "ListUsers", err)
		if len(got) != 1 {
			t.Fatalf("ListUsers = %d users, want 1", len(got))
		}
		same(t, "ListUsers[0]", got[0], alice)
		read, err := st.UserByID(ctx(t), alice.ID)
		noErr(t, "UserByID", err)
		same(t, "UserByID", read, alice)
		if !read.Deactivated {
			t.Errorf("UserByID: Deactivated = false, want true")
		}
	})
	s.run(t, "each_filter_and_all_together", func(t *testing.T, st account.Store) {
		org := createOrganization(t, st, "Wonderland College", "wonderland")
		mk := func(name string, active, verified bool, role account.Role, inOrg bool) {
			u := newUser(name)
			u.Active, u.EmailVerified, u.Role = active, verified, role
			if inOrg {
				u.OrganizationID = org.ID
			}
			_, err := st.CreateUser(ctx(t), u)
			noErr(t, "CreateUser("+name+")", err)
		}
		mk("a_plain", true, true, account.RoleUser, false)
		mk("b_inactive", false, true, account.RoleUser, true)
		mk("c_unverified", true, false, account.RoleUser, true)
		mk("d_staff", true, true, account.RoleStaff, true)
		mk("e_all_off", false, false, account.RoleStaff, false)

		wantNames(t, "no filter", listUsers(t, st, account.UserQuery{}), "a_plain", "b_inactive", "c_unverified", "d_staff", "e_all_off")
		wantNames(t, "active", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Active: ptr(true)}}), "a_plain", "c_unverified", "d_staff")
		wantNames(t, "inactive", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Active: ptr(false)}}), "b_inactive", "e_all_off")
		wantNames(t, "email verified", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{EmailVerified: ptr(true)}}), "a_plain", "b_inactive", "d_staff")
		wantNames(t, "email unverified", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{EmailVerified: ptr(false)}}), "c_unverified", "e_all_off")
		wantNames(t, "staff", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Role: account.RoleStaff}}), "d_staff", "e_all_off")
		wantNames(t, "users", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Role: account.RoleUser}}), "a_plain", "b_inactive", "c_unverified")
		wantNames(t, "organization", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{OrganizationID: org.ID}}), "b_inactive", "c_unverified", "d_staff")
		wantNames(t, "unknown organization", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{OrganizationID: org.ID + 1000}}))
		all := account.UserFilter{Active: ptr(true), EmailVerified: ptr(true), Role: account.RoleStaff, OrganizationID: org.ID, Search: "STAFF"}
		wantNames(t, "every filter", listUsers(t, st, account.UserQuery{UserFilter: all}), "d_staff")
	})
	s.run(t, "search_ignores_case_in_each_field_and_takes_wildcards_literally", func(t *testing.T, st account.Store) {
		mk := func(username, email, first, last string) {
			u := newUser(username)
			u.Email, u.FirstName, u.LastName = email, first, last
			_, err := st.CreateUser(ctx(t), u)
			noErr(t, "CreateUser("+username+")", err)
		}
		mk("Ada", "countess@Analytical.example", "Augusta", "Lovelace")
		mk("emile", "emile@example.com", "Émile", "Zola")
		mk("percent", "p@example.com", "100%", "Sure")
		mk("under_score", "u@example.com", "Under", "Score")
		mk("plain", "plain@example.com", "Plain", "Person")

		for _, tc := range []struct {
			search string
			want   []string
		}{
			{"ada", []string{"Ada"}},          // username, other case
			{"ANALYTICAL", []string{"Ada"}},   // email
			{"augusta", []string{"Ada"}},      // first name
			{"LOVELACE", []string{"Ada"}},     // last name
			{"augusta love", []string{"Ada"}}, // full name
			{"ÉMILE", []string{"emile"}},      // beyond ASCII
			{"émile zola", []string{"emile"}}, // full name beyond ASCII
			{"%", []string{"percent"}},        // not a wildcard
			{"_", []string{"under_score"}},    // not a wildcard
			{"!", nil},                        // the escape character itself
			{"example.com", []string{"emile", "percent", "plain", "under_score"}},
			{"adacountess", nil}, // never across fields
			{"nobody", nil},
		} {
			got := listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Search: tc.search}})
			wantNames(t, fmt.Sprintf("search %q", tc.search), got, tc.want...)
		}
	})
	s.run(t, "search_follows_updates", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		u.FirstName, u.LastName = "Alicia", "Liddell-Hargreaves"
		_, err := st.UpdateUser(ctx(t), u)
		noErr(t, "UpdateUser", err)
		wantNames(t, "search for the new name", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Search: "hargreaves"}}), "alice")
		wantNames(t, "search for the old name", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Search: "first alice"}}))
	})
	s.run(t, "each_sort_with_id_breaking_ties", func(t *testing.T, st account.Store) {
		// bob and Carol joined at the same instant; IDs follow creation order.
		mk := func(name string, joined time.Duration) account.User {
			u := newUser(name)
			u.DateJoined = at(joined)
			created, err := st.CreateUser(ctx(t), u)
			noErr(t, "CreateUser("+name+")", err)
			return created
		}
		mk("dave", -time.Hour)
		mk("bob", 0)
		mk("Carol", 0)
		mk("alice", time.Hour)
		// Code point order of the folded names, on both dialects.
		mk("Émile", 2*time.Hour)
		mk("zed", -2*time.Hour)

		wantNames(t, "date_joined", listUsers(t, st, account.UserQuery{Sort: account.SortDateJoined}), "zed", "dave", "bob", "Carol", "alice", "Émile")
		wantNames(t, "-date_joined", listUsers(t, st, account.UserQuery{Sort: account.SortDateJoinedDesc}), "Émile", "alice", "Carol", "bob", "dave", "zed")
		wantNames(t, "username", listUsers(t, st, account.UserQuery{Sort: account.SortUsername}), "alice", "bob", "Carol", "dave", "zed", "Émile")
		wantNames(t, "-username", listUsers(t, st, account.UserQuery{Sort: account.SortUsernameDesc}), "Émile", "zed", "dave", "Carol", "bob", "alice")
	})
	s.run(t, "limit_and_after_position", func(t *testing.T, st account.Store) {
		var users []account.User
		for i := range 5 {
			u := newUser(fmt.Sprintf("user%d", i))
			u.DateJoined = at(time.Duration(i/2) * time.Minute) // pairs share a time
			created, err := st.CreateUser(ctx(t), u)
			noErr(t, "CreateUser", err)
			users = append(users, created)
		}
		key := func(u account.User) account.UserKey {
			return account.UserKey{ID: u.ID, DateJoined: u.DateJoined, Username: u.Username}
		}
		for _, tc := range []struct {
			sort  account.UserSort
			after int
			limit int
			want  []string
		}{
			{account.SortDateJoined, -1, 2, []string{"user0", "user1"}},
			{account.SortDateJoined, 1, 2, []string{"user2", "user3"}},
			{account.SortDateJoined, 2, 10, []string{"user3", "user4"}},
			{account.SortDateJoined, 4, 10, nil},
			{account.SortDateJoinedDesc, 3, 10, []string{"user2", "user1", "user0"}},
			{account.SortUsername, 0, 2, []string{"user1", "user2"}},
			{account.SortUsernameDesc, 3, 10, []string{"user2", "user1", "user0"}},
			{account.SortUsername, -1, 0, nil},
		} {
			q := account.UserQuery{Sort: tc.sort, Limit: tc.limit}
			if tc.after >= 0 {
				q.After = key(users[tc.after])
			}
			page, err := st.ListUsers(ctx(t), q)
			noErr(t, "ListUsers", err)
			var got []string
			for _, u := range page {
				got = append(got, u.Username)
			}
			wantNames(t, fmt.Sprintf("%s after #%d limit %d", tc.sort, tc.after, tc.limit), got, tc.want...)
		}
	})
	s.run(t, "pages_every_user_once_while_users_added", func(t *testing.T, st account.Store) {
		for _, sort := range []account.UserSort{account.SortDateJoined, account.SortDateJoinedDesc, account.SortUsername, account.SortUsernameDesc} {
			before := listUsers(t, st, account.UserQuery{Sort: sort})
			for i := len(before); i < 10; i++ {
				u := newUser(fmt.Sprintf("m%02d", i))
				u.DateJoined = at(time.Duration(i%3) * time.Minute)
				_, err := st.CreateUser(ctx(t), u)
				noErr(t, "CreateUser", err)
			}
			before = listUsers(t, st, account.UserQuery{Sort: sort})
			var walked []string
			var after account.UserKey
			for page := 0; ; page++ {
				if page > 20 {
					t.Fatalf("%s: still paging after %d pages", sort, page)
				}
				users, err := st.ListUsers(ctx(t), account.UserQuery{Sort: sort, After: after, Limit: 4})
				noErr(t, "ListUsers(page)", err)
				if len(users) == 0 {
					break
				}
				for _, u := range users {
					walked = append(walked, u.Username)
				}
				last := users[len(users)-1]
				after = account.UserKey{ID: last.ID, DateJoined: last.DateJoined, Username: last.Username}
				// Users join between the first pages, sorting before, among and after
				// those seen. (Joining after every page, some would always sort after
				// the cursor: the walk would never end.)
				if page >= 3 {
					continue
				}
				for j, d := range []time.Duration{-time.Hour, time.Minute, time.Hour} {
					u := newUser(fmt.Sprintf("%s_new_%d_%d", sort, page, j))
					u.Username = []string{"a", "m05x", "zz"}[j] + u.Username
					u.DateJoined = at(d)
					_, err := st.CreateUser(ctx(t), u)
					noErr(t, "CreateUser(between pages)", err)
				}
			}
			for _, name := range before {
				if n := count(walked, name); n != 1 {
					t.Errorf("%s: user %s listed %d times while paging, want once", sort, name, n)
				}
			}
			// What was there keeps its order; newcomers may show up among it.
			var kept []string
			for _, name := range walked {
				if slices.Contains(before, name) {
					kept = append(kept, name)
				}
			}
			wantNames(t, string(sort)+": order of the users there from the start", kept, before...)
		}
	})
	s.run(t, "offset_skips_after_the_position", func(t *testing.T, st account.Store) {
		var users []account.User
		for _, name := range []string{"a", "b", "c", "d", "e"} {
			users = append(users, createUser(t, st, name))
		}
		wantNames(t, "offset 2", listUsers(t, st, account.UserQuery{Offset: 2, Limit: 2}), "c", "d")
		wantNames(t, "offset past the end", listUsers(t, st, account.UserQuery{Offset: 5}))
		wantNames(t, "offset 1 descending", listUsers(t, st, account.UserQuery{Sort: account.SortUsernameDesc, Offset: 1, Limit: 2}), "d", "c")
		after := account.UserKey{ID: users[0].ID, Username: users[0].Username}
		wantNames(t, "offset 1 after a", listUsers(t, st, account.UserQuery{After: after, Offset: 1}), "c", "d", "e")
		wantNames(t, "filtered", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Search: "c@"}}), "c")
		wantNames(t, "filtered, then skipped", listUsers(t, st, account.UserQuery{UserFilter: account.UserFilter{Search: "c@"}, Offset: 1}))
	})
	s.run(t, "count_follows_the_filters", func(t *testing.T, st account.Store) {
		n, err := st.CountUsers(ctx(t), account.UserFilter{})
		noErr(t, "CountUsers(empty store)", err)
		if n != 0 {
			t.Fatalf("CountUsers on an empty store = %d", n)
		}
		for _, name := range []string{"alice", "alfred", "bob"} {
			u := newUser(name)
			u.Active = name != "bob"
			_, err := st.CreateUser(ctx(t), u)
			noErr(t, "CreateUser("+name+")", err)
		}
		for _, tc := range []struct {
			f    account.UserFilter
			want int
		}{
			{account.UserFilter{}, 3},
			{account.UserFilter{Search: "AL"}, 2},
			{account.UserFilter{Active: ptr(false)}, 1},
			{account.UserFilter{Search: "al", Active: ptr(false)}, 0},
			{account.UserFilter{Role: account.RoleStaff}, 0},
		} {
			n, err := st.CountUsers(ctx(t), tc.f)
			noErr(t, "CountUsers", err)
			if n != tc.want {
				t.Errorf("CountUsers(%+v) = %d, want %d (the users ListUsers gives: %q)", tc.f, n, tc.want,
					listUsers(t, st, account.UserQuery{UserFilter: tc.f}))
			}
		}
	})
}

func count(names []string, name string) int {
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n
}

func (s suite) eventActor(t *testing.T) {
	s.run(t, "actor_and_username_read_back_and_kept_after_actor_deleted", func(t *testing.T, st account.Store) {
		alice, admin := createUser(t, st, "alice"), createUser(t, st, "admin")
		own := account.Event{UserID: alice.ID, Type: account.EventLoginSucceeded, At: at(0), IP: "192.0.2.1", UserAgent: "ua", Detail: ""}
		byAdmin := account.Event{UserID: alice.ID, Type: account.EventAdminUpdated, At: at(time.Second), IP: "192.0.2.2",
			UserAgent: "admin ua", Detail: "changed: email", ActorID: admin.ID, ActorUsername: "ignored by AddEvent"}
		noErr(t, "AddEvent(own)", st.AddEvent(ctx(t), own))
		noErr(t, "AddEvent(by admin)", st.AddEvent(ctx(t), byAdmin))

		got, err := st.ListEvents(ctx(t), alice.ID, 0, 10)
		noErr(t, "ListEvents", err)
		if len(got) != 2 {
			t.Fatalf("ListEvents = %d events, want 2", len(got))
		}
		byAdmin.ID, byAdmin.ActorUsername = got[0].ID, "admin"
		same(t, "event by the admin", got[0], byAdmin)
		own.ID = got[1].ID
		same(t, "the user's own event", got[1], own)

		// The admin's account goes; the history still says an admin (by ID) acted.
		noErr(t, "DeleteUser(admin)", st.DeleteUser(ctx(t), admin.ID))
		got, err = st.ListEvents(ctx(t), alice.ID, 0, 10)
		noErr(t, "ListEvents(after the admin is deleted)", err)
		if len(got) != 2 {
			t.Fatalf("ListEvents = %d events, want 2", len(got))
		}
		byAdmin.ActorUsername = ""
		same(t, "event by the deleted admin", got[0], byAdmin)
	})
}
