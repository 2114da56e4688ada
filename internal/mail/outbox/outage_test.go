package outbox

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// outageSender records every attempt and, when armed, takes the database away as the
// batch goes out: after the claim, before the mark "sent". It brings it back after
// downFor, longer than the claim's lease.
type outageSender struct {
	proxy   *pgcluster.Proxy
	downFor time.Duration

	mu       sync.Mutex
	armed    bool
	attempts []mail.Envelope
	back     chan struct{}
}

func (s *outageSender) Send(ctx context.Context, e mail.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts = append(s.attempts, e)
	if s.armed {
		s.armed = false
		s.proxy.Down()
		back := s.back
		time.AfterFunc(s.downFor, func() { s.proxy.Up(); close(back) })
	}
	return nil
}

func (s *outageSender) arm() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed, s.back = true, make(chan struct{})
	return s.back
}

func (s *outageSender) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := map[string]int{}
	for _, e := range s.attempts {
		c[e.Subject]++
	}
	return c
}

// Issue 20, item 2: the worker sends a batch, the database goes away before it can mark
// the batch sent, and comes back after the batch's lease ran out. Across 25 such
// outages, no email is sent twice: the worker keeps what it sent and marks it as soon as
// the database answers, before it claims anything. PostgreSQL only: an outage of SQLite,
// a file, is no such thing.
func TestOutageWithoutCrashSendsNothingTwice(t *testing.T) {
	kinds(t) // a PostgreSQL server
	dsn := bunstoretest.DSN(t, bunstoretest.Postgres)
	proxy := pgcluster.StartProxy(t, dsn)
	st, err := bunstore.Open(context.Background(), proxy.URL(), bunstore.Options{QueryTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A lease of (Batch+1)*SendTimeout = 180ms; the database stays away 250ms.
	sender := &outageSender{proxy: proxy, downFor: 250 * time.Millisecond}
	o := newOutbox(t, st.DB(), sender, Options{SendTimeout: 20 * time.Millisecond, PollInterval: 50 * time.Millisecond, Linger: time.Millisecond})
	// The test queues through a connection of its own, around the proxy, so that its
	// inserts never meet the outage; the worker finds them at its next poll.
	direct, err := bunstore.Open(context.Background(), dsn, bunstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	queue, err := New(direct.DB(), sender, Options{})
	if err != nil {
		t.Fatal(err)
	}

	const outages, perOutage = 25, 3
	for i := range outages {
		back := sender.arm()
		for j := range perOutage {
			if err := queue.Send(context.Background(), envelope(fmt.Sprintf("u%d@example.com", j), fmt.Sprintf("m%d-%d", i, j))); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-back:
		case <-time.After(10 * time.Second):
			t.Fatalf("outage %d: the worker sent nothing", i)
		}
		// Past the lease: a row the worker forgot would be claimed again by now (polls every 50ms).
		time.Sleep(250 * time.Millisecond)
	}
	flush(t, o)
	counts := sender.counts()
	dups := 0
	for i := range outages {
		for j := range perOutage {
			switch c := counts[fmt.Sprintf("m%d-%d", i, j)]; {
			case c == 0:
				t.Errorf("m%d-%d never sent", i, j)
			case c > 1:
				dups += c - 1
			}
		}
	}
	if dups > 0 {
		t.Errorf("%d duplicate emails over %d outages, want 0", dups, outages)
	}
	if pending, _, err := o.Stats(context.Background()); err != nil || pending != 0 {
		t.Errorf("pending rows after the outages: %d, %v", pending, err)
	}
}

// Issue 20, item 2: each queued email keeps one Message-ID through all its attempts (a
// copy sent again after a crash carries the first one's); mail's TestMessageIDKept
// shows the message built carries it.
func TestQueuedEmailKeepsItsMessageID(t *testing.T) {
	for _, kind := range kinds(t) {
		t.Run(kind, func(t *testing.T) {
			db := openDB(t, kind)
			sender := &attemptSender{fail: 2}
			o := newOutbox(t, db, sender, Options{})
			for i := range 2 {
				if err := o.Send(context.Background(), envelope(fmt.Sprintf("k%d@example.com", i), fmt.Sprint("k", i))); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, 5*time.Second, "sent", func() bool { s, _, _ := o.Counters(); return s == 2 })
			ids := map[string]map[string]bool{}
			for _, e := range sender.all() {
				if ids[e.To] == nil {
					ids[e.To] = map[string]bool{}
				}
				ids[e.To][e.MessageID] = true
			}
			seen := map[string]bool{}
			for to, set := range ids {
				if len(set) != 1 {
					t.Errorf("%s: attempts carried %d Message-IDs, want 1: %v", to, len(set), set)
				}
				for id := range set {
					if id == "" || seen[id] {
						t.Errorf("%s: Message-ID %q empty or shared with another email", to, id)
					}
					seen[id] = true
				}
			}
		})
	}
}

// attemptSender fails its first fail attempts and records every attempt.
type attemptSender struct {
	mu    sync.Mutex
	fail  int
	tries []mail.Envelope
}

func (s *attemptSender) Send(ctx context.Context, e mail.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries = append(s.tries, e)
	if len(s.tries) <= s.fail {
		return fmt.Errorf("451 try again")
	}
	return nil
}

func (s *attemptSender) all() []mail.Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mail.Envelope(nil), s.tries...)
}
