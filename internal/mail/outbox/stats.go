package outbox

import (
	"context"
	"time"
)

// Stats returns how many messages are pending (queued or waiting for a retry) and how
// many are dead, across every instance sharing the database: gauges for metrics and
// alerts. Dead rows are deleted after Retention.
func (o *Outbox) Stats(ctx context.Context) (pending, dead int, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.opt.QueryTimeout)
	defer cancel()
	rows, err := o.db.QueryContext(ctx, statsSQL)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			status string
			n      int
		)
		if err := rows.Scan(&status, &n); err != nil {
			return 0, 0, err
		}
		switch status {
		case "pending":
			pending = n
		case "dead":
			dead = n
		}
	}
	return pending, dead, rows.Err()
}

// Counters returns the results of this instance's attempts since it started: messages
// sent, attempts failed and retried later, messages given up. They only grow, as
// Prometheus counters do.
func (o *Outbox) Counters() (sent, failed, dead uint64) {
	return o.sent.Load(), o.failed.Load(), o.dead.Load()
}

// flushPoll is how often Flush looks at the table.
const flushPoll = 5 * time.Millisecond

// Flush waits until no message is due and no delivery is under way on this instance:
// everything queued so far was handed to the transport, or failed and waits for a retry.
// It needs the worker running. Tests use it to read what was sent without sleeping.
func (o *Outbox) Flush(ctx context.Context) error {
	for {
		nudge(o.hurry)
		qctx, cancel := context.WithTimeout(ctx, o.opt.QueryTimeout)
		var due int
		err := o.db.QueryRowContext(qctx, countDueSQL, o.opt.Now().UTC()).Scan(&due)
		cancel()
		if err != nil {
			return err
		}
		// The table first, then busy: a claim counts itself busy before it runs.
		if due == 0 && o.busy.Load() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(flushPoll):
		}
	}
}
