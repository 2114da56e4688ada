package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/mail"
)

// staffActor makes an active account with the given powers and returns it as an actor.
func (f *fixture) staffActor(t *testing.T, name string, role account.Role, superuser bool) (account.Actor, account.User) {
	t.Helper()
	u, err := f.svc.AdminCreateUser(context.Background(), account.OperatorActor(), account.NewUser{
		Username: name, Email: name + "@example.com", Password: "correct-horse-battery",
		Role: role, Superuser: superuser, Active: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return account.StaffActor(account.Principal{User: u}, account.RequestMeta{IP: "192.0.2.9", UserAgent: "admin-ui"}), u
}

func TestAdminPermissions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	staff, _ := f.staffActor(t, "staffer", account.RoleStaff, false)
	root, rootUser := f.staffActor(t, "root", account.RoleUser, true)
	plain, plainUser := f.staffActor(t, "plain", account.RoleUser, false)
	_, peer := f.staffActor(t, "peer", account.RoleStaff, false)
	staffRole, userRole := account.RoleStaff, account.RoleUser

	t.Run("superuser_is_always_staff", func(t *testing.T) {
		if rootUser.Role != account.RoleStaff || !rootUser.Superuser {
			t.Fatalf("superuser created as %+v", rootUser)
		}
	})
	t.Run("zero_actor_refused", func(t *testing.T) {
		if _, err := f.svc.AdminListUsers(ctx, account.Actor{}, account.UserListInput{}); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("err = %v, want ErrForbidden", err)
		}
	})
	t.Run("user_refused", func(t *testing.T) {
		if _, err := f.svc.AdminGetUser(ctx, plain, plainUser.ID); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("err = %v, want ErrForbidden", err)
		}
	})
	t.Run("deactivated_staff_refused", func(t *testing.T) {
		a, u := f.staffActor(t, "formerstaff", account.RoleStaff, false)
		inactive := false
		if _, err := f.svc.AdminUpdateUser(ctx, root, u.ID, account.UserChanges{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		u.Active = false
		a = account.StaffActor(account.Principal{User: u}, account.RequestMeta{})
		if _, err := f.svc.AdminListUsers(ctx, a, account.UserListInput{}); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("err = %v, want ErrForbidden", err)
		}
	})
	t.Run("staff_cannot_grant_staff_or_superuser", func(t *testing.T) {
		if _, err := f.svc.AdminUpdateUser(ctx, staff, plainUser.ID, account.UserChanges{Role: &staffRole}); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("grant staff: err = %v, want ErrForbidden", err)
		}
		_, err := f.svc.AdminCreateUser(ctx, staff, account.NewUser{Username: "sneaky", Email: "sneaky@example.com", Superuser: true})
		if !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("create superuser: err = %v, want ErrForbidden", err)
		}
	})
	t.Run("staff_cannot_touch_staff_accounts", func(t *testing.T) {
		email := "mine@example.com"
		if _, err := f.svc.AdminUpdateUser(ctx, staff, peer.ID, account.UserChanges{Email: &email}); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("update: err = %v, want ErrForbidden", err)
		}
		if err := f.svc.AdminSendPasswordReset(ctx, staff, rootUser.ID); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("reset: err = %v, want ErrForbidden", err)
		}
		if err := f.svc.AdminDeleteUser(ctx, staff, peer.ID); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("delete: err = %v, want ErrForbidden", err)
		}
		if _, err := f.svc.AdminLogoutUser(ctx, staff, peer.ID); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("logout: err = %v, want ErrForbidden", err)
		}
	})
	t.Run("superuser_cannot_lose_staff_role", func(t *testing.T) {
		_, u := f.staffActor(t, "root2", account.RoleStaff, true)
		var ve *account.ValidationError
		if _, err := f.svc.AdminUpdateUser(ctx, root, u.ID, account.UserChanges{Role: &userRole}); !errors.As(err, &ve) || ve.Problems[0].Field != "role" {
			t.Fatalf("err = %v, want a problem with role", err)
		}
	})
	t.Run("superuser_manages_staff", func(t *testing.T) {
		if _, err := f.svc.AdminUpdateUser(ctx, root, peer.ID, account.UserChanges{Role: &userRole}); err != nil {
			t.Fatalf("demote: %v", err)
		}
		events, err := f.svc.AdminUserEvents(ctx, root, peer.ID, 0, 10)
		if err != nil || events.Events[0].Type != account.EventAdminRoleChanged || events.Events[0].Detail != "staff → user" ||
			events.Events[0].ActorID != rootUser.ID || events.Events[0].ActorUsername != "root" || events.Events[0].IP != "192.0.2.9" {
			t.Fatalf("events = %+v, %v", events.Events, err)
		}
	})
	t.Run("operator_may_everything_and_is_no_actor", func(t *testing.T) {
		inactive := false
		if _, err := f.svc.AdminUpdateUser(ctx, account.OperatorActor(), rootUser.ID, account.UserChanges{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		events, _ := f.svc.AdminUserEvents(ctx, account.OperatorActor(), rootUser.ID, 0, 1)
		if e := events.Events[0]; e.Type != account.EventAdminDeactivated || e.ActorID != 0 || !strings.Contains(e.UserAgent, "command line") {
			t.Fatalf("event = %+v", e)
		}
	})
	t.Run("username_lookup_ignores_case_not_emails", func(t *testing.T) {
		if u, err := f.svc.AdminUserByUsername(ctx, staff, "PLAIN"); err != nil || u.ID != plainUser.ID {
			t.Fatalf("by username: %v %v", u.ID, err)
		}
		if _, err := f.svc.AdminUserByUsername(ctx, staff, "plain@example.com"); !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("by email: err = %v, want ErrNotFound", err)
		}
	})
}

func TestAdminInvitation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	staff, _ := f.staffActor(t, "staffer", account.RoleStaff, false)
	invite := func(t *testing.T, name string) (account.User, string) {
		t.Helper()
		u, err := f.svc.AdminCreateUser(ctx, staff, account.NewUser{Username: name, Email: name + "@example.com", SendInvitation: true})
		if err != nil {
			t.Fatal(err)
		}
		m, ok := f.mail.Last(name + "@example.com")
		if !ok {
			t.Fatal("no invitation sent")
		}
		link := mail.FindLink(m.Text)
		return u, link[strings.Index(link, "token=")+len("token="):]
	}

	t.Run("accepting_sets_password_and_activates", func(t *testing.T) {
		u, token := invite(t, "newbie")
		if u.Active || u.PasswordHash != "" {
			t.Fatalf("invited account %+v", u)
		}
		got, err := f.svc.ResetPassword(ctx, account.TokenProof(token), "chosen-horse-battery", account.RequestMeta{})
		if err != nil || !got.Active || !got.EmailVerified {
			t.Fatalf("accept: %+v %v", got, err)
		}
		if _, err := f.svc.Login(ctx, "newbie", "chosen-horse-battery", account.RequestMeta{}); err != nil {
			t.Fatalf("login: %v", err)
		}
		if _, err := f.svc.ResetPassword(ctx, account.TokenProof(token), "another-horse-battery", account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
			t.Fatalf("second use: err = %v, want ErrTokenInvalid", err)
		}
	})
	t.Run("valid_for_the_invitation_ttl_not_the_reset_ttl", func(t *testing.T) {
		_, token := invite(t, "slowpoke")
		f.now = f.now.Add(3 * 24 * time.Hour)
		defer func() { f.now = f.now.Add(-3 * 24 * time.Hour) }()
		if _, err := f.svc.ResetPassword(ctx, account.TokenProof(token), "chosen-horse-battery", account.RequestMeta{}); err != nil {
			t.Fatalf("accept after 3 days: %v", err)
		}
	})
	t.Run("expired_after_the_ttl", func(t *testing.T) {
		_, token := invite(t, "toolate")
		f.now = f.now.Add(8 * 24 * time.Hour)
		defer func() { f.now = f.now.Add(-8 * 24 * time.Hour) }()
		if _, err := f.svc.ResetPassword(ctx, account.TokenProof(token), "chosen-horse-battery", account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
			t.Fatalf("err = %v, want ErrTokenInvalid", err)
		}
	})
	t.Run("void_once_deactivated", func(t *testing.T) {
		u, token := invite(t, "revoked")
		inactive := false
		if _, err := f.svc.AdminUpdateUser(ctx, staff, u.ID, account.UserChanges{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ResetPassword(ctx, account.TokenProof(token), "chosen-horse-battery", account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
			t.Fatalf("err = %v, want ErrTokenInvalid", err)
		}
	})
}

func TestAdminDeactivationHolds(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	staff, _ := f.staffActor(t, "staffer", account.RoleStaff, false)
	inactive, active := false, true
	t.Run("deactivated_user_cannot_reactivate_by_resend", func(t *testing.T) {
		u := f.activeUser(t, "banned", "correct-horse-battery")
		if _, err := f.svc.AdminUpdateUser(ctx, staff, u.ID, account.UserChanges{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		sent := len(f.mail.Messages())
		if sent, err := f.svc.ResendActivation(ctx, u.Email, "", account.RequestMeta{}); err != nil || sent {
			t.Fatalf("resend: sent = %v, %v; want nothing sent", sent, err)
		}
		flushRequests(t, f.svc)
		if n := len(f.mail.Messages()); n != sent {
			t.Fatalf("an activation link went to a deactivated account (%d emails, was %d)", n, sent)
		}
	})
	t.Run("pending_link_void_once_held", func(t *testing.T) {
		if _, err := f.svc.Register(ctx, account.RegisterInput{Username: "pending", Email: "pending@example.com", Password: "correct-horse-battery"}, account.RequestMeta{}); err != nil {
			t.Fatal(err)
		}
		m, _ := f.mail.Last("pending@example.com")
		link := mail.FindLink(m.Text)
		token := link[strings.Index(link, "token=")+len("token="):]
		u, _ := f.svc.AdminUserByUsername(ctx, staff, "pending")
		if _, err := f.svc.AdminUpdateUser(ctx, staff, u.ID, account.UserChanges{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Activate(ctx, account.TokenProof(token), account.RequestMeta{}); !errors.Is(err, account.ErrTokenInvalid) {
			t.Fatalf("activate: err = %v, want ErrTokenInvalid", err)
		}
		// Released by an administrator, the account works again.
		if _, err := f.svc.AdminUpdateUser(ctx, staff, u.ID, account.UserChanges{Active: &active}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Login(ctx, "pending", "correct-horse-battery", account.RequestMeta{}); err != nil {
			t.Fatalf("login once released: %v", err)
		}
	})
}

func TestAdminCursor(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	staff, _ := f.staffActor(t, "staffer", account.RoleStaff, false)
	for _, name := range []string{"b", "c", "d"} {
		f.activeUser(t, name+"user", "correct-horse-battery")
	}
	page, err := f.svc.AdminListUsers(ctx, staff, account.UserListInput{Sort: account.SortUsername, Limit: 2})
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %v %q", err, page.Next)
	}
	for name, tc := range map[string]struct {
		cursor string
		sort   account.UserSort
	}{
		"other_sort":   {page.Next, account.SortDateJoined},
		"not_base64":   {"u1.***", account.SortUsername},
		"no_prefix":    {strings.TrimPrefix(page.Next, "u1."), account.SortUsername},
		"an_event_id":  {"42", account.SortUsername},
		"unknown_sort": {"", account.UserSort("email")},
	} {
		t.Run(name+"_invalid", func(t *testing.T) {
			_, err := f.svc.AdminListUsers(ctx, staff, account.UserListInput{Sort: tc.sort, Cursor: tc.cursor})
			var ve *account.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a validation error", err)
			}
		})
	}
	t.Run("walks_to_the_end", func(t *testing.T) {
		next, err := f.svc.AdminListUsers(ctx, staff, account.UserListInput{Sort: account.SortUsername, Limit: 2, Cursor: page.Next})
		if err != nil || len(next.Users) != 2 || next.Next != "" || next.Users[0].Username != "duser" {
			t.Fatalf("second page: %+v %v", next, err)
		}
	})
}

func TestAdminPageNumbers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	staff, _ := f.staffActor(t, "staffer", account.RoleStaff, false)
	for _, name := range []string{"b", "c", "d", "e"} {
		f.activeUser(t, name+"user", "correct-horse-battery")
	}
	names := func(p account.UserPage) string {
		var out []string
		for _, u := range p.Users {
			out = append(out, u.Username)
		}
		return strings.Join(out, ",")
	}
	for page, want := range map[int]string{1: "buser,cuser", 2: "duser,euser", 3: "staffer", 4: ""} {
		got, err := f.svc.AdminListUsers(ctx, staff, account.UserListInput{Sort: account.SortUsername, Limit: 2, Page: page, Count: true})
		if err != nil || names(got) != want || got.Count != 5 {
			t.Errorf("page %d: %q, count %d, %v; want %q, count 5", page, names(got), got.Count, err, want)
		}
	}
	t.Run("count_follows_the_filter", func(t *testing.T) {
		got, err := f.svc.AdminListUsers(ctx, staff, account.UserListInput{UserFilter: account.UserFilter{Search: "user"}, Count: true})
		if err != nil || got.Count != 4 {
			t.Fatalf("count %d, %v; want 4", got.Count, err)
		}
	})
	t.Run("no_count_unless_asked", func(t *testing.T) {
		got, err := f.svc.AdminListUsers(ctx, staff, account.UserListInput{})
		if err != nil || got.Count != 0 || len(got.Users) != 5 {
			t.Fatalf("count %d, %d users, %v", got.Count, len(got.Users), err)
		}
	})
	first, err := f.svc.AdminListUsers(ctx, staff, account.UserListInput{Limit: 2})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %v %q", err, first.Next)
	}
	for name, in := range map[string]account.UserListInput{
		"page_with_cursor":  {Page: 2, Limit: 2, Cursor: first.Next},
		"page_out_of_range": {Page: 1 << 30, Limit: 200},
	} {
		t.Run(name+"_invalid", func(t *testing.T) {
			var ve *account.ValidationError
			if _, err := f.svc.AdminListUsers(ctx, staff, in); !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a validation error", err)
			}
		})
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"University of Dhaka":  "university-of-dhaka",
		"Université de Genève": "universite-de-geneve",
		"  --ETH  Zürich!! ":   "eth-zurich",
		"ঢাকা বিশ্ববিদ্যালয়":   "organization",
		"MIT (Cambridge, MA) 2": "mit-cambridge-ma-2",
	} {
		if got := account.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	if got := account.Slugify(strings.Repeat("a", 500)); len(got) > 196 {
		t.Errorf("Slugify(500 letters) has %d bytes, want room for a suffix within 200", len(got))
	}
}
