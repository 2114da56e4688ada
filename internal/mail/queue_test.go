package mail

import (
	"context"
	"sync"
	"testing"
	"time"
)

// slowSender blocks every send until released.
type slowSender struct {
	release chan struct{}
	mu      sync.Mutex
	sent    []Envelope
}

func (s *slowSender) Send(ctx context.Context, e Envelope) error {
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, e)
	return nil
}

func TestQueue(t *testing.T) {
	t.Run("send_does_not_wait_for_the_server", func(t *testing.T) {
		slow := &slowSender{release: make(chan struct{})}
		q := NewQueue(slow, 1, 10, nil)
		done := make(chan error, 1)
		go func() { done <- q.Send(context.Background(), Envelope{To: "a@example.com"}) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Send waited for the slow server")
		}
		close(slow.release)
		if err := q.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(slow.sent) != 1 {
			t.Fatalf("sent %d, want 1", len(slow.sent))
		}
	})
	t.Run("close_drains_then_refuses", func(t *testing.T) {
		slow := &slowSender{release: make(chan struct{})}
		close(slow.release)
		q := NewQueue(slow, 2, 10, nil)
		for range 5 {
			if err := q.Send(context.Background(), Envelope{To: "a@example.com"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(slow.sent) != 5 {
			t.Fatalf("sent %d of 5 before closing", len(slow.sent))
		}
		if err := q.Send(context.Background(), Envelope{}); err != ErrQueueClosed {
			t.Fatalf("Send after Close = %v", err)
		}
	})
}
