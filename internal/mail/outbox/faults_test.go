package outbox

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/mail/smtptest"
	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// TestSMTPDownThenUp sends through the real SMTP transport to a receiver on 127.0.0.1
// that refuses connections at first and then comes up.
func TestSMTPDownThenUp(t *testing.T) {
	t.Run("queued_while_down_arrives_exactly_once_when_up", func(t *testing.T) {
		addr := smtptest.Reserve(t)
		sender, err := mail.NewSMTP("smtp://" + addr)
		if err != nil {
			t.Fatal(err)
		}
		db := openDB(t, bunstoretest.SQLite)
		var logs logBuffer
		o := newOutbox(t, db, sender, Options{MaxAttempts: 1000, Logger: logs.logger()})

		start := time.Now()
		if err := o.Send(context.Background(), envelope("fay@example.com", "welcome")); err != nil {
			t.Fatal(err)
		}
		// Queuing is one insert: it does not wait on the mail server.
		if took := time.Since(start); took > time.Second {
			t.Fatalf("Send took %v with the mail server down", took)
		}
		eventually(t, 5*time.Second, "two refused attempts", func() bool { _, failed, _ := o.Counters(); return failed >= 2 })
		if rs := rows(t, db); rs[0].Status != "pending" || !strings.Contains(rs[0].LastError, "refused") {
			t.Fatalf("row while the server is down: %+v", rs[0])
		}

		srv := smtptest.Start(t, addr)
		got := srv.WaitFor(t, 1, 5*time.Second)
		flush(t, o)
		// Several more polls and retry periods: nothing is sent again.
		time.Sleep(300 * time.Millisecond)
		if got = srv.Received(); len(got) != 1 {
			t.Fatalf("%d messages arrived, want exactly 1", len(got))
		}
		if got[0].To[0] != "fay@example.com" || !strings.Contains(got[0].Data, "Subject: welcome") {
			t.Fatalf("message %+v", got[0])
		}
		if rs := rows(t, db); rs[0].Status != "sent" {
			t.Fatalf("row %+v", rs[0])
		}
		if strings.Contains(logs.String(), "SECRET") {
			t.Fatalf("logs hold the message body:\n%s", logs.String())
		}
	})

	t.Run("dead_after_max_attempts_while_down", func(t *testing.T) {
		addr := smtptest.Reserve(t)
		sender, err := mail.NewSMTP("smtp://" + addr)
		if err != nil {
			t.Fatal(err)
		}
		db := openDB(t, bunstoretest.SQLite)
		o := newOutbox(t, db, sender, Options{MaxAttempts: 4})
		if err := o.Send(context.Background(), envelope("gus@example.com", "never")); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, "dead", func() bool { _, dead, _ := o.Stats(context.Background()); return dead == 1 })
		rs := rows(t, db)
		if rs[0].Status != "dead" || rs[0].Attempts != 4 || !strings.Contains(rs[0].LastError, "refused") {
			t.Fatalf("row %+v", rs[0])
		}
		// Coming up later changes nothing for a dead message.
		srv := smtptest.Start(t, addr)
		time.Sleep(300 * time.Millisecond)
		if n := len(srv.Received()); n != 0 {
			t.Fatalf("a dead message was sent %d times", n)
		}
		if sent, failed, dead := o.Counters(); sent != 0 || failed != 3 || dead != 1 {
			t.Fatalf("Counters = %d, %d, %d", sent, failed, dead)
		}
	})
}

// countingSender records how often each subject was sent, slowly enough that the
// workers' claims overlap.
type countingSender struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *countingSender) Send(ctx context.Context, e mail.Envelope) error {
	time.Sleep(5 * time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[e.Subject]++
	return nil
}

// TestTwoInstancesOnePostgres runs two outboxes, each with its own connection pool as
// two instances would have, on one PostgreSQL database: every message is sent exactly
// once. One sends prepared statements, in its store's mode as the service does, the
// other Bun's, as an instance of a release before them would during an upgrade: the
// two forms of the claim exclude each other as each excludes itself.
func TestTwoInstancesOnePostgres(t *testing.T) {
	kinds(t) // makes sure a PostgreSQL server is there
	dsn := bunstoretest.DSN(t, bunstoretest.Postgres)
	open := func() *bunstore.Store {
		s, err := bunstore.Open(context.Background(), dsn, bunstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	sender := &countingSender{counts: map[string]int{}}
	// Queue everything before the workers start, so both find all of it due at once.
	qa, err := New(a.DB(), sender, Options{PostgresExecMode: a.HotExecMode()})
	if err != nil {
		t.Fatal(err)
	}
	qb, err := New(b.DB(), sender, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 120
	for i := range n {
		q := qa
		if i%2 == 1 {
			q = qb
		}
		if err := q.Send(context.Background(), envelope(fmt.Sprintf("user%d@example.com", i), fmt.Sprint("m", i))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, q := range []*Outbox{qa, qb} {
		wg.Go(func() {
			q.Start()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := q.Flush(ctx); err != nil {
				t.Errorf("Flush: %v", err)
			}
		})
	}
	wg.Wait()
	for _, q := range []*Outbox{qa, qb} {
		if err := q.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	sender.mu.Lock()
	defer sender.mu.Unlock()
	for i := range n {
		if c := sender.counts[fmt.Sprint("m", i)]; c != 1 {
			t.Errorf("message m%d sent %d times, want 1", i, c)
		}
	}
	sa, _, _ := qa.Counters()
	sb, _, _ := qb.Counters()
	if sa+sb != n {
		t.Errorf("instances sent %d + %d, want %d in all", sa, sb, n)
	}
	if sa == 0 || sb == 0 {
		t.Errorf("one instance did all the work (%d, %d): the claims did not run side by side", sa, sb)
	}
	t.Logf("instance A sent %d, instance B sent %d", sa, sb)
}
