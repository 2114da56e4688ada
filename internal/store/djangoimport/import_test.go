package djangoimport_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/djangoimport"
	"github.com/accountd/accountd/internal/store/djangoimport/djangotest"
)

func forEachKind(t *testing.T, test func(t *testing.T, kind string)) {
	for _, kind := range bunstoretest.Kinds() {
		t.Run(kind, func(t *testing.T) { test(t, kind) })
	}
}

// seedOptions imports the documented services' shape: auth_user, a profile table and
// universities.
func seedOptions(src *djangotest.DB) djangoimport.Options {
	return djangoimport.Options{
		Source: src.DSN, ProfileTable: djangotest.ProfileTable, Organizations: djangotest.UniversityTable,
		MediaURL: "https://cdn.example.com/media/",
	}
}

func run(t *testing.T, st *bunstore.Store, opt djangoimport.Options) djangoimport.Summary {
	t.Helper()
	sum, err := djangoimport.Run(t.Context(), st, opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var out bytes.Buffer
	if err := sum.Write(&out); err != nil {
		t.Fatal(err)
	}
	t.Logf("summary:\n%s", out.String())
	return sum
}

func wantCounts(t *testing.T, sum djangoimport.Summary, imported, updated, unchanged, skipped int) {
	t.Helper()
	if sum.Imported != imported || sum.Updated != updated || sum.Unchanged != unchanged || sum.SkippedCount() != skipped {
		t.Fatalf("imported %d, updated %d, unchanged %d, skipped %d; want %d, %d, %d, %d",
			sum.Imported, sum.Updated, sum.Unchanged, sum.SkippedCount(), imported, updated, unchanged, skipped)
	}
}

func wantSkipped(t *testing.T, sum djangoimport.Summary, reason string, ids ...int64) {
	t.Helper()
	g := sum.Skipped[reason]
	if g == nil || g.Count != len(ids) {
		t.Fatalf("skipped for %s: %+v, want users %v", reason, g, ids)
	}
	for i, id := range ids {
		if g.Examples[i].ID != id {
			t.Fatalf("skipped for %s: %+v, want users %v", reason, g.Examples, ids)
		}
	}
}

func countUsers(t *testing.T, st *bunstore.Store) int {
	t.Helper()
	var n int
	if err := st.DB().NewRaw("SELECT count(*) FROM users").Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lastUserID is the last ID the database assigned to a user (0 for none yet).
func lastUserID(t *testing.T, st *bunstore.Store) int64 {
	t.Helper()
	q := "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'users'), 0)"
	if st.Dialect() == bunstore.Postgres {
		q = "SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('users', 'id')::regclass), 0)"
	}
	var n int64
	if err := st.DB().NewRaw(q).Scan(t.Context(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImport(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		st := bunstoretest.Open(t, kind)
		src := djangotest.New(t, kind)
		// accountd knows one university already, under another ID.
		known, err := st.CreateOrganization(ctx, account.Organization{Name: "BUET", Slug: "buet"})
		if err != nil {
			t.Fatal(err)
		}
		src.AddUniversity(4, "University of Dhaka")
		src.AddUniversity(9, "buet")
		src.AddUniversity(10, "   ") // no name: left out, its members get no organization
		loggedIn := time.Date(2024, 2, 3, 4, 5, 6, 789000000, time.UTC)
		hash := djangotest.Hash(t, "pbkdf2_sha256", "lètmein-ada")
		src.AddUser(djangotest.User{ID: 3, Username: "ada", Email: "Ada@Example.com", Password: hash, FirstName: "Ada", LastName: "Lovelace", Active: true, LastLogin: loggedIn})
		src.AddUser(djangotest.User{ID: 8, Username: "root", Email: "root@example.com", Password: djangotest.Unusable(t), Active: true, Superuser: true})
		src.AddUser(djangotest.User{ID: 9, Username: "staff", Email: "staff@example.com", Active: true, Staff: true})
		src.AddUser(djangotest.User{ID: 12, Username: "pending", Email: "pending@example.com", Active: false})
		src.AddProfile(djangotest.Profile{UserID: 12, UniversityID: 10})
		src.AddUser(djangotest.User{ID: 13, Username: "banned", Email: "banned@example.com", Active: false, LastLogin: loggedIn})
		// Rows accountd cannot take.
		src.AddUser(djangotest.User{ID: 20, Username: "ADA", Email: "other@example.com", Active: true})
		src.AddUser(djangotest.User{ID: 21, Username: "ada2", Email: "ada@example.COM", Active: true})
		src.AddUser(djangotest.User{ID: 22, Username: "José", Email: "jose@example.com", Active: true})
		src.AddUser(djangotest.User{ID: 23, Username: "noemail", Email: "", Active: true})
		src.AddProfile(djangotest.Profile{UserID: 3, Country: "United Kingdom", Profession: "Mathematician", Bio: "Enchantress of numbers.", Thoughts: "Hmm", ProfileImg: "profile_images/ada.png", UniversityID: 4})
		src.AddProfile(djangotest.Profile{UserID: 9, Country: "Bangladesh", UniversityID: 9, ProfileImg: "https://img.example.org/staff.jpg"})

		// A dry run reports what a real run does, and writes nothing.
		dry := seedOptions(src)
		dry.DryRun = true
		sum := run(t, st, dry)
		wantCounts(t, sum, 5, 0, 0, 4)
		if n := countUsers(t, st); n != 0 {
			t.Fatalf("dry run wrote %d users", n)
		}
		if orgs, _ := st.ListOrganizations(ctx); len(orgs) != 1 {
			t.Fatalf("dry run left %d organizations, want the 1 there was", len(orgs))
		}
		if n := lastUserID(t, st); n != 0 {
			t.Fatalf("dry run moved the users' ID sequence to %d", n)
		}

		sum = run(t, st, seedOptions(src))
		wantCounts(t, sum, 5, 0, 0, 4)
		wantSkipped(t, sum, djangoimport.ReasonUsernameTaken, 20)
		wantSkipped(t, sum, djangoimport.ReasonEmailTaken, 21)
		wantSkipped(t, sum, djangoimport.ReasonInvalid, 22)
		wantSkipped(t, sum, djangoimport.ReasonNoEmail, 23)
		if sum.OrganizationsImported != 1 || sum.OrganizationsMatched != 1 || sum.OrganizationsSkipped.Count != 1 || sum.OrganizationsSkipped.Examples[0].ID != 10 {
			t.Fatalf("organizations imported %d, matched %d, skipped %+v; want 1, 1 and 10", sum.OrganizationsImported, sum.OrganizationsMatched, sum.OrganizationsSkipped)
		}
		if sum.Schemes["pbkdf2_sha256"] != 1 || sum.Schemes["unusable"] != 1 || sum.Schemes["none"] != 3 {
			t.Fatalf("schemes %v", sum.Schemes)
		}

		ada, err := st.UserByID(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		want := account.User{
			ID: 3, Username: "ada", Email: "Ada@Example.com", EmailVerified: true, PasswordHash: hash, Active: true,
			FirstName: "Ada", LastName: "Lovelace", Role: account.RoleUser,
			Profile: account.Profile{
				Bio: "Enchantress of numbers.", Country: "United Kingdom", Profession: "Mathematician", Thoughts: "Hmm",
				AvatarURL: "https://cdn.example.com/media/profile_images/ada.png",
			},
			OrganizationID: 4, // its Django ID, free in accountd
			DateJoined:     time.Date(2022, 5, 6, 10, 8, 9, 123456000, time.UTC), LastLogin: loggedIn,
		}
		ada.LinksVoidedAt, ada.UpdatedAt = time.Time{}, time.Time{}
		if ada.DateJoined.Equal(want.DateJoined) && ada.LastLogin.Equal(want.LastLogin) {
			ada.DateJoined, ada.LastLogin = want.DateJoined, want.LastLogin
		}
		if ada != want {
			t.Fatalf("ada imported as\n%+v\nwant\n%+v", ada, want)
		}
		for _, c := range []struct {
			id                             int64
			role                           account.Role
			superuser, active, deactivated bool
			org                            int64
		}{
			{8, account.RoleStaff, true, true, false, 0},
			{9, account.RoleStaff, false, true, false, known.ID}, // matched by name
			{12, account.RoleUser, false, false, false, 0},       // awaiting activation
			{13, account.RoleUser, false, false, true, 0},        // switched off after use
		} {
			u, err := st.UserByID(ctx, c.id)
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != c.role || u.Superuser != c.superuser || u.Active != c.active || u.Deactivated != c.deactivated || u.OrganizationID != c.org {
				t.Errorf("user %d: role %s, superuser %v, active %v, deactivated %v, organization %d; want %s, %v, %v, %v, %d",
					c.id, u.Role, u.Superuser, u.Active, u.Deactivated, u.OrganizationID, c.role, c.superuser, c.active, c.deactivated, c.org)
			}
		}
		if u, _ := st.UserByID(ctx, 9); u.Profile.AvatarURL != "https://img.example.org/staff.jpg" {
			t.Errorf("absolute avatar URL imported as %q", u.Profile.AvatarURL)
		}

		// New accounts continue after the imported IDs.
		later, err := st.CreateUser(ctx, account.User{Username: "later", Email: "later@example.com", DateJoined: time.Now(), LinksVoidedAt: time.Now(), UpdatedAt: time.Now()})
		if err != nil || later.ID != 14 {
			t.Fatalf("a user created after the import got ID %d (%v), want 14", later.ID, err)
		}

		// Again: nothing new, nothing changed, nothing duplicated.
		sum = run(t, st, seedOptions(src))
		wantCounts(t, sum, 0, 0, 5, 4)
		if sum.OrganizationsImported != 0 || sum.OrganizationsMatched != 2 {
			t.Fatalf("re-run: organizations imported %d, matched %d; want 0 and 2", sum.OrganizationsImported, sum.OrganizationsMatched)
		}
		if n := countUsers(t, st); n != 6 {
			t.Fatalf("%d users after a re-run, want 6", n)
		}

		// A change in Django is an update. A password accountd set itself stays; a
		// Django user whose ID accountd gave to someone else is left out.
		src.Exec(`UPDATE auth_user SET first_name = ?, email = ? WHERE id = 3`, "Augusta Ada", "ada@lovelace.example")
		src.Exec(`UPDATE accounts_profile SET country = ? WHERE user_id = 9`, "BD")
		own := ada
		own.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$bm90IGEgcmVhbCBrZXkgYnV0IDMyIGJ5dGVzIGxvbmc"
		own.DateJoined = want.DateJoined
		own.LinksVoidedAt, own.UpdatedAt = time.Now(), time.Now()
		if _, err := st.UpdateUser(ctx, own); err != nil {
			t.Fatal(err)
		}
		src.AddUser(djangotest.User{ID: 14, Username: "late_in_django", Email: "late@example.com", Active: true})
		sum = run(t, st, seedOptions(src))
		// User 21 comes in now: ada's new email left its address free.
		wantCounts(t, sum, 1, 2, 3, 4)
		wantSkipped(t, sum, djangoimport.ReasonIDTaken, 14)
		ada, _ = st.UserByID(ctx, 3)
		if ada.FirstName != "Augusta Ada" || ada.Email != "ada@lovelace.example" || ada.PasswordHash != own.PasswordHash || ada.EmailVerified != true {
			t.Fatalf("after the update: %+v", ada)
		}
		if u, _ := st.UserByID(ctx, 14); u.Username != "later" {
			t.Fatalf("user 14 overwritten: %+v", u)
		}
		if u, _ := st.UserByID(ctx, 9); u.Profile.Country != "BD" {
			t.Fatalf("profile change not imported: %q", u.Profile.Country)
		}
	})
}

// accountd's database must be at this binary's schema: the import refuses otherwise,
// and says what to do.
// TestImportOneNamespaceOfLoginNames: accountd keeps usernames and emails in one
// namespace, so a Django username that is another user's email, or an email that is
// another user's username, is skipped as taken, whether that user is in accountd
// already or earlier in the same batch. The decision is made before writing: a dry run,
// which cannot fall back to writing row by row, reports the same. Imported users log in
// by either of their names.
func TestImportOneNamespaceOfLoginNames(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		st := bunstoretest.Open(t, kind)
		now := time.Now()
		for _, u := range []account.User{
			{Username: "carol", Email: "carol@example.com"},
			{Username: "old@example.net", Email: "keeper@example.net"}, // from an earlier import
		} {
			u.DateJoined, u.LinksVoidedAt, u.UpdatedAt = now, now, now
			if _, err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		src := djangotest.New(t, kind)
		src.AddUser(djangotest.User{ID: 101, Username: "Carol@example.com", Email: "c101@example.com", Active: true})
		src.AddUser(djangotest.User{ID: 102, Username: "d102", Email: "Old@Example.net", Active: true})
		src.AddUser(djangotest.User{ID: 103, Username: "e103", Email: "e103@example.com", Active: true})
		src.AddUser(djangotest.User{ID: 104, Username: "E103@example.com", Email: "x104@example.com", Active: true})
		src.AddUser(djangotest.User{ID: 105, Username: "ok", Email: "ok@example.com", Active: true})
		opt := seedOptions(src)
		opt.ProfileTable, opt.Organizations = "", ""
		for _, dry := range []bool{true, false} {
			opt.DryRun = dry
			sum := run(t, st, opt)
			wantCounts(t, sum, 2, 0, 0, 3)
			wantSkipped(t, sum, djangoimport.ReasonUsernameTaken, 101, 104)
			wantSkipped(t, sum, djangoimport.ReasonEmailTaken, 102)
		}
		for login, want := range map[string]int64{"OK": 105, "ok@EXAMPLE.com": 105, "e103": 103, "e103@example.com": 103} {
			if u, err := st.UserByLogin(ctx, login); err != nil || u.ID != want {
				t.Errorf("UserByLogin(%s) = user %d, %v; want %d", login, u.ID, err, want)
			}
		}
	})
}

func TestImportRefusesStaleSchema(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		st, err := bunstore.Open(t.Context(), bunstoretest.DSN(t, kind), bunstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		src := djangotest.New(t, kind)
		src.AddUser(djangotest.User{ID: 1, Username: "ada", Email: "ada@example.com", Active: true})
		_, err = djangoimport.Run(t.Context(), st, seedOptions(src))
		if !errors.Is(err, djangoimport.ErrSchemaNotCurrent) || !strings.Contains(err.Error(), "accountd migrate") {
			t.Fatalf("import into an unmigrated database: %v, want ErrSchemaNotCurrent naming `accountd migrate`", err)
		}
	})
}

// A custom user model: another table, other column names, profile fields on the user
// table itself.
func TestImportCustomUserModel(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		st := bunstoretest.Open(t, kind)
		src := djangotest.New(t, kind)
		src.Exec(`CREATE TABLE accounts_member (id integer PRIMARY KEY, email varchar(254) NOT NULL, pw varchar(128) NOT NULL, joined timestamp NOT NULL, about text NOT NULL, active boolean NOT NULL)`)
		src.Exec(`INSERT INTO accounts_member VALUES (5, 'grace@example.com', ?, '2021-01-02 03:04:05', 'Admiral', true)`, djangotest.Hash(t, "bcrypt", "pw"))
		opt := djangoimport.Options{Source: src.DSN, Table: "accounts_member", Map: map[string]string{
			"username": "email", "password": "pw", "date_joined": "joined", "bio": "about", "is_active": "active",
		}}
		sum := run(t, st, opt)
		wantCounts(t, sum, 1, 0, 0, 0)
		u, err := st.UserByID(t.Context(), 5)
		if err != nil || u.Username != "grace@example.com" || u.Profile.Bio != "Admiral" || !u.Active ||
			!u.DateJoined.Equal(time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Fatalf("imported %+v, %v", u, err)
		}

		for _, c := range []struct {
			name string
			opt  djangoimport.Options
			want string
		}{
			{"required_column_missing", djangoimport.Options{Source: src.DSN, Table: "accounts_member"}, "name one with --map username=COLUMN"},
			{"unknown_field", djangoimport.Options{Source: src.DSN, Map: map[string]string{"nickname": "username"}}, `no field "nickname"`},
			{"unknown_column", djangoimport.Options{Source: src.DSN, Map: map[string]string{"email": "mail"}}, `no column "mail"`},
			{"no_table", djangoimport.Options{Source: src.DSN, Table: "users_user"}, "no table users_user"},
			{"bad_table_name", djangoimport.Options{Source: src.DSN, Table: `auth_user"; DROP TABLE auth_user; --`}, "only letters, digits and _"},
			{"profile_map_without_table", djangoimport.Options{Source: src.DSN, ProfileMap: map[string]string{"bio": "bio"}}, "needs --profile-table"},
			{"bad_source", djangoimport.Options{Source: "mysql://localhost/django"}, "want a postgres:// URL or sqlite:///path"},
			{"missing_sqlite_file", djangoimport.Options{Source: "sqlite:///nonexistent/django.sqlite3"}, "cannot reach the Django database"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := djangoimport.Run(t.Context(), st, c.opt)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Run = %v, want an error containing %q", err, c.want)
				}
			})
		}
		if src.Count("auth_user") != 0 {
			t.Fatal("the source changed")
		}
	})
}
