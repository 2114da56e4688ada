// Package smtptest is an SMTP receiver on 127.0.0.1 for tests: just enough of the
// protocol for accountd's SMTP sender (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT,
// and on request STARTTLS, implicit TLS and AUTH PLAIN). It can be started on an address
// reserved in advance, so that a test can point a sender at a mail server that is down
// (connections refused) and bring it up later.
package smtptest

import (
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running receiver.
type Server struct {
	ln   net.Listener
	wg   sync.WaitGroup
	opts Options

	mu           sync.Mutex
	messages     []Message
	arrived      chan struct{} // closed and replaced on every message
	authAttempts int
}

// Options are what the server offers beyond plain SMTP. The zero value offers nothing.
type Options struct {
	// StartTLS, when set, is offered as STARTTLS.
	StartTLS *tls.Config
	// ImplicitTLS, when set, wraps every connection in TLS from the start (smtps).
	ImplicitTLS *tls.Config
	// User and Pass, when User is set, make the server offer AUTH PLAIN and require it.
	User, Pass string
}

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	// Data is the message as sent after DATA, headers and body.
	Data string
	// TLS tells whether the message came over TLS.
	TLS bool
	// AuthUser is the user the client authenticated as, if it did.
	AuthUser string
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

// Start listens on addr and serves plain SMTP until the test ends.
func Start(t testing.TB, addr string) *Server {
	t.Helper()
	return StartWith(t, addr, Options{})
}

// StartWith is Start with the extensions of o.
func StartWith(t testing.TB, addr string, o Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if o.ImplicitTLS != nil {
		ln = tls.NewListener(ln, o.ImplicitTLS)
	}
	s := &Server{ln: ln, opts: o, arrived: make(chan struct{})}
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

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// AuthAttempts counts the AUTH commands received, successful or not.
func (s *Server) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authAttempts
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
	defer func() { conn.Close() }() // conn changes on STARTTLS
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, isTLS := conn.(*tls.Conn)
	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) bool { return tp.PrintfLine(format, args...) == nil }
	if !reply("220 smtptest ESMTP") {
		return
	}
	var cur Message
	authUser := ""
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"smtptest"}
			if s.opts.StartTLS != nil && !isTLS {
				ext = append(ext, "STARTTLS")
			}
			if s.opts.User != "" {
				ext = append(ext, "AUTH PLAIN")
			}
			ext = append(ext, "8BITMIME")
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "HELO", "NOOP":
			reply("250 ok")
		case "RSET":
			cur = Message{}
			reply("250 ok")
		case "STARTTLS":
			if s.opts.StartTLS == nil || isTLS {
				reply("502 not available")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(conn, s.opts.StartTLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, isTLS, tp = tc, true, textproto.NewConn(tc)
			authUser = "" // RFC 3207: forget everything learnt before TLS
		case "AUTH":
			user, ok := s.auth(tp, arg)
			if !ok {
				return
			}
			if user != "" {
				authUser = user
			}
		case "MAIL":
			if s.opts.User != "" && authUser == "" {
				reply("530 authentication required")
				continue
			}
			cur = Message{From: angleAddr(arg), TLS: isTLS, AuthUser: authUser}
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

// auth answers AUTH with arg ("PLAIN [initial-response]"): user is who authenticated,
// "" if nobody did; ok is false when the connection failed.
func (s *Server) auth(tp *textproto.Conn, arg string) (user string, ok bool) {
	s.mu.Lock()
	s.authAttempts++
	s.mu.Unlock()
	mech, resp, _ := strings.Cut(arg, " ")
	if s.opts.User == "" || !strings.EqualFold(mech, "PLAIN") {
		return "", tp.PrintfLine("504 unsupported mechanism") == nil
	}
	if resp == "" {
		if tp.PrintfLine("334 ") != nil {
			return "", false
		}
		var err error
		if resp, err = tp.ReadLine(); err != nil {
			return "", false
		}
	}
	dec, _ := base64.StdEncoding.DecodeString(resp)
	parts := strings.Split(string(dec), "\x00")
	if len(parts) != 3 || parts[1] != s.opts.User || parts[2] != s.opts.Pass {
		return "", tp.PrintfLine("535 authentication failed") == nil
	}
	return parts[1], tp.PrintfLine("235 ok") == nil
}

// angleAddr pulls the address out of "FROM:<a@example.com> BODY=8BITMIME".
func angleAddr(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}
