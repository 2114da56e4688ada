package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// Queue sends envelopes in the background through another Sender, so a request never
// waits on a mail server: an answer's timing then says nothing about whether an email
// was sent (no account enumeration by stopwatch), and a slow SMTP server slows no one.
// Delivery is best effort: envelopes still queued when the process dies are lost.
type Queue struct {
	next   Sender
	logger *slog.Logger
	jobs   chan Envelope
	// pending counts envelopes queued or being sent, for Flush.
	pending sync.WaitGroup
	workers sync.WaitGroup
	once    sync.Once
}

// NewQueue starts workers goroutines sending through next, with room for size waiting
// envelopes; beyond that Send waits for room.
func NewQueue(next Sender, workers, size int, logger *slog.Logger) *Queue {
	if logger == nil {
		logger = slog.Default()
	}
	q := &Queue{next: next, logger: logger, jobs: make(chan Envelope, size)}
	for range max(workers, 1) {
		q.workers.Go(q.work)
	}
	return q
}

// ErrQueueClosed is returned by Send after Close.
var ErrQueueClosed = errors.New("mail: queue closed")

// Send queues e; it returns once e is queued, not sent.
func (q *Queue) Send(ctx context.Context, e Envelope) (err error) {
	defer func() {
		// Sending on the closed channel panics: a Send racing Close is refused.
		if recover() != nil {
			q.pending.Done()
			err = ErrQueueClosed
		}
	}()
	q.pending.Add(1)
	select {
	case q.jobs <- e:
		return nil
	case <-ctx.Done():
		q.pending.Done()
		return ctx.Err()
	}
}

func (q *Queue) work() {
	for e := range q.jobs {
		// The request that queued it has ended: the send gets its own context, bounded
		// by the sender's own timeout.
		if err := q.next.Send(context.Background(), e); err != nil {
			q.logger.Error("sending email failed", "subject", e.Subject, "err", err)
		}
		q.pending.Done()
	}
}

// Flush waits until every queued envelope has been handed to the next Sender.
func (q *Queue) Flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() { q.pending.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking envelopes and waits, up to ctx, for the queued ones to be sent.
func (q *Queue) Close(ctx context.Context) error {
	q.once.Do(func() { close(q.jobs) })
	done := make(chan struct{})
	go func() { q.workers.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
