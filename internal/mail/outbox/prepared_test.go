package outbox

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// The statements run for every email (the insert, in a transaction and outside one, the
// claim and the mark "sent") are prepared on PostgreSQL, each one text whatever the
// values and the batch's size: Bun's texts, new every time, cost PostgreSQL a parse and
// a plan per email. In a mode that keeps nothing prepared (a pooler's), none is. On
// SQLite the mode changes nothing.
func TestPerEmailStatementsPrepared(t *testing.T) {
	for _, kind := range kinds(t) {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe} {
			t.Run(kind+"/"+mode.String(), func(t *testing.T) {
				st := bunstoretest.Open(t, kind)
				db := st.DB()
				// One connection: pg_prepared_statements lists the statements prepared
				// in the session that reads it.
				db.SetMaxOpenConns(1)
				sender := &flakySender{}
				o := newOutbox(t, db, sender, Options{PostgresExecMode: mode, PollInterval: time.Hour, Linger: time.Millisecond})
				ctx := context.Background()
				// Two batches of different sizes, the second queued in a transaction.
				for _, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
					if err := o.Send(ctx, envelope(to, "outside")); err != nil {
						t.Fatal(err)
					}
				}
				flush(t, o)
				if err := st.InTx(ctx, func(tx account.Store) error {
					return o.Send(tx.Bind(ctx), envelope("d@example.com", "inside"))
				}); err != nil {
					t.Fatal(err)
				}
				flush(t, o)
				for _, r := range rows(t, db) {
					if r.Status != "sent" {
						t.Fatalf("row %d is %s, want sent: %+v", r.ID, r.Status, r)
					}
				}
				if n := len(sender.messages()); n != 4 {
					t.Fatalf("%d emails sent, want 4", n)
				}
				if kind != bunstoretest.Postgres {
					return
				}

				runs := map[string]int{}
				rs, err := db.QueryContext(ctx, "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
				if err != nil {
					t.Fatal(err)
				}
				defer rs.Close()
				for rs.Next() {
					var text string
					var n int
					if err := rs.Scan(&text, &n); err != nil {
						t.Fatal(err)
					}
					runs[text] = n
				}
				if err := rs.Err(); err != nil {
					t.Fatal(err)
				}
				statements := []struct {
					name, text string
					runs       int
				}{
					{"the insert", insertPrepared, 4},
					{"the claim", claimPrepared, 2},
					{"the mark sent", markSentPrepared, 2},
				}
				for _, s := range statements {
					got, prepared := runs[s.text]
					switch {
					case mode != pgx.QueryExecModeCacheStatement && prepared:
						t.Errorf("%s is prepared in mode %v, which must keep nothing on the server", s.name, mode)
					case mode == pgx.QueryExecModeCacheStatement && !prepared:
						t.Errorf("%s is not prepared; the session's prepared statements: %v", s.name, runs)
					case mode == pgx.QueryExecModeCacheStatement && got < s.runs:
						t.Errorf("%s was run %d times as a prepared statement, want at least %d", s.name, got, s.runs)
					}
				}
			})
		}
	}
}
