// Package smtptest is an SMTP receiver on 127.0.0.1 for tests: just enough of the
// protocol for accountd's SMTP sender (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no
// TLS, no AUTH). It can be started on an address reserved in advance, so that a test can
// point a sender at a mail server that is down (connections refused) and bring it up
// later.
package smtptest

import (
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running receiver.
type Server struct {
	ln net.Listener
	wg sync.WaitGroup

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{} // closed and replaced on every message
}

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	// Data is the message as sent after DATA, headers and body.
	Data string
}

// Reserve returns a 127.0.0.1 address where nothing listens: connecting to it is
// refused until Start listens there.
func Reserve(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Start listens on addr and serves until the test ends.
func Start(t testing.TB, addr string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, arrived: make(chan struct{})}
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	s.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(conn) })
		}
	})
	return s
}

// Received returns the messages accepted so far, oldest first.
func (s *Server) Received() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits until n messages arrived and returns them, failing the test after
// timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, arrived := append([]Message(nil), s.messages...), s.arrived
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("%d of %d messages arrived within %v", len(got), n, timeout)
		}
	}
}

func (s *Server) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	reply := func(line string) bool { return tp.PrintfLine("%s", line) == nil }
	if !reply("220 outbox.test ESMTP") {
		return
	}
	var cur Message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-outbox.test")
			reply("250 8BITMIME")
		case "HELO", "NOOP":
			reply("250 ok")
		case "RSET":
			cur = Message{}
			reply("250 ok")
		case "MAIL":
			cur = Message{From: angleAddr(arg)}
			reply("250 ok")
		case "RCPT":
			cur.To = append(cur.To, angleAddr(arg))
			reply("250 ok")
		case "DATA":
			if len(cur.To) == 0 {
				reply("503 no recipients")
				continue
			}
			reply("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Data = string(data)
			s.mu.Lock()
			s.messages = append(s.messages, cur)
			close(s.arrived)
			s.arrived = make(chan struct{})
			s.mu.Unlock()
			cur = Message{}
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

// angleAddr pulls the address out of "FROM:<a@example.com> BODY=8BITMIME".
func angleAddr(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}
