package bunstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// queryRecorder keeps the text of the statements a Store sends.
type queryRecorder struct {
	mu      sync.Mutex
	queries []string
}

func (r *queryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (r *queryRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	r.queries = append(r.queries, e.Query)
	r.mu.Unlock()
}

// record runs fn and returns every statement it sent (BEGIN and COMMIT included), each
// one a round trip to the database.
func record(t *testing.T, s *bunstore.Store, fn func() error) []string {
	t.Helper()
	r := &queryRecorder{}
	s.DB().AddQueryHook(r)
	var err error
	// The prepared statements too (hot.go), which bypass Bun's hooks.
	prepared := bunstore.RecordPrepared(func() { err = fn() })
	s.DB().ResetQueryHooks()
	if err != nil {
		t.Fatal(err)
	}
	return append(r.queries, prepared...)
}

func TestCountsIsOneQuery(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		now := time.Now()
		u, err := s.CreateUser(t.Context(), account.User{Username: "alice", Email: "alice@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(t.Context(), account.Session{ID: "s1", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddEvent(t.Context(), account.Event{UserID: u.ID, Type: account.EventLoginFailed, At: now}); err != nil {
			t.Fatal(err)
		}
		var c account.AccountCounts
		queries := record(t, s, func() (err error) {
			c, err = s.Counts(t.Context(), u.ID, now, now.Add(-time.Hour))
			return err
		})
		if len(queries) != 1 {
			t.Errorf("Counts sent %d queries, want 1: %q", len(queries), queries)
		}
		if want := (account.AccountCounts{LiveSessions: 1, Events: 1, FailedLogins: 1}); c != want {
			t.Errorf("Counts = %+v, want %+v", c, want)
		}
	})
}

// explain returns the plan of query. On PostgreSQL, sequential scans are disabled for
// the statement, so that a plan that can use an index does even on a tiny table, and
// one that cannot still shows a Seq Scan.
func explain(t *testing.T, s *bunstore.Store, kind, query string) string {
	t.Helper()
	ctx := t.Context()
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if kind == bunstoretest.Postgres {
		prefix = "EXPLAIN "
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "RESET enable_seqscan") }()
	}
	rows, err := conn.QueryContext(ctx, prefix+query)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		// SQLite: id, parent, notused, detail; PostgreSQL: one line of text.
		if d, ok := vals[len(vals)-1].(string); ok {
			plan.WriteString(d)
		} else if b, ok := vals[len(vals)-1].([]byte); ok {
			plan.Write(b)
		}
		plan.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}

// TestLookupsUseIndexes checks the plans of the statements the Store really sends:
// login and email lookups compare keys through the unique indexes (no scan of users,
// no lower() on the column), and an events page is a backward range read of the
// (user_id, id) index with no sort.
func TestLookupsUseIndexes(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		s := bunstoretest.Open(t, kind)
		ctx := t.Context()
		u, err := s.CreateUser(ctx, account.User{Username: "Émile", Email: "Emile@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := s.AddEvent(ctx, account.Event{UserID: u.ID, Type: account.EventLoginFailed, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		if kind == bunstoretest.Postgres {
			if _, err := s.DB().ExecContext(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name string
			call func() error
			want []string // every one in the plan
			// params are the values of a prepared statement's $1, $2... (hot.go), as
			// SQL literals, for its plan.
			params []string
			refuse []string // none in the plan
		}{
			{
				name:   "UserByLogin",
				call:   func() error { _, err := s.UserByLogin(ctx, "ÉMILE"); return err },
				params: []string{"'émile'"},
				want:   []string{"login_names"},
				refuse: []string{"SCAN u\n", "SCAN users", "SCAN n\n", "Seq Scan"},
			},
			{
				name:   "UserByEmail",
				call:   func() error { _, err := s.UserByEmail(ctx, "EMILE@example.com"); return err },
				want:   []string{"users_email_key_key"},
				refuse: []string{"SCAN u\n", "SCAN users", "Seq Scan"},
			},
			{
				name: "ListEvents",
				call: func() error {
					ev, err := s.ListEvents(ctx, u.ID, 1<<40, 2)
					if err == nil && len(ev) != 2 {
						t.Errorf("ListEvents = %d events, want 2", len(ev))
					}
					return err
				},
				want:   []string{"events_user_id_id_idx"},
				refuse: []string{"TEMP B-TREE", "Sort", "Seq Scan"},
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				queries := record(t, s, tc.call)
				if len(queries) != 1 {
					t.Fatalf("%s sent %d queries, want 1: %q", tc.name, len(queries), queries)
				}
				if strings.Contains(strings.ToLower(queries[0]), "lower(") {
					t.Errorf("%s folds case in SQL: %s", tc.name, queries[0])
				}
				query := queries[0]
				for i := len(tc.params); i > 0; i-- { // $10 before $1
					query = strings.ReplaceAll(query, fmt.Sprintf("$%d", i), tc.params[i-1])
				}
				plan := explain(t, s, kind, query)
				for _, w := range tc.want {
					if !strings.Contains(plan, w) {
						t.Errorf("plan of %s does not use %s:\n%s", queries[0], w, plan)
					}
				}
				for _, r := range tc.refuse {
					if strings.Contains(plan, r) {
						t.Errorf("plan of %s has %q:\n%s", queries[0], strings.TrimSpace(r), plan)
					}
				}
			})
		}
	})
}

func TestOrganizations(t *testing.T) {
	forEachKind(t, func(t *testing.T, kind string) {
		t.Run("deleting_one_unsets_its_members", func(t *testing.T) {
			s := bunstoretest.Open(t, kind)
			ctx := t.Context()
			org, err := s.CreateOrganization(ctx, account.Organization{Name: "Gone University", Slug: "gone"})
			if err != nil {
				t.Fatal(err)
			}
			u, err := s.CreateUser(ctx, account.User{Username: "alice", Email: "alice@example.com", OrganizationID: org.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB().NewRaw("DELETE FROM organizations WHERE id = ?", org.ID).Exec(ctx); err != nil {
				t.Fatalf("delete organization: %v", err)
			}
			got, err := s.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.OrganizationID != 0 {
				t.Errorf("OrganizationID after its organization was deleted = %d, want 0", got.OrganizationID)
			}
		})
		t.Run("seeded_by_sql_gets_created_at", func(t *testing.T) {
			s := bunstoretest.Open(t, kind)
			ctx := t.Context()
			before := time.Now().Add(-time.Minute)
			if _, err := s.DB().NewRaw("INSERT INTO organizations (name, slug) VALUES ('Seeded University', 'seeded')").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			orgs, err := s.ListOrganizations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(orgs) != 1 || orgs[0].CreatedAt.Before(before) || orgs[0].CreatedAt.Location() != time.UTC {
				t.Errorf("ListOrganizations = %+v, want one created about now, in UTC", orgs)
			}
		})
		t.Run("name_and_slug_unique", func(t *testing.T) {
			s := bunstoretest.Open(t, kind)
			ctx := t.Context()
			if _, err := s.CreateOrganization(ctx, account.Organization{Name: "Some University", Slug: "some"}); err != nil {
				t.Fatal(err)
			}
			for _, o := range []account.Organization{{Name: "SOME UNIVERSITY", Slug: "other"}, {Name: "Other", Slug: "some"}} {
				if _, err := s.CreateOrganization(ctx, o); err == nil {
					t.Errorf("CreateOrganization(%+v) next to Some University/some: no error", o)
				}
			}
		})
	})
	t.Run("postgres/order_ignores_the_column_collation", func(t *testing.T) {
		if bunstoretest.PostgresURL() == "" {
			t.Skip("TEST_DATABASE_URL not set")
		}
		s := bunstoretest.Open(t, bunstoretest.Postgres)
		ctx := t.Context()
		// A linguistic collation puts "beta" before "Zeta"; SQLite never does.
		if _, err := s.DB().ExecContext(ctx, `ALTER TABLE organizations ALTER COLUMN name TYPE text COLLATE "und-x-icu"`); err != nil {
			t.Skipf("no ICU collation on this server: %v", err)
		}
		for i, n := range []string{"beta", "Zeta"} {
			if _, err := s.CreateOrganization(ctx, account.Organization{Name: n, Slug: n + string(rune('0'+i))}); err != nil {
				t.Fatal(err)
			}
		}
		orgs, err := s.ListOrganizations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 2 || orgs[0].Name != "Zeta" || orgs[1].Name != "beta" {
			t.Errorf("ListOrganizations = %+v, want Zeta then beta (code point order, as on SQLite)", orgs)
		}
	})
}
