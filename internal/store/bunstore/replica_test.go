package bunstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestReplica runs a store whose reads that tolerate lag go to a real streaming
// replica: a hot standby made with pg_basebackup from a throwaway primary. With the
// standby's replay paused, what was written since shows which server answered: the
// replica answers with the past, the primary with the present.
func TestReplica(t *testing.T) {
	pgcluster.NeedPrograms(t)
	ctx := context.Background()
	primary := pgcluster.Start(t)
	if err := openURL(t, primary.URL()).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	standby := primary.Standby(t)
	logs := &syncBuffer{}
	s, err := bunstore.Open(ctx, primary.URL(), bunstore.Options{
		ReplicaURL: standby.URL(), Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	bunstore.SetReplicaRetryForTest(t, 200*time.Millisecond)

	now := time.Now().UTC().Truncate(time.Microsecond)
	alice, err := s.CreateUser(ctx, account.User{Username: "alice", Email: "alice@example.com", Active: true,
		Role: account.RoleUser, DateJoined: now, LinksVoidedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	standby.CatchUp(t, primary)
	standby.PauseReplay(t)

	// Written after the pause: on the primary only.
	org, err := s.CreateOrganization(ctx, account.Organization{Name: "After the pause", Slug: "after-the-pause"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.CreateUser(ctx, account.User{Username: "bob", Email: "bob@example.com", Active: true,
		Role: account.RoleUser, DateJoined: now, LinksVoidedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddEvent(ctx, account.Event{UserID: alice.ID, Type: account.EventProfileUpdated, At: now}); err != nil {
		t.Fatal(err)
	}

	// fresh reports whether ListOrganizations on ctx sees the organization written after
	// the pause, that is whether the primary answered.
	fresh := func(t *testing.T, ctx context.Context) bool {
		t.Helper()
		orgs, err := s.ListOrganizations(ctx)
		if err != nil {
			t.Fatalf("ListOrganizations: %v", err)
		}
		return slices.ContainsFunc(orgs, func(o account.Organization) bool { return o.ID == org.ID })
	}

	t.Run("marked_work_reads_the_replica", func(t *testing.T) {
		ctx := bunstore.WithReplicaReads(ctx)
		if fresh(t, ctx) {
			t.Fatal("ListOrganizations saw what the paused replica has not replayed: the primary answered")
		}
		users, err := s.ListUsers(ctx, account.UserQuery{Sort: account.SortUsername, Limit: 10})
		if err != nil || len(users) != 1 || users[0].ID != alice.ID {
			t.Errorf("ListUsers = %v, %v; want alice alone (bob came after the pause)", users, err)
		}
		if n, err := s.CountUsers(ctx, account.UserFilter{}); err != nil || n != 1 {
			t.Errorf("CountUsers = %d, %v; want 1", n, err)
		}
		if events, err := s.ListEvents(ctx, alice.ID, 0, 10); err != nil || len(events) != 0 {
			t.Errorf("ListEvents = %v, %v; want none (the event came after the pause)", events, err)
		}
		if keys, err := s.SigningKeys(ctx); err != nil || len(keys) != 0 {
			t.Errorf("SigningKeys = %d keys, %v; want none yet", len(keys), err)
		}
	})

	t.Run("unmarked_work_reads_the_primary", func(t *testing.T) {
		if !fresh(t, ctx) {
			t.Fatal("a context not marked by WithReplicaReads was served by the replica")
		}
		if n, err := s.CountUsers(ctx, account.UserFilter{}); err != nil || n != 2 {
			t.Errorf("CountUsers = %d, %v; want 2", n, err)
		}
	})

	t.Run("after_writing_the_work_reads_the_primary", func(t *testing.T) {
		// A Bun statement that writes.
		ctx1 := bunstore.WithReplicaReads(ctx)
		if err := s.AddEvent(ctx1, account.Event{UserID: bob.ID, Type: account.EventProfileUpdated, At: now}); err != nil {
			t.Fatal(err)
		}
		if !fresh(t, ctx1) {
			t.Error("after AddEvent, the same work read the replica")
		}
		// A hot statement that writes (StartSession), and one that only reads
		// (SessionUser), which leaves the work on the replica.
		ctx2, ctx3 := bunstore.WithReplicaReads(ctx), bunstore.WithReplicaReads(ctx)
		sess := account.Session{ID: "s1", UserID: bob.ID, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
		rt := account.RefreshToken{Hash: "r1", SessionID: sess.ID, UserID: bob.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if _, err := s.StartSession(ctx2, sess, rt, "", account.Event{UserID: bob.ID, Type: account.EventLoginSucceeded, At: now}, 0); err != nil {
			t.Fatal(err)
		}
		if !fresh(t, ctx2) {
			t.Error("after StartSession, the same work read the replica")
		}
		if _, _, err := s.SessionUser(ctx3, sess.ID, now); err != nil {
			t.Fatal(err)
		}
		if fresh(t, ctx3) {
			t.Error("SessionUser, which writes nothing, turned the work to the primary")
		}
		// A transaction, whatever it does.
		ctx4 := bunstore.WithReplicaReads(ctx)
		err := s.InTx(ctx4, func(tx account.Store) error {
			orgs, err := tx.ListOrganizations(ctx4)
			if err == nil && !slices.ContainsFunc(orgs, func(o account.Organization) bool { return o.ID == org.ID }) {
				t.Error("inside a transaction, ListOrganizations read the replica")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !fresh(t, ctx4) {
			t.Error("after a transaction, the same work read the replica")
		}
	})

	t.Run("signing_keys_read_again_after_storing_one", func(t *testing.T) {
		// As the token package does at start: none on the replica, so one is stored,
		// and the keys read again must include it.
		ctx := bunstore.WithReplicaReads(ctx)
		if keys, err := s.SigningKeys(ctx); err != nil || len(keys) != 0 {
			t.Fatalf("SigningKeys = %d keys, %v; want none on the paused replica", len(keys), err)
		}
		k := account.SigningKey{ID: "k1", Algorithm: "EdDSA", Private: []byte("pem"), CreatedAt: now}
		if err := s.AddSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if keys, err := s.SigningKeys(ctx); err != nil || len(keys) != 1 || keys[0].ID != k.ID {
			t.Fatalf("SigningKeys after AddSigningKey = %v, %v; want k1", keys, err)
		}
	})

	t.Run("replayed_the_replica_answers_with_it", func(t *testing.T) {
		standby.ResumeReplay(t)
		standby.CatchUp(t, primary)
		if !fresh(t, bunstore.WithReplicaReads(ctx)) {
			t.Fatal("the replica caught up, and still lacks the organization")
		}
	})

	t.Run("replica_down_the_primary_answers_logged_once", func(t *testing.T) {
		standby.PauseReplay(t)
		later, err := s.CreateOrganization(ctx, account.Organization{Name: "Later", Slug: "later"})
		if err != nil {
			t.Fatal(err)
		}
		standby.Stop(t)
		for i := range 3 {
			orgs, err := s.ListOrganizations(bunstore.WithReplicaReads(ctx))
			if err != nil {
				t.Fatalf("read %d with the replica down: %v", i, err)
			}
			if !slices.ContainsFunc(orgs, func(o account.Organization) bool { return o.ID == later.ID }) {
				t.Fatalf("read %d with the replica down lacks what the primary holds", i)
			}
		}
		if n := strings.Count(logs.String(), "database replica failed"); n != 1 {
			t.Errorf("logged the failure %d times, want once:\n%s", n, logs.String())
		}

		// Back: once the skip is over, reads go to it again (and its replay, restarted,
		// is paused anew so that its answers show), and that is logged once.
		standby.Start(t)
		standby.CatchUp(t, primary)
		standby.PauseReplay(t)
		newest, err := s.CreateOrganization(ctx, account.Organization{Name: "Newest", Slug: "newest"})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			orgs, err := s.ListOrganizations(bunstore.WithReplicaReads(ctx))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(orgs, func(o account.Organization) bool { return o.ID == newest.ID }) {
				break // the replica answered
			}
			if time.Now().After(deadline) {
				t.Fatalf("the replica, back, still serves no read after 10s:\n%s", logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		if n := strings.Count(logs.String(), "database replica answers again"); n != 1 {
			t.Errorf("logged the recovery %d times, want once:\n%s", n, logs.String())
		}
	})
}
