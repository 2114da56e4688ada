package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

func TestBatches(t *testing.T) {
	for _, kind := range kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Run("a_backlog_larger_than_a_batch_goes_out_whole", func(t *testing.T) {
				db := openDB(t, kind)
				rec := &mail.Recorder{}
				o, err := New(db, rec, Options{Batch: 3})
				if err != nil {
					t.Fatal(err)
				}
				for i := range 10 {
					if err := o.Send(context.Background(), envelope(fmt.Sprintf("u%d@example.com", i), fmt.Sprint(i))); err != nil {
						t.Fatal(err)
					}
				}
				o.Start()
				t.Cleanup(func() { _ = o.Close(context.Background()) })
				flush(t, o)
				if n := len(rec.Messages()); n != 10 {
					t.Fatalf("sent %d of 10", n)
				}
				for _, r := range rows(t, db) {
					if r.Status != "sent" || r.Attempts != 1 || r.TextBody != "" {
						t.Fatalf("row %+v", r)
					}
				}
			})

			t.Run("emails_to_one_address_keep_their_order", func(t *testing.T) {
				db := openDB(t, kind)
				// The first emails take longest: sent side by side, they would arrive last.
				sender := &slowFirstSender{}
				o, err := New(db, sender, Options{})
				if err != nil {
					t.Fatal(err)
				}
				for i := range 6 {
					to := []string{"ann@example.com", "Bob@example.com", "ANN@example.com"}[i%3]
					if err := o.Send(context.Background(), envelope(to, fmt.Sprint(i))); err != nil {
						t.Fatal(err)
					}
				}
				o.Start()
				t.Cleanup(func() { _ = o.Close(context.Background()) })
				flush(t, o)
				got := map[string][]string{}
				for _, m := range sender.messages() {
					to := strings.ToLower(m.To)
					got[to] = append(got[to], m.Subject)
				}
				if want := []string{"0", "2", "3", "5"}; !slices.Equal(got["ann@example.com"], want) {
					t.Errorf("to ann: %v, want %v", got["ann@example.com"], want)
				}
				if want := []string{"1", "4"}; !slices.Equal(got["bob@example.com"], want) {
					t.Errorf("to bob: %v, want %v", got["bob@example.com"], want)
				}
			})

			t.Run("one_failure_in_a_batch_is_retried_the_rest_marked_sent", func(t *testing.T) {
				db := openDB(t, kind)
				sender := &pickySender{refuse: "bad@example.com", times: 1}
				o, err := New(db, sender, Options{RetryBase: 10 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				for _, to := range []string{"a@example.com", "bad@example.com", "c@example.com"} {
					if err := o.Send(context.Background(), envelope(to, to)); err != nil {
						t.Fatal(err)
					}
				}
				o.Start()
				t.Cleanup(func() { _ = o.Close(context.Background()) })
				eventually(t, 5*time.Second, "all three sent", func() bool { return len(sender.messages()) == 3 })
				flush(t, o)
				for _, r := range rows(t, db) {
					want := 1
					if r.Recipient == "bad@example.com" {
						want = 2
					}
					if r.Status != "sent" || r.Attempts != want {
						t.Fatalf("row %+v, want sent after %d attempt(s)", r, want)
					}
				}
				if sent, failed, dead := o.Counters(); sent != 3 || failed != 1 || dead != 0 {
					t.Fatalf("Counters = %d, %d, %d", sent, failed, dead)
				}
			})

			t.Run("emails_queued_within_the_linger_share_one_batch", func(t *testing.T) {
				db := openDB(t, kind)
				// Each send waits for all three to be under way at once, which only
				// happens when one claim took them together.
				sender := &gatheringSender{want: 3, gathered: make(chan struct{})}
				o := newOutbox(t, db, sender, Options{Linger: 500 * time.Millisecond, PollInterval: time.Hour})
				// The worker's first look at the table, at start, does not linger: let it
				// pass before queueing.
				time.Sleep(300 * time.Millisecond)
				for i := range 3 {
					if err := o.Send(context.Background(), envelope(fmt.Sprintf("g%d@example.com", i), "g")); err != nil {
						t.Fatal(err)
					}
				}
				eventually(t, 5*time.Second, "three sends in one batch", func() bool {
					sent, failed, _ := o.Counters()
					if failed > 0 {
						t.Fatal("the emails went out one claim at a time")
					}
					return sent == 3
				})
			})
		})
	}
}

func TestLeaseCoversAFullBatch(t *testing.T) {
	o, err := New(openDB(t, bunstoretest.SQLite), &mail.Recorder{}, Options{Batch: 16, Concurrency: 4, SendTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Sixteen sends of up to 30s each, one after another, and one timeout to spare.
	if got, want := o.lease(), 17*30*time.Second; got != want {
		t.Fatalf("lease = %v, want %v", got, want)
	}
}

// slowFirstSender records each email once it is sent, taking longer over earlier ones.
type slowFirstSender struct {
	flakySender
	n atomic.Int32
}

func (s *slowFirstSender) Send(ctx context.Context, e mail.Envelope) error {
	time.Sleep(time.Duration(max(0, 60-20*s.n.Add(1))) * time.Millisecond)
	return s.flakySender.Send(ctx, e)
}

// pickySender refuses mail to one recipient its first times, and records the rest.
type pickySender struct {
	flakySender
	refuse string
	times  int
}

func (p *pickySender) Send(ctx context.Context, e mail.Envelope) error {
	p.mu.Lock()
	refused := e.To == p.refuse && p.times > 0
	if refused {
		p.times--
	}
	p.mu.Unlock()
	if refused {
		return errors.New("450 mailbox busy")
	}
	return p.flakySender.Send(ctx, e)
}

// gatheringSender succeeds only when want sends are under way together (within a
// second); otherwise the send fails.
type gatheringSender struct {
	mu       sync.Mutex
	n, want  int
	gathered chan struct{}
}

func (g *gatheringSender) Send(ctx context.Context, e mail.Envelope) error {
	g.mu.Lock()
	g.n++
	if g.n == g.want {
		close(g.gathered)
	}
	g.mu.Unlock()
	select {
	case <-g.gathered:
		return nil
	case <-time.After(time.Second):
		return errors.New("sent alone: " + strings.TrimSpace(e.To))
	}
}
