package mail

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRecorder(t *testing.T) {
	ctx := context.Background()
	envelopeTo := func(to, subject string) Envelope {
		e := testEnvelope()
		e.To, e.Subject = to, subject
		return e
	}

	t.Run("messages_and_last", func(t *testing.T) {
		var r Recorder
		for _, e := range []Envelope{envelopeTo("alice@example.com", "1"), envelopeTo("bob@example.com", "2"), envelopeTo("Alice <ALICE@example.com>", "3")} {
			if err := r.Send(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		msgs := r.Messages()
		if len(msgs) != 3 || msgs[0].Subject != "1" || msgs[2].Subject != "3" {
			t.Fatalf("Messages() = %+v", msgs)
		}
		msgs[0].Subject = "changed"
		if r.Messages()[0].Subject != "1" {
			t.Error("Messages() returned the recorder's own slice")
		}
		// The address matches without regard to case or display name.
		if e, ok := r.Last("alice@example.com"); !ok || e.Subject != "3" {
			t.Errorf("Last(alice) = %q, %v; want the third message", e.Subject, ok)
		}
		if _, ok := r.Last("carol@example.com"); ok {
			t.Error("Last(carol) found a message")
		}
	})

	t.Run("wait_for_later_message", func(t *testing.T) {
		var r Recorder
		go func() {
			time.Sleep(20 * time.Millisecond)
			_ = r.Send(ctx, envelopeTo("bob@example.com", "other"))
			_ = r.Send(ctx, envelopeTo("alice@example.com", "first"))
			_ = r.Send(ctx, envelopeTo("alice@example.com", "second"))
		}()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		got, err := r.WaitFor(ctx, "alice@example.com", 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Subject != "first" || got[1].Subject != "second" {
			t.Errorf("WaitFor = %+v", got)
		}
	})

	t.Run("wait_for_times_out", func(t *testing.T) {
		var r Recorder
		_ = r.Send(ctx, envelopeTo("alice@example.com", "only"))
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		got, err := r.WaitFor(ctx, "alice@example.com", 2)
		if !errors.Is(err, context.DeadlineExceeded) || len(got) != 1 {
			t.Errorf("WaitFor = %d messages, %v; want 1 and a deadline error", len(got), err)
		}
	})
}

func TestFindLink(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"Open this link:\n\nhttps://app.example.com/activate?token=abc&x=1\n", "https://app.example.com/activate?token=abc&x=1"},
		{"Go to http://localhost:8080/reset/NQ/tok.", "http://localhost:8080/reset/NQ/tok"},
		{"(see https://example.com/a)", "https://example.com/a"},
		{`<a href="https://example.com/x">`, "https://example.com/x"},
		{"ftp://example.com and mailto:a@example.com", ""},
		{"no link here", ""},
	} {
		if got := FindLink(tc.body); got != tc.want {
			t.Errorf("FindLink(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}
