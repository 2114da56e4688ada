package outbox

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/mail"
)

func TestBackoff(t *testing.T) {
	base, limit := 5*time.Second, time.Hour
	for attempt, want := range map[int]time.Duration{
		1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 4: 40 * time.Second,
		10: 2560 * time.Second, 11: time.Hour, 1000: time.Hour,
	} {
		if got := Backoff(attempt, base, limit); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
}

func TestOutbox(t *testing.T) {
	for _, kind := range kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Run("sent_once_then_marked_sent_with_bodies_blanked", func(t *testing.T) {
				db := openDB(t, kind)
				rec := &mail.Recorder{}
				var res results
				o := newOutbox(t, db, rec, Options{OnResult: res.add})
				if err := o.Send(context.Background(), envelope("ann@example.com", "hello")); err != nil {
					t.Fatal(err)
				}
				flush(t, o)
				// The kind travels with the email through the queue, for the transports that show it.
				if got := rec.Messages(); len(got) != 1 || got[0].Subject != "hello" || !strings.Contains(got[0].Text, "SECRET-hello") || got[0].Kind != "activation" {
					t.Fatalf("sent %+v", got)
				}
				rs := rows(t, db)
				if len(rs) != 1 || rs[0].Status != "sent" || rs[0].Attempts != 1 || rs[0].SentAt.IsZero() ||
					rs[0].TextBody != "" || rs[0].HTMLBody != "" || rs[0].Recipient != "ann@example.com" {
					t.Fatalf("row %+v", rs)
				}
				if pending, dead, err := o.Stats(context.Background()); err != nil || pending != 0 || dead != 0 {
					t.Fatalf("Stats = %d, %d, %v", pending, dead, err)
				}
				if sent, failed, dead := o.Counters(); sent != 1 || failed != 0 || dead != 0 {
					t.Fatalf("Counters = %d, %d, %d", sent, failed, dead)
				}
				if got := res.list(); !slices.Equal(got, []string{ResultSent}) {
					t.Fatalf("results %v", got)
				}
			})

			t.Run("failures_retried_with_backoff_then_sent", func(t *testing.T) {
				db := openDB(t, kind)
				sender := &flakySender{failures: 2}
				var res results
				o := newOutbox(t, db, sender, Options{OnResult: res.add, RetryBase: 30 * time.Millisecond, RetryMax: time.Second})
				start := time.Now()
				if err := o.Send(context.Background(), envelope("bob@example.com", "retry")); err != nil {
					t.Fatal(err)
				}
				eventually(t, 5*time.Second, "delivered after two failures", func() bool { return len(sender.messages()) == 1 })
				// Waits of 30ms then 60ms: the third attempt cannot come sooner.
				if took := time.Since(start); took < 90*time.Millisecond {
					t.Errorf("three attempts took %v; backoff should make it at least 90ms", took)
				}
				flush(t, o)
				rs := rows(t, db)
				if len(rs) != 1 || rs[0].Status != "sent" || rs[0].Attempts != 3 || rs[0].LastError != "" {
					t.Fatalf("row %+v", rs)
				}
				if got := res.list(); !slices.Equal(got, []string{ResultFailed, ResultFailed, ResultSent}) {
					t.Fatalf("results %v", got)
				}
			})

			t.Run("dead_after_max_attempts_with_error_kept_and_body_dropped", func(t *testing.T) {
				db := openDB(t, kind)
				sender := &flakySender{failures: 1000}
				var logs logBuffer
				o := newOutbox(t, db, sender, Options{MaxAttempts: 3, Logger: logs.logger()})
				if err := o.Send(context.Background(), envelope("cat@example.com", "doomed")); err != nil {
					t.Fatal(err)
				}
				eventually(t, 5*time.Second, "dead", func() bool { _, dead, _ := o.Stats(context.Background()); return dead == 1 })
				flush(t, o)
				rs := rows(t, db)
				if len(rs) != 1 || rs[0].Status != "dead" || rs[0].Attempts != 3 || !strings.Contains(rs[0].LastError, "451") ||
					rs[0].TextBody != "" || rs[0].HTMLBody != "" {
					t.Fatalf("row %+v", rs)
				}
				if n := sender.callCount(); n != 3 {
					t.Fatalf("%d attempts, want 3", n)
				}
				if sent, failed, dead := o.Counters(); sent != 0 || failed != 2 || dead != 1 {
					t.Fatalf("Counters = %d, %d, %d", sent, failed, dead)
				}
				if strings.Contains(logs.String(), "SECRET") {
					t.Fatalf("logs hold the message body:\n%s", logs.String())
				}
				if !strings.Contains(logs.String(), "given up") {
					t.Fatalf("logs do not report the dead message:\n%s", logs.String())
				}
			})

			t.Run("invalid_address_refused_at_queue_time", func(t *testing.T) {
				db := openDB(t, kind)
				o := newOutbox(t, db, &mail.Recorder{}, Options{})
				if err := o.Send(context.Background(), envelope("not an address", "x")); err == nil {
					t.Fatal("want an error")
				}
				if rs := rows(t, db); len(rs) != 0 {
					t.Fatalf("rows %+v", rs)
				}
			})

			t.Run("queued_while_stopped_sent_by_next_worker", func(t *testing.T) {
				db := openDB(t, kind)
				rec := &mail.Recorder{}
				first, err := New(db, rec, Options{})
				if err != nil {
					t.Fatal(err)
				}
				first.Start()
				if err := first.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
				// The request context ends at once: the queued row must survive it.
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				if err := first.Send(ctx, envelope("dan@example.com", "durable")); err != nil {
					t.Fatal(err)
				}
				if n := len(rec.Messages()); n != 0 {
					t.Fatalf("a stopped outbox sent %d messages", n)
				}
				// A restart: a new outbox on the same database delivers it.
				second := newOutbox(t, db, rec, Options{})
				flush(t, second)
				if got := rec.Messages(); len(got) != 1 || got[0].Subject != "durable" {
					t.Fatalf("sent %+v", got)
				}
			})

			t.Run("close_waits_for_the_send_under_way", func(t *testing.T) {
				db := openDB(t, kind)
				sender := &flakySender{delay: 200 * time.Millisecond}
				o, err := New(db, sender, Options{})
				if err != nil {
					t.Fatal(err)
				}
				o.Start()
				if err := o.Send(context.Background(), envelope("eve@example.com", "slow")); err != nil {
					t.Fatal(err)
				}
				eventually(t, 5*time.Second, "send started", func() bool { return rows(t, db)[0].Attempts == 1 })
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := o.Close(ctx); err != nil {
					t.Fatal(err)
				}
				select {
				case <-o.Stopped():
				default:
					t.Fatal("worker still running after Close")
				}
				if rs := rows(t, db); len(sender.messages()) != 1 || rs[0].Status != "sent" {
					t.Fatalf("in-flight send not finished: %+v", rs)
				}
			})
		})
	}
}
