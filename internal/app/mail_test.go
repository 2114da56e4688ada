package app

import (
	"context"
	"net/url"
	"testing"

	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// The outbox's insert, run for every email, is prepared on PostgreSQL as the store's hot
// statements are, and in their mode: when the database URL names a mode for a pooler
// that keeps no prepared statements, the outbox keeps none either.
func TestOutboxPreparesInTheStoresMode(t *testing.T) {
	if bunstoretest.PostgresURL() == "" {
		t.Setenv(bunstoretest.EnvURL, pgcluster.ServerURL(t))
	}
	for _, tc := range []struct {
		name, mode string
		prepared   bool
	}{
		{"default", "", true},
		{"url_names_cache_describe", "cache_describe", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(bunstoretest.DSN(t, bunstoretest.Postgres))
			if err != nil {
				t.Fatal(err)
			}
			if tc.mode != "" {
				q := u.Query()
				q.Set("default_query_exec_mode", tc.mode)
				u.RawQuery = q.Encode()
			}
			ctx := context.Background()
			store, err := bunstore.Open(ctx, u.String(), bunstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			if err := store.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// One connection: pg_prepared_statements lists the statements prepared in
			// the session that reads it.
			store.DB().SetMaxOpenConns(1)
			queue, err := newOutbox(config.Config{}, Options{}, store, &mail.Recorder{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := queue.Send(ctx, mail.Envelope{From: "no-reply@example.com", To: "alice@example.com", Subject: "s", Text: "t", Kind: "activation"}); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := store.DB().QueryRowContext(ctx,
				"SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO mail_outbox%'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if prepared := n > 0; prepared != tc.prepared {
				t.Fatalf("the outbox's insert prepared on the connection: %v, want %v", prepared, tc.prepared)
			}
		})
	}
}
