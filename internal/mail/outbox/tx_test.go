package outbox

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// Issue 20, item 1: an email queued with a context that carries the store's transaction
// (account.Store.Bind) commits or rolls back with it, and goes out only once committed.
func TestSendInATransactionCommitsWithIt(t *testing.T) {
	for _, kind := range kinds(t) {
		t.Run(kind, func(t *testing.T) {
			st := bunstoretest.Open(t, kind)
			sender := &flakySender{}
			o := newOutbox(t, st.DB(), sender, Options{PollInterval: time.Hour, Linger: time.Millisecond})
			ctx := context.Background()
			refused := errors.New("the state change failed")
			err := st.InTx(ctx, func(tx account.Store) error {
				if err := o.Send(tx.Bind(ctx), envelope("rolled@example.com", "rolled back")); err != nil {
					t.Fatal(err)
				}
				return refused
			})
			if !errors.Is(err, refused) {
				t.Fatalf("InTx = %v", err)
			}
			if rs := rows(t, st.DB()); len(rs) != 0 {
				t.Fatalf("an email queued in a rolled back transaction is in the outbox: %+v", rs)
			}
			err = st.InTx(ctx, func(tx account.Store) error {
				if err := o.Send(tx.Bind(ctx), envelope("kept@example.com", "committed")); err != nil {
					t.Fatal(err)
				}
				// Not sent before the commit, though the worker was told of it.
				time.Sleep(50 * time.Millisecond)
				if n := sender.callCount(); n != 0 {
					t.Errorf("%d sends before the transaction committed", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// Woken by the commit: the poll is an hour away.
			eventually(t, 5*time.Second, "the committed email sent", func() bool { return len(sender.messages()) == 1 })
			if m := sender.messages()[0]; m.To != "kept@example.com" {
				t.Fatalf("sent %+v", m)
			}
		})
	}
}
