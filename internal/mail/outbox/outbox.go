// Package outbox delivers accountd's emails durably. Send, the mail.Sender the service's
// Composer writes to, only inserts the rendered envelope into the mail_outbox table (see
// bunstore's migrations): the request that triggers an email is as fast as one insert,
// and answers as documented whether or not the mail server is up. A worker in every
// instance claims the rows that are due, hands them to the configured transport, and
// marks them sent or, after a failure, reschedules them with exponential backoff until
// the last attempt, after which they are dead.
//
// Several instances on one PostgreSQL database share the table safely: a claim is one
// statement that takes the due rows FOR UPDATE SKIP LOCKED and leases them (moves their
// next attempt past the longest a send may take), so no two workers hold one row. On
// SQLite, which has a single writer, the same statement without the locking clause is
// atomic already.
//
// Delivery is at least once, and exactly once short of a crash: a worker that cannot
// mark what it sent (the database went away) keeps the sent rows and marks them as soon
// as the database answers, before claiming anything new; only a worker that dies
// between the mail server's acceptance and the mark leaves a row that is sent again when
// its lease runs out. That copy has the same Message-ID as the first (each row keeps
// the one given when it was queued), so a receiver can drop it.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/txctx"
)

// Results of a delivery attempt, as given to Options.OnResult.
const (
	// ResultSent: the mail server accepted the message.
	ResultSent = "sent"
	// ResultFailed: the attempt failed and the message will be tried again.
	ResultFailed = "failed"
	// ResultDead: the last allowed attempt failed; the message is given up.
	ResultDead = "dead"
)

// Options tunes an Outbox. Zero fields take the defaults named.
type Options struct {
	// RetryBase is the wait after the first failed attempt (5s); each further failure
	// doubles it.
	RetryBase time.Duration
	// RetryMax caps the wait between attempts (1h).
	RetryMax time.Duration
	// MaxAttempts is how many attempts a message gets before it is dead (10).
	MaxAttempts int
	// PollInterval is the longest the worker sleeps between looks at the table (5s).
	// Mail queued through this Outbox wakes it at once; the poll finds retries that
	// fell due and rows whose worker died.
	PollInterval time.Duration
	// Concurrency is how many messages the worker sends at once (4).
	Concurrency int
	// Batch is how many due rows one claim takes (8): a burst of emails is leased in
	// one statement and marked sent in one more, whatever its size up to Batch.
	Batch int
	// Linger is how long the worker waits after Send wakes it before it claims (100ms),
	// so that the emails of concurrent requests go out in one batch rather than one
	// claim, mark and look-ahead each. Flush does not wait for it.
	Linger time.Duration
	// SendTimeout bounds one delivery (30s). A claim leases its rows for as long as its
	// batch can take at that (Batch sends in a row) and one SendTimeout more, so a slow
	// send is never taken over by another worker while it may still succeed; the rows
	// of a worker that died wait as long (4.5 minutes by default).
	SendTimeout time.Duration
	// QueryTimeout bounds each query on the table (5s).
	QueryTimeout time.Duration
	// Retention is how long sent and dead rows are kept (7 days).
	Retention time.Duration
	// Logger gets delivery failures; never a message body (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (default time.Now). Due times compare with it, so instances that
	// share a database should keep their clocks in step (NTP).
	Now func() time.Time
	// OnResult, when set, hears every attempt's result: ResultSent, ResultFailed or
	// ResultDead. It must not block: it runs on the worker.
	OnResult func(result string)
	// PostgresExecMode, when set, is how the statements run for every email (the
	// insert, the claim, the mark "sent") go to PostgreSQL: as fixed texts with $n
	// parameters, sent by pgx in this mode, instead of Bun's texts with the values
	// written in. Each of those is a text PostgreSQL has not seen, so it parses and
	// plans it every time, which is most of what the claim and the mark cost; in
	// QueryExecModeCacheStatement pgx prepares each fixed text once per connection.
	// Give it the mode of the store's own prepared statements (bunstore's
	// Store.HotExecMode), never a constant: behind a connection pooler that does not
	// keep prepared statements with their connection, the database URL names another
	// mode there, and these statements must follow it. Zero keeps Bun's statements, as
	// does SQLite whatever the mode (its statements are cheap to compile).
	PostgresExecMode pgx.QueryExecMode
}

func (o *Options) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.RetryBase, 5*time.Second)
	def(&o.RetryMax, time.Hour)
	def(&o.PollInterval, 5*time.Second)
	def(&o.SendTimeout, 30*time.Second)
	def(&o.QueryTimeout, 5*time.Second)
	def(&o.Linger, 100*time.Millisecond)
	def(&o.Retention, 7*24*time.Hour)
	if o.RetryMax < o.RetryBase {
		o.RetryMax = o.RetryBase
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Batch <= 0 {
		o.Batch = 8
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Outbox is a durable mail queue in the database. Send queues; Start runs the worker
// that delivers; Close stops it. It is safe for concurrent use.
type Outbox struct {
	db *bun.DB
	pg bool
	// prepared: the per-email statements are the fixed texts, sent in
	// opt.PostgresExecMode (PostgreSQL only).
	prepared bool
	sender   mail.Sender
	opt      Options

	// wake nudges the worker when Send has queued a message, hurry when Flush waits
	// for it and it should not linger (buffered: one pending nudge is enough).
	wake, hurry chan struct{}
	// busy counts claims and deliveries in progress on this instance, for Flush.
	busy atomic.Int64

	sent, failed, dead atomic.Uint64

	startOnce, closeOnce sync.Once
	// stopping is closed by Close: the worker claims nothing more.
	stopping chan struct{}
	// stopped is closed when the worker goroutine has returned.
	stopped chan struct{}
	// sendCtx is given to the transport; cancelled only when Close runs out of time.
	sendCtx    context.Context
	abortSends context.CancelFunc
	// lastPrune is when the worker last deleted old rows.
	lastPrune time.Time
	// unmarked are emails sent whose record the database did not take; the worker's.
	unmarked []unmarked
}

var _ mail.Sender = (*Outbox)(nil)

// New returns an Outbox over db (PostgreSQL or SQLite, migrated by bunstore) that
// delivers through sender. The worker does not run until Start.
func New(db *bun.DB, sender mail.Sender, opt Options) (*Outbox, error) {
	if db == nil || sender == nil {
		return nil, errors.New("outbox: New needs a database and a sender")
	}
	var pg bool
	switch db.Dialect().Name() {
	case dialect.PG:
		pg = true
	case dialect.SQLite:
	default:
		return nil, fmt.Errorf("outbox: unsupported database dialect %s", db.Dialect().Name())
	}
	opt.setDefaults()
	sendCtx, abort := context.WithCancel(context.Background())
	return &Outbox{
		db: db, pg: pg, prepared: pg && opt.PostgresExecMode != 0, sender: sender, opt: opt,
		wake:     make(chan struct{}, 1),
		hurry:    make(chan struct{}, 1),
		stopping: make(chan struct{}),
		stopped:  make(chan struct{}),
		sendCtx:  sendCtx, abortSends: abort,
	}, nil
}

// Send queues e for delivery: it returns once the row is stored, not sent.
//
// When ctx carries the store's open transaction (txctx, account.Store.Bind), the row is
// inserted in it: it commits with the state change that promises the email, or neither
// does, and the worker is woken only once it has committed. Otherwise the insert is a
// statement of its own, not cancelled with ctx (the request may end as soon as its own
// work is committed) but bounded by QueryTimeout.
func (o *Outbox) Send(ctx context.Context, e mail.Envelope) error {
	// Refuse now what every transport would refuse, rather than retry it for hours.
	if _, err := netmail.ParseAddress(e.From); err != nil {
		return fmt.Errorf("outbox: invalid From address: %w", err)
	}
	if _, err := netmail.ParseAddress(e.To); err != nil {
		return fmt.Errorf("outbox: invalid To address: %w", err)
	}
	now := o.opt.Now().UTC()
	args := []any{e.To, e.From, e.Subject, e.Text, e.HTML, e.Kind, newMessageID(e.From), now, now}
	if tx, ok := txctx.From(ctx); ok {
		qctx, cancel := context.WithTimeout(ctx, o.opt.QueryTimeout)
		defer cancel()
		if err := o.insert(qctx, tx, args); err != nil {
			return queueFailed(err)
		}
		txctx.AfterCommit(ctx, func() { nudge(o.wake) })
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.opt.QueryTimeout)
	defer cancel()
	if err := o.insert(ctx, o.db, args); err != nil {
		return queueFailed(err)
	}
	nudge(o.wake)
	return nil
}

// insert queues an email's row on db, the outbox's database or the caller's
// transaction.
func (o *Outbox) insert(ctx context.Context, db bun.IDB, args []any) error {
	if o.prepared {
		return o.execPrepared(ctx, db, insertPrepared, args...)
	}
	_, err := db.ExecContext(ctx, insertSQL, args...)
	return err
}

// queueFailed is the error of an insert that failed: the database did not take it (the
// insert has nothing else to refuse), which the service answers as it answers its own
// store's lost connection, 503.
func queueFailed(err error) error {
	return fmt.Errorf("%w: outbox: queue email: %w", account.ErrUnavailable, err)
}

// nudge wakes the worker through c without waiting.
func nudge(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Backoff returns the wait after the attempt-th failed attempt (1 for the first):
// base doubled attempt-1 times, at most max.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// newMessageID is the Message-ID a queued email keeps through all its attempts.
func newMessageID(from string) string { return mail.NewMessageID(from) }
