package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultSMTPTimeout bounds a whole SMTP exchange when the context has no earlier deadline.
const DefaultSMTPTimeout = 10 * time.Second

// SMTP sends mail through an SMTP server. Build it with NewSMTP; it is safe for concurrent
// use (each Send opens its own connection).
//
// Certificates are always verified: there is deliberately no option to skip that.
type SMTP struct {
	addr        string // host:port
	host        string // for certificate checks and PLAIN auth's localhost exception
	username    string
	password    string
	implicitTLS bool
	timeout     time.Duration
	localName   string      // EHLO name
	tlsConfig   *tls.Config // nil: system roots; tests add their own CA

	// dial opens the TCP connection; tests point it at a fake server under another name.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewSMTP returns an SMTP sender for smtp://[user:pass@]host[:port] (STARTTLS when the
// server offers it, port 587 by default) or smtps://[user:pass@]host[:port] (implicit TLS,
// port 465 by default). Special characters in the user name and password must be
// percent-encoded. Errors never repeat the password.
func NewSMTP(rawURL string) (*SMTP, error) {
	// Errors below quote no part of the URL but its scheme: when special characters in a
	// password are not percent-encoded, url.Parse can file pieces of the password under
	// the host, port or path.
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s := &SMTP{timeout: DefaultSMTPTimeout, localName: "localhost"}
	var defaultPort string
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		defaultPort = "587"
	case "smtps":
		defaultPort, s.implicitTLS = "465", true
	default:
		return nil, fmt.Errorf("mail: SMTP URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("mail: SMTP URL must look like %s://host:port", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("mail: SMTP URL has no host")
	}
	port := u.Port()
	if port == "" {
		port = defaultPort
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return nil, errors.New("mail: SMTP URL has an invalid port (want 1-65535)")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("mail: SMTP URL must not have a path (percent-encode / in the user name and password)")
	}
	// No query option is supported. Refusing them all means that a setting someone expects
	// to work (say, skipping certificate checks) fails loudly instead of being ignored.
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("mail: SMTP URL: options after ? or # are not supported (percent-encode ? and # in the user name and password)")
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
		if s.username == "" {
			return nil, errors.New("mail: SMTP URL has a password but no user name")
		}
	}
	return s, nil
}

// String describes the server without the password, so that logging the sender is safe.
func (s *SMTP) String() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.implicitTLS {
		u.Scheme = "smtps"
	}
	if s.username != "" {
		u.User = url.User(s.username)
	}
	return u.String()
}

// Send delivers e. The exchange ends by ctx's deadline or after the sender's timeout
// (DefaultSMTPTimeout), whichever comes first.
func (s *SMTP) Send(ctx context.Context, e Envelope) error {
	msg, from, to, err := buildMessage(e, time.Now())
	if err != nil {
		return err
	}
	timeout := s.timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	// WithTimeout keeps the caller's deadline when it is the earlier one.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	conn, err := s.connect(ctx)
	if err != nil {
		return fmt.Errorf("mail: smtp %s: connect: %w", s.addr, err)
	}
	defer conn.Close()
	// net/smtp knows nothing of contexts: a deadline on the connection bounds every read
	// and write, and closing it on cancellation unblocks one in progress.
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("mail: smtp %s: %w", s.addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if err := s.exchange(conn, from, to, msg); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("mail: smtp %s: %w (%v)", s.addr, ctxErr, err)
		}
		return fmt.Errorf("mail: smtp %s: %w", s.addr, err)
	}
	return nil
}

// connect dials the server, and does the TLS handshake first for smtps.
func (s *SMTP) connect(ctx context.Context) (net.Conn, error) {
	dial := s.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(ctx, "tcp", s.addr)
	if err != nil {
		return nil, err
	}
	if !s.implicitTLS {
		return conn, nil
	}
	tc := tls.Client(conn, s.tlsConfigFor())
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// exchange speaks SMTP on conn: EHLO, STARTTLS when offered, AUTH when configured, then
// one message.
func (s *SMTP) exchange(conn net.Conn, from, to string, msg []byte) error {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(s.localName); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfigFor()); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		}
	}
	if s.username != "" {
		// Configured credentials mean the server is expected to want them: sending
		// anonymously instead would hide a misconfiguration.
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("AUTH: credentials are configured but the server does not offer AUTH")
		}
		// PlainAuth itself refuses to send the credentials unless the connection is
		// encrypted or the host is localhost, whatever the server advertises.
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The server has accepted the message. A failed QUIT must not make the caller retry
	// and deliver it twice.
	_ = c.Quit()
	return nil
}

// tlsConfigFor returns the TLS settings for this server: certificates verified against
// the host name.
func (s *SMTP) tlsConfigFor() *tls.Config {
	var cfg *tls.Config
	if s.tlsConfig != nil {
		cfg = s.tlsConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	cfg.ServerName = s.host
	cfg.MinVersion = tls.VersionTLS12
	return cfg
}
