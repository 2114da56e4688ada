// Package txctx lets work that is not the store's join the store's open transaction:
// the outbox queues an email with the same commit as the state change that promises it
// (an account created, a reset token issued), so that an answer that says "check your
// email" is never given for an email that was not queued. The store puts its open
// transaction in a context (With); whoever writes through the context (From) writes in
// that transaction, and asks to hear of its commit (AfterCommit) for what must wait for
// it, such as waking the worker that sends what was queued.
package txctx

import (
	"context"
	"sync"

	"github.com/uptrace/bun"
)

// Tx is one open transaction and what is to run once it commits.
type Tx struct {
	db    bun.IDB
	mu    sync.Mutex
	after []func()
}

// New returns the Tx of the open transaction db.
func New(db bun.IDB) *Tx { return &Tx{db: db} }

type key struct{}

// With returns ctx carrying tx.
func With(ctx context.Context, tx *Tx) context.Context {
	return context.WithValue(ctx, key{}, tx)
}

// From returns the transaction ctx carries, if any.
func From(ctx context.Context) (bun.IDB, bool) {
	tx, ok := ctx.Value(key{}).(*Tx)
	if !ok || tx == nil {
		return nil, false
	}
	return tx.db, true
}

// AfterCommit has fn run once the transaction ctx carries has committed (never if it
// rolls back), and reports whether ctx carries one; without one, fn is not kept and
// the caller should run it at once.
func AfterCommit(ctx context.Context, fn func()) bool {
	tx, ok := ctx.Value(key{}).(*Tx)
	if !ok || tx == nil {
		return false
	}
	tx.mu.Lock()
	tx.after = append(tx.after, fn)
	tx.mu.Unlock()
	return true
}

// Committed runs what AfterCommit kept, in order, once; the store calls it after COMMIT.
func (tx *Tx) Committed() {
	tx.mu.Lock()
	after := tx.after
	tx.after = nil
	tx.mu.Unlock()
	for _, fn := range after {
		fn()
	}
}
