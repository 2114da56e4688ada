package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/mail/smtptest"
)

// newTestSMTP parses rawURL and, when redirect is set, connects to it instead of the
// URL's host: the client still believes it talks to that host (certificate name, PLAIN's
// localhost rule).
func newTestSMTP(t *testing.T, rawURL, redirect string) *SMTP {
	t.Helper()
	s, err := NewSMTP(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	if redirect != "" {
		s.dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, redirect)
		}
	}
	return s
}

// onlyMail returns the one message the server accepted.
func onlyMail(t *testing.T, f *smtptest.Server) smtptest.Message {
	t.Helper()
	got := f.Received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	return got[0]
}

func TestSMTP(t *testing.T) {
	ctx := context.Background()
	cert, roots := smtptest.Certificate(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}

	t.Run("delivers_to_localhost_with_auth", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{User: "bob", Pass: "s3cret"})
		s := newTestSMTP(t, "smtp://bob:s3cret@"+f.Addr(), "")
		if err := s.Send(ctx, testEnvelope()); err != nil {
			t.Fatal(err)
		}
		m := onlyMail(t, f)
		if m.From != "no-reply@example.com" || len(m.To) != 1 || m.To[0] != "alice@example.com" {
			t.Errorf("envelope from %q to %q", m.From, m.To)
		}
		if m.AuthUser != "bob" {
			t.Errorf("authenticated as %q, want bob", m.AuthUser)
		}
		checkMessage(t, []byte(m.Data))
	})

	t.Run("no_auth_without_credentials", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{})
		if err := newTestSMTP(t, "smtp://"+f.Addr(), "").Send(ctx, testEnvelope()); err != nil {
			t.Fatal(err)
		}
		if m := onlyMail(t, f); m.AuthUser != "" || f.AuthAttempts() != 0 {
			t.Errorf("client authenticated without credentials")
		}
	})

	t.Run("starttls_when_offered", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{StartTLS: serverTLS, User: "bob", Pass: "s3cret"})
		s := newTestSMTP(t, "smtp://bob:s3cret@mail.example.test:587", f.Addr())
		s.tlsConfig = &tls.Config{RootCAs: roots}
		if err := s.Send(ctx, testEnvelope()); err != nil {
			t.Fatal(err)
		}
		m := onlyMail(t, f)
		if !m.TLS || m.AuthUser != "bob" {
			t.Errorf("TLS %v, authenticated as %q; want TLS and bob", m.TLS, m.AuthUser)
		}
		checkMessage(t, []byte(m.Data))
	})

	t.Run("implicit_tls", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{ImplicitTLS: serverTLS, User: "bob", Pass: "s3cret"})
		s := newTestSMTP(t, "smtps://bob:s3cret@mail.example.test", f.Addr())
		s.tlsConfig = &tls.Config{RootCAs: roots}
		if err := s.Send(ctx, testEnvelope()); err != nil {
			t.Fatal(err)
		}
		if m := onlyMail(t, f); !m.TLS || m.AuthUser != "bob" {
			t.Errorf("TLS %v, authenticated as %q; want TLS and bob", m.TLS, m.AuthUser)
		}
	})

	t.Run("untrusted_certificate_refused", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{StartTLS: serverTLS, User: "bob", Pass: "s3cret"})
		// A pool without the test server's self-signed certificate (the system roots
		// would do too, but an empty pool keeps the error the same on every machine).
		s := newTestSMTP(t, "smtp://bob:s3cret@mail.example.test", f.Addr())
		s.tlsConfig = &tls.Config{RootCAs: x509.NewCertPool()}
		err := s.Send(ctx, testEnvelope())
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("Send = %v, want a certificate error", err)
		}
		if f.AuthAttempts() != 0 || len(f.Received()) != 0 {
			t.Error("client went on after a failed certificate check")
		}
	})

	t.Run("certificate_for_another_host_refused", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{StartTLS: serverTLS})
		s := newTestSMTP(t, "smtp://other.example.test", f.Addr())
		s.tlsConfig = &tls.Config{RootCAs: roots}
		if err := s.Send(ctx, testEnvelope()); err == nil {
			t.Fatal("Send succeeded with a certificate for another name")
		}
	})

	t.Run("credentials_never_sent_in_clear_to_remote_host", func(t *testing.T) {
		// The server offers AUTH but no STARTTLS, as a downgrading attacker would.
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{User: "bob", Pass: "s3cret"})
		s := newTestSMTP(t, "smtp://bob:s3cret@mail.example.test", f.Addr())
		err := s.Send(ctx, testEnvelope())
		if err == nil || !strings.Contains(err.Error(), "unencrypted") {
			t.Fatalf("Send = %v, want an unencrypted-connection error", err)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
		if f.AuthAttempts() != 0 || len(f.Received()) != 0 {
			t.Error("credentials or message went over a plain connection")
		}
	})

	t.Run("credentials_but_server_offers_no_auth", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{})
		err := newTestSMTP(t, "smtp://bob:s3cret@"+f.Addr(), "").Send(ctx, testEnvelope())
		if err == nil || !strings.Contains(err.Error(), "AUTH") {
			t.Fatalf("Send = %v, want an AUTH error", err)
		}
		if len(f.Received()) != 0 {
			t.Error("message sent without the configured authentication")
		}
	})

	t.Run("wrong_password", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{User: "bob", Pass: "s3cret"})
		err := newTestSMTP(t, "smtp://bob:wr0ng@"+f.Addr(), "").Send(ctx, testEnvelope())
		if err == nil || !strings.Contains(err.Error(), "535") {
			t.Fatalf("Send = %v, want the server's 535", err)
		}
		if strings.Contains(err.Error(), "wr0ng") {
			t.Errorf("error shows the password: %v", err)
		}
	})

	t.Run("bad_recipient_not_sent", func(t *testing.T) {
		f := smtptest.StartWith(t, "127.0.0.1:0", smtptest.Options{})
		e := testEnvelope()
		e.To = "alice@example.com>\r\nRCPT TO:<victim@example.net"
		if err := newTestSMTP(t, "smtp://"+f.Addr(), "").Send(ctx, e); err == nil {
			t.Fatal("Send succeeded")
		}
		if len(f.Received()) != 0 {
			t.Error("message sent")
		}
	})

	t.Run("down_server_fails_fast", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there any more
		s := newTestSMTP(t, "smtp://"+addr, "")
		s.timeout = time.Second
		start := time.Now()
		if err := s.Send(ctx, testEnvelope()); err == nil {
			t.Fatal("Send to a closed port succeeded")
		}
		if elapsed := time.Since(start); elapsed > s.timeout {
			t.Errorf("Send took %v, more than the %v timeout", elapsed, s.timeout)
		}
	})

	// silentServer accepts connections and never answers, like a black-holed port.
	silentServer := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var conns []net.Conn
		t.Cleanup(func() {
			ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
		return ln.Addr().String()
	}

	t.Run("silent_server_times_out", func(t *testing.T) {
		s := newTestSMTP(t, "smtp://"+silentServer(t), "")
		s.timeout = 200 * time.Millisecond
		start := time.Now()
		err := s.Send(ctx, testEnvelope())
		if err == nil {
			t.Fatal("Send to a silent server succeeded")
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("Send took %v with a %v timeout", elapsed, s.timeout)
		}
	})

	t.Run("context_deadline_bounds_exchange", func(t *testing.T) {
		s := newTestSMTP(t, "smtp://"+silentServer(t), "") // default 10 s timeout
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := s.Send(ctx, testEnvelope()); err == nil {
			t.Fatal("Send to a silent server succeeded")
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("Send took %v with a 200ms context deadline", elapsed)
		}
	})

	t.Run("context_cancel_stops_exchange", func(t *testing.T) {
		s := newTestSMTP(t, "smtp://"+silentServer(t), "")
		ctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := s.Send(ctx, testEnvelope())
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("Send took %v after cancellation", elapsed)
		}
	})

	t.Run("string_hides_password", func(t *testing.T) {
		s := newTestSMTP(t, "smtps://bob:s3cret@mail.example.com", "")
		if got := s.String(); got != "smtps://bob@mail.example.com:465" {
			t.Errorf("String() = %q", got)
		}
	})
}
