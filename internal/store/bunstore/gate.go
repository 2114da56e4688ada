package bunstore

import "context"

// connGate makes callers wait for a database connection in the order they came.
//
// When every connection is busy, database/sql hands the next one released to a waiting
// caller picked at random, so under load some requests wait many turns and others
// none: latency spreads out like an exponential distribution. The bench
// (cmd/accountd-bench) measured the 99th percentile at about five times the median that
// way, even on a pool sized to the database's cores. A caller instead takes one of
// MaxOpenConns slots here before a statement or a transaction and gives it back after:
// a Go channel wakes its blocked senders in the order they blocked, so waits are first
// come, first served, and database/sql itself has (almost) nobody to queue. Fewer
// statements run at once, in a fair order, and the 99th percentile fell to about three
// times the median, at the same throughput. SQLite's one connection is the same line
// with one slot: there the refresh's 99th percentile was six times its median, each
// refresh a transaction that holds the connection throughout.
type connGate chan struct{}

func newConnGate(slots int) connGate { return make(connGate, slots) }

// enter takes a slot, waiting in line; it returns ctx's error if ctx ends first.
func (g connGate) enter(ctx context.Context) error {
	// Checked first because select picks at random among ready cases.
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leave gives the slot back, to the caller that has waited longest.
func (g connGate) leave() { <-g }
