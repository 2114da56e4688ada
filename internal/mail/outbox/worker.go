package outbox

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/accountd/accountd/internal/mail"
)

// pruneEvery is how often the worker deletes sent and dead rows past Retention.
const pruneEvery = 10 * time.Minute

// idleFloor keeps the worker from spinning on a row that looks due but that another
// worker is claiming at this very moment (SKIP LOCKED passed over it).
const idleFloor = 10 * time.Millisecond

// maxErrorLen bounds last_error: a mail server's reply, not a novel.
const maxErrorLen = 500

// markRetry is how often the worker tries again to record emails it sent while the
// database could not take the record (at most PollInterval): soon after the database
// is back, and long before their leases run out.
const markRetry = 100 * time.Millisecond

// claimed is one leased row.
type claimed struct {
	id       int64
	attempts int
	env      mail.Envelope
}

// Start runs the worker in a goroutine of its own until Close. Calling it again does
// nothing.
func (o *Outbox) Start() {
	o.startOnce.Do(func() { go o.run() })
}

// Stopped is closed once the worker has returned (after Close), or by Close when the
// worker was never started.
func (o *Outbox) Stopped() <-chan struct{} { return o.stopped }

// Close stops the worker: it claims nothing more, and the deliveries under way finish.
// If ctx ends first, they are cancelled (their rows are retried later, by this instance
// after a restart or by another) and Close returns ctx's error once the worker is gone.
// Messages still queued stay in the table.
func (o *Outbox) Close(ctx context.Context) error {
	o.closeOnce.Do(func() { close(o.stopping) })
	// A worker never started cannot start now, and has nothing to wait for.
	neverStarted := false
	o.startOnce.Do(func() { neverStarted = true; close(o.stopped) })
	if neverStarted {
		o.abortSends()
		return nil
	}
	select {
	case <-o.stopped:
		o.abortSends()
		o.markUnmarked()
		return nil
	case <-ctx.Done():
		o.abortSends()
		<-o.stopped
		o.markUnmarked()
		return ctx.Err()
	}
}

func (o *Outbox) run() {
	defer close(o.stopped)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-o.stopping:
			return
		case <-o.wake:
			o.linger()
		case <-o.hurry:
		case <-timer.C:
		}
		wait := o.pass()
		timer.Reset(wait)
	}
}

// linger waits Linger for more emails to be queued, unless Flush or Close cuts it short.
func (o *Outbox) linger() {
	t := time.NewTimer(o.opt.Linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-o.hurry:
	case <-o.stopping:
	}
}

// pass delivers every due row, in batches of Batch, and returns how long to sleep
// before the next look: until the next row falls due, at most PollInterval.
func (o *Outbox) pass() time.Duration {
	// Emails sent but not yet recorded come first: until they are, nothing new is
	// claimed (the database is likely still away), and they are never sent again by
	// this worker, however long the database was down.
	if !o.markUnmarked() {
		return min(markRetry, o.opt.PollInterval)
	}
	for {
		select {
		case <-o.stopping:
			return o.opt.PollInterval
		default:
		}
		// Counted before the claim, so that Flush, which looks at the table first and
		// at busy second, never sees a row neither due nor counted.
		o.busy.Add(1)
		batch, err := o.claim()
		if err != nil {
			o.busy.Add(-1)
			o.opt.Logger.Error("mail outbox: claiming due emails failed", "err", err)
			return o.opt.PollInterval
		}
		o.deliver(batch)
		o.busy.Add(-1)
		// A short batch took every row that was due: what is queued meanwhile wakes
		// the worker again, so another claim now would only find nothing.
		if len(batch) < o.opt.Batch {
			break
		}
	}
	o.prune()
	return o.untilNextDue()
}

// claim leases up to Batch due rows for this worker.
func (o *Outbox) claim() ([]claimed, error) {
	ctx, cancel := o.queryContext()
	defer cancel()
	now := o.opt.Now().UTC()
	lease := now.Add(o.lease())
	var (
		rows *sql.Rows
		err  error
	)
	switch {
	case o.prepared:
		rows, err = o.queryPrepared(ctx, claimPrepared, lease, now, o.opt.Batch)
	case o.pg:
		rows, err = o.db.QueryContext(ctx, claimPG, lease, now, o.opt.Batch)
	default:
		rows, err = o.db.QueryContext(ctx, claimSQLite, lease, now, o.opt.Batch)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []claimed
	for rows.Next() {
		var c claimed
		e := &c.env
		if err := rows.Scan(&c.id, &e.To, &e.From, &e.Subject, &e.Text, &e.HTML, &e.Kind, &e.MessageID, &c.attempts); err != nil {
			return nil, err
		}
		batch = append(batch, c)
	}
	return batch, rows.Err()
}

// lease is how long a claim holds its rows: enough for every send of a full batch to
// run out its timeout one after another (they may all be to one address, which
// deliver sends in turn), and one timeout more.
func (o *Outbox) lease() time.Duration {
	return time.Duration(o.opt.Batch+1) * o.opt.SendTimeout
}

// deliver sends a claimed batch, Concurrency at a time, and records the outcomes: the
// rows sent in one statement, each failure on its own (failures are rare). Emails to
// one address go out one after another in the order they were queued, so that a
// reset link never arrives before the notice queued ahead of it.
func (o *Outbox) deliver(batch []claimed) {
	if len(batch) == 0 {
		return
	}
	// UPDATE ... RETURNING promises no order; IDs follow the order of queueing.
	slices.SortFunc(batch, func(a, b claimed) int { return cmp.Compare(a.id, b.id) })
	errs := make([]error, len(batch))
	slots := make(chan struct{}, o.opt.Concurrency)
	var wg sync.WaitGroup
	for _, queue := range byRecipient(batch) {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for _, i := range queue {
				ctx, cancel := context.WithTimeout(o.sendCtx, o.opt.SendTimeout)
				errs[i] = o.sender.Send(ctx, batch[i].env)
				cancel()
			}
		})
	}
	wg.Wait()

	now := o.opt.Now().UTC()
	dbctx, dbcancel := o.queryContext()
	defer dbcancel()
	var sent []claimed
	for i, c := range batch {
		if errs[i] == nil {
			sent = append(sent, c)
		} else {
			o.failedAttempt(dbctx, c, errs[i], now)
		}
	}
	if len(sent) == 0 {
		return
	}
	if err := o.markSent(dbctx, now, sent); err != nil {
		// The messages are out; the worker keeps them and records them as soon as the
		// database is back (markUnmarked), before their leases end.
		o.opt.Logger.Warn("mail outbox: emails sent but not yet marked sent; marking them when the database is back", "emails", len(sent), "err", err)
		o.unmarked = append(o.unmarked, unmarked{sent: sent, at: now})
	}
	for range sent {
		o.sent.Add(1)
		o.result(ResultSent)
	}
}

// unmarked is a batch of emails sent whose mark "sent" the database did not take.
type unmarked struct {
	sent []claimed
	at   time.Time
}

// markUnmarked records the emails sent whose mark failed, and reports whether none is
// left. Only the worker goroutine (and Close, after it) touches o.unmarked. A row whose
// lease ran out meanwhile and that another instance claimed keeps that claim's outcome
// (the mark matches the attempt count), as any late mark does.
func (o *Outbox) markUnmarked() bool {
	for len(o.unmarked) > 0 {
		u := o.unmarked[0]
		ctx, cancel := o.queryContext()
		err := o.markSent(ctx, u.at, u.sent)
		cancel()
		if err != nil {
			return false
		}
		o.unmarked = o.unmarked[1:]
		o.opt.Logger.Info("mail outbox: emails sent during a database outage are marked sent", "emails", len(u.sent))
	}
	return true
}

// markSent records the emails of sent as sent at now, in one statement.
func (o *Outbox) markSent(ctx context.Context, now time.Time, sent []claimed) error {
	if o.prepared {
		return o.execPrepared(ctx, o.db, markSentPrepared, markSentPreparedArgs(now, sent)...)
	}
	_, err := o.db.ExecContext(ctx, markSentSQL(len(sent)), markSentArgs(now, sent)...)
	return err
}

// byRecipient groups the indexes of batch by recipient (ignoring case), each group in
// batch order, the groups in the order of their first email.
func byRecipient(batch []claimed) [][]int {
	var groups [][]int
	at := make(map[string]int, len(batch))
	for i, c := range batch {
		key := strings.ToLower(c.env.To)
		g, ok := at[key]
		if !ok {
			g = len(groups)
			at[key] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// failedAttempt records a failed delivery of c: rescheduled with backoff, or dead after
// the last attempt.
func (o *Outbox) failedAttempt(ctx context.Context, c claimed, err error, now time.Time) {
	log := o.opt.Logger.With("outbox_id", c.id, "attempt", c.attempts)
	if c.attempts >= o.opt.MaxAttempts {
		if _, merr := o.db.ExecContext(ctx, markDeadSQL, errorText(err), c.id, c.attempts); merr != nil {
			log.Error("mail outbox: could not mark email dead", "err", merr)
		}
		// The error, never the message: its body holds a live link.
		log.Error("mail outbox: email given up after its last attempt", "err", err)
		o.dead.Add(1)
		o.result(ResultDead)
		return
	}
	next := now.Add(Backoff(c.attempts, o.opt.RetryBase, o.opt.RetryMax))
	if _, merr := o.db.ExecContext(ctx, rescheduleSQL, next, errorText(err), c.id, c.attempts); merr != nil {
		log.Error("mail outbox: could not reschedule email; it is retried when its lease ends", "err", merr)
	}
	log.Warn("mail outbox: sending email failed; will retry", "err", err, "next_attempt_at", next)
	o.failed.Add(1)
	o.result(ResultFailed)
}

func (o *Outbox) result(r string) {
	if o.opt.OnResult != nil {
		o.opt.OnResult(r)
	}
}

// untilNextDue returns how long until the earliest pending row falls due, between
// idleFloor and PollInterval.
func (o *Outbox) untilNextDue() time.Duration {
	ctx, cancel := o.queryContext()
	defer cancel()
	var next time.Time
	err := o.db.QueryRowContext(ctx, nextDueSQL).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return o.opt.PollInterval
	}
	if err != nil {
		o.opt.Logger.Error("mail outbox: reading the next due time failed", "err", err)
		return o.opt.PollInterval
	}
	return min(max(next.Sub(o.opt.Now()), idleFloor), o.opt.PollInterval)
}

// prune deletes sent and dead rows older than Retention, at most every pruneEvery.
func (o *Outbox) prune() {
	now := o.opt.Now()
	if now.Sub(o.lastPrune) < pruneEvery {
		return
	}
	o.lastPrune = now
	ctx, cancel := o.queryContext()
	defer cancel()
	if _, err := o.db.ExecContext(ctx, pruneSQL, now.UTC().Add(-o.opt.Retention)); err != nil {
		o.opt.Logger.Warn("mail outbox: deleting old rows failed", "err", err)
	}
}

// queryContext bounds one query. It does not derive from the worker's life: a mark
// after a send must land even while Close is waiting.
func (o *Outbox) queryContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), o.opt.QueryTimeout)
}

func errorText(err error) string {
	s := err.Error()
	if len(s) > maxErrorLen {
		s = s[:maxErrorLen]
	}
	return s
}
